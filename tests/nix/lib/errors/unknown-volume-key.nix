# expect: nixvirt: volume.target.formt: unknown attribute/element; expected one of: 
lib: lib.volume.getXML { name = "v"; capacity = 1; target.formt.type = "qcow2"; }
