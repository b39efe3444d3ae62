# Evaluates the NixOS and Home Manager modules with the module system
# (lib.evalModules) against stubs of the few NixOS / Home Manager options
# and packages they touch (./harness.nix). Needs a `lib` only, not the
# package set:
# tests/nix/run-modules.sh passes the stand-in of ./stand-in, and nixpkgs'
# lib when it can find one ($NIXPKGS_LIB or <nixpkgs>); the flake's checks
# pass nixpkgs.lib.
#
# Returns a list of { name; ok; expected; actual; } like ../modules.
#   withErrors: also the cases of ./lib-semantics.nix, and that every case
#               of ./errors.nix throws (the shell runner runs those itself,
#               checking the messages too)
{ lib, withErrors ? true }:
let
  inherit (builtins) attrNames filter map readDir readFile match tryEval deepSeq;
  fns = import ../../../nix/modules/functions.nix;
  cases = ../modules;

  h = import ./harness.nix { inherit lib; };
  inherit (h) fakeDrv fakeWriteText pkgs tool modules modulesNoSelf evalNixos evalHome nixos home enabled;

  safe = x: let r = tryEval (deepSeq x x); in if r.success then r.value else null;
  show = x: if x == null then "<evaluation error>" else if builtins.isString x then x else builtins.toJSON x;
  test = name: expected: actual:
    let a = safe actual; in
    { inherit name; ok = a != null && a == expected; expected = show expected; actual = show a; };
  throws = name: x: {
    inherit name;
    ok = !(tryEval (deepSeq x x)).success;
    expected = "an evaluation error";
    actual = "";
  };

  # Every case of ../modules through the module: the service script must be
  # the one made from the expected manifests (only manifests, not the
  # script.sh files, which are for functions.script's own arguments).
  caseNames = filter (n: (readDir cases).${n} == "directory" && n != "defs") (attrNames (readDir cases));
  caseResults = map
    (case:
      let
        dir = cases + "/${case}";
        input = import (dir + "/input.nix");
        uris = attrNames input.connections;
        expectedScript = fns.script {
          tool = "${tool}/bin/nixvirt";
          manifests = map
            (uri: {
              inherit uri;
              manifest = fakeWriteText (fns.manifestName uri) (readFile (dir + "/${fns.manifestName uri}"));
            })
            uris;
          stateDir = "/var/lib/nixvirt";
          wait = 30;
        };
      in
      test "nixos/case/${case}" expectedScript (nixos (enabled input.connections)).systemd.services.nixvirt.script)
    caseNames;

  web = { definition = "/NIXVIRT_DEFS/dom-web.xml"; active = true; };
  system1 = enabled { "qemu:///system".domains = [ web ]; };
  service = (nixos system1).systemd.services.nixvirt;

  errors = import ./errors.nix { inherit lib; };

  # Every option must have a description and an example.
  undocumented = opts:
    map (o: o.name)
      (filter (o: (o.visible or true) && !(o.internal or false) && (!(o ? example) || (o.description or "") == ""))
        (lib.optionAttrSetToDocList opts));
