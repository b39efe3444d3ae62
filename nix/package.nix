# The static `nixvirt` binary (with `virtdeclare` and `virtpurge` as
# symlinks to it), built with nixpkgs' Zig 0.15 and a static expat; `zig
# build` also installs the manual pages (share/man/man1) and the bash
# completion (share/bash-completion/completions).
#
# Zig brings its own musl and the target is always <arch>-linux-musl, so the
# program is static whatever stdenv this is called with; only expat comes
# from pkgsStatic (built with nixpkgs' musl toolchain). The output refers to
# no store path at all (allowedReferences), so its closure is the binary
# alone. See docs/nix.md.
{
  lib,
  stdenv,
  zig_0_15,
  pkg-config,
  pkgsStatic,
}:
let
  root = ./..;
  zon = builtins.readFile (root + "/build.zig.zon");
  version = builtins.head (builtins.match ''.*[.]version = "([^"]+)".*'' zon);

  # Zig's and nixpkgs' names agree for the supported architectures
  # (x86_64, aarch64).
  target = "${stdenv.hostPlatform.parsed.cpu.name}-linux-musl";

  zigFlags = [
    "-Dsystem-expat=true"
    "-Doptimize=ReleaseSmall"
    "-Dtarget=${target}"
    # not rpcprobe, bench/floor, bench/measure: their sources are not in src
    "-Ddev-tools=false"
  ];
in
stdenv.mkDerivation {
  pname = "nixvirt";
  inherit version;

  # Only what `zig build` reads (the manual pages and the completion
  # included): a change elsewhere (docs, nix/, the integration tests) does
  # not rebuild the package.
  src = builtins.path {
    name = "nixvirt-source";
    path = root;
    filter =
      path: type:
      let
        rel = lib.removePrefix (toString root + "/") (toString path);
      in
      builtins.elem rel [
        "build.zig"
        "build.zig.zon"
        "src"
        "tests"
        "tests/unit"
        "tests/data"
        "man"
        "completions"
      ]
      || lib.hasPrefix "src/" rel
      || lib.hasPrefix "man/" rel
      || lib.hasPrefix "completions/" rel
      || lib.hasPrefix "tests/unit/" rel
      || lib.hasPrefix "tests/data/" rel;
  };

  # zig.hook: build, check and install phases that call `zig build` with
  # -Dcpu=baseline and a private cache (newer nixpkgs put that setup hook
  # on zig itself); pkg-config is how Zig finds expat.
  nativeBuildInputs = [
    (zig_0_15.hook or zig_0_15)
    pkg-config
  ];
  buildInputs = [ pkgsStatic.expat ];

  zigBuildFlags = zigFlags;
  # The hook's check phase does not use zigBuildFlags; without
  # -Dsystem-expat Zig would try to fetch the bundled expat.
  zigCheckFlags = zigFlags;
  # The unit tests run in the flake's checks.<system>.unit-tests.
  doCheck = false;

  # The aliases are installed as copies; one binary is enough.
  postInstall = ''
    ln -sf nixvirt $out/bin/virtdeclare
    ln -sf nixvirt $out/bin/virtpurge
  '';

  allowedReferences = [ ];

  meta = {
    description = "Declare libvirt domains, networks, storage pools and volumes (static NixVirt)";
    mainProgram = "nixvirt";
    platforms = [
      "x86_64-linux"
      "aarch64-linux"
    ];
  };
}
