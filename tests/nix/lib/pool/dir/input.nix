# A directory pool with permissions, in NixVirt's keys (octal, uid, gid,
# MAC) and as plain values.
_lib: {
  type = "dir";
  name = "images";
  uuid = "650c5bbb-eebd-4cea-8a2f-36e1a75a8683";
  target = {
    path = "/var/lib/libvirt/images";
    permissions = {
      mode.octal = "0711";
      owner.uid = 0;
      group = 0;
      label.MAC = "system_u:object_r:virt_image_t:s0";
    };
  };
}
