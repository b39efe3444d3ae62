# The option types of ./options.nix that check more than nixpkgs' types do.
# Together with those, they refuse at evaluation time, with the option's
# name in the message, every value `nixvirt apply` could not use, so that
# ./functions.nix only has to render what it is given.
#
# Checks of a single value are type checks (types.addCheck); checks that
# need the merged value (fields that depend on each other, attribute names)
# throw from the type's merge, as nixpkgs' mkOptionType documentation
# advises for what a check cannot see.
{ lib }:
let
  inherit (lib) types showOption;
  inherit (builtins)
    attrNames
    elemAt
    filter
    head
    isPath
    isString
    length
    map
    match
    readFile
    replaceStrings
    split
    toString
    ;

  show = x: if isString x then "\"${x}\"" else if x == null then "null" else builtins.toJSON x;

  # Control characters that XML 1.0 does not allow at all (tab, newline and
  # carriage return it allows; the manifest escapes them). Nix has no \x
  # escape, so they come from JSON.
  forbiddenControls = map (h: builtins.fromJSON "\"\\u00${h}\"") [
    "01" "02" "03" "04" "05" "06" "07" "08" "0b" "0c" "0e" "0f"
    "10" "11" "12" "13" "14" "15" "16" "17" "18" "19" "1a" "1b" "1c" "1d" "1e" "1f"
  ];
  hasForbiddenControl = s: replaceStrings forbiddenControls (map (_: "") forbiddenControls) s != s;

  # The text of <name> in a volume definition, or null when it cannot be
  # read reliably here (then `nixvirt apply` checks it).
  volumeNameIn =
    xml:
    let
      afterOpen = split "<name>" xml;
      rest = if length afterOpen >= 3 then elemAt afterOpen 2 else null;
      inner = if rest == null then null else head (split "</name>" rest);
    in
    if inner == null || inner == rest || match ".*(<|&#).*" inner != null then
      null
    else
      replaceStrings [ "&lt;" "&gt;" "&quot;" "&apos;" "&amp;" ] [ "<" ">" "\"" "'" "&" ] inner;

  # `type` whose merged value goes through `check loc value` (which throws
  # or returns the value). The module system makes a type with submodules
  # anew from them (substSubModules) where the option is declared, so the
  # check must be put on that one too.
  checkMerged =
    type: check:
    type
    // {
      merge = loc: defs: check loc (type.merge loc defs);
      substSubModules = m: checkMerged (type.substSubModules m) check;
    };

  # A volume needs a name or a definition, a definition to be created, and
  # the name in its definition when both are given. Only a Nix path can be
  # read here without building anything (reading a derivation's output
  # would be import-from-derivation); `nixvirt apply` checks the others.
  checkVolume =
    loc: v:
    let
      at = "The option `${showOption loc}'";
      defName = if isPath v.definition then volumeNameIn (readFile v.definition) else null;
    in
    if v.name == null && v.definition == null then
      throw "${at}: a volume needs a name or a definition"
    else if v.definition == null && v.present then
      throw "${at}: volume ${show v.name} has present = true but no definition to create it from"
    else if v.name != null && defName != null && v.name != defName then
      throw "${at}: name ${show v.name} does not match the name ${show defName} in ${toString v.definition}"
    else
      v;

  # The manifest writes purge only for the kinds that are managed; read it
  # anyway, so that a wrong value is refused also when none is.
  checkConnection = loc: c: builtins.seq c.purge c;

  # A connection URI is one shell word and an XML attribute value.
  checkUris =
    loc: connections:
    let
      bad = filter (u: u == "" || hasForbiddenControl u || match ".*[\n\r\t ].*" u != null) (attrNames connections);
      uri = head bad;
      at = "The option `${showOption loc}'";
    in
    if bad == [ ] then
      connections
    else if uri == "" then
      throw "${at}: a connection URI must be a non-empty string, got \"\""
    else
      throw "${at}: connection URI ${show uri} contains white space or control characters";
in
{
  inherit hasForbiddenControl volumeNameIn;

  # A definition's file: an absolute path, string or derivation. A string
  # goes into the manifest as it is, so it must not hold a character XML
  # cannot (a Nix path goes in as its store path).
  definitionPath =
    types.addCheck types.path (p: isPath p || !hasForbiddenControl (toString p))
    // { description = "absolute path (no control characters)"; };

  # A volume's name: goes into the manifest as it is.
  volumeName =
    types.addCheck types.str (s: s != "" && !hasForbiddenControl s)
    // { description = "non-empty string without control characters"; };

  # types.submodule of a volume's options, checked as a whole.
  volume = options: checkMerged (types.submodule { inherit options; }) checkVolume;

  # types.submodule of a connection's options, checked as a whole.
  connection = options: checkMerged (types.submodule { inherit options; }) checkConnection;

  # types.attrsOf keyed by connection URI.
  connections = elemType: checkMerged (types.attrsOf elemType) checkUris;
}
