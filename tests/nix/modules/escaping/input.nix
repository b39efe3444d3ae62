# Characters that must be escaped in XML attribute values: & < > " and the
# white space that attribute-value normalisation would turn into spaces.
# (Not for the integration test: no such definition files exist.)
{
  connections."test:///default" = {
    domains = [ { definition = "/NIXVIRT_DEFS/a&b <c> \"d\" 'e'.xml"; } ];
    networks = [ { definition = "/NIXVIRT_DEFS/tab\there/new\nline/cr\rend.xml"; } ];
    pools = [
      {
        definition = "/NIXVIRT_DEFS/pool & co.xml";
        volumes = [ { name = "it's <\"quoted\"> & more"; present = false; } ];
      }
    ];
  };
}
