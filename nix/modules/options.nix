# The options shared by the NixOS and Home Manager modules: NixVirt's option
# paths and meanings, plus `tool`, `connections.<uri>.purge` and
# `domains.*.shutdownTimeout`.
#
#   homeManager: true for the Home Manager module (only changes the texts)
#   defaultTool: pkgs -> the nixvirt package to use by default
{ homeManager, defaultTool }:
{ lib, pkgs, ... }:
let
  inherit (lib) mkOption mkEnableOption mkPackageOption types literalExpression;
  # Our types that check what nixpkgs' do not (./types.nix).
  nvtypes = import ./types.nix { inherit lib; };

  defaultUri = if homeManager then "qemu:///session" else "qemu:///system";

  # A definition: a path to its XML, or the Nix value the flake's
  # lib.<kind>.writeXML takes (written with it; see `strict`).
  definitionType = types.either nvtypes.definitionPath (types.attrsOf types.anything);

  definitionOption = kind: link: example:
    mkOption {
      type = definitionType;
      example = literalExpression example;
      description = ''
        Path to the ${kind} definition XML (${link}). A Nix path is copied to
        the store; a string or a derivation (for example the result of the
        flake's `lib` functions) is used as it is. `virsh ${
          if kind == "domain" then "dumpxml" else if kind == "network" then "net-dumpxml" else "pool-dumpxml"
        }` gives it for an existing ${kind}. An attribute set is the ${kind}
        as a Nix value, written with the flake's `lib.${kind}.writeXML` (or
        `lib.strict.${kind}.writeXML` with `strict`).
      '';
    };

  activeOption = kind: what:
    mkOption {
      type = types.nullOr types.bool;
      default = null;
      example = true;
      description = ''
        State to put the ${kind} in: `true` ${what.on}, `false` ${what.off},
        `null` leaves it in the state it is in (a ${kind} that does not exist
        yet stays inactive).
      '';
    };

  restartOption = kind:
    mkOption {
      type = types.nullOr (if kind == "domain" then types.either types.bool (types.enum [ "live" ]) else types.bool);
      default = null;
      example = false;
      description = ''
        Whether to restart the ${kind} when it is active: `true` restarts it on
        every activation, `false` never restarts it (a changed definition then
        takes effect at its next start), `null` restarts it only when its
        definition changed.${if kind == "domain" then "\n`\"live\"` applies a changed definition to the running domain\n(devices attached or detached, media, link state, bandwidth, memory, more vCPUs)\nand restarts it only when that is not possible or fails." else ""}
      '';
    };

  objectListOption = { kind, plural, extraOptions ? { }, example, warning }:
    mkOption {
      type = types.nullOr (types.listOf (types.submodule { options = extraOptions; }));
      default = null;
      inherit example;
      description = ''
        The libvirt ${plural} of this connection, or `null` (the default) to
        leave ${plural} alone. When it is a list, each element declares one
        ${kind}, identified by the UUID in its definition; ${warning}
      '';
    };

  domainOptions = {
    definition = definitionOption "domain" "<https://libvirt.org/formatdomain.html>" "./vms/web.xml";
    active = activeOption "domain" { on = "runs it"; off = "stops it"; };
    restart = restartOption "domain";
    shutdownTimeout = mkOption {
      type = types.nullOr types.ints.positive;
      default = null;
      example = 60;
      description = ''
        When nixvirt has to stop this domain (`active = false`, a restart, or
        a purge), ask the guest to shut down and wait this many seconds before
        forcing it off. `null` uses `nixvirt apply`'s default.
      '';
    };
  };

  networkOptions = {
    definition = definitionOption "network" "<https://libvirt.org/formatnetwork.html>" "./networks/default.xml";
    active = activeOption "network" { on = "starts it"; off = "stops it"; };
    restart = restartOption "network";
  };

  volumeOptions = {
    present = mkOption {
      type = types.bool;
      default = true;
      example = false;
      description = ''
        Whether the volume should exist. `true` creates it from `definition`
        if the pool has no volume of that name (an existing volume is never
        changed); `false` deletes it if it exists.
      '';
    };
    name = mkOption {
      type = types.nullOr nvtypes.volumeName;
      default = null;
      example = "old-disk.qcow2";
      description = ''
        Name of the volume. Enough on its own with `present = false`; when
        `definition` is given too, the two names must agree (checked when the
        configuration is evaluated if `definition` is a Nix path, otherwise by
        `nixvirt apply`).
      '';
    };
    definition = mkOption {
      type = types.nullOr definitionType;
      default = null;
      example = literalExpression "./volumes/web-disk.xml";
      description = ''
        Path to the volume definition XML
        (<https://libvirt.org/formatstorage.html#storage-volume-xml>), needed to
        create the volume, or the volume as a Nix value (written with the
        flake's `lib.volume.writeXML`). At least one of `name` and
        `definition` must be set.
      '';
    };
  };

  poolOptions = {
    definition = definitionOption "pool" "<https://libvirt.org/formatstorage.html>" "./pools/images.xml";
    active = activeOption "pool" { on = "starts it"; off = "stops it"; };
    restart = restartOption "pool";
    volumes = mkOption {
      type = types.listOf (nvtypes.volume volumeOptions);
      default = [ ];
      example = literalExpression ''
        [
          { definition = ./volumes/web-disk.xml; }
          { name = "old-disk.qcow2"; present = false; }
        ]
      '';
      description = ''
        Volumes of this pool to create if missing, or to delete
        (`present = false`). Volumes not listed are left alone. Creating or
        deleting a volume starts the pool.
      '';
    };
  };

  connectionOptions = {
    purge = mkOption {
      type = types.enum [ "undeclared" "managed" "none" ];
      default = "undeclared";
      example = "managed";
      description = ''
        What happens to objects of a managed kind (`domains`, `networks` or
        `pools` not `null`) that are not in its list:
        `"undeclared"` deletes every such object, as NixVirt does;
        `"managed"` deletes only those that nixvirt itself defined earlier
        (objects created by hand or by other tools stay);
        `"none"` deletes nothing.
        Deleting a domain keeps its volumes, NVRAM and TPM state; deleting a
        pool keeps the storage that held its volumes.
      '';
    };

    domains = objectListOption {
      kind = "domain";
      plural = "domains";
      extraOptions = domainOptions;
      warning = "domains not in the list are deleted according to `purge`.";
      example = literalExpression ''
        [
          { definition = ./vms/web.xml; active = true; shutdownTimeout = 60; }
          { definition = ./vms/build.xml; active = false; }
        ]
      '';
    };

    networks = objectListOption {
      kind = "network";
      plural = "networks";
      extraOptions = networkOptions;
      warning = "networks not in the list are deleted according to `purge`.";
      example = literalExpression ''
        [ { definition = ./networks/default.xml; active = true; } ]
      '';
    };

    pools = objectListOption {
      kind = "pool";
      plural = "pools";
      extraOptions = poolOptions;
      warning = "pools not in the list are deleted according to `purge`.";
      example = literalExpression ''
        [
          {
            definition = ./pools/images.xml;
            active = true;
            volumes = [ { definition = ./volumes/web-disk.xml; } ];
          }
        ]
      '';
    };
  };
in
{
  options.virtualisation.libvirt = {
    enable = mkEnableOption (
      "managing libvirt objects with nixvirt. "
      + (if homeManager then
        "The objects are declared by an activation step of Home Manager (after `installPackages`); "
        + "the libvirt daemon itself comes from the system (for `qemu:///session`, nixvirt starts "
        + "the session daemon of `package` when it is not running)"
      else
        "Also enables `virtualisation.libvirtd` (with `package`) and adds the `nixvirt.service` "
        + "unit that declares the objects at boot and after each `nixos-rebuild switch` that "
        + "changed them"));

    package = mkPackageOption pkgs "libvirt" {
      example = "pkgs.libvirt.override { enableIscsi = true; }";
      extraDescription =
        if homeManager then
          "Its daemon is the one nixvirt starts for a `qemu:///session` connection when none is running."
        else
          "Also the default of `virtualisation.libvirtd.package`.";
    };

    tool = mkOption {
      type = types.package;
      default = defaultTool pkgs;
      defaultText = literalExpression "nixvirt.packages.\${pkgs.stdenv.hostPlatform.system}.default";
      example = literalExpression "pkgs.nixvirt";
      description = ''
        The nixvirt package whose `nixvirt apply` declares the objects (a
        single static binary). `pkgs.nixvirt` exists with the flake's
        `overlays.default`.
      '';
    };

    verbose = mkOption {
      type = types.bool;
      default = false;
      example = true;
      description = ''
        Report each action (and why an object is considered changed) while
        declaring the objects; passes `-v` to `nixvirt apply`.
      '';
    };

    strict = mkOption {
      type = types.bool;
      default = false;
      example = true;
      description = ''
        For definitions given as Nix values (attribute sets), which the module
        writes with the flake's `lib`: whether a key that libvirt's schema does
        not know fails the evaluation (`lib.strict`). By default such a key is
        left out of the XML with a warning naming it and the closest valid
        key, as NixVirt leaves it out (silently). Definitions made by calling
        `lib.<kind>.writeXML` yourself follow the function you called.
      '';
    };

    timeout = mkOption {
      type = types.nullOr types.ints.positive;
      default = null;
      example = 600;
      description = ''
        Bound, in seconds, on each single call to the daemon, counted from the
        moment it is sent (`--timeout`). An object whose call exceeds it fails
        with a message naming it and the call; the others are still applied.
        `null`: no bound; a daemon that stops answering is still found dead by
        libvirt's keepalive protocol after 30 s, while a slow but live one (a
        long start hook) is waited for.
      '';
    };

    swtpm.enable = mkEnableOption (
      "making the swtpm software TPM emulator available to libvirt"
        + (if homeManager then " (on the PATH of the session daemon that nixvirt starts)"
        else " (sets `virtualisation.libvirtd.qemu.swtpm.enable`)")
        + " and putting it in ${if homeManager then "`home.packages`" else "`environment.systemPackages`"}, as NixVirt's module does (`qemu-img` is always put there)");

    connections = mkOption {
      type = nvtypes.connections (nvtypes.connection connectionOptions);
      default = { };
      example = literalExpression ''
        {
          "${defaultUri}" = {
            networks = [ { definition = ./networks/default.xml; active = true; } ];
            domains = [ { definition = ./vms/web.xml; active = true; } ];
          };
        }
      '';
      description = ''
        The objects to declare, keyed by hypervisor connection URI (for
        example `"${defaultUri}"`). Each connection gets one manifest and one
        `nixvirt apply` run; a failing connection does not stop the others,
        but makes the ${if homeManager then "activation" else "service"} fail.
      '';
    };
  };
}
