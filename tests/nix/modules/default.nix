# Runs the tests of nix/modules/functions.nix and returns a list of
# { name; ok; expected; actual; } (expected/actual: text for file
# comparisons, "" otherwise). Used by tests/nix/run-modules.sh and by the
# flake's checks.
#
# Each directory here except defs/ is a case: input.nix gives `connections`
# (and optionally `script`, arguments of functions.script); every
# nixvirt-*.xml next to it is the expected manifest of one connection, named
# by functions.manifestName; script.sh, if present, is the expected script,
# made with tool /NIXVIRT_TOOL/bin/nixvirt and manifests under
# /NIXVIRT_MANIFESTS/. Definitions are strings under /NIXVIRT_DEFS/, the
# files in defs/, so that an integration test can substitute real paths.
# (What the modules refuse is tested through them: ../modules-eval.)
{ }:
let
  inherit (builtins) attrNames filter map readDir readFile concatLists tryEval deepSeq match;
  fns = import ../../../nix/modules/functions.nix;

  entries = readDir ./.;
  caseNames = filter (n: entries.${n} == "directory" && n != "defs") (attrNames entries);

  # Evaluates x fully; an evaluation error becomes null.
  safe = x: let r = tryEval (deepSeq x x); in if r.success then r.value else null;

  compare = name: expected: actual: {
    inherit name;
    ok = actual != null && actual == expected;
    expected = if expected == null then "<no expected file>" else expected;
    actual = if actual == null then "<evaluation error or not produced>" else actual;
  };

  runCase = case:
    let
      dir = ./. + "/${case}";
      files = readDir dir;
      expectedXml = filter (f: match "nixvirt-.*\\.xml" f != null) (attrNames files);
      input = import (dir + "/input.nix");
      uris = attrNames input.connections;
      produced = safe (builtins.listToAttrs (map
        (uri: { name = fns.manifestName uri; value = fns.manifest uri input.connections.${uri}; })
        uris));
      producedNames = if produced == null then [ ] else attrNames produced;
      allNames = producedNames ++ filter (f: !(builtins.elem f producedNames)) expectedXml;
      manifestResults = map
        (f: compare "${case}/${f}"
          (if files ? ${f} then readFile (dir + "/${f}") else null)
          (if produced != null && produced ? ${f} then produced.${f} else null))
        allNames;
      scriptResult =
        if input ? script || files ? "script.sh" then [
          (compare "${case}/script.sh"
            (if files ? "script.sh" then readFile (dir + "/script.sh") else null)
            (safe (fns.script ((input.script or { }) // {
              tool = "/NIXVIRT_TOOL/bin/nixvirt";
              manifests = map (uri: { inherit uri; manifest = "/NIXVIRT_MANIFESTS/${fns.manifestName uri}"; }) uris;
            }))))
        ] else [ ];
    in
    (if produced == null then [ (compare "${case}/manifests" "" null) ] else [ ])
    ++ manifestResults ++ scriptResult;

  checks = import ./checks.nix;
  checkResults = map
    (n: { name = "checks/${n}"; ok = safe checks.${n} == true; expected = ""; actual = ""; })
    (attrNames checks);
in
concatLists (map runCase caseNames) ++ checkResults
