# Values the module system must refuse. Each case: `value` must throw, and
# the error must contain `message` (tests/nix/run-modules.sh checks both,
# with the stand-in lib and with nixpkgs' lib when it has one; the flake's
# check only the throw).
#
# lib-*: the module system itself (what the modules rely on); the others:
# values of `virtualisation.libvirt` that the modules' option types refuse,
# through the NixOS module (and the Home Manager one, which shares them).
{ lib }:
let
  inherit (lib) mkOption types mkIf;
  eval = modules: (lib.evalModules { inherit modules; }).config;
  opt = type: mkOption { inherit type; };
  sub = types.submodule { options.a = mkOption { type = types.int; default = 1; }; };

  h = import ./harness.nix { inherit lib; };
  # The NixOS service's script, which needs every manifest.
  script = connections: (h.nixos (h.enabled connections)).systemd.services.nixvirt.script;
  system = conn: script { "qemu:///system" = conn; };
  dom = extra: system { domains = [ ({ definition = "/NIXVIRT_DEFS/dom-web.xml"; } // extra) ]; };
  vol = v: system { pools = [ { definition = "/NIXVIRT_DEFS/pool-images.xml"; volumes = [ v ]; } ]; };
  bell = builtins.fromJSON "\"\\u0007\"";

  at = "virtualisation.libvirt.connections.\"qemu:///system\"";
  domain = "${at}.domains.\"[definition 1-entry 1]\"";
  network = "${at}.networks.\"[definition 1-entry 1]\"";
  volume = "${at}.pools.\"[definition 1-entry 1]\".volumes.\"[definition 1-entry 1]\"";
in
{
  bad-purge = {
    message = "A definition for option `${at}.purge' is not of type `one of \"undeclared\", \"managed\", \"none\"'.";
    value = system { purge = "all"; };
  };
  bad-active = {
    message = "A definition for option `${domain}.active' is not of type `null or boolean'.";
    value = dom { active = "yes"; };
  };
  bad-restart = {
    message = "A definition for option `${domain}.restart' is not of type `null or boolean or value \"live\" (singular enum)'.";
    value = dom { restart = 1; };
  };
  bad-restart-string = {
    message = "A definition for option `${domain}.restart' is not of type `null or boolean or value \"live\" (singular enum)'.";
    value = dom { restart = "sometimes"; };
  };
  # "live" is for domains only.
  restart-live-on-network = {
    message = "A definition for option `${network}.restart' is not of type `null or boolean'.";
    value = system { networks = [ { definition = "/NIXVIRT_DEFS/net-default.xml"; restart = "live"; } ]; };
  };
  relative-definition = {
    message = "A definition for option `${network}.definition' is not of type `absolute path (no control characters) or attribute set of anything'.";
    value = system { networks = [ { definition = "net.xml"; } ]; };
  };
  definition-wrong-type = {
    message = "A definition for option `${domain}.definition' is not of type `absolute path (no control characters) or attribute set of anything'.";
    value = dom { definition = 42; };
  };
  definition-control-character = {
    message = "A definition for option `${domain}.definition' is not of type `absolute path (no control characters) or attribute set of anything'.";
    value = dom { definition = "/NIXVIRT_DEFS/dom${bell}.xml"; };
  };
  missing-definition = {
    message = "The option `${network}.definition' was accessed but has no value defined.";
    value = system { networks = [ { active = true; } ]; };
  };
  unknown-attribute = {
    message = "The option `${domain}.autostart' does not exist.";
    value = dom { autostart = true; };
  };
  shutdown-timeout-on-network = {
    message = "The option `${network}.shutdownTimeout' does not exist.";
    value = system { networks = [ { definition = "/NIXVIRT_DEFS/net-default.xml"; shutdownTimeout = 5; } ]; };
  };
  volumes-on-domain = {
    message = "The option `${domain}.volumes' does not exist.";
    value = dom { volumes = [ ]; };
  };
  zero-shutdown-timeout = {
    message = "A definition for option `${domain}.shutdownTimeout' is not of type `null or (positive integer, meaning >0)'.";
    value = dom { shutdownTimeout = 0; };
  };
  kind-not-a-list = {
    message = "A definition for option `${at}.domains' is not of type `null or (list of (submodule))'.";
    value = system { domains = { definition = "/NIXVIRT_DEFS/dom-web.xml"; }; };
  };
  volumes-not-a-list = {
    message = "A definition for option `${at}.pools.\"[definition 1-entry 1]\".volumes' is not of type `list of (submodule)'.";
    value = system { pools = [ { definition = "/NIXVIRT_DEFS/pool-images.xml"; volumes = { }; } ]; };
  };
  unknown-connection-attribute = {
    message = "The option `${at}.volumes' does not exist.";
    value = system { volumes = [ ]; };
  };
  connections-not-a-set = {
    message = "A definition for option `virtualisation.libvirt.connections' is not of type `attribute set of (submodule)'.";
    value = (h.nixos { virtualisation.libvirt = { enable = true; connections = [ ]; }; }).systemd.services.nixvirt.script;
  };
  volume-without-name-or-definition = {
    message = "The option `${volume}': a volume needs a name or a definition";
    value = vol { present = false; };
  };
  volume-create-without-definition = {
    message = "The option `${volume}': volume \"new.raw\" has present = true but no definition to create it from";
    value = vol { name = "new.raw"; };
  };
  volume-empty-name = {
    message = "A definition for option `${volume}.name' is not of type `null or non-empty string without control characters'.";
    value = vol { name = ""; present = false; };
  };
  volume-name-control-character = {
    message = "A definition for option `${volume}.name' is not of type `null or non-empty string without control characters'.";
    value = vol { name = "a${bell}b"; present = false; };
  };
  volume-present-not-bool = {
    message = "A definition for option `${volume}.present' is not of type `boolean'.";
    value = vol { name = "x.raw"; present = null; };
  };
  volume-unknown-attribute = {
    message = "The option `${volume}.size' does not exist.";
    value = vol { name = "x.raw"; present = false; size = 1; };
  };
  # The definition is a Nix path, so its <name> is read and compared.
  volume-name-mismatch = {
    message = "The option `${volume}': name \"other.raw\" does not match the name \"disk.raw\" in";
    value = vol { name = "other.raw"; definition = ../modules/defs/vol-disk.xml; };
  };
  volume-error-names-its-place = {
    message = "The option `${at}.pools.\"[definition 1-entry 2]\".volumes.\"[definition 1-entry 3]\"': a volume needs a name or a definition";
    value = system {
      pools = [
        { definition = "/NIXVIRT_DEFS/pool-images.xml"; }
        {
          definition = "/NIXVIRT_DEFS/pool-images.xml";
          volumes = [ { name = "a.raw"; present = false; } { name = "b.raw"; present = false; } { } ];
        }
      ];
    };
  };
  empty-uri = {
    message = "The option `virtualisation.libvirt.connections': a connection URI must be a non-empty string";
    value = script { "" = { }; };
  };
  uri-with-space = {
    message = "The option `virtualisation.libvirt.connections': connection URI \"qemu:///system extra\" contains white space or control characters";
    value = script { "qemu:///system" = { }; "qemu:///system extra" = { }; };
  };
  uri-with-control-character = {
    message = "contains white space or control characters";
    value = script { "qemu:///sys${bell}tem" = { }; };
  };
  # With `strict`, a key libvirt does not know in a definition given as a
  # Nix value (the lib's refusal, reached through the module).
  strict-unknown-key = {
    message = "domain.devices.interfaces: unknown attribute/element";
    value =
      (h.nixos (lib.recursiveUpdate (h.enabled { "qemu:///system".domains = [ { definition = { type = "kvm"; name = "v"; devices.interfaces = [ ]; }; } ]; }) {
        virtualisation.libvirt.strict = true;
      })).systemd.services.nixvirt.script;
  };
  # The Home Manager module has the same options.
  home-bad-purge = {
    message = "A definition for option `virtualisation.libvirt.connections.\"qemu:///session\".purge' is not of type";
    value = (h.home (h.enabled { "qemu:///session".purge = "all"; })).home.activation.NixVirt.data;
  };
  home-volume-without-name-or-definition = {
    message = "The option `virtualisation.libvirt.connections.\"qemu:///session\".pools.\"[definition 1-entry 1]\".volumes.\"[definition 1-entry 1]\"': a volume needs a name or a definition";
    value = (h.home (h.enabled { "qemu:///session".pools = [ { definition = "/p.xml"; volumes = [ { } ]; } ]; })).home.activation.NixVirt.data;
  };

  lib-undeclared = {
    message = "The option `x' does not exist.";
    value = eval [ { options.y = opt types.int; } { x = 1; } ];
  };
  # Also when the definition is switched off.
  lib-undeclared-under-mkIf-false = {
    message = "The option `x' does not exist.";
    value = eval [ { options.y = opt types.int; } { x = mkIf false 1; } ];
  };
  lib-undeclared-in-list-element = {
    message = ''The option `l."[definition 1-entry 2]".zz' does not exist.'';
    value = (eval [ { options.l = opt (types.listOf sub); } { l = [ { } { zz = 1; } ]; } ]).l;
  };
  lib-undeclared-in-attribute = {
    message = ''The option `c."qemu:///system".zz' does not exist.'';
    value = (eval [ { options.c = opt (types.attrsOf sub); } { c."qemu:///system".zz = 1; } ]).c;
  };
  lib-wrong-type = {
    message = "A definition for option `b' is not of type `boolean'.";
    value = (eval [ { options.b = opt types.bool; } { b = "yes"; } ]).b;
  };
  lib-wrong-type-in-list-element = {
    message = ''A definition for option `l."[definition 1-entry 1]".a' is not of type `signed integer'.'';
    value = (eval [ { options.l = opt (types.listOf sub); } { l = [ { a = "1"; } ]; } ]).l;
  };
  lib-not-a-list = {
    message = "A definition for option `l' is not of type `null or (list of (submodule))'.";
    value = (eval [ { options.l = opt (types.nullOr (types.listOf sub)); } { l = { a = 1; }; } ]).l;
  };
  lib-neither-path-nor-set = {
    message = "A definition for option `d' is not of type `absolute path or attribute set of anything'.";
    value = (eval [ { options.d = opt (types.either types.path (types.attrsOf types.anything)); } { d = "rel.xml"; } ]).d;
  };
  lib-enum = {
    message = ''A definition for option `p' is not of type `one of "a", "b"'.'';
    value = (eval [ { options.p = opt (types.enum [ "a" "b" ]); } { p = "c"; } ]).p;
  };
  lib-positive = {
    message = "A definition for option `t' is not of type `null or (positive integer, meaning >0)'.";
    value = (eval [ { options.t = opt (types.nullOr types.ints.positive); } { t = 0; } ]).t;
  };
  lib-no-value = {
    message = "The option `s' was accessed but has no value defined. Try setting the option.";
    value = (eval [ { options.s = opt types.str; } ]).s;
  };
  lib-conflicting-values = {
    message = "The option `b' has conflicting definition values";
    value = (eval [ { options.b = opt types.bool; } { b = true; } { b = false; } ]).b;
  };
  lib-null-and-not-null = {
    message = "The option `n` is defined both null and not null";
    value = (eval [ { options.n = opt (types.nullOr types.int); } { n = null; } { n = 1; } ]).n;
  };
  lib-mkIf-not-bool = {
    message = "called with a non-Boolean condition";
    value = (eval [ { options.b = opt types.bool; } { b = mkIf "yes" true; } ]).b;
  };
}
