# The Home Manager activation step: state under $XDG_STATE_HOME, HM's
# DRY_RUN and VERBOSE honoured, the session daemon's PATH extended.
{
  connections."qemu:///session" = {
    pools = [
      {
        definition = "/NIXVIRT_DEFS/pool-images.xml";
        active = true;
        volumes = [ { definition = "/NIXVIRT_DEFS/vol-disk.xml"; } ];
      }
    ];
    domains = [ { definition = "/NIXVIRT_DEFS/dom-web.xml"; active = true; } ];
  };
  script = {
    homeManager = true;
    path = [ "/NIXVIRT_LIBVIRT/bin" "/NIXVIRT_LIBVIRT/sbin" ];
  };
}
