# expect: nixvirt: domain.devices.disk.device: this attribute does not take a boolean
lib: lib.domain.getXML { name = "x"; devices.disk = { type = "file"; device = true; }; }
