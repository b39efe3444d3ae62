# An LVM volume group on two partitions.
_lib: {
  type = "logical";
  name = "vg0";
  uuid = "1f2e3d4c-5b6a-4798-8a7b-6c5d4e3f2a1b";
  source = {
    device = [
      { path = "/dev/sdb1"; }
      { path = "/dev/sdc1"; }
    ];
    name = "vg0";
    format.type = "lvm2";
  };
  target.path = "/dev/vg0";
}
