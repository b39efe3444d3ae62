# lib.evalModules and the definition properties (mkIf, mkMerge,
# mkOverride), with nixpkgs' semantics for what the tests use.
lib:
let
  inherit (builtins)
    attrNames
    concatLists
    concatMap
    filter
    foldl'
    functionArgs
    genericClosure
    head
    isAttrs
    isBool
    isFunction
    isList
    length
    map
    mapAttrs
    removeAttrs
    seq
    typeOf
    zipAttrsWith
    ;
  inherit (lib) showOption showDefs isOption;

  mkIf = condition: content: { _type = "if"; inherit condition content; };
  mkMerge = contents: { _type = "merge"; inherit contents; };
  mkOverride = priority: content: { _type = "override"; inherit priority content; };

  # A definition of an attribute set as a list of attribute sets whose own
  # attributes carry its mkIf and mkOverride, so that a condition is only
  # evaluated for the options below it (mkIf cfg.enable { ... } may use
  # config).
  pushDown =
    d:
    if d._type or "" == "merge" then
      concatMap pushDown d.contents
    else if d._type or "" == "if" then
      map (mapAttrs (_: mkIf d.condition)) (pushDown d.content)
    else if d._type or "" == "override" then
      map (mapAttrs (_: mkOverride d.priority)) (pushDown d.content)
    else
      [ d ];

  # The values one definition of an option stands for: mkMerge flattened,
  # mkIf decided.
  discharge =
    v:
    if v._type or "" == "merge" then
      concatMap discharge v.contents
    else if v._type or "" == "if" then
      if !isBool v.condition then
        throw "‘mkIf’ called with a non-Boolean condition"
      else if v.condition then
        discharge v.content
      else
        [ ]
    else
      [ v ];

  # Plain definitions have priority 100, mkDefault 1000, an option's
  # default 1500; only those with the lowest number count.
  priorityOf = v: if v._type or "" == "override" then v.priority else 100;
  keepHighestPriority =
    defs:
    let
      best = foldl' (p: d: if priorityOf d.value < p then priorityOf d.value else p) 9999 defs;
    in
    map (d: d // { value = if d.value._type or "" == "override" then d.value.content else d.value; }) (
      filter (d: priorityOf d.value == best) defs
    );

  # An option's definitions ({ file; value; }) checked against its type and
  # merged. mergedValue throws when there is none or one has the wrong type.
  mergeDefinitions =
    loc: type: defs:
    let
      defsFinal = keepHighestPriority (
        concatMap (d: map (value: { inherit (d) file; inherit value; }) (discharge d.value)) defs
      );
      invalid = filter (d: !type.check d.value) defsFinal;
      isDefined = defsFinal != [ ];
      mergedValue =
        if !isDefined then
          throw "The option `${showOption loc}' was accessed but has no value defined. Try setting the option."
        else if invalid != [ ] then
          throw "A definition for option `${showOption loc}' is not of type `${type.description}'. Definition values:${showDefs invalid}"
        else
          type.merge loc defsFinal;
    in
    {
      inherit defsFinal isDefined mergedValue;
      optionalValue = if isDefined then { value = mergedValue; } else { };
    };

  unsupported = what: throw "${what}: not implemented by the stand-in lib of tests/nix/modules-eval";

  evalModules =
    {
      modules,
      prefix ? [ ],
      specialArgs ? { },
      class ? null,
    }:
    let
      internalModule = {
        _file = "stand-in lib/modules.nix";
        key = "stand-in lib/modules.nix";
        options._module = {
          args = lib.mkOption {
            type = lib.types.lazyAttrsOf lib.types.raw;
            internal = prefix != [ ];
            description = "Arguments passed to each module besides lib, config, options and specialArgs.";
          };
          check = lib.mkOption {
            type = lib.types.bool;
            internal = true;
            default = true;
            description = "Whether a definition without a declared option is an error.";
          };
          freeformType = lib.mkOption {
            type = lib.types.nullOr lib.types.optionType;
            internal = true;
            default = null;
            description = "Not implemented here: must stay null.";
          };
          specialArgs = lib.mkOption {
            readOnly = true;
            internal = true;
            description = "The specialArgs of evalModules.";
          };
        };
        config._module.specialArgs = specialArgs;
      };

      args =
        {
          inherit lib options specialArgs config;
          _class = class;
          _prefix = prefix;
        }
        // specialArgs;
      # A module function's named arguments: the fixed ones, then
      # config._module.args (pkgs, and name in a submodule).
      applyArgs = f: f (args // mapAttrs (n: _: args.${n} or config._module.args.${n}) (functionArgs f));

      # { _file; key; imports; options; config; } of any form of module.
      unify =
        file: key: m:
        let
          known = [ "_class" "_file" "key" "imports" "options" "config" ];
          notHere = filter (a: m ? ${a}) [ "freeformType" "disabledModules" "meta" "require" ];
          extra = removeAttrs m known;
        in
        if notHere != [ ] then
          unsupported "module ${key}: ${head notHere}"
        else if (m._class or null) != null && class != null && m._class != class then
          throw "The module `${m._file or key}` (class: ${m._class}) cannot be imported into a module evaluation that expects class ${class}."
        else if (m ? config || m ? options) && extra != { } then
          throw "Module `${key}' has an unsupported attribute `${head (attrNames extra)}'. This is caused by introducing a top-level `config' or `options' attribute. Add configuration attributes immediately on the top level instead, or move all of them (namely: ${toString (attrNames extra)}) into the explicit `config' attribute."
        else
          {
            _file = toString (m._file or file);
            key = toString (m.key or key);
            imports = m.imports or [ ];
            options = m.options or { };
            config = if m ? config || m ? options then m.config or { } else extra;
          };

      load =
        file: key: m:
        if isFunction m then
          unify file key (applyArgs m)
        else if isAttrs m then
          if m._type or "module" == "module" then
            unify file key m
          else if m._type == "if" || m._type == "override" then
            unify file key { config = m; }
          else
            throw "Expected a module, but found a value of type \"${m._type}\" in ${file}."
        else if isList m then
          throw "Module imports can't be nested lists. Perhaps you meant to remove one level of lists? Definitions: ${showDefs [ { inherit file; value = m; } ]}"
        else
          let
            f = import m;
          in
          unify (toString m) (toString m) (if isFunction f then applyArgs f else f);

      # Modules and their imports, each key once (breadth first, as
      # nixpkgs' genericClosure does).
      tree =
        file: key: ms:
        lib.imap1 (
          n: m:
          let
            u = load file "${key}:anon-${toString n}" m;
          in
          {
            inherit (u) key;
            module = u;
            children = tree u._file u.key u.imports;
          }
        ) ms;
      collected = map (x: x.module) (genericClosure {
        startSet = tree "<unknown-file>" "" (modules ++ [ internalModule ]);
        operator = x: x.children;
      });

      merged = mergeLevel prefix
        (map (m: { file = m._file; options = m.options; }) (lib.reverseList collected))
        (concatMap (m: map (c: { file = m._file; config = c; }) (pushDown m.config)) (lib.reverseList collected));
      options = merged.options;
      config = valuesOf options;

      checkUnmatched =
        if config._module.freeformType != null then
          unsupported "_module.freeformType"
        else if merged.unmatched == [ ] || !config._module.check then
          null
        else
          let
            d = head merged.unmatched;
          in
          throw "The option `${showOption (prefix ++ d.prefix)}' does not exist. Definition values:${showDefs [ d ]}";
    in
    {
      _type = "configuration";
      options = seq checkUnmatched options;
      config = seq checkUnmatched (removeAttrs config [ "_module" ]);
      _module = seq checkUnmatched config._module;
      inherit class;
    };

  valuesOf = mapAttrs (_: v: if isOption v then v.value else valuesOf v);

  # One level of the option tree: decls are { file; options; } (this level
  # of a module's options), configs { file; config; } (this level of a
  # definition, mkIf and mkMerge pushed down). Returns the options with
  # their values, and the definitions no option matched.
  mergeLevel =
    loc: decls: configs:
    let
      declsByName = zipAttrsWith (_: ds: ds) (
        map (
          d:
          if !isAttrs d.options then
            throw "An option declaration for `${showOption loc}' has type `${typeOf d.options}' rather than an attribute set."
          else
            mapAttrs (_: o: { inherit (d) file; options = o; }) d.options
        ) decls
      );
      checked = map (
        c:
        if isAttrs c.config then
          c
        else
          throw "In module `${c.file}', you're trying to define a value of type `${typeOf c.config}'\nrather than an attribute set for the option\n`${showOption loc}'!"
      ) configs;
      rawByName = zipAttrsWith (_: ds: ds) (map (c: mapAttrs (_: value: { inherit (c) file; inherit value; }) c.config) checked);
      pushedByName = zipAttrsWith (_: concatLists) (
        map (c: mapAttrs (_: v: map (x: { inherit (c) file; config = x; }) (pushDown v)) c.config) checked
      );
      results = mapAttrs (
        name: ds:
        let
          here = loc ++ [ name ];
          opts = filter (d: isOption d.options) ds;
        in
        if opts == [ ] then
          mergeLevel here ds (pushedByName.${name} or [ ])
        else if length ds == 1 then
          {
            options = evalOption here (head ds) (rawByName.${name} or [ ]);
            unmatched = [ ];
          }
        else
          unsupported "option `${showOption here}' declared more than once, or with options below it"
      ) declsByName;
      undeclared = removeAttrs rawByName (attrNames declsByName);
    in
    {
      options = mapAttrs (_: r: r.options) results;
      unmatched =
        concatLists (lib.mapAttrsToList (name: r: map (d: d // { prefix = [ name ] ++ d.prefix; }) r.unmatched) results)
        ++ concatLists (lib.mapAttrsToList (name: ds: map (d: d // { prefix = [ name ]; }) ds) undeclared);
    };

  # An option with its value: the default counts as a definition of
  # priority 1500, apply is applied to the merged value. A type with
  # submodules is made anew from them (substSubModules), each located in
  # the file that declared the option, as nixpkgs does when it merges
  # declarations: a type that only overrides merge loses that there.
  evalOption =
    loc: decl: defs:
    let
      opt = decl.options;
      declared = opt.type or lib.types.unspecified;
      type =
        if declared.getSubModules or null == null then
          declared
        else
          declared.substSubModules (map (m: { _file = decl.file; imports = [ m ]; }) declared.getSubModules);
      all = lib.optional (opt ? default) { inherit (decl) file; value = mkOverride 1500 opt.default; } ++ defs;
      res =
        if (opt.readOnly or false) == true && length all > 1 then
          throw "The option `${showOption loc}' is read-only, but it's set multiple times. Definition values:${showDefs all}"
        else
          mergeDefinitions loc type all;
    in
    opt
    // {
      inherit loc type;
      declarations = [ decl.file ];
      value = if opt ? apply then opt.apply res.mergedValue else res.mergedValue;
      inherit (res) isDefined;
      definitions = map (d: d.value) res.defsFinal;
      files = map (d: d.file) res.defsFinal;
    };
in
{
  inherit
    mkIf
    mkMerge
    mkOverride
    evalModules
    ;
  mkDefault = mkOverride 1000;
  mkOptionDefault = mkOverride 1500;
  mkForce = mkOverride 50;
  modules = { inherit mergeDefinitions evalModules; };
  inherit mergeDefinitions;
}
