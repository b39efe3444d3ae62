# lib.xml: build raw XML fragments, for places the schema leaves open
# (<metadata>) or for the `_xml` escape hatch.  Same calls as NixVirt's
# lib.xml:
#
#   elem NAME [ ATTR... ] BODY   BODY: null, a string (text), or a list of fragments
#   attr NAME VALUE
#   none                          nothing (in attribute or body lists)
#   opt COND FRAGMENT             FRAGMENT if COND, else none
#   many [ FRAGMENT... ]          several fragments as one
#   toText FRAGMENT               the XML text
#
# Fragments are plain data ({ _nixvirtXml = "elem"; ... }); `lines` renders
# one at an indentation.  A function (NixVirt's own representation,
# indent level -> text) is also accepted and rendered as it returns.
let
  inherit (builtins)
    concatMap
    concatStringsSep
    filter
    isAttrs
    isBool
    isFloat
    isFunction
    isInt
    isList
    isPath
    isString
    length
    replaceStrings
    split
    stringLength
    typeOf
    ;

  # XML 1.0 has no place for these control characters, escaped or not.
  ctrlRegex = builtins.fromJSON ''"[\u0001-\u0008\u000b\u000c\u000e-\u001f]"'';
  checkChars =
    where: s:
    if length (split ctrlRegex s) == 1 then
      s
    else
      throw "nixvirt: ${where}: control characters cannot be written in XML: ${builtins.toJSON s}";

  escapeText = where: s: replaceStrings [ "&" "<" ">" ] [ "&amp;" "&lt;" "&gt;" ] (checkChars where s);
  escapeAttr =
    where: s:
    replaceStrings
      [ "&" "<" ">" "'" "\"" "\n" "\r" "\t" ]
      [ "&amp;" "&lt;" "&gt;" "&apos;" "&quot;" "&#10;" "&#13;" "&#9;" ]
      (checkChars where s);

  isDerivationLike = v: isAttrs v && v ? outPath;

  # A scalar as text: strings as they are, numbers in decimal, paths as
  # their name (not copied to the store), derivations as their out path.
  scalarText =
    where: v:
    if isString v then
      v
    else if isInt v || isFloat v then
      toString v
    else if isPath v then
      toString v
    else if isDerivationLike v then
      toString v
    else
      throw "nixvirt: ${where}: expected a string, number or path, found ${typeOf v}";

  isFragment = v: isAttrs v && v ? _nixvirtXml;
  kind = v: if isFunction v then "function" else if isFragment v then v._nixvirtXml else "";

  none = {
    _nixvirtXml = "none";
  };

  # Attribute text (` name='value'`...) of an attribute list.
  attrText =
    where: aa:
    concatStringsSep "" (
      concatMap (
        a:
        let
          k = kind a;
        in
        if k == "attr" then
          [ " ${a.name}='${escapeAttr "${where} attribute ${a.name}" (attrValue "${where} attribute ${a.name}" a.value)}'" ]
        else if k == "none" then
          [ ]
        else if k == "many" then
          [ (attrText where a.items) ]
        else if a == null then
          [ ]
        else if isFunction a then
          [ (a 0) ]
        else
          throw "nixvirt: ${where}: expected attributes (lib.xml.attr), found ${typeOf a}"
      ) (if isList aa then aa else [ aa ])
    );

  attrValue =
    where: v:
    if isBool v then
      (if v then "yes" else "no")
    else
      scalarText where v;

  # Lines (without newlines) of a fragment at indentation `ind`.
  lines =
    ind: f:
    let
      k = kind f;
    in
    if f == null || k == "none" then
      [ ]
    else if k == "many" then
      concatMap (lines ind) f.items
    else if isList f then
      concatMap (lines ind) f
    else if k == "elem" then
      elemLines ind f
    else if k == "raw" then
      map (l: ind + l) (filter (l: l != "") (splitLines f.text))
    else if k == "function" then
      # NixVirt's representation: indent level -> text with indentation.
      filter (l: l != "") (splitLines (f (stringLength ind / 2)))
    else if isString f || isInt f || isFloat f || isPath f then
      [ (ind + escapeText "XML text" (scalarText "XML text" f)) ]
    else
      throw "nixvirt: lib.xml: expected an element, text or list, found ${typeOf f}";

  splitLines = s: filter isString (split "\n" s);

  elemLines =
    ind: e:
    let
      head = "<" + e.name + attrText "element ${e.name}" e.attrs;
      body = e.body;
      inner = lines (ind + "  ") body;
    in
    if body == null || body == "" || body == [ ] then
      [ "${ind}${head}/>" ]
    else if isString body || isInt body || isFloat body || isPath body then
      [ "${ind}${head}>${escapeText "element ${e.name}" (scalarText "element ${e.name}" body)}</${e.name}>" ]
    else if inner == [ ] then
      [ "${ind}${head}/>" ]
    else
      [ "${ind}${head}>" ] ++ inner ++ [ "${ind}</${e.name}>" ];

  toText = f: concatStringsSep "" (map (l: l + "\n") (lines "" f));
in
{
  inherit none toText;

  elem = name: attrs: body: {
    _nixvirtXml = "elem";
    inherit name attrs body;
  };
  attr = name: value: {
    _nixvirtXml = "attr";
    inherit name value;
  };
  opt = cond: f: if cond then f else none;
  many = items: {
    _nixvirtXml = "many";
    inherit items;
  };
  # Text that is already XML, written as it is (one fragment per line).
  raw = text: {
    _nixvirtXml = "raw";
    inherit text;
  };

  # For nix/lib/generate.nix.
  internal = {
    inherit
      escapeText
      escapeAttr
      scalarText
      isFragment
      isDerivationLike
      lines
      ;
  };
}
