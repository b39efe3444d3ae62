# A Ceph RBD pool with cephx authentication and a config option
# (rbd-config_opts, dash style).
_lib: {
  type = "rbd";
  name = "ceph";
  uuid = "2b3c4d5e-6f70-4a81-9b2c-3d4e5f607182";
  source = {
    name = "libvirt-pool";
    host = [
      {
        name = "mon1.lan";
        port = 6789;
      }
      { name = "mon2.lan"; }
    ];
    auth = {
      type = "ceph";
      username = "libvirt";
      secret.uuid = "2ec115d7-3a88-3ceb-bc12-0ac909a6fd87";
    };
  };
  rbd-config_opts.option = {
    name = "rbd_cache";
    value = "true";
  };
}
