# The library as the tests use it: with a stand-in package set, so outputs
# do not depend on nixpkgs (and no nixpkgs is needed).  The stand-ins give
# store-like paths; NixVirt's own checks use the same idea.
import ../../../nix/lib {
  pkgs = {
    writeText = builtins.toFile;
    runCommand = name: env: script: "/nix/store/00000000000000000000000000000000-${name}";
    qemu = "/nix/store/11111111111111111111111111111111-qemu-9.2.0";
    OVMFFull.fd = "/nix/store/22222222222222222222222222222222-OVMF-202411-fd";
    OVMF.fd = "/nix/store/33333333333333333333333333333333-OVMF-202411-fd";
    cdrtools = "/nix/store/44444444444444444444444444444444-cdrtools-3.02a09";
    virtio-win = "/nix/store/55555555555555555555555555555555-virtio-win-0.1.262-2";
  };
}
