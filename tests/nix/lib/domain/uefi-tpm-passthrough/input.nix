# A gaming/workstation VM: UEFI with Secure Boot (firmware from the store),
# TPM 2.0, hugepages, pinned vCPUs, virtio disks on an iothread, virtio
# network, a GPU (two PCI functions) and a USB receiver passed through, and
# QEMU arguments written as qemu:commandline (prefix style).
lib:
let
  ovmf = "/nix/store/22222222222222222222222222222222-OVMF-202411-fd/FV";
  gpu = function: {
    mode = "subsystem";
    type = "pci";
    managed = true;
    driver.name = "vfio";
    source.address = {
      domain = "0x0000";
      bus = "0x0a";
      slot = "0x00";
      inherit function;
    };
    rom.bar = true;
    address = {
      type = "pci";
      domain = "0x0000";
      bus = "0x06";
      slot = "0x00";
      inherit function;
      multifunction = function == "0x0";
    };
  };
in
{
  type = "kvm";
  name = "workstation";
  uuid = "6f0c8c6e-3b0f-4d55-9a43-2f1a7f6b9c01";
  title = "Workstation";
  description = "Windows 11 with the discrete GPU";
  metadata = with lib.xml; [
    (elem "nv:config" [ (attr "xmlns:nv" "https://example.org/nixvirt/test/1") ] [
      (elem "nv:owner" [ ] "alice")
      (elem "nv:backup" [ (attr "enabled" "no") ] null)
    ])
  ];
  memory = {
    count = 16;
    unit = "GiB";
  };
  currentMemory = {
    count = 16;
    unit = "GiB";
  };
  memoryBacking = {
    hugepages.page = {
      size = 2048;
      unit = "KiB";
    };
    locked = true;
  };
  vcpu = {
    placement = "static";
    count = 8;
  };
  iothreads = 1;
  cputune = {
    vcpupin = builtins.genList (i: {
      vcpu = i;
      cpuset = toString (i + 4);
    }) 8;
    emulatorpin.cpuset = "0-1";
    iothreadpin = {
      iothread = 1;
      cpuset = "2-3";
    };
  };
  os = {
    type = "hvm";
    arch = "x86_64";
    machine = "q35";
    loader = {
      readonly = true;
      secure = true;
      type = "pflash";
      path = "${ovmf}/OVMF_CODE.ms.fd";
    };
    nvram = {
      template = "${ovmf}/OVMF_VARS.ms.fd";
      path = "/var/lib/libvirt/qemu/nvram/workstation_VARS.fd";
    };
    bootmenu.enable = false;
    smbios.mode = "host";
  };
  features = {
    acpi = true;
    apic = true;
    hyperv = {
      mode = "custom";
      relaxed.state = true;
      vapic.state = true;
      spinlocks = {
        state = true;
        retries = 8191;
      };
      vpindex.state = true;
      synic.state = true;
      stimer.state = true;
      vendor_id = {
        state = true;
        value = "0123456789ab";
      };
    };
    kvm.hidden.state = true;
    vmport.state = false;
    smm.state = true;
    ioapic.driver = "kvm";
  };
  cpu = {
    mode = "host-passthrough";
    check = "none";
    migratable = false;
    topology = {
      sockets = 1;
      dies = 1;
      cores = 4;
      threads = 2;
    };
    cache.mode = "passthrough";
    feature = [
      {
        policy = "require";
        name = "topoext";
      }
      {
        policy = "disable";
        name = "hypervisor";
      }
    ];
  };
  clock = {
    offset = "localtime";
    timer = [
      {
        name = "rtc";
        tickpolicy = "catchup";
      }
      {
        name = "pit";
        tickpolicy = "delay";
      }
      {
        name = "hpet";
        present = false;
      }
      {
        name = "hypervclock";
        present = true;
      }
    ];
  };
  on_poweroff = "destroy";
  on_reboot = "restart";
  on_crash = "destroy";
  pm = {
    suspend-to-mem.enabled = false;
    suspend-to-disk.enabled = false;
  };
  devices = {
    emulator = "/run/libvirt/nix-emulators/qemu-system-x86_64";
    disk = [
      {
        type = "volume";
        device = "disk";
        driver = {
          name = "qemu";
          type = "qcow2";
          cache = "none";
          io = "native";
          discard = "unmap";
          iothread = 1;
        };
        source = {
          pool = "vms";
          volume = "workstation.qcow2";
        };
        target = {
          dev = "vda";
          bus = "virtio";
        };
        boot.order = 1;
      }
      {
        type = "block";
        device = "disk";
        driver = {
          name = "qemu";
          type = "raw";
          cache = "none";
          io = "native";
        };
        source.dev = "/dev/disk/by-id/nvme-Samsung_SSD_980_1TB_S64ANS0T000000";
        target = {
          dev = "vdb";
          bus = "virtio";
        };
        serial = "games0";
      }
      {
        type = "file";
        device = "cdrom";
        driver = {
          name = "qemu";
          type = "raw";
        };
        source.file = "/nix/store/00000000000000000000000000000000-virtio-win.iso";
        target = {
          dev = "sdb";
          bus = "sata";
        };
        readonly = true;
      }
    ];
    controller = [
      {
        type = "usb";
        index = 0;
        model = "qemu-xhci";
        ports = 15;
      }
      {
        type = "pci";
        index = 0;
        model = "pcie-root";
      }
    ];
    interface = {
      type = "network";
      mac.address = "52:54:00:6f:0c:01";
      source.network = "default";
      model.type = "virtio";
      driver = {
        name = "vhost";
        queues = 4;
      };
    };
    hostdev = [
      (gpu "0x0")
      (gpu "0x1")
      {
        mode = "subsystem";
        type = "usb";
        managed = true;
        source = {
          vendor.id = "0x046d";
          product.id = "0xc52b";
        };
      }
    ];
    channel = {
      type = "unix";
      target = {
        type = "virtio";
        name = "org.qemu.guest_agent.0";
      };
    };
    input = [
      {
        type = "mouse";
        bus = "ps2";
      }
      {
        type = "keyboard";
        bus = "ps2";
      }
    ];
    tpm = {
      model = "tpm-crb";
      backend = {
        type = "emulator";
        version = "2.0";
      };
    };
    graphics = {
      type = "vnc";
      port = -1;
      autoport = true;
      listen = {
        type = "address";
        address = "127.0.0.1";
      };
    };
    video.model.type = "none";
    memballoon.model = "none";
    rng = {
      model = "virtio";
      backend = {
        model = "random";
        source = /dev/urandom;
      };
    };
  };
  "qemu:commandline" = {
    arg = [
      { value = "-fw_cfg"; }
      { value = "opt/ovmf/X-PciMmio64Mb,string=65536"; }
    ];
    env = {
      name = "QEMU_PA_SAMPLES";
      value = "4096";
    };
  };
}
