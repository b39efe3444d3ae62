# expect: nixvirt: pool.source.dirr: unknown attribute/element
lib: lib.pool.getXML { type = "dir"; name = "p"; source.dirr.path = "/x"; }
