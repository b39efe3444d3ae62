# expect: nixvirt: domain.writeXML: NixVirt-domain-x refers to the output of /nix/store/
# Without a package set, writeXML uses builtins.toFile, which cannot keep a
# reference to a derivation's output.
_lib:
let
  bare = import ../../../../nix/lib { };
  ovmf = derivation {
    name = "OVMF";
    system = "x86_64-linux";
    builder = "/bin/sh";
  };
in
bare.domain.writeXML {
  name = "x";
  os = {
    type = "hvm";
    loader.path = "${ovmf}/FV/OVMF_CODE.fd";
  };
}
