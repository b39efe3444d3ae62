# Domain templates: the same functions and arguments as NixVirt's
# lib.domain.templates (pc, q35, linux, windows, mkstorage), giving the same
# structures.  They are starting points, not stable definitions.
#
# pkgs provides qemu (the emulator path) and OVMFFull (Windows' Secure Boot
# firmware).  Without pkgs the emulator is NixOS's
# /run/libvirt/nix-emulators/qemu-system-x86_64, and `windows` fails when
# its firmware is needed.
{ pkgs, guest-install }:
let
  inherit (builtins) isAttrs isNull isString isPath isBool;

  emulator =
    if pkgs == null then
      "/run/libvirt/nix-emulators/qemu-system-x86_64"
    else
      "${pkgs.qemu}/bin/qemu-system-x86_64";

  ovmf =
    file:
    if pkgs == null then
      throw "nixvirt: lib.domain.templates.windows needs OVMF firmware: use the lib of a package set (import nix/lib { inherit pkgs; }, or the flake's lib.<system>)"
    else
      "${pkgs.OVMFFull.fd}/FV/${file}";

  # A volume is either { pool; volume; } or a file (path or string).
  sourceType = vol: if isAttrs vol && vol ? volume then "volume" else "file";
  source = vol: if isString vol || isPath vol then { file = vol; } else vol;

  backingStore =
    vol:
    if isNull vol || isAttrs vol then
      vol
    else
      {
        type = sourceType vol;
        format.type = "qcow2";
        source = source vol;
        backingStore = { };
      };

  mkstorage = virtio_drive: storage_vol: backing_vol: {
    type = sourceType storage_vol;
    device = "disk";
    driver = {
      name = "qemu";
      type = "qcow2";
      cache = "none";
      discard = "unmap";
    };
    source = source storage_vol;
    backingStore = backingStore backing_vol;
    target =
      if virtio_drive then
        {
          dev = "vda";
          bus = "virtio";
        }
      else
        {
          dev = "sda";
          bus = "sata";
        };
  };

  storageDisks = virtio_drive: storage_vol: backing_vol:
    if isNull storage_vol then [ ] else [ (mkstorage virtio_drive storage_vol backing_vol) ];

  base =
    machine: cdtarget:
    {
      name,
      uuid,
      vcpu ? {
        count = 2;
      },
      memory ? {
        count = 2;
        unit = "GiB";
      },
      storage_vol ? null,
      backing_vol ? null,
      install_vol ? null,
      bridge_name ? "virbr0",
      net_iface_mac ? null,
      virtio_drive ? true,
      virtio_net ? false,
      virtio_video ? true,
      ...
    }:
    let
      # virtio_video: true = virtio with 3D, null = virtio without, false = qxl
      video3d = isBool virtio_video && virtio_video;
    in
    {
      type = "kvm";
      inherit
        name
        uuid
        vcpu
        memory
        ;
      os = {
        type = "hvm";
        arch = "x86_64";
        inherit machine;
        boot = [
          { dev = "cdrom"; }
          { dev = "hd"; }
        ];
      };
      features = {
        acpi = { };
        apic = { };
      };
      cpu.mode = "host-passthrough";
      clock = {
        offset = "utc";
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
      devices = {
        inherit emulator;
        disk = storageDisks virtio_drive storage_vol backing_vol ++ [
          {
            type = sourceType install_vol;
            device = "cdrom";
            driver = {
              name = "qemu";
              type = "raw";
            };
            source = source install_vol;
            target = cdtarget;
            readonly = true;
          }
        ];
        interface = {
          type = "bridge";
          model = if virtio_net then { type = "virtio"; } else null;
          mac = if isNull net_iface_mac then null else { address = net_iface_mac; };
          source.bridge = bridge_name;
        };
        channel = [
          {
            type = "spicevmc";
            target = {
              type = "virtio";
              name = "com.redhat.spice.0";
            };
          }
        ];
        input = [
          {
            type = "tablet";
            bus = "usb";
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
        graphics = {
          type = "spice";
          autoport = true;
          listen =
            if video3d then
              { type = "none"; }
            else
              {
                type = "address";
                address = "127.0.0.1";
              };
          image.compression = false;
          gl = if isNull virtio_video then null else { enable = virtio_video; };
        };
        sound.model = "ich9";
        audio = {
          id = 1;
          type = "spice";
        };
        video.model =
          if isNull virtio_video then
            {
              type = "virtio";
              heads = 1;
              primary = true;
            }
          else if virtio_video then
            {
              type = "virtio";
              heads = 1;
              primary = true;
              acceleration.accel3d = true;
            }
          else
            {
              type = "qxl";
              ram = 65536;
              vram = 65536;
              vgamem = 16384;
              heads = 1;
              primary = true;
            };
        redirdev = builtins.genList (_: {
          bus = "usb";
          type = "spicevmc";
        }) 4;
      };
    };

  pc = base "pc" {
    dev = "hdc";
    bus = "ide";
  };
  q35 = base "q35" {
    dev = "sdc";
    bus = "sata";
  };

  linux =
    {
      name,
      uuid,
      vcpu ? {
        count = 4;
      },
      memory ? {
        count = 4;
        unit = "GiB";
      },
      storage_vol ? null,
      backing_vol ? null,
      install_vol ? null,
      bridge_name ? "virbr0",
      net_iface_mac ? null,
      virtio_drive ? true,
      virtio_video ? true,
      ...
    }:
    let
      d = q35 {
        inherit
          name
          uuid
          vcpu
          memory
          storage_vol
          backing_vol
          install_vol
          bridge_name
          net_iface_mac
          virtio_drive
          virtio_video
          ;
        virtio_net = true;
      };
    in
    d
    // {
      devices = d.devices // {
        channel = d.devices.channel ++ [
          {
            type = "unix";
            target = {
              type = "virtio";
              name = "org.qemu.guest_agent.0";
            };
          }
        ];
        rng = {
          model = "virtio";
          backend = {
            model = "random";
            source = /dev/urandom;
          };
        };
      };
    };

  windows =
    {
      name,
      uuid,
      vcpu ? {
        count = 2;
      },
      memory ? {
        count = 4;
        unit = "GiB";
      },
      storage_vol ? null,
      backing_vol ? null,
      install_vol ? null,
      bridge_name ? "virbr0",
      net_iface_mac ? null,
      nvram_path,
      virtio_net ? false,
      virtio_drive ? false,
      virtio_video ? true,
      install_virtio ? false,
      ...
    }:
    let
      d = q35 {
        inherit
          name
          uuid
          vcpu
          memory
          storage_vol
          backing_vol
          install_vol
          bridge_name
          net_iface_mac
          virtio_net
          virtio_video
          ;
      };
      cdrom = src: dev: {
        type = "file";
        device = "cdrom";
        driver = {
          name = "qemu";
          type = "raw";
        };
        source = src;
        target = {
          bus = "sata";
          inherit dev;
        };
        readonly = true;
      };
      on.state = true;
    in
    d
    // {
      os = d.os // {
        loader = {
          readonly = true;
          type = "pflash";
          path = ovmf "OVMF_CODE.ms.fd";
        };
        nvram = {
          template = ovmf "OVMF_VARS.ms.fd";
          path = nvram_path;
        };
      };
      features = d.features // {
        hyperv = {
          mode = "custom";
          relaxed = on;
          vapic = on;
          spinlocks = on // {
            retries = 8191;
          };
          vpindex = on;
          runtime = on;
          synic = on;
          stimer = on // {
            direct = on;
          };
          reset = on;
          vendor_id = on // {
            value = "KVM Hv";
          };
          frequencies = on;
          reenlightenment = on;
          tlbflush = on;
          ipi = on;
        };
      };
      clock = d.clock // {
        offset = "localtime";
        timer = d.clock.timer ++ [
          {
            name = "hypervclock";
            present = true;
          }
        ];
      };
      pm = {
        suspend-to-mem.enabled = false;
        suspend-to-disk.enabled = false;
      };
      devices = d.devices // {
        disk =
          storageDisks virtio_drive storage_vol backing_vol
          ++ [
            (cdrom (
              if isNull install_vol then
                null
              else
                {
                  file = install_vol;
                  startupPolicy = "mandatory";
                }
            ) "hdc")
          ]
          ++ (if install_virtio then [ (cdrom { file = "${guest-install.virtio-win.iso}"; } "hdd") ] else [ ]);
        channel = d.devices.channel ++ [
          {
            type = "spiceport";
            source.channel = "org.spice-space.webdav.0";
            target = {
              type = "virtio";
              name = "org.spice-space.webdav.0";
            };
          }
        ];
        tpm = {
          model = "tpm-crb";
          backend = {
            type = "emulator";
            version = "2.0";
          };
        };
      };
    };
in
{
  inherit
    mkstorage
    pc
    q35
    linux
    windows
    ;
}
