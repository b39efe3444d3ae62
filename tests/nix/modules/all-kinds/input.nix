# All three kinds, with every value of active and restart, a shutdown
# timeout, and volumes: from a definition, by name and definition, and a
# deletion by name (present = false). Attributes left out take the defaults.
{
  connections."qemu:///system" = {
    networks = [
      { definition = "/NIXVIRT_DEFS/net-default.xml"; active = true; }
      { definition = "/NIXVIRT_DEFS/net-isolated.xml"; active = false; restart = false; }
    ];
    pools = [
      {
        definition = "/NIXVIRT_DEFS/pool-images.xml";
        active = true;
        restart = true;
        volumes = [
          { definition = "/NIXVIRT_DEFS/vol-disk.xml"; }
          { name = "data.raw"; definition = "/NIXVIRT_DEFS/vol-data.xml"; present = true; }
          { name = "old.qcow2"; present = false; }
        ];
      }
    ];
    domains = [
      { definition = "/NIXVIRT_DEFS/dom-web.xml"; active = true; shutdownTimeout = 60; }
      { definition = "/NIXVIRT_DEFS/dom-build.xml"; restart = true; }
    ];
  };
}
