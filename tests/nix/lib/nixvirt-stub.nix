# The library with the stand-in packages NixVirt's own checks use (its
# expected outputs contain these strings), for comparing with them.
import ../../../nix/lib {
  pkgs = {
    writeText = builtins.toFile;
    runCommand = name: env: script: "BUILD " + name;
    qemu = "QEMU_PATH";
    OVMFFull.fd = "OVMFFull_FD_PATH";
  };
}
