lib: {
  type = "kvm";
  name = "smbios";
  os = { type = "hvm"; smbios.mode = "sysinfo"; };
  sysinfo = {
    type = "smbios";
    system = { };
    bios.entry = [ { name = "vendor"; value = "ACME"; } ];
  };
}
