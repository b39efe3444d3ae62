# expect: nixvirt: network.forward.mode: an attribute takes a string, number or path, found a list
lib: lib.network.getXML { name = "n"; forward.mode = [ "nat" ]; }
