# All golden cases: { "<kind>/<case>" = path of the XML written by writeXML; }
# (tests/nix/run-lib.sh compares them with <kind>/<case>/expected.xml).
let
  lib = import ./testlib.nix;
  inherit (builtins) readDir attrNames filter listToAttrs concatMap;
  kinds = [ "domain" "network" "pool" "volume" ];
  cases = kind: filter (c: (readDir (./. + "/${kind}")).${c} == "directory") (attrNames (readDir (./. + "/${kind}")));
in
listToAttrs (
  concatMap (
    kind:
    map (c: {
      name = "${kind}/${c}";
      value = lib.${kind}.writeXML (import (./. + "/${kind}/${c}/input.nix") lib);
    }) (cases kind)
  ) kinds
)
