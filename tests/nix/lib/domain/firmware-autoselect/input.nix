# Firmware chosen by libvirt: <os firmware='efi'> together with a
# <firmware> element (the name is both an attribute and a child, so the
# attribute is written `@firmware`), Secure Boot features, and a persistent
# TPM.
lib: {
  type = "kvm";
  name = "efi-auto";
  memory = {
    count = 4;
    unit = "GiB";
  };
  vcpu = 2;
  os = {
    "@firmware" = "efi";
    type = "hvm";
    machine = "q35";
    firmware.feature = [
      {
        enabled = true;
        name = "secure-boot";
      }
      {
        enabled = true;
        name = "enrolled-keys";
      }
    ];
    loader.secure = true;
    boot = [
      { dev = "hd"; }
      { dev = "network"; }
    ];
  };
  features = {
    acpi = { };
    apic = { };
    smm.state = true;
  };
  devices = {
    tpm = {
      model = "tpm-crb";
      backend = {
        type = "emulator";
        version = "2.0";
        persistent_state = true;
      };
    };
    interface = {
      type = "user";
      model.type = "virtio";
    };
  };
}
