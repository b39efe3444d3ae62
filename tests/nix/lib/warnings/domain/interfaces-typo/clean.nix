lib: {
  type = "kvm";
  name = "web";
  memory = { count = 2; unit = "GiB"; };
  devices = {
    disk = { type = "file"; device = "disk"; source.file = "/var/lib/web.qcow2"; target.dev = "vda"; };
  };
}
