# expect: nixvirt: volume.target.formt: unknown attribute/element; did you mean `format`? expected one of: 
lib: lib.strict.volume.getXML { name = "v"; capacity = 1; target.formt.type = "qcow2"; }
