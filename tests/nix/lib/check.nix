# The same tests as tests/nix/run-lib.sh (less the generator check and the
# NixVirt comparison, and error cases checked only for failing), as one
# derivation, for a flake check:
#
#   checks.<system>.lib = import ./tests/nix/lib/check.nix { inherit pkgs; };
#
# Needs pkgs.runCommand and pkgs.libvirt (virt-xml-validate).
{ pkgs }:
let
  inherit (builtins)
    attrNames
    compareVersions
    concatMap
    concatStringsSep
    deepSeq
    filter
    match
    pathExists
    readDir
    readFile
    replaceStrings
    tryEval
    ;
  lib = import ./testlib.nix;
  schemas = {
    domain = "domain";
    network = "network";
    pool = "storagepool";
    volume = "storagevol";
  };
  dirs = d: filter (c: (readDir d).${c} == "directory") (attrNames (readDir d));
  libvirtVersion = pkgs.libvirt.version or "0";

  caseLine =
    kind: c:
    let
      dir = ./. + "/${kind}/${c}";
      out = lib.${kind}.writeXML (import (dir + "/input.nix") lib);
      min = if pathExists (dir + "/libvirt-min") then replaceStrings [ "\n" ] [ "" ] (readFile (dir + "/libvirt-min")) else "0";
      want =
        if pathExists (dir + "/invalid") then
          "invalid"
        else if compareVersions libvirtVersion min < 0 then
          "skip"
        else
          "valid";
    in
    "check ${kind}/${c} ${out} ${dir + "/expected.xml"} ${schemas.${kind}} ${want}";

  errorLine =
    f:
    let
      r = tryEval (
        let
          v = import (./errors + "/${f}") lib;
        in
        deepSeq v v
      );
    in
    if r.success then "echo 'FAIL errors/${f}: evaluated'; fail=1" else "echo 'ok   errors/${f}: fails'";
in
pkgs.runCommand "nixvirt-lib-tests" { nativeBuildInputs = [ pkgs.libvirt ]; } ''
  fail=0
  check() { # name output expected schema valid|invalid|skip
    if diff -u "$3" "$2"; then echo "ok   $1: output as expected"; else echo "FAIL $1: output"; fail=1; fi
    [ "$5" = skip ] && return
    if virt-xml-validate "$2" "$4" >/dev/null 2>&1; then v=valid; else v=invalid; fi
    if [ "$v" = "$5" ]; then echo "ok   $1: $v"; else echo "FAIL $1: $v, expected $5"; fail=1; fi
  }
  ${concatStringsSep "\n" (concatMap (kind: map (caseLine kind) (dirs (./. + "/${kind}"))) (attrNames schemas))}
  ${concatStringsSep "\n" (map errorLine (filter (f: match ".*\\.nix" f != null) (attrNames (readDir ./errors))))}
  if grep '^FAIL' ${import ./unit.nix}; then fail=1; else echo "ok   unit checks"; fi
  [ $fail = 0 ] && touch $out
''
