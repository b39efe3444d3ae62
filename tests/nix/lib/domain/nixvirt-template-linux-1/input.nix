# NixVirt check domain/template-linux-1: the linux template with a storage
# volume and a backing file.
lib:
lib.domain.templates.linux {
  name = "test-q35";
  uuid = "2904419d-b283-4cfd-9f2c-7c3713ff809f";
  memory = {
    count = 6;
    unit = "GiB";
  };
  storage_vol = /Storage/MyHD.qcow2;
  backing_vol = /Storage/Base.qcow2;
}
