# The NixOS and Home Manager modules evaluated with lib.evalModules next to
# stubs of the few NixOS / Home Manager options and packages they touch;
# shared by ./default.nix and ./errors.nix.
{ lib }:
rec {
  fakeDrv = name: {
    type = "derivation";
    inherit name;
    outPath = "/nix/store/00000000000000000000000000000000-${name}";
  };
  # Its path depends on the text, so equal scripts mean equal manifests.
  fakeWriteText = name: text: fakeDrv name // {
    outPath = "/nix/store/${builtins.substring 0 32 (builtins.hashString "sha256" (builtins.unsafeDiscardStringContext text))}-${name}";
    inherit text;
  };

  pkgs = {
    libvirt = fakeDrv "libvirt";
    openssh = fakeDrv "openssh";
    qemu-utils = fakeDrv "qemu-utils";
    swtpm = fakeDrv "swtpm";
    writeText = fakeWriteText;
    stdenv.hostPlatform.system = "x86_64-linux";
    callPackage = _: _: fakeDrv "nixvirt-from-callPackage";
  };
  tool = fakeDrv "nixvirt-0.1.0";
  modules = import ../../../nix/modules { self = { packages.x86_64-linux.default = tool; }; };
  modulesNoSelf = import ../../../nix/modules { };

  nixosStubs = {
    options = {
      virtualisation.libvirtd = {
        enable = lib.mkOption { type = lib.types.bool; default = false; };
        package = lib.mkOption { type = lib.types.package; default = pkgs.libvirt; };
        qemu.swtpm.enable = lib.mkOption { type = lib.types.bool; default = false; };
      };
      systemd.services = lib.mkOption {
        type = lib.types.attrsOf (lib.types.attrsOf lib.types.anything);
        default = { };
      };
      environment.systemPackages = lib.mkOption { type = lib.types.listOf lib.types.package; default = [ ]; };
    };
  };
  hmStubs = {
    options = {
      home.activation = lib.mkOption { type = lib.types.attrsOf lib.types.anything; default = { }; };
      home.packages = lib.mkOption { type = lib.types.listOf lib.types.package; default = [ ]; };
    };
  };
  # Home Manager extends lib with lib.hm; only dag.entryAfter is used.
  hmLib = lib // { hm.dag.entryAfter = after: data: { inherit after data; before = [ ]; }; };

  evalNixos = mods: cfg: lib.evalModules {
    modules = [ nixosStubs mods.nixos { _module.args.pkgs = pkgs; } cfg ];
  };
  evalHome = mods: cfg: lib.evalModules {
    specialArgs.lib = hmLib;
    modules = [ hmStubs mods.home { _module.args.pkgs = pkgs; } cfg ];
  };
  nixos = cfg: (evalNixos modules cfg).config;
  home = cfg: (evalHome modules cfg).config;
  enabled = connections: { virtualisation.libvirt = { enable = true; inherit connections; }; };

}
