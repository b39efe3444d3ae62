# expect: nixvirt: pool.source.dirr: unknown attribute/element; did you mean `dir`? expected one of: 
lib: lib.strict.pool.getXML { type = "dir"; name = "p"; source.dirr.path = "/x"; }
