# NixOS module: `virtualisation.libvirt` (./options.nix) wired to
# ./functions.nix. A oneshot nixvirt.service runs `nixvirt apply` once per
# connection, after libvirtd. It stays active after it ran
# (RemainAfterExit), so `nixos-rebuild switch` restarts it exactly when its
# script changed, that is when a manifest (or the tool, or a flag) changed.
{ defaultTool }:
{ config, lib, pkgs, ... }:
let
  cfg = config.virtualisation.libvirt;
  fns = import ./functions.nix;
  # Definitions given as Nix values are written with the library (lib.strict
  # with `strict`: a key libvirt does not know is then an error).
  nvlib = import ../lib { inherit pkgs; };
  connections = fns.renderDefinitions (if cfg.strict then nvlib.strict else nvlib) cfg.connections;
  uris = builtins.attrNames connections;
  manifestFile = uri:
    pkgs.writeText (fns.manifestName uri) (fns.manifest uri connections.${uri});
in
{
  _file = ./nixos.nix;
  # Importing the module twice (say, directly and through another module)
  # must not declare the options twice.
  key = "nixvirt#nixosModules.default";

  imports = [ (import ./options.nix { homeManager = false; inherit defaultTool; }) ];

  config = lib.mkIf cfg.enable {
    # As NixVirt's module: qemu-img (volumes) and, with swtpm, swtpm for users.
    environment.systemPackages = [ pkgs.qemu-utils ] ++ lib.optional cfg.swtpm.enable pkgs.swtpm;

    virtualisation.libvirtd = {
      enable = true;
      package = lib.mkDefault cfg.package;
      qemu.swtpm.enable = lib.mkIf cfg.swtpm.enable true;
    };

    systemd.services.nixvirt = {
      description = "Declare libvirt objects (nixvirt)";
      wantedBy = [ "multi-user.target" ];
      requires = [ "libvirtd.service" ];
      after = [ "libvirtd.service" ];
      # Only remote connections over ssh need a program besides nixvirt.
      path = lib.optional (builtins.any fns.needsSsh uris) pkgs.openssh;
      restartIfChanged = true;
      serviceConfig = {
        Type = "oneshot";
        RemainAfterExit = true;
        StateDirectory = "nixvirt";
      };
      script = fns.script {
        tool = "${cfg.tool}/bin/nixvirt";
        manifests = map (uri: { inherit uri; manifest = manifestFile uri; }) uris;
        inherit (cfg) verbose timeout;
        stateDir = "/var/lib/nixvirt";
        wait = 30;
      };
    };
  };
}
