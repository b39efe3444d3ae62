lib: {
  type = "kvm";
  name = "fast";
  cpu = { mode = "host-passthrough"; check = "none"; };
}
