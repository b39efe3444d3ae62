# The flake's checks.<system>.nixos-closure: evaluates a NixOS container
# with the module enabled and one domain, and compares the closure of the
# nixvirt.service unit with that of a baseline oneshot unit of the same
# shape. What remains may only be nixvirt's own files (the unit, its script,
# the manifest, the tool) and the definition: no Python, no libvirt client
# library, no qemu-utils. (Needs nixpkgs; not runnable with nix-instantiate
# alone.)
{ pkgs, system, nixosSystem, module }:
let
  sys = nixosSystem {
    inherit system;
    modules = [
      module
      {
        boot.isContainer = true;
        system.stateVersion = "25.11";
        systemd.services.closure-baseline = {
          wantedBy = [ "multi-user.target" ];
          serviceConfig = { Type = "oneshot"; RemainAfterExit = true; StateDirectory = "closure-baseline"; };
          script = "true";
        };
        virtualisation.libvirt = {
          enable = true;
          connections."qemu:///system".domains = [
            { definition = ../modules/defs/dom-web.xml; active = true; }
          ];
        };
      }
    ];
  };
  units = sys.config.systemd.units;
  closure = root: pkgs.closureInfo { rootPaths = [ root ]; };
in
pkgs.runCommand "nixvirt-nixos-closure" { } ''
  sort ${closure units."nixvirt.service".unit}/store-paths >nixvirt
  sort ${closure units."closure-baseline.service".unit}/store-paths >baseline
  comm -23 nixvirt baseline | sed 's|^${builtins.storeDir}/[a-z0-9]*-||' >extra
  echo "added by the module:"; cat extra
  bad=$(grep -v -e nixvirt -e '^dom-web\.xml$' extra || true)
  if [ -n "$bad" ]; then echo "unexpected in the closure:"; echo "$bad"; exit 1; fi
  grep -q '^dom-web\.xml$' extra || { echo "the definition is missing"; exit 1; }
  grep -q '^nixvirt-[0-9.]*$' extra || { echo "the tool is missing"; exit 1; }
  grep -q '^nixvirt-qemu-system\.xml$' extra || { echo "the manifest is missing"; exit 1; }
  touch $out
''
