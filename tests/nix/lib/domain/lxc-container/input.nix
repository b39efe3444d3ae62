# A valid LXC container: init with arguments and environment, user
# namespace id maps, a bind-mounted directory, a network interface, a
# console and the lxc:namespace extension (prefix style).
lib: {
  type = "lxc";
  name = "ct1";
  memory = {
    count = 512;
    unit = "MiB";
  };
  os = {
    type = "exe";
    init = "/sbin/init";
    initarg = [
      "--log-target=console"
      "--unit=multi-user.target"
    ];
    initenv = {
      name = "container";
      value = "lxc-libvirt";
    };
  };
  idmap = {
    uid = {
      start = 0;
      target = 100000;
      count = 65536;
    };
    gid = {
      start = 0;
      target = 100000;
      count = 65536;
    };
  };
  features.privnet = true;
  devices = {
    emulator = "/run/current-system/sw/libexec/libvirt_lxc";
    filesystem = {
      type = "mount";
      accessmode = "passthrough";
      source.dir = "/var/lib/containers/ct1";
      target.dir = "/";
    };
    interface = {
      type = "network";
      source.network = "default";
    };
    console = {
      type = "pty";
      target = {
        type = "lxc";
        port = 0;
      };
    };
  };
  "lxc:namespace".sharenet = {
    type = "netns";
    value = "red";
  };
}
