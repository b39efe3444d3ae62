# NixVirt check domain/win11: a Windows 11 domain as GNOME Boxes defines it,
# with <metadata> written with lib.xml, and explicit addresses everywhere.
lib:
let
  pci = bus: slot: function: {
    type = "pci";
    domain = 0;
    inherit bus slot function;
  };
  usb = port: {
    type = "usb";
    bus = 0;
    inherit port;
  };
  drive = unit: {
    type = "drive";
    controller = 0;
    bus = 0;
    target = 0;
    inherit unit;
  };
  cdrom = /SourceMedia/Win11_23H2_EnglishInternational_x64v2.iso;
  spiceRedir = port: {
    bus = "usb";
    type = "spicevmc";
    address = usb port;
  };
  pciController = index: model: address: {
    type = "pci";
    inherit index model address;
  };
in
{
  type = "kvm";
  name = "Win11";
  uuid = "ee43005c-2e7b-4af2-bfae-8c52eeb22672";
  metadata = with lib.xml; [
    (elem "boxes:gnome-boxes" [ (attr "xmlns:boxes" "https://wiki.gnome.org/Apps/Boxes") ] [
      (elem "os-state" [ ] "installation")
      (elem "media-id" [ ] "http://microsoft.com/win/11:0")
      (elem "media" [ ] "/Source/Win11_23H2_EnglishInternational_x64v2.iso")
    ])
    (elem "libosinfo:libosinfo" [ (attr "xmlns:libosinfo" "http://libosinfo.org/xmlns/libvirt/domain/1.0") ] [
      (elem "libosinfo:os" [ (attr "id" "http://microsoft.com/win/11") ] [ ])
    ])
    (elem "edited:edited" [
      (attr "xmlns:edited" "https://wiki.gnome.org/Apps/Boxes/edited")
    ] "2024-01-25T22:39:41-0800")
  ];
  memory = {
    count = 4194304;
    unit = "KiB";
  };
  vcpu = {
    placement = "static";
    count = 16;
  };
  os = {
    type = "hvm";
    arch = "x86_64";
    machine = "pc-q35-8.1";
    loader = {
      readonly = true;
      type = "pflash";
      path = "/Source/OVMF/OVMF_CODE_4M.secboot.fd";
    };
    nvram = {
      template = "/Source/OVMF/OVMF_VARS_4M.fd";
      path = "/Storage/nvram.fd";
    };
    boot = [
      { dev = "cdrom"; }
      { dev = "hd"; }
    ];
    bootmenu.enable = true;
  };
  features = {
    acpi = { };
    apic = { };
  };
  cpu = {
    mode = "host-passthrough";
    check = "none";
    migratable = true;
    topology = {
      sockets = 1;
      dies = 1;
      cores = 8;
      threads = 2;
    };
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
    ];
  };
  on_poweroff = "destroy";
  on_reboot = "destroy";
  on_crash = "destroy";
  pm = {
    suspend-to-mem.enabled = false;
    suspend-to-disk.enabled = false;
  };
  devices = {
    emulator = "/run/current-system/sw/bin/qemu-system-x86_64";
    disk = [
      {
        type = "file";
        device = "disk";
        driver = {
          name = "qemu";
          type = "qcow2";
          cache = "writeback";
        };
        source.file = /Storage/Win11.qcow3;
        target = {
          bus = "sata";
          dev = "sda";
        };
        address = drive 0;
      }
      {
        type = "file";
        device = "cdrom";
        driver = {
          name = "qemu";
          type = "raw";
        };
        source = {
          file = cdrom;
          startupPolicy = "mandatory";
        };
        target = {
          bus = "sata";
          dev = "hdc";
        };
        readonly = true;
        address = drive 2;
      }
    ];
    controller = [
      {
        type = "usb";
        index = 0;
        model = "qemu-xhci";
        ports = 15;
        address = pci 3 0 0;
      }
      {
        type = "sata";
        index = 0;
        address = pci 0 31 2;
      }
      {
        type = "pci";
        index = 0;
        model = "pcie-root";
      }
      {
        type = "virtio-serial";
        index = 0;
        address = pci 4 0 0;
      }
      {
        type = "ccid";
        index = 0;
        address = usb 1;
      }
      (pciController 1 "pcie-root-port" (pci 0 2 0 // { multifunction = true; }))
      (pciController 2 "pcie-to-pci-bridge" (pci 1 0 0))
      (pciController 3 "pcie-root-port" (pci 0 2 1))
      (pciController 4 "pcie-root-port" (pci 0 2 2))
      (pciController 5 "pcie-root-port" (pci 0 2 3))
      (pciController 6 "pcie-root-port" (pci 0 2 4))
    ];
    interface = {
      type = "bridge";
      mac.address = "52:54:00:10:c4:28";
      source.bridge = "virbr0";
      model.type = "virtio";
      address = pci 2 1 0;
    };
    smartcard = {
      mode = "passthrough";
      type = "spicevmc";
      address = {
        type = "ccid";
        controller = 0;
        slot = 0;
      };
    };
    serial = {
      type = "pty";
      target = {
        type = "isa-serial";
        port = 0;
        model.name = "isa-serial";
      };
    };
    console = {
      type = "pty";
      target = {
        type = "serial";
        port = 0;
      };
    };
    channel = [
      {
        type = "spicevmc";
        target = {
          type = "virtio";
          name = "com.redhat.spice.0";
        };
        address = {
          type = "virtio-serial";
          controller = 0;
          bus = 0;
          port = 1;
        };
      }
      {
        type = "spiceport";
        source.channel = "org.spice-space.webdav.0";
        target = {
          type = "virtio";
          name = "org.spice-space.webdav.0";
        };
        address = {
          type = "virtio-serial";
          controller = 0;
          bus = 0;
          port = 2;
        };
      }
    ];
    input = [
      {
        type = "tablet";
        bus = "usb";
        address = usb 2;
      }
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
      type = "spice";
      listen.type = "none";
      image.compression = false;
      gl.enable = false;
    };
    sound = {
      model = "ich9";
      address = pci 0 27 0;
    };
    audio = {
      id = 1;
      type = "spice";
    };
    video = {
      model = {
        type = "qxl";
        ram = 65536;
        vram = 65536;
        vgamem = 16384;
        heads = 1;
        primary = true;
        acceleration.accel3d = false;
      };
      address = pci 0 1 0;
    };
    redirdev = map spiceRedir [ 3 4 5 6 ];
    watchdog = {
      model = "itco";
      action = "reset";
    };
  };
}
