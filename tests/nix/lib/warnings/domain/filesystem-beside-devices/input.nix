# A key at the wrong level (the virtiofs share vanished): `filesystem`
# beside `devices` instead of in it.
lib: {
  type = "kvm";
  name = "share";
  memory = { count = 4; unit = "GiB"; };
  memoryBacking = { source.type = "memfd"; access.mode = "shared"; };
  devices.emulator = "/run/libvirt/nix-emulators/qemu-system-x86_64";
  filesystem = {
    type = "mount";
    accessmode = "passthrough";
    driver.type = "virtiofs";
    source.dir = "/srv/share";
    target.dir = "share";
  };
}
