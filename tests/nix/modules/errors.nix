# Option values that must be refused at evaluation time. Each case:
# `value` must throw, and the error must contain `message`
# (tests/nix/run-modules.sh checks both; the flake's check only the throw).
let
  fns = import ../../../nix/modules/functions.nix;
  m = conn: fns.manifest "qemu:///system" conn;
  dom = extra: m { domains = [ ({ definition = "/NIXVIRT_DEFS/dom-web.xml"; } // extra) ]; };
  vol = v: m { pools = [ { definition = "/NIXVIRT_DEFS/pool-images.xml"; volumes = [ v ]; } ]; };
  bell = builtins.fromJSON "\"\\u0007\"";
in
{
  bad-purge = {
    message = ''connections."qemu:///system".purge: expected one of "undeclared", "managed", "none", got "all"'';
    value = m { purge = "all"; };
  };
  bad-active = {
    message = ''domains[0].active: expected null or a bool, got "yes"'';
    value = dom { active = "yes"; };
  };
  bad-restart = {
    message = "domains[0].restart: expected null or a bool, got 1";
    value = dom { restart = 1; };
  };
  bad-restart-string = {
    message = ''domains[0].restart: expected null, a bool or "live", got "sometimes"'';
    value = dom { restart = "sometimes"; };
  };
  relative-definition = {
    message = ''networks[0].definition: "net.xml" is not an absolute path'';
    value = m { networks = [ { definition = "net.xml"; } ]; };
  };
  definition-wrong-type = {
    message = "domains[0].definition: expected a path or a string, got int";
    value = dom { definition = 42; };
  };
  missing-definition = {
    message = "networks[0]: definition is required";
    value = m { networks = [ { active = true; } ]; };
  };
  unknown-attribute = {
    message = "domains[0]: unknown attribute autostart (allowed: definition, active, restart, shutdownTimeout)";
    value = dom { autostart = true; };
  };
  shutdown-timeout-on-network = {
    message = "networks[0]: unknown attribute shutdownTimeout";
    value = m { networks = [ { definition = "/NIXVIRT_DEFS/net-default.xml"; shutdownTimeout = 5; } ]; };
  };
  volumes-on-domain = {
    message = "domains[0]: unknown attribute volumes";
    value = dom { volumes = [ ]; };
  };
  zero-shutdown-timeout = {
    message = "domains[0].shutdownTimeout: expected null or a positive integer, got 0";
    value = dom { shutdownTimeout = 0; };
  };
  kind-not-a-list = {
    message = "domains: expected null or a list, got set";
    value = m { domains = { definition = "/NIXVIRT_DEFS/dom-web.xml"; }; };
  };
  unknown-connection-attribute = {
    message = ''connections."qemu:///system": unknown attribute volumes'';
    value = m { volumes = [ ]; };
  };
  volume-without-name-or-definition = {
    message = ''connections."qemu:///system".pools[0].volumes[0]: a volume needs a name or a definition'';
    value = vol { present = false; };
  };
  volume-create-without-definition = {
    message = ''volumes[0]: volume "new.raw" has present = true but no definition to create it from'';
    value = vol { name = "new.raw"; };
  };
  volume-empty-name = {
    message = ''volumes[0].name: expected null or a non-empty string, got ""'';
    value = vol { name = ""; present = false; };
  };
  volume-present-not-bool = {
    message = "volumes[0].present: expected a bool, got null";
    value = vol { name = "x.raw"; present = null; };
  };
  # The definition is a Nix path, so its <name> is read and compared.
  volume-name-mismatch = {
    message = ''volumes[0]: name "other.raw" does not match the name "disk.raw" in'';
    value = vol { name = "other.raw"; definition = ./defs/vol-disk.xml; };
  };
  volume-error-names-its-place = {
    message = ''connections."qemu:///system".pools[1].volumes[2]: a volume needs a name or a definition'';
    value = m {
      pools = [
        { definition = "/NIXVIRT_DEFS/pool-images.xml"; }
        {
          definition = "/NIXVIRT_DEFS/pool-images.xml";
          volumes = [ { name = "a.raw"; present = false; } { name = "b.raw"; present = false; } { } ];
        }
      ];
    };
  };
  control-character = {
    message = "contains a control character that XML cannot represent";
    value = dom { definition = "/NIXVIRT_DEFS/dom${bell}.xml"; };
  };
  empty-uri = {
    message = "a connection URI must be a non-empty string";
    value = fns.manifest "" { };
  };
  uri-with-space = {
    message = ''connection URI "qemu:///system extra" contains white space'';
    value = fns.manifestName "qemu:///system extra";
  };
  script-manifests-not-a-list = {
    message = "script: manifests must be a list";
    value = fns.script { tool = "/NIXVIRT_TOOL/bin/nixvirt"; manifests = { }; };
  };
}
