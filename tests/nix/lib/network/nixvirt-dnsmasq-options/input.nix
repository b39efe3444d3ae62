# NixVirt check network/dnsmasq-options: a NAT network with DNS off and a
# dnsmasq option (prefixed keys: xmlns:dnsmasq goes on <network>).
_lib: {
  name = "test-dnsmasq-options";
  uuid = "7f3caa98-cf49-4a7a-8796-a950723571a4";
  forward = {
    mode = "nat";
    nat.port = {
      start = 1024;
      end = 65535;
    };
  };
  bridge.name = "virbr1";
  ip = {
    address = "192.168.1.1";
    netmask = "255.255.255.0";
    dhcp.range = {
      start = "192.168.1.2";
      end = "192.168.1.254";
    };
  };
  dns.enable = false;
  "dnsmasq:options"."dnsmasq:option" = [ { value = "dhcp-option=6,9.9.9.10"; } ];
}
