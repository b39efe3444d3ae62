# What nix/modules relies on from lib's module system, as expected values:
# run with the stand-in lib (./stand-in) and, where it is at hand, with
# nixpkgs' lib, so that both are seen to agree. Refusals, with their
# messages, are in ./errors.nix. Returns a list of { name; ok; expected; actual; }.
{ lib }:
let
  inherit (lib) mkOption types mkIf mkDefault mkMerge;

  eval = modules: (lib.evalModules { inherit modules; }).config;
  opt = type: mkOption { inherit type; };
  optDefault = type: default: mkOption { inherit type default; };
  drv = name: { type = "derivation"; inherit name; outPath = "/nix/store/00000000000000000000000000000000-${name}"; };

  safe = x: let r = builtins.tryEval (builtins.deepSeq x x); in if r.success then r.value else null;
  show = x: if x == null then "<evaluation error>" else builtins.toJSON x;
  test = name: expected: actual:
    let a = safe actual; in
    { name = "lib/${name}"; ok = a != null && a == expected; expected = show expected; actual = show a; };

  sub = types.submodule {
    options = {
      a = optDefault types.int 1;
      b = optDefault (types.nullOr types.str) null;
    };
  };
in
[
  (test "descriptions"
    [
      "boolean" "string" "signed integer" "absolute path" "package" "anything"
      "null or boolean" "null or (positive integer, meaning >0)" "one of \"a\", \"b\"" "value \"live\" (singular enum)"
      "null or boolean or value \"live\" (singular enum)" "absolute path or attribute set of anything"
      "null or (list of (submodule))" "attribute set of (submodule)" "list of string" "lazy attribute set of raw value"
    ]
    (map (t: t.description) [
      types.bool types.str types.int types.path types.package types.anything
      (types.nullOr types.bool) (types.nullOr types.ints.positive) (types.enum [ "a" "b" ]) (types.enum [ "live" ])
      (types.nullOr (types.either types.bool (types.enum [ "live" ]))) (types.either types.path (types.attrsOf types.anything))
      (types.nullOr (types.listOf sub)) (types.attrsOf sub) (types.listOf types.str) (types.lazyAttrsOf types.raw)
    ]))

  (test "checks"
    [ true false true true true false true false true false true true false ]
    [
      (types.path.check "/a") (types.path.check "a") (types.path.check ./lib-semantics.nix) (types.path.check (drv "d"))
      (types.package.check (drv "d")) (types.package.check { }) (types.ints.positive.check 1) (types.ints.positive.check 0)
      ((types.either types.path (types.attrsOf types.anything)).check { x = 1; }) (types.str.check 1)
      ((types.addCheck types.str (s: s != "")).check "x") (sub.check { }) (sub.check 1)
    ])

  # Lists of several definitions are joined, the later module's first.
  (test "defaults-and-values"
    { b = false; n = null; l = [ 2 1 ]; s = "x"; }
    (eval [
      { options = { b = optDefault types.bool false; n = optDefault (types.nullOr types.int) null; l = opt (types.listOf types.int); s = opt types.str; }; }
      { l = [ 1 ]; s = "x"; }
      { l = [ 2 ]; }
    ]))

  (test "mkIf-mkMerge-mkDefault"
    { a = 2; b = [ 1 3 ]; c = "plain"; d = "default"; }
    (eval [
      {
        options = { a = optDefault types.int 0; b = opt (types.listOf types.int); c = opt types.str; d = opt types.str; };
        config = mkMerge [
          (mkIf false { a = 1; })
          (mkIf true { a = 2; })
          { b = [ 1 (mkIf false 2) 3 ]; c = mkDefault "default"; d = mkDefault "default"; }
        ];
      }
      { c = "plain"; }
    ]))

  # mkIf on the whole config, with a condition read from config.
  (test "conditional-config"
    { on = { enable = true; x = [ "set" ]; }; off = { enable = false; x = [ ]; }; }
    (let
      m = { config, ... }: {
        options = { enable = optDefault types.bool false; x = optDefault (types.listOf types.str) [ ]; };
        config = mkIf config.enable { x = [ "set" ]; };
      };
    in { on = eval [ m { enable = true; } ]; off = eval [ m ]; }))

  (test "nullOr-either-listOf-submodule"
    { l = [ { a = 1; b = null; } { a = 5; b = "y"; } ]; n = null; e = [ "/p" { k = { x = 1; y = 2; }; } ]; r = [ true "live" null ]; }
    (eval [
      {
        options = {
          l = opt (types.nullOr (types.listOf sub));
          n = optDefault (types.nullOr (types.listOf sub)) null;
          e = opt (types.listOf (types.either types.path (types.attrsOf types.anything)));
          r = opt (types.listOf (types.nullOr (types.either types.bool (types.enum [ "live" ]))));
        };
      }
      { l = [ { } { a = 5; b = "y"; } ]; e = [ "/p" { k = { x = 1; y = 2; }; } ]; r = [ true "live" null ]; }
    ]))

  # A submodule in an attribute set gets its attribute name as `name`.
  (test "attrsOf-submodule-name"
    { "qemu:///system" = { n = "qemu:///system"; }; x = { n = "x"; }; }
    (eval [
      { options.c = opt (types.attrsOf (types.submodule ({ name, ... }: { options.n = optDefault types.str name; }))); }
      { c."qemu:///system" = { }; c.x = { }; }
    ]).c)

  (test "anything-merges-sets"
    { a = { x = 1; y = [ 1 ]; }; b = "s"; }
    (eval [
      { options.v = opt types.anything; }
      { v.a.x = 1; v.b = "s"; }
      { v.a.y = [ 1 ]; }
    ]).v)

  # Module arguments: _module.args (pkgs), specialArgs (lib), imports with
  # a key counted once.
  (test "arguments-imports-keys"
    { p = "pkg"; l = true; n = [ "once" ]; }
    (let
      keyed = { key = "k"; config.n = [ "once" ]; };
      r = lib.evalModules {
        specialArgs.lib = lib // { marker = true; };
        modules = [
          ({ pkgs, lib, ... }: {
            imports = [ keyed ];
            options = { p = optDefault types.str pkgs.p; l = optDefault types.bool (lib.marker or false); n = opt (types.listOf types.str); };
          })
          { imports = [ keyed keyed ]; }
          { _module.args.pkgs.p = "pkg"; }
        ];
      };
    in r.config))

  (test "package"
    (drv "libvirt")
    (eval [ { options.p = optDefault types.package (drv "other"); } { p = drv "libvirt"; } ]).p)

  (test "doc-list"
    [ [ "_module.args" "lazy attribute set of raw value" ] [ "c" "attribute set of (submodule)" ] [ "c.<name>.a" "signed integer" ] [ "c.<name>.b" "null or string" ]
      [ "l" "null or (list of (submodule))" ] [ "l.*.a" "signed integer" ] [ "l.*.b" "null or string" ] ]
    (map (o: [ o.name o.type ]) (builtins.filter (o: !o.internal) (lib.optionAttrSetToDocList
      (lib.evalModules { modules = [ { options = { c = opt (types.attrsOf sub); l = opt (types.nullOr (types.listOf sub)); }; } ]; }).options))))

  # A type with submodules is made anew from them where the option is
  # declared (substSubModules): a type that only overrides merge loses the
  # override; one that also overrides substSubModules keeps it.
  (test "substSubModules"
    { plain = [ { a = 1; b = null; } ]; kept = [ { a = 1; b = "checked"; } ]; }
    (let
      mark = t: t // { merge = loc: defs: map (v: v // { b = "checked"; }) (t.merge loc defs); };
      keep = t: mark t // { substSubModules = m: keep (t.substSubModules m); };
    in eval [
      { options = { plain = opt (mark (types.listOf sub)); kept = opt (keep (types.listOf sub)); }; }
      { plain = [ { } ]; kept = [ { } ]; }
    ]))

  (test "showOption"
    "virtualisation.libvirt.connections.\"qemu:///system\".domains.\"[definition 1-entry 1]\".active"
    (lib.showOption [ "virtualisation" "libvirt" "connections" "qemu:///system" "domains" "[definition 1-entry 1]" "active" ]))

  (test "recursiveUpdate"
    { a = { b = 1; c = 3; }; d = [ 2 ]; }
    (lib.recursiveUpdate { a.b = 1; a.c = 2; d = [ 1 ]; } { a.c = 3; d = [ 2 ]; }))

  (test "mkEnableOption-mkPackageOption"
    [ false true "Whether to enable x." "The libvirt package to use. More." "pkgs.libvirt" "pkgs.libvirt.override { }" ]
    (let
      e = lib.mkEnableOption "x";
      p = lib.mkPackageOption { libvirt = drv "libvirt"; } "libvirt" { example = "pkgs.libvirt.override { }"; extraDescription = "More."; };
    in [ e.default e.example e.description p.description p.defaultText.text p.example.text ]))
]
