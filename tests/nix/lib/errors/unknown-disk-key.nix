# expect: nixvirt: domain.devices.disk[1].tagret: unknown attribute/element; did you mean `target`? expected one of: 
# A misspelt key in the second disk: the path names the list index.
lib:
lib.strict.domain.getXML {
  type = "kvm";
  name = "typo";
  devices.disk = [
    { type = "file"; device = "disk"; target.dev = "vda"; }
    { type = "file"; device = "disk"; tagret.dev = "vdb"; }
  ];
}
