# `type` on `video` instead of `video.model.type`.
lib: {
  type = "kvm";
  name = "desk";
  devices.video = { type = "qxl"; };
  devices.graphics = { type = "spice"; autoport = true; };
}
