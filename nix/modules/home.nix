# Home Manager module: `virtualisation.libvirt` (./options.nix) wired to
# ./functions.nix. An activation step after `installPackages` runs
# `nixvirt apply` once per connection (usually qemu:///session; nixvirt
# starts the session daemon of `package` when none is running).
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
  _file = ./home.nix;
  # Importing the module twice (say, directly and through another module)
  # must not declare the options twice.
  key = "nixvirt#homeModules.default";

  imports = [ (import ./options.nix { homeManager = true; inherit defaultTool; }) ];

  config = lib.mkIf cfg.enable {
    # As NixVirt's module: qemu-img (volumes) and, with swtpm, swtpm for the user.
    home.packages = [ pkgs.qemu-utils ] ++ lib.optional cfg.swtpm.enable pkgs.swtpm;

    home.activation.NixVirt = lib.hm.dag.entryAfter [ "installPackages" ] (fns.script {
      tool = "${cfg.tool}/bin/nixvirt";
      manifests = map (uri: { inherit uri; manifest = manifestFile uri; }) uris;
      inherit (cfg) verbose timeout;
      homeManager = true;
      # For a session daemon that nixvirt starts: the daemon itself, and what
      # NixVirt's module put on its PATH (qemu-img for volumes, swtpm).
      path = [
        "${cfg.package}/bin"
        "${cfg.package}/sbin"
        "${pkgs.qemu-utils}/bin"
      ] ++ lib.optional cfg.swtpm.enable "${pkgs.swtpm}/bin";
    });
  };
}
