# An explicit namespace declaration, as older NixVirt needed it beside
# dnsmasq:options: accepted without a warning, declared once.
lib: {
  name = "dns";
  bridge.name = "virbr9";
  "xmlns:dnsmasq" = "http://libvirt.org/schemas/network/dnsmasq/1.0";
  "dnsmasq:options"."dnsmasq:option" = [ { value = "dhcp-option=6,9.9.9.10"; } ];
}
