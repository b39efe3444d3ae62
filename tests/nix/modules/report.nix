# Turns a list of results ({ name; ok; expected; actual; }) into the text
# that tests/nix/run-modules.sh prints, ending with "COUNTS <passed> <failed>".
# Returned as a store file (builtins.toFile), so the shell gets the raw text
# without having to decode JSON.
results:
let
  inherit (builtins) concatStringsSep filter length map unsafeDiscardStringContext;
  failed = filter (r: !r.ok) results;
  line = r:
    if r.ok then "ok   ${r.name}\n"
    else "FAIL ${r.name}\n"
      + (if r.expected == "" && r.actual == "" then ""
         else "----- expected\n${r.expected}\n----- actual\n${r.actual}\n-----\n");
  text = concatStringsSep "" (map line results)
    + "COUNTS ${toString (length results - length failed)} ${toString (length failed)}\n";
in
builtins.toFile "nixvirt-modules-report" (unsafeDiscardStringContext text)
