# An isolated network (no forward) with IPv6 between guests, DHCP, and
# dnsmasq options in NixVirt's dash form (`dnsmasq-options`: written with
# xmlns='...' on <options>).
_lib: {
  name = "isolated";
  uuid = "e2f3a4b5-c6d7-4e8f-9a0b-1c2d3e4f5a6b";
  ipv6 = true;
  bridge.name = "virbr20";
  dns.enable = true;
  ip = {
    address = "10.20.0.1";
    prefix = 24;
    localPtr = true;
    dhcp = {
      range = {
        start = "10.20.0.10";
        end = "10.20.0.250";
      };
      bootp = {
        file = "pxelinux.0";
        server = "10.20.0.1";
      };
    };
    tftp.root = "/srv/tftp";
  };
  dnsmasq-options.option = [
    { value = "dhcp-option=option:ntp-server,10.20.0.1"; }
    { value = "log-dhcp"; }
  ];
}
