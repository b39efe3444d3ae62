# expect: nixvirt: network.ip[1].dhcp.hots: unknown attribute/element; did you mean `host`? expected one of: bootp, host, range
lib:
lib.strict.network.getXML {
  name = "n";
  ip = [
    { address = "10.0.0.1"; prefix = 24; }
    { family = "ipv6"; address = "fd00::1"; prefix = 64; dhcp.hots = [ ]; }
  ];
}