in
caseResults
++ lib.optionals withErrors (
  import ./lib-semantics.nix { inherit lib; }
  ++ map (n: throws "errors/${n}" errors.${n}.value) (attrNames errors)
)
++ [
  (test "nixos/disabled-adds-nothing" { services = [ ]; libvirtd = false; packages = [ ]; }
    (let c = nixos { }; in {
      services = attrNames c.systemd.services;
      libvirtd = c.virtualisation.libvirtd.enable;
      packages = c.environment.systemPackages;
    }))
  (test "nixos/service-unit"
    {
      wantedBy = [ "multi-user.target" ];
      requires = [ "libvirtd.service" ];
      after = [ "libvirtd.service" ];
      path = [ ];
      restartIfChanged = true;
      serviceConfig = { Type = "oneshot"; RemainAfterExit = true; StateDirectory = "nixvirt"; };
    }
    { inherit (service) wantedBy requires after path restartIfChanged serviceConfig; })
  (test "nixos/script-uses-tool-and-manifest" true
    (match ".*'/nix/store/[0-9a-z]{32}-nixvirt-0.1.0/bin/nixvirt' apply --wait 30 --state-dir '/var/lib/nixvirt' --connect 'qemu:///system' '/nix/store/[0-9a-f]{32}-nixvirt-qemu-system.xml'.*" service.script != null))
  (test "nixos/timeout" true
    (match ".* apply --wait 30 --timeout 600 --state-dir.*" (nixos (lib.recursiveUpdate system1 { virtualisation.libvirt.timeout = 600; })).systemd.services.nixvirt.script != null))
  (test "nixos/verbose" true
    (match ".* apply -v --wait.*" (nixos (lib.recursiveUpdate system1 { virtualisation.libvirt.verbose = true; })).systemd.services.nixvirt.script != null))
  (test "nixos/closure-adds-only-tool-manifests-and-qemu-img" [ pkgs.qemu-utils ]
    (let c = nixos system1; in c.environment.systemPackages ++ c.systemd.services.nixvirt.path))
  (test "nixos/swtpm-in-system-packages" [ pkgs.qemu-utils pkgs.swtpm ]
    (nixos (lib.recursiveUpdate system1 { virtualisation.libvirt.swtpm.enable = true; })).environment.systemPackages)
  (test "nixos/nix-value-definition-written" true
    (match ".*-nixvirt-qemu-system.xml'.*"
      (nixos (enabled { "qemu:///system".domains = [ { definition = { type = "kvm"; name = "v"; devices.interfaces = [ ]; }; } ]; })).systemd.services.nixvirt.script != null))
  (test "nixos/strict-accepts-known-keys" true
    (match ".*-nixvirt-qemu-system.xml'.*"
      (nixos (lib.recursiveUpdate (enabled { "qemu:///system".domains = [ { definition = { type = "kvm"; name = "v"; }; } ]; }) { virtualisation.libvirt.strict = true; })).systemd.services.nixvirt.script != null))
  (test "nixos/ssh-connection-gets-openssh" [ pkgs.openssh ]
    (nixos (enabled { "qemu:///system" = { }; "qemu+ssh://root@h/system".domains = [ web ]; })).systemd.services.nixvirt.path)
  (test "nixos/enables-libvirtd" { enable = true; package = pkgs.libvirt; qemu.swtpm.enable = false; }
    (nixos system1).virtualisation.libvirtd)
  (test "nixos/package-is-libvirtd-default" (fakeDrv "libvirt-custom")
    (nixos (lib.recursiveUpdate system1 { virtualisation.libvirt.package = fakeDrv "libvirt-custom"; })).virtualisation.libvirtd.package)
  (test "nixos/libvirtd-package-set-by-user-wins" (fakeDrv "libvirt-other")
    (nixos (lib.recursiveUpdate system1 {
      virtualisation.libvirt.package = fakeDrv "libvirt-custom";
      virtualisation.libvirtd.package = fakeDrv "libvirt-other";
    })).virtualisation.libvirtd.package)
  (test "nixos/swtpm" true
    (nixos (lib.recursiveUpdate system1 { virtualisation.libvirt.swtpm.enable = true; })).virtualisation.libvirtd.qemu.swtpm.enable)
  (test "nixos/tool-option" true
    (match ".*'/nix/store/[0-9a-z]{32}-my-nixvirt/bin/nixvirt' apply.*"
      (nixos (lib.recursiveUpdate system1 { virtualisation.libvirt.tool = fakeDrv "my-nixvirt"; })).systemd.services.nixvirt.script != null))
  (test "nixos/tool-default-without-flake" true
    (match ".*-nixvirt-from-callPackage/bin/nixvirt' apply.*" (evalNixos modulesNoSelf system1).config.systemd.services.nixvirt.script != null))
  (test "nixos/no-connections-still-a-valid-service" "# nixvirt: declare libvirt objects, one manifest per connection.\nnixvirt_failed=0\n[ \"$nixvirt_failed\" = 0 ]\n"
    (nixos (enabled { })).systemd.services.nixvirt.script)
  (test "nixos/path-definition" true
    (match ".*-nixvirt-qemu-system.xml'.*"
      (nixos (enabled { "qemu:///system".networks = [ { definition = ../modules/defs/net-default.xml; } ]; })).systemd.services.nixvirt.script != null))
  (test "nixos/imported-twice" (nixos system1).systemd.services.nixvirt.script
    (evalNixos modules { imports = [ modules.nixos system1 ]; }).config.systemd.services.nixvirt.script)
  # How a volume definition's <name> is read for the name check; what
  # cannot be read reliably gives null (then `nixvirt apply` checks it).
  (test "types/volume-name-in-definition" [ "a & b<" null null null ]
    (map (import ../../../nix/modules/types.nix { inherit lib; }).volumeNameIn [
      "<volume type='file'>\n  <name>a &amp; b&lt;</name>\n  <key>k</key>\n</volume>"
      "<volume><name><![CDATA[x]]></name></volume>"
      "<volume><name>a&#38;b</name></volume>"
      "<volume><capacity>1</capacity></volume>"
    ]))
  (test "nixos/options-documented" [ ] (undocumented (evalNixos modules { }).options.virtualisation.libvirt))
  # The types as the documentation (and a type error) describes them.
  (test "nixos/option-types"
    {
      "virtualisation.libvirt.connections" = "attribute set of (submodule)";
      "virtualisation.libvirt.connections.<name>.domains" = "null or (list of (submodule))";
      "virtualisation.libvirt.connections.<name>.domains.*.active" = "null or boolean";
      "virtualisation.libvirt.connections.<name>.domains.*.definition" = "absolute path (no control characters) or attribute set of anything";
      "virtualisation.libvirt.connections.<name>.domains.*.restart" = "null or boolean or value \"live\" (singular enum)";
      "virtualisation.libvirt.connections.<name>.domains.*.shutdownTimeout" = "null or (positive integer, meaning >0)";
      "virtualisation.libvirt.connections.<name>.networks" = "null or (list of (submodule))";
      "virtualisation.libvirt.connections.<name>.networks.*.active" = "null or boolean";
      "virtualisation.libvirt.connections.<name>.networks.*.definition" = "absolute path (no control characters) or attribute set of anything";
      "virtualisation.libvirt.connections.<name>.networks.*.restart" = "null or boolean";
      "virtualisation.libvirt.connections.<name>.pools" = "null or (list of (submodule))";
      "virtualisation.libvirt.connections.<name>.pools.*.active" = "null or boolean";
      "virtualisation.libvirt.connections.<name>.pools.*.definition" = "absolute path (no control characters) or attribute set of anything";
      "virtualisation.libvirt.connections.<name>.pools.*.restart" = "null or boolean";
      "virtualisation.libvirt.connections.<name>.pools.*.volumes" = "list of (submodule)";
      "virtualisation.libvirt.connections.<name>.pools.*.volumes.*.definition" = "null or absolute path (no control characters) or attribute set of anything";
      "virtualisation.libvirt.connections.<name>.pools.*.volumes.*.name" = "null or non-empty string without control characters";
      "virtualisation.libvirt.connections.<name>.pools.*.volumes.*.present" = "boolean";
      "virtualisation.libvirt.connections.<name>.purge" = "one of \"undeclared\", \"managed\", \"none\"";
      "virtualisation.libvirt.enable" = "boolean";
      "virtualisation.libvirt.package" = "package";
      "virtualisation.libvirt.strict" = "boolean";
      "virtualisation.libvirt.swtpm.enable" = "boolean";
      "virtualisation.libvirt.timeout" = "null or (positive integer, meaning >0)";
      "virtualisation.libvirt.tool" = "package";
      "virtualisation.libvirt.verbose" = "boolean";
    }
    (builtins.listToAttrs (map (o: { inherit (o) name; value = o.type; })
      (filter (o: !o.internal) (lib.optionAttrSetToDocList (evalNixos modules { }).options.virtualisation.libvirt)))))

  (test "home/disabled-adds-nothing" [ ] (attrNames (home { }).home.activation))
  (test "home/activation-step"
    {
      after = [ "installPackages" ];
      before = [ ];
      data = fns.script {
        tool = "${tool}/bin/nixvirt";
        manifests = [ { uri = "qemu:///session"; manifest = fakeWriteText "nixvirt-qemu-session.xml" (fns.manifest "qemu:///session" { domains = [ web ]; }); } ];
        homeManager = true;
        path = [ "${pkgs.libvirt}/bin" "${pkgs.libvirt}/sbin" "${pkgs.qemu-utils}/bin" ];
      };
    }
    (home (enabled { "qemu:///session".domains = [ web ]; })).home.activation.NixVirt)
  (test "home/swtpm-on-path" true
    (match ".*'/nix/store/[0-9a-z]{32}-swtpm/bin':.*"
      (home (lib.recursiveUpdate (enabled { "qemu:///session" = { }; }) { virtualisation.libvirt.swtpm.enable = true; })).home.activation.NixVirt.data != null))
  (test "home/packages-qemu-img" [ pkgs.qemu-utils ] (home (enabled { "qemu:///session" = { }; })).home.packages)
  (test "home/packages-swtpm" [ pkgs.qemu-utils pkgs.swtpm ]
    (home (lib.recursiveUpdate (enabled { "qemu:///session" = { }; }) { virtualisation.libvirt.swtpm.enable = true; })).home.packages)
  (test "home/imported-twice" (home (enabled { "qemu:///session" = { }; })).home.activation.NixVirt
    (evalHome modules { imports = [ modules.home (enabled { "qemu:///session" = { }; }) ]; }).config.home.activation.NixVirt)
  (test "home/options-documented" [ ] (undocumented (evalHome modules { }).options.virtualisation.libvirt))
  (test "home/same-options-as-nixos" true
    (map (o: o.name) (lib.optionAttrSetToDocList (evalHome modules { }).options.virtualisation.libvirt)
      == map (o: o.name) (lib.optionAttrSetToDocList (evalNixos modules { }).options.virtualisation.libvirt)))
]
