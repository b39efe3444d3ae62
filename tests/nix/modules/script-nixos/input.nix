# The script of the NixOS service: -v, --wait, --timeout and --state-dir for each
# connection; a URI with a quote in it stays one shell word.
{
  connections = {
    "qemu:///system" = {
      domains = [ { definition = "/NIXVIRT_DEFS/dom-web.xml"; active = true; } ];
    };
    "qemu+ssh://o'brien@vmhost.example/system" = {
      networks = [ { definition = "/NIXVIRT_DEFS/net-default.xml"; } ];
    };
  };
  script = {
    verbose = true;
    stateDir = "/var/lib/nixvirt";
    wait = 30;
    timeout = 600;
  };
}
