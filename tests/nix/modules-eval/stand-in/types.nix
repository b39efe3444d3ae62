# lib.types: the option types the modules and the tests use, with nixpkgs'
# checks, merges and descriptions (the descriptions appear in type errors).
lib:
let
  inherit (builtins)
    all
    attrNames
    concatLists
    concatStringsSep
    elem
    filter
    foldl'
    head
    isAttrs
    isBool
    isFunction
    isInt
    isList
    isPath
    isString
    length
    map
    mapAttrs
    substring
    toString
    typeOf
    zipAttrsWith
    ;
  inherit (lib) showOption showFiles mergeOneOption mergeEqualOption mergeDefinitions;

  isType = type: x: (x._type or "") == type;

  mkOptionType =
    {
      name,
      description ? null,
      descriptionClass ? null,
      check ? (x: true),
      merge ? lib.mergeDefaultOption,
      emptyValue ? { },
      getSubOptions ? (prefix: { }),
      getSubModules ? null,
      substSubModules ? (m: null),
      # Accepted for compatibility; the stand-in never merges two
      # declarations of one option, which is what these are for.
      typeMerge ? null,
      functor ? null,
      deprecationMessage ? null,
      nestedTypes ? { },
    }:
    {
      _type = "option-type";
      inherit
        name
        descriptionClass
        check
        merge
        emptyValue
        getSubOptions
        getSubModules
        substSubModules
        deprecationMessage
        nestedTypes
        ;
      description = if description == null then name else description;
    };

  # A nested type's description, in parentheses unless its class fits.
  phrase = fits: t: if fits (t.descriptionClass or null) then t.description else "(${t.description})";

  isStorePath =
    x:
    lib.isStringLike x
    && substring 0 1 (toString x) == "/"
    && dirOf (toString x) == builtins.storeDir;

  # Each attribute of each definition as a definition of its own.
  byName = defs: zipAttrsWith (_: ds: ds) (map (d: mapAttrs (_: value: { inherit (d) file; inherit value; }) d.value) defs);

  attrsWith =
    { elemType, lazy }:
    mkOptionType {
      name = if lazy then "lazyAttrsOf" else "attrsOf";
      description = (if lazy then "lazy attribute set" else "attribute set") + " of ${phrase (c: c == "noun" || c == "composite") elemType}";
      descriptionClass = "composite";
      check = isAttrs;
      merge =
        loc: defs:
        let
          evals = mapAttrs (n: ds: mergeDefinitions (loc ++ [ n ]) elemType ds) (byName defs);
        in
        if lazy then
          mapAttrs (_: e: e.optionalValue.value or elemType.emptyValue.value or e.mergedValue) evals
        else
          mapAttrs (_: e: e.optionalValue.value) (lib.filterAttrs (_: e: e.optionalValue ? value) evals);
      emptyValue = { value = { }; };
      getSubOptions = prefix: elemType.getSubOptions (prefix ++ [ "<name>" ]);
      getSubModules = elemType.getSubModules;
      substSubModules = m: attrsWith { elemType = elemType.substSubModules m; inherit lazy; };
      nestedTypes.elemType = elemType;
    };

  submoduleWith =
    {
      modules,
      specialArgs ? { },
      shorthandOnlyDefinesConfig ? false,
      description ? null,
      class ? null,
    }@attrs:
    let
      eval =
        prefix: extra:
        lib.evalModules {
          inherit prefix specialArgs class;
          modules = [ { _module.args.name = lib.mkOptionDefault "‹name›"; } ] ++ modules ++ extra;
        };
      # Each definition is a module of its own; an attribute set is its
      # config (types.submodule) or a module (types.submoduleWith).
      asModule =
        d:
        if isAttrs d.value && shorthandOnlyDefinesConfig then
          { _file = d.file; config = d.value; }
        else
          { _file = d.file; imports = [ d.value ]; };
    in
    mkOptionType {
      name = "submodule";
      description = if description == null then "submodule" else description;
      check = x: isAttrs x || isFunction x || types.path.check x;
      merge = loc: defs: (eval loc ([ { _module.args.name = lib.last loc; } ] ++ map asModule defs)).config;
      emptyValue = { value = { }; };
      getSubOptions = prefix: (eval prefix [ ]).options;
      getSubModules = modules;
      substSubModules = m: submoduleWith (attrs // { modules = m; });
    };

  types = rec {
    raw = mkOptionType {
      name = "raw";
      description = "raw value";
      descriptionClass = "noun";
      merge = mergeOneOption;
    };

    optionType = mkOptionType {
      name = "optionType";
      description = "optionType";
      descriptionClass = "noun";
      check = isType "option-type";
      merge = mergeOneOption;
    };

    unspecified = mkOptionType {
      name = "unspecified";
      description = "unspecified value";
      descriptionClass = "noun";
    };

    # Attribute sets merge attribute by attribute, functions by their
    # results, a string-like set (a package) needs one definition, anything
    # else equal definitions.
    anything = mkOptionType {
      name = "anything";
      description = "anything";
      descriptionClass = "noun";
      merge =
        loc: defs:
        let
          kind = v: if isAttrs v && lib.isStringLike v then "stringCoercibleSet" else typeOf v;
          common = foldl' (
            k: d:
            if kind d.value == k then k else throw "The option `${showOption loc}' has conflicting option types in ${showFiles (map (d: d.file) defs)}"
          ) (kind (head defs).value) defs;
        in
        if common == "set" then
          (attrsOf anything).merge loc defs
        else if common == "stringCoercibleSet" then
          mergeOneOption loc defs
        else if common == "lambda" then
          arg: anything.merge (loc ++ [ "<function body>" ]) (map (d: d // { value = d.value arg; }) defs)
        else
          mergeEqualOption loc defs;
    };

    bool = mkOptionType {
      name = "bool";
      description = "boolean";
      descriptionClass = "noun";
      check = isBool;
      merge = mergeEqualOption;
    };

    int = mkOptionType {
      name = "int";
      description = "signed integer";
      descriptionClass = "noun";
      check = isInt;
      merge = mergeEqualOption;
    };

    ints.positive = addCheck int (x: x > 0) // {
      name = "positiveInt";
      description = "positive integer, meaning >0";
      descriptionClass = "nonRestrictiveClause";
    };

    str = mkOptionType {
      name = "str";
      description = "string";
      descriptionClass = "noun";
      check = isString;
      merge = mergeEqualOption;
    };

    # Anything that becomes a string starting with "/" (a path, a string,
    # a derivation).
    path = mkOptionType {
      name = "path";
      description = "absolute path";
      descriptionClass = "noun";
      check = x: lib.isStringLike x && substring 0 1 (toString x) == "/";
      merge = mergeEqualOption;
    };

    package = mkOptionType {
      name = "package";
      descriptionClass = "noun";
      check = x: lib.isDerivation x || isStorePath x;
      merge =
        loc: defs:
        let
          v = mergeOneOption loc defs;
        in
        if lib.isDerivation v then v else throw "The option `${showOption loc}': a store path given as a string or path is not implemented by the stand-in lib of tests/nix/modules-eval";
    };

    enum =
      values:
      let
        show =
          v:
          if isString v then
            ''"${v}"''
          else if isInt v then
            toString v
          else if isBool v then
            (if v then "true" else "false")
          else
            "<${typeOf v}>";
      in
      mkOptionType {
        name = "enum";
        description =
          if values == [ ] then
            "impossible (empty enum)"
          else if length values == 1 then
            "value ${show (head values)} (singular enum)"
          else
            "one of ${concatStringsSep ", " (map show values)}";
        descriptionClass = if length values < 2 then "noun" else "conjunction";
        check = x: elem x values;
        merge = mergeEqualOption;
      };

    nullOr =
      elemType:
      mkOptionType {
        name = "nullOr";
        description = "null or ${phrase (c: c == "noun" || c == "conjunction") elemType}";
        descriptionClass = "conjunction";
        check = x: x == null || elemType.check x;
        merge =
          loc: defs:
          let
            nulls = length (filter (d: d.value == null) defs);
          in
          if nulls == length defs then
            null
          else if nulls != 0 then
            throw "The option `${showOption loc}` is defined both null and not null, in ${showFiles (map (d: d.file) defs)}."
          else
            elemType.merge loc defs;
        emptyValue = { value = null; };
        getSubOptions = elemType.getSubOptions;
        getSubModules = elemType.getSubModules;
        substSubModules = m: nullOr (elemType.substSubModules m);
        nestedTypes.elemType = elemType;
      };

    # All definitions of the first type, or all of the second.
    either =
      t1: t2:
      mkOptionType {
        name = "either";
        description =
          if t1.descriptionClass or null == "nonRestrictiveClause" then
            "${t1.description}, or ${phrase (c: c == "noun" || c == "conjunction") t2}"
          else
            "${phrase (c: c == "noun" || c == "conjunction") t1} or ${phrase (c: c == "noun" || c == "conjunction" || c == "composite") t2}";
        descriptionClass = "conjunction";
        check = x: t1.check x || t2.check x;
        merge =
          loc: defs:
          if all (d: t1.check d.value) defs then
            t1.merge loc defs
          else if all (d: t2.check d.value) defs then
            t2.merge loc defs
          else
            throw "The option `${showOption loc}` is neither a value of type `${t1.description}` nor `${t2.description}`, Definition values: ${lib.showDefs defs}";
        getSubOptions = prefix: t1.getSubOptions prefix // t2.getSubOptions prefix;
        nestedTypes = { left = t1; right = t2; };
      };

    # Each element of each definition is merged on its own, at
    # "[definition N-entry M]"; elements under a false mkIf drop out.
    listOf =
      elemType:
      mkOptionType {
        name = "listOf";
        description = "list of ${phrase (c: c == "noun" || c == "composite") elemType}";
        descriptionClass = "composite";
        check = isList;
        merge =
          loc: defs:
          map (e: e.optionalValue.value) (
            filter (e: e.optionalValue ? value) (
              concatLists (
                lib.imap1 (
                  n: d:
                  lib.imap1 (
                    m: v: mergeDefinitions (loc ++ [ "[definition ${toString n}-entry ${toString m}]" ]) elemType [ { inherit (d) file; value = v; } ]
                  ) d.value
                ) defs
              )
            )
          );
        emptyValue = { value = [ ]; };
        getSubOptions = prefix: elemType.getSubOptions (prefix ++ [ "*" ]);
        getSubModules = elemType.getSubModules;
        substSubModules = m: listOf (elemType.substSubModules m);
        nestedTypes.elemType = elemType;
      };

    attrsOf = elemType: attrsWith { inherit elemType; lazy = false; };
    lazyAttrsOf = elemType: attrsWith { inherit elemType; lazy = true; };

    submodule =
      modules:
      submoduleWith {
        shorthandOnlyDefinesConfig = true;
        modules = if isList modules then modules else [ modules ];
      };
    inherit submoduleWith;

    # The type with one more check on each definition.
    addCheck = elemType: check: elemType // { check = x: elemType.check x && check x; };
  };
in
types // { inherit mkOptionType isType; }
