# What flake.nix exports from here: the NixOS and Home Manager modules, and
# the pure functions behind them.
#
#   self: the flake, for the default of `virtualisation.libvirt.tool`
#         (null: build ../package.nix with the configuration's pkgs)
{ self ? null }:
let
  defaultTool = pkgs:
    let
      system = pkgs.stdenv.hostPlatform.system;
    in
    if self != null && self ? packages.${system}.default then
      self.packages.${system}.default
    else
      pkgs.callPackage ../package.nix { };
in
{
  nixos = import ./nixos.nix { inherit defaultTool; };
  home = import ./home.nix { inherit defaultTool; };
  functions = import ./functions.nix;
}
