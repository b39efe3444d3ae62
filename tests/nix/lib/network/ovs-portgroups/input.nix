# An Open vSwitch bridge with VLAN port groups (one default, one trunk),
# bandwidth limits on a port group, and trustGuestRxFilters.
_lib: {
  name = "ovs";
  uuid = "5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f";
  trustGuestRxFilters = false;
  forward.mode = "bridge";
  bridge.name = "ovsbr0";
  virtualport.type = "openvswitch";
  portgroup = [
    {
      name = "vlan-42";
      default = true;
      vlan.tag.id = 42;
    }
    {
      name = "trunk";
      vlan = {
        trunk = true;
        tag = [
          {
            id = 42;
            nativeMode = "untagged";
          }
          { id = 43; }
        ];
      };
    }
    {
      name = "slow";
      bandwidth.outbound = {
        average = 128;
        peak = 256;
        burst = 256;
      };
    }
  ];
}
