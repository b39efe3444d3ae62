# expect: nixvirt: domain.name: expected text, found a bool
lib: lib.domain.getXML { name = true; }
