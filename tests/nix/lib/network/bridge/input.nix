# Guests on an existing host bridge (no addresses managed by libvirt).
_lib: {
  name = "host-bridge";
  uuid = "3c0e5f4a-9b8d-4c7e-8f6a-5b4c3d2e1f00";
  forward.mode = "bridge";
  bridge.name = "br0";
}
