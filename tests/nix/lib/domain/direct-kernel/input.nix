# Direct kernel boot of a headless VM: kernel, initrd and command line
# (NixVirt's `path`/`options` keys and plain strings), os.type as a set,
# booleans written on/off (memory dumpCore) and yes/no (pm), an explicit
# empty element (`true`), and a seclabel.
lib: {
  type = "kvm";
  name = "microvm";
  uuid = "0d8b1b2e-5a3c-4f7d-9e61-7a2b3c4d5e6f";
  memory = {
    count = 512;
    unit = "MiB";
    dumpCore = false;
  };
  vcpu = {
    count = 2;
    current = 1;
  };
  vcpus.vcpu = [
    {
      id = 0;
      enabled = true;
      hotpluggable = false;
      order = 1;
    }
    {
      id = 1;
      enabled = false;
      hotpluggable = true;
    }
  ];
  os = {
    type = {
      value = "hvm";
      arch = "x86_64";
      machine = "microvm";
    };
    kernel.path = /nix/store/66666666666666666666666666666666-linux-6.12.1/bzImage;
    initrd = "/nix/store/77777777777777777777777777777777-initrd-linux-6.12.1/initrd";
    cmdline.options = "console=ttyS0 reboot=t panic=-1 init=/nix/store/88888888888888888888888888888888-nixos-system/init";
  };
  features = {
    acpi = true;
    pvspinlock.state = true;
  };
  cpu.mode = "host-passthrough";
  on_poweroff = "destroy";
  on_reboot = "destroy";
  on_crash = "destroy";
  pm.suspend-to-disk.enabled = false;
  devices = {
    emulator = "/run/libvirt/nix-emulators/qemu-system-x86_64";
    disk = {
      type = "file";
      device = "disk";
      driver = {
        name = "qemu";
        type = "raw";
      };
      source.file = "/var/lib/microvm/store.img";
      target = {
        dev = "vda";
        bus = "virtio";
      };
      readonly = true;
    };
    console = {
      type = "pty";
      target.type = "virtio";
    };
    memballoon.model = "none";
  };
  seclabel = {
    type = "dynamic";
    model = "dac";
    relabel = true;
  };
}
