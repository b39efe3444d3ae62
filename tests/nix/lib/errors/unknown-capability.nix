# expect: nixvirt: domain.features.capabilities.bpf: unknown attribute/element
# NixVirt's check domain/template-lxc writes this; libvirt's schema has no such capability.
lib: lib.strict.domain.getXML { name = "x"; features.capabilities = { policy = "default"; bpf.state = false; }; }
