# An attribute libvirt does not have: `cpu.cacheMode` (libvirt's is
# <cache mode=...> inside <cpu>).
lib: {
  type = "kvm";
  name = "fast";
  cpu = { mode = "host-passthrough"; check = "none"; cacheMode = "passthrough"; };
}
