# Evaluates flake.nix's outputs against a stub of nixpkgs (its real `lib`,
# fake packages), to check the wiring without network or a package set:
# output names, the package's build flags and source, the apps, the module
# and overlay shapes. Returns a list of { name; ok; expected; actual; }.
{ lib }:
let
  inherit (builtins) attrNames head split isFunction functionArgs intersectAttrs map;
  flake = import ../../../flake.nix;
  systems = [ "x86_64-linux" "aarch64-linux" ];

  drv = name: attrs: attrs // {
    type = "derivation";
    inherit name;
    outPath = "/nix/store/00000000000000000000000000000000-${name}";
    overrideAttrs = f: drv name (attrs // (if isFunction f then f attrs else f));
  };
  mkPkgs = system:
    let
      pkgs = {
        inherit lib;
        stdenv = {
          hostPlatform = { inherit system; parsed.cpu.name = head (split "-" system); };
          mkDerivation = a: drv "${a.pname}-${a.version}" a;
        };
        callPackage = f: args:
          let fn = if isFunction f then f else import f;
          in fn (intersectAttrs (functionArgs fn) pkgs // args);
        zig_0_15 = drv "zig-0.15.2" { hook = drv "zig-hook" { }; };
        pkg-config = drv "pkg-config" { };
        pkgsStatic.expat = drv "expat-static" { };
        runCommand = name: env: script: drv name (env // { inherit script; });
        mkShell = a: drv "shell" a;
        nixfmt = drv "nixfmt" { };
        libvirt = drv "libvirt" { };
        qemu = drv "qemu" { };
        nix = drv "nix" { };
        python3 = drv "python3" { };
      };
    in
    pkgs;
  nixpkgs = {
    lib = lib // { nixosSystem = _: throw "nixosSystem is not available in this test"; };
    legacyPackages = lib.genAttrs systems mkPkgs;
  };
  out = flake.outputs { self = out; inherit nixpkgs; };

  safe = x: let r = builtins.tryEval (builtins.deepSeq x x); in if r.success then r.value else null;
  show = x: if x == null then "<evaluation error>" else builtins.toJSON x;
  test = name: expected: actual:
    let a = safe actual; in
    { name = "flake/${name}"; ok = a != null && a == expected; expected = show expected; actual = show a; };

  pkg = system: out.packages.${system}.default;
  srcTree = dir: lib.mapAttrs (n: t: if t == "directory" && n != "src" && n != "unit" then srcTree (dir + "/${n}") else t) (builtins.readDir dir);
in
[
  (test "nixpkgs-input" "github:NixOS/nixpkgs/nixos-25.11" flake.inputs.nixpkgs.url)
  (test "outputs" [ "apps" "checks" "devShells" "formatter" "homeModules" "lib" "nixosModules" "overlays" "packages" ] (attrNames out))
  (test "systems" (map (_: [ "aarch64-linux" "x86_64-linux" ]) [ 1 2 3 4 5 ])
    (map (o: attrNames out.${o}) [ "packages" "apps" "checks" "devShells" "formatter" ]))
  (test "packages" [ "default" "nixvirt" ] (attrNames out.packages.x86_64-linux))
  (test "package-name" "nixvirt-0.1.0" (pkg "x86_64-linux").name)
  (test "package-flags-x86_64" [ "-Dsystem-expat=true" "-Doptimize=ReleaseSmall" "-Dtarget=x86_64-linux-musl" ]
    (pkg "x86_64-linux").zigBuildFlags)
  (test "package-flags-aarch64" [ "-Dsystem-expat=true" "-Doptimize=ReleaseSmall" "-Dtarget=aarch64-linux-musl" ]
    (pkg "aarch64-linux").zigBuildFlags)
  (test "package-check-flags" (pkg "x86_64-linux").zigBuildFlags (pkg "x86_64-linux").zigCheckFlags)
  (test "package-inputs" [ [ "zig-hook" "pkg-config" ] [ "expat-static" ] ]
    [ (map (d: d.name) (pkg "x86_64-linux").nativeBuildInputs) (map (d: d.name) (pkg "x86_64-linux").buildInputs) ])
  (test "package-references-nothing" [ ] (pkg "x86_64-linux").allowedReferences)
  (test "package-no-check-by-default" false (pkg "x86_64-linux").doCheck)
  (test "unit-tests-check" true out.checks.x86_64-linux.unit-tests.doCheck)
  (test "package-source" [ "build.zig" "build.zig.zon" "completions" "man" "src" "tests" ]
    (attrNames (builtins.readDir (pkg "x86_64-linux").src)))
  (test "package-source-tests" true
    (builtins.elem (attrNames (builtins.readDir ((pkg "x86_64-linux").src + "/tests"))) [ [ "unit" ] [ "data" "unit" ] ]))
  (test "apps"
    {
      default = { type = "app"; program = "${pkg "x86_64-linux"}/bin/nixvirt"; };
      virtdeclare = { type = "app"; program = "${pkg "x86_64-linux"}/bin/virtdeclare"; };
      virtpurge = { type = "app"; program = "${pkg "x86_64-linux"}/bin/virtpurge"; };
    }
    (lib.mapAttrs (n: a: { inherit (a) type program; }) out.apps.x86_64-linux))
  (test "modules-are-functions" [ true true ] [ (isFunction out.nixosModules.default) (isFunction out.homeModules.default) ])
  (test "overlay" "nixvirt-0.1.0"
    (let final = mkPkgs "aarch64-linux" // overlaid; overlaid = out.overlays.default final { }; in overlaid.nixvirt.name))
  (test "formatter" "nixfmt" out.formatter.x86_64-linux.name)
  (test "devshell-has-zig-libvirt-qemu-nix" true
    (lib.all (n: builtins.elem n (map (p: p.name) out.devShells.x86_64-linux.default.packages)) [ "zig-0.15.2" "libvirt" "qemu" "nix" ]))
  (test "checks" [ "lib" "modules" "modules-eval" "nixos-closure" "package" "unit-tests" ] (attrNames out.checks.x86_64-linux))
  (test "check-modules-evaluates" true (builtins.isString out.checks.x86_64-linux.modules.script))
  (test "check-modules-eval-evaluates" true (builtins.isString out.checks.x86_64-linux.modules-eval.script))
]
