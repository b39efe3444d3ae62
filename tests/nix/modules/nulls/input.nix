# Nothing managed: every kind null (the default), explicitly or by omission.
{
  connections = {
    "qemu:///system" = { };
    "qemu:///session" = {
      purge = "none";
      domains = null;
      networks = null;
      pools = null;
    };
  };
}
