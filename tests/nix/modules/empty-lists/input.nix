# Empty lists: every kind managed, nothing declared, so (with the default
# purge = "undeclared") every existing object of these kinds is deleted.
{
  connections."qemu:///system" = {
    networks = [ ];
    pools = [ ];
    domains = [ ];
  };
}
