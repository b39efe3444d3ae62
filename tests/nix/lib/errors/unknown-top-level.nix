# expect: nixvirt: domain.memroy: unknown attribute/element; did you mean `memory`? expected one of: 
lib: lib.strict.domain.getXML { name = "x"; memroy = 4; }
