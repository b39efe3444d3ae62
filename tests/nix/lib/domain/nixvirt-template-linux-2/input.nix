# NixVirt check domain/template-linux-2: as linux-1 with 6 vCPUs and
# virtio_video = null (virtio without 3D).
lib:
lib.domain.templates.linux {
  name = "test-q35";
  uuid = "2904419d-b283-4cfd-9f2c-7c3713ff809f";
  vcpu.count = 6;
  memory = {
    count = 6;
    unit = "GiB";
  };
  storage_vol = /Storage/MyHD.qcow2;
  backing_vol = /Storage/Base.qcow2;
  virtio_video = null;
}
