# Several connections, one of them remote: one manifest each, named after
# the URI.
{
  connections = {
    "qemu:///system" = {
      networks = [ { definition = "/NIXVIRT_DEFS/net-default.xml"; active = true; } ];
      domains = [ { definition = "/NIXVIRT_DEFS/dom-web.xml"; active = true; } ];
    };
    "qemu+ssh://root@vmhost.example/system" = {
      purge = "managed";
      domains = [ { definition = "/NIXVIRT_DEFS/dom-build.xml"; active = true; } ];
    };
  };
}
