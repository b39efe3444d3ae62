# expect: nixvirt: domain: expected an attribute set, found a string
lib: lib.domain.getXML "<domain/>"
