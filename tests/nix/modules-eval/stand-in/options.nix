# Option declarations, the merge helpers types use, and how options and
# definitions are shown in messages (as nixpkgs' lib/options.nix words them).
lib:
let
  inherit (builtins)
    attrNames
    concatStringsSep
    filter
    foldl'
    head
    isAttrs
    isBool
    isFunction
    isList
    isPath
    isString
    length
    map
    match
    tail
    toJSON
    typeOf
    ;
in
rec {
  isOption = x: isAttrs x && x._type or null == "option";

  mkOption =
    {
      default ? null,
      defaultText ? null,
      example ? null,
      description ? null,
      relatedPackages ? null,
      type ? null,
      apply ? null,
      internal ? null,
      visible ? null,
      readOnly ? null,
    }@attrs:
    attrs // { _type = "option"; };

  mkEnableOption =
    name:
    mkOption {
      default = false;
      example = true;
      description = "Whether to enable ${name}.";
      type = lib.types.bool;
    };

  mkPackageOption =
    pkgs: name:
    {
      nullable ? false,
      default ? name,
      example ? null,
      extraDescription ? "",
      pkgsText ? "pkgs",
    }:
    let
      shown = if isList name then lib.last name else name;
      path = if isList default then default else [ default ];
      pathText = concatStringsSep "." path;
    in
    mkOption (
      (
        if default != null then
          {
            default = lib.attrByPath path (throw "${pathText} cannot be found in ${pkgsText}") pkgs;
            defaultText = literalExpression "${pkgsText}.${pathText}";
          }
        else
          lib.optionalAttrs nullable { default = null; }
      )
      // {
        description = "The ${shown} package to use." + (if extraDescription == "" then "" else " ") + extraDescription;
        type = if nullable then lib.types.nullOr lib.types.package else lib.types.package;
      }
      // lib.optionalAttrs (example != null) {
        example = literalExpression (if isList example then "${pkgsText}.${concatStringsSep "." example}" else example);
      }
    );

  literalExpression =
    text:
    if !isString text then throw "literalExpression expects a string." else { _type = "literalExpression"; inherit text; };

  # foo."qemu:///system".bar: a part that is not a plain identifier is
  # quoted; placeholders (* and <name>) are not.
  showOption =
    parts:
    concatStringsSep "." (
      map (
        p:
        if p == "*" || match "<.*>" p != null || match "[a-zA-Z_][a-zA-Z0-9_'-]*" p != null then
          p
        else
          builtins.replaceStrings [ "$" ] [ "\\$" ] (toJSON p)
      ) parts
    );

  showFiles = files: concatStringsSep " and " (map (f: "`${f}'") files);

  # A value in a message: short, never failing (functions and derivations
  # are named, nested values abridged).
  showValue =
    v:
    if isString v then
      builtins.replaceStrings [ "$" ] [ "\\$" ] (toJSON (builtins.unsafeDiscardStringContext v))
    else if isPath v then
      toString v
    else if isBool v || builtins.isInt v || builtins.isFloat v || v == null then
      toJSON v
    else if isFunction v then
      "<function>"
    else if lib.isDerivation v then
      "<derivation ${v.name or "?"}>"
    else if isList v then
      "[ " + concatStringsSep " " (map (x: if isList x || isAttrs x then "..." else showValue x) v) + " ]"
    else
      "{ " + concatStringsSep " " (map (n: "${n} = ...;") (attrNames v)) + " }";

  showDefs = defs: concatStringsSep "" (map (d: "\n- In `${d.file}': ${showValue d.value}") defs);

  # Merges for option types: one definition only; equal definitions; and
  # the default of mkOptionType (lists joined, sets updated, ...).
  mergeOneOption =
    loc: defs:
    if length defs == 1 then
      (head defs).value
    else
      throw "The option `${showOption loc}' is defined multiple times while it's expected to be unique.\n\nDefinition values:${showDefs defs}";

  mergeEqualOption =
    loc: defs:
    let
      first = head defs;
      other = filter (d: d.value != first.value) (tail defs);
    in
    if other == [ ] then
      first.value
    else
      throw "The option `${showOption loc}' has conflicting definition values:${showDefs [ first (head other) ]}";

  mergeDefaultOption =
    loc: defs:
    let
      values = map (d: d.value) defs;
      all = p: builtins.all p values;
    in
    if length values == 1 then
      head values
    else if all isFunction then
      x: mergeDefaultOption loc (map (d: d // { value = d.value x; }) defs)
    else if all isList then
      builtins.concatLists values
    else if all isAttrs then
      foldl' (a: b: a // b) { } values
    else if all isBool then
      builtins.any (x: x) values
    else if all isString then
      concatStringsSep "" values
    else if all builtins.isInt && all (x: x == head values) then
      head values
    else
      throw "Cannot merge definitions of `${showOption loc}'. Definition values:${showDefs defs}";

  # The options of an evaluation (and of the submodules in their types) as
  # the flat list that documentation is made from.
  optionAttrSetToDocList =
    options:
    builtins.concatMap (
      opt:
      let
        visible = opt.visible or true;
        sub = opt.type.getSubOptions opt.loc;
      in
      [
        (
          {
            inherit (opt) loc;
            name = showOption opt.loc;
            description = opt.description or null;
            declarations = opt.declarations;
            internal = opt.internal or false;
            visible = if isBool visible then visible else visible == "shallow";
            readOnly = opt.readOnly or false;
            type = opt.type.description or "unspecified";
          }
          // lib.optionalAttrs (opt ? example) { example = renderValue opt.example; }
          // lib.optionalAttrs (opt ? defaultText || opt ? default) { default = renderValue (opt.defaultText or opt.default); }
        )
      ]
      ++ lib.optionals (if isBool visible then visible else visible == "transparent") (
        if sub != { } then optionAttrSetToDocList sub else [ ]
      )
    ) (lib.collect isOption options);

  renderValue = v: if v ? _type && v ? text then v else literalExpression (showValue v);
}
