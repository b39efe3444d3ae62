# expect: nixvirt: domain.memroy: unknown attribute/element; expected one of: 
lib: lib.domain.getXML { name = "x"; memroy = 4; }
