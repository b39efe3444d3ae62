# Text and attribute values that need escaping: markup characters, quotes,
# a newline (kept in text, written as &#10; in an attribute), non-ASCII,
# a path with an apostrophe; and raw metadata.
lib: {
  type = "qemu";
  name = "escape-test";
  title = "Tom & Jerry's <test> VM";
  description = ''
    First line with "quotes" & <tags>
    Second line: 5 > 3 — ünïcødé ✓'';
  metadata = [
    (lib.xml.elem "app:note" [
      (lib.xml.attr "xmlns:app" "urn:example:app")
      (lib.xml.attr "title" "a 'quoted' & <odd> value\nwith a newline")
    ] "R&D <draft>")
  ];
  memory = {
    count = 1;
    unit = "GiB";
  };
  os.type = "hvm";
  sysinfo = {
    type = "smbios";
    system.entry = {
      name = "product";
      value = "Widget \"Pro\" & <Max>";
    };
  };
  devices.disk = {
    type = "file";
    device = "cdrom";
    source.file = "/srv/iso/O'Brien & Sons <v2>.iso";
    target.dev = "hdc";
    readonly = true;
  };
}
