# expect: nixvirt: domain.description: control characters cannot be written in XML
lib: lib.domain.getXML { name = "x"; description = "bell: " + builtins.fromJSON ''"\u0007"''; }
