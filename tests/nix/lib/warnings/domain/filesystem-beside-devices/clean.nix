lib: {
  type = "kvm";
  name = "share";
  memory = { count = 4; unit = "GiB"; };
  memoryBacking = { source.type = "memfd"; access.mode = "shared"; };
  devices.emulator = "/run/libvirt/nix-emulators/qemu-system-x86_64";
}
