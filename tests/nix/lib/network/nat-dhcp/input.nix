# NAT with an address range for outgoing traffic, IPv4 DHCP with fixed
# hosts and lease times, IPv6 with DHCPv6, a local DNS domain with hosts,
# TXT and SRV records and forwarders, MTU, STP.
_lib:
let
  net = "192.168.100.";
  host = n: name: {
    mac = "52:54:00:64:00:${n}";
    inherit name;
    ip = net + toString (builtins.fromJSON n);
  };
in
{
  name = "lab";
  uuid = "8b5a4f7c-2c1d-4e3f-9a0b-1c2d3e4f5a6b";
  forward = {
    mode = "nat";
    nat = {
      address = {
        start = "203.0.113.10";
        end = "203.0.113.20";
      };
      port = {
        start = 1024;
        end = 65535;
      };
    };
  };
  bridge = {
    name = "virbr10";
    stp = true;
    delay = 0;
  };
  mtu.size = 9000;
  mac.address = "52:54:00:64:00:01";
  domain = {
    name = "lab.internal";
    localOnly = true;
  };
  dns = {
    forwarder = [
      { addr = "9.9.9.9"; }
      {
        domain = "corp.example";
        addr = "10.0.0.53";
      }
    ];
    txt = {
      name = "lab.internal";
      value = "v=spf1 -all";
    };
    host = {
      ip = net + "10";
      hostname = [
        "web"
        "www"
      ];
    };
    srv = {
      service = "ldap";
      protocol = "tcp";
      domain = "lab.internal";
      target = "ldap.lab.internal";
      port = 389;
      priority = 10;
      weight = 10;
    };
  };
  ip = [
    {
      address = net + "1";
      netmask = "255.255.255.0";
      dhcp = {
        range = {
          start = net + "100";
          end = net + "199";
          lease = {
            expiry = 1;
            unit = "hours";
          };
        };
        host = [
          (host "10" "web")
          (host "11" "db")
          (host "12" "cache" // {
            lease = {
              expiry = 30;
              unit = "minutes";
            };
          })
        ];
      };
    }
    {
      family = "ipv6";
      address = "2001:db8:ca2:2::1";
      prefix = 64;
      dhcp.range = {
        start = "2001:db8:ca2:2:1::10";
        end = "2001:db8:ca2:2:1::ff";
      };
    }
  ];
}
