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

  # Keys the schema does not know: the default lib leaves them out (the
  # warnings themselves are checked by run-lib.sh), lib.strict fails, and the
  # input without them gives the same XML through lib.strict.
  warningLines =
    kind: c:
    let
      dir = ./warnings + "/${kind}/${c}";
      name = "warnings/${kind}/${c}";
      input = import (dir + "/input.nix") lib;
      warns = readFile (dir + "/warnings.txt") != "";
      strictR = tryEval (deepSeq (lib.strict.${kind}.getXML input) true);
      same = "if diff -u ${dir + "/expected.xml"} $1; then echo 'ok   $2'; else echo 'FAIL $2'; fail=1; fi";
    in
    [
      "set -- ${lib.${kind}.writeXML input} '${name}: output as expected'; ${same}"
      (
        if warns == strictR.success then
          "echo 'FAIL ${name}: lib.strict ${if warns then "evaluated" else "failed"}'; fail=1"
        else
          "echo 'ok   ${name}: lib.strict ${if warns then "fails" else "evaluates"}'"
      )
    ]
    ++ (
      if pathExists (dir + "/clean.nix") then
        [ "set -- ${lib.strict.${kind}.writeXML (import (dir + "/clean.nix") lib)} '${name}: clean.nix through lib.strict'; ${same}" ]
      else
        [ ]
    );
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
  ${concatStringsSep "\n" (concatMap (kind: concatMap (warningLines kind) (dirs (./warnings + "/${kind}"))) (dirs ./warnings))}
  if grep '^FAIL' ${import ./unit.nix}; then fail=1; else echo "ok   unit checks"; fi
  [ $fail = 0 ] && touch $out
''
