# A typo NixVirt drops without a word (the guest lost its MAC address):
# `devices.interfaces` for `devices.interface`.
lib: {
  type = "kvm";
  name = "web";
  memory = { count = 2; unit = "GiB"; };
  devices = {
    disk = { type = "file"; device = "disk"; source.file = "/var/lib/web.qcow2"; target.dev = "vda"; };
    interfaces = [
      { type = "bridge"; mac.address = "52:54:00:12:34:56"; source.bridge = "br0"; model.type = "virtio"; }
    ];
  };
}
