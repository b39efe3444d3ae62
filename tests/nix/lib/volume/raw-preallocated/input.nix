# A fully allocated raw volume without copy-on-write (for btrfs).
_lib: {
  name = "db-data.raw";
  capacity = {
    count = 100;
    unit = "G";
  };
  allocation = {
    count = 100;
    unit = "G";
  };
  target = {
    format.type = "raw";
    nocow = true;
  };
}
