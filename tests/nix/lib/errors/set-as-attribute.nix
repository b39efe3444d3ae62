# expect: nixvirt: domain.devices.disk.type: an attribute takes a string, number or path, found an attribute set
lib: lib.domain.getXML { name = "x"; devices.disk = { type = { file = "/x"; }; }; }
