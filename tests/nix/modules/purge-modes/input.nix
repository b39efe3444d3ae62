# Each purge mode on its own connection; a pool without volumes.
{
  connections = {
    "qemu:///system" = {
      purge = "undeclared";
      networks = [ { definition = "/NIXVIRT_DEFS/net-default.xml"; } ];
    };
    "qemu:///session" = {
      purge = "managed";
      pools = [ { definition = "/NIXVIRT_DEFS/pool-images.xml"; active = true; } ];
      domains = [ { definition = "/NIXVIRT_DEFS/dom-web.xml"; } ];
    };
    "test:///default" = {
      purge = "none";
      domains = [ { definition = "/NIXVIRT_DEFS/dom-build.xml"; active = false; } ];
    };
  };
}
