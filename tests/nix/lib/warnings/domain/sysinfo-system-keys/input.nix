# sysinfo.system with keys NixVirt drops, leaving an empty <system/>
# (which libvirt's schema refuses: it needs an <entry>): written as NixVirt
# writes it, with a warning for each key.
lib: {
  type = "kvm";
  name = "smbios";
  os = { type = "hvm"; smbios.mode = "sysinfo"; };
  sysinfo = {
    type = "smbios";
    system = { manufacturer = "ACME"; product = "Box"; };
    bios.entry = [ { name = "vendor"; value = "ACME"; } ];
  };
}
