lib: {
  type = "kvm";
  name = "desk";
  devices.video = { };
  devices.graphics = { type = "spice"; autoport = true; };
}
