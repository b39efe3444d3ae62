# An NFS export mounted by libvirt, with NFS version and mount options
# (fs:mount_opts, prefix style).
_lib: {
  type = "netfs";
  name = "nas";
  uuid = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";
  source = {
    host.name = "nas.lan";
    dir.path = "/export/vms";
    format.type = "nfs";
    protocol.ver = "4.2";
  };
  target = {
    path = "/mnt/nas-vms";
    permissions = {
      mode = "0755";
      owner = 107;
      group = 107;
    };
  };
  "fs:mount_opts".option = [
    { name = "nconnect=4"; }
    { name = "noatime"; }
  ];
}
