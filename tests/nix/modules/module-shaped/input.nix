# Values as the module system hands them over: every option present, with
# its default where it was not set.
{
  connections."qemu:///system" = {
    purge = "undeclared";
    networks = [
      { definition = "/NIXVIRT_DEFS/net-default.xml"; active = null; restart = null; }
    ];
    pools = [
      {
        definition = "/NIXVIRT_DEFS/pool-images.xml";
        active = null;
        restart = null;
        volumes = [
          { present = true; name = null; definition = "/NIXVIRT_DEFS/vol-disk.xml"; }
          { present = false; name = "old.qcow2"; definition = null; }
        ];
      }
    ];
    domains = [
      { definition = "/NIXVIRT_DEFS/dom-web.xml"; active = null; restart = null; shutdownTimeout = null; }
    ];
  };
}
