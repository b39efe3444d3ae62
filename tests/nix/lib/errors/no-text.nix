# expect: nixvirt: domain.devices.disk: <disk> has no text; expected an attribute set
lib: lib.domain.getXML { name = "x"; devices.disk = "/var/lib/x.qcow2"; }
