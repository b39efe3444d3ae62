# A qcow2 overlay on a backing image: compat level, cluster size, lazy
# refcounts (an empty element as `true`), permissions, sparse allocation.
_lib: {
  name = "web.qcow2";
  capacity = {
    count = 20;
    unit = "GiB";
  };
  allocation = 0;
  target = {
    format.type = "qcow2";
    permissions = {
      mode = "0600";
      owner = 107;
      group = 107;
    };
    compat = "1.1";
    clusterSize = {
      count = 64;
      unit = "KiB";
    };
    features.lazy_refcounts = true;
  };
  backingStore = {
    path = "/var/lib/libvirt/images/nixos-base.qcow2";
    format.type = "qcow2";
  };
}
