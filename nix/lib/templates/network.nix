# Network templates, with NixVirt's arguments.
{
  # A NAT network on bridge `bridge_name` with 192.168.<subnet_byte>.0/24,
  # DHCP for .2-.254 and optional fixed hosts ({ mac?; name?; ip; } list).
  bridge =
    {
      name ? "default",
      uuid,
      bridge_name ? "virbr0",
      subnet_byte,
      dhcp_hosts ? null,
    }:
    let
      net = "192.168.${toString subnet_byte}.";
    in
    {
      inherit name uuid;
      forward = {
        mode = "nat";
        nat.port = {
          start = 1024;
          end = 65535;
        };
      };
      bridge.name = bridge_name;
      ip = {
        address = net + "1";
        netmask = "255.255.255.0";
        dhcp = {
          range = {
            start = net + "2";
            end = net + "254";
          };
          host = dhcp_hosts;
        };
      };
    };
}
