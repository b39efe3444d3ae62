# A Linux server: SMBIOS sysinfo, virtio-scsi and virtio disks, virtiofs
# share (shared memfd memory), three kinds of network interface (bridge with
# VLAN tag, macvtap, libvirt network with bandwidth limits), serial console,
# guest agent, watchdog, vsock, and QEMU arguments in NixVirt's
# `qemu-commandline` form.
lib:
let
  virtioDisk = dev: file: {
    type = "file";
    device = "disk";
    driver = {
      name = "qemu";
      type = "qcow2";
      discard = "unmap";
    };
    source.file = file;
    target = {
      inherit dev;
      bus = "virtio";
    };
  };
in
{
  type = "kvm";
  name = "web";
  uuid = "c0ffee00-1111-4222-8333-444455556666";
  memory = {
    count = 4096;
    unit = "MiB";
  };
  vcpu = 4;
  sysinfo = {
    type = "smbios";
    system.entry = [
      {
        name = "manufacturer";
        value = "nixvirt";
      }
      {
        name = "serial";
        value = "ds=nocloud;s=http://10.0.0.1/web/";
      }
    ];
  };
  os = {
    type = "hvm";
    arch = "x86_64";
    machine = "q35";
    boot.dev = "hd";
    smbios.mode = "sysinfo";
  };
  memoryBacking = {
    source.type = "memfd";
    access.mode = "shared";
  };
  features = {
    acpi = { };
    apic = { };
  };
  cpu = {
    mode = "host-model";
    topology = {
      sockets = 1;
      dies = 1;
      cores = 4;
      threads = 1;
    };
    numa.cell = {
      id = 0;
      cpus = "0-3";
      memory = 4096;
      unit = "MiB";
      memAccess = "shared";
    };
  };
  clock.offset = "utc";
  on_crash = "restart";
  devices = {
    emulator = "/run/libvirt/nix-emulators/qemu-system-x86_64";
    disk = [
      (virtioDisk "vda" "/var/lib/libvirt/images/web.qcow2")
      (virtioDisk "vdb" "/var/lib/libvirt/images/web-data.qcow2" // { serial = "data"; })
      {
        type = "file";
        device = "disk";
        driver = {
          name = "qemu";
          type = "raw";
        };
        source.file = "/var/lib/libvirt/images/web-scratch.img";
        target = {
          dev = "sda";
          bus = "scsi";
        };
        address = {
          type = "drive";
          controller = 0;
          bus = 0;
          target = 0;
          unit = 0;
        };
      }
    ];
    controller = [
      {
        type = "scsi";
        index = 0;
        model = "virtio-scsi";
      }
      {
        type = "virtio-serial";
        index = 0;
      }
    ];
    filesystem = {
      type = "mount";
      accessmode = "passthrough";
      driver.type = "virtiofs";
      binary = {
        path = "/run/current-system/sw/bin/virtiofsd";
        xattr = true;
      };
      source.dir = "/srv/share";
      target.dir = "share";
    };
    interface = [
      {
        type = "bridge";
        mac.address = "52:54:00:c0:ff:01";
        source.bridge = "br0";
        vlan.tag.id = 42;
        virtualport.type = "openvswitch";
        model.type = "virtio";
      }
      {
        type = "direct";
        source = {
          dev = "eno1";
          mode = "bridge";
        };
        model.type = "virtio";
      }
      {
        type = "network";
        source.network = "default";
        bandwidth = {
          inbound = {
            average = 1000;
            peak = 5000;
            burst = 1024;
          };
          outbound.average = 1000;
        };
        model.type = "virtio";
      }
    ];
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
    channel = {
      type = "unix";
      target = {
        type = "virtio";
        name = "org.qemu.guest_agent.0";
      };
    };
    graphics = {
      type = "vnc";
      autoport = true;
      listen = "127.0.0.1";
    };
    video.model = {
      type = "virtio";
      heads = 1;
      primary = true;
    };
    watchdog = {
      model = "i6300esb";
      action = "reset";
    };
    memballoon = {
      model = "virtio";
      autodeflate = true;
      freePageReporting = true;
    };
    rng = {
      model = "virtio";
      backend = {
        model = "random";
        source = "/dev/urandom";
      };
      rate = {
        period = 2000;
        bytes = 1234;
      };
    };
    vsock = {
      model = "virtio";
      cid.auto = true;
    };
  };
  qemu-commandline.arg = [
    { value = "-smbios"; }
    { value = "type=11,value=io.systemd.credential:hostname=web"; }
  ];
}
