# expect: nixvirt: domain.devices.interface.driver.mode: unknown attribute/element
# NixVirt's check domain/issues writes this; libvirt's schema has no such attribute.
lib: lib.strict.domain.getXML { name = "x"; devices.interface = { type = "network"; driver = { name = "vhost"; mode = "client"; }; }; }
