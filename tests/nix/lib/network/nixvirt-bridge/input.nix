# NixVirt check network/bridge: the bridge template with fixed DHCP hosts
# (with and without name or MAC).
lib:
lib.network.templates.bridge {
  name = "test-bridge";
  uuid = "d2102492-5797-429b-aa31-96b1b0d6f8e8";
  bridge_name = "virbr1";
  subnet_byte = 74;
  dhcp_hosts = [
    {
      mac = "52:54:00:74:10:01";
      name = "host1";
      ip = "192.168.74.11";
    }
    {
      name = "host2";
      ip = "192.168.74.12";
    }
    {
      mac = "52:54:00:74:10:03";
      ip = "192.168.74.13";
    }
  ];
}
