# SR-IOV: a pool of virtual functions handed to guests as PCI devices.
_lib: {
  name = "sriov";
  uuid = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
  forward = {
    mode = "hostdev";
    managed = true;
    driver.name = "vfio";
    pf.dev = "enp5s0f0";
  };
}
