# A stand-in for nixpkgs' `lib`: the part of it that nix/modules and the
# tests in ../ use, enough for lib.evalModules with the project's modules
# where no nixpkgs is at hand (the development machine, CI). Written for
# these tests from the module system's documented behaviour, not copied.
#
# It follows nixpkgs' semantics for what it has (option types: their checks,
# merges, descriptions and error messages; mkIf/mkMerge/mkOverride; module
# arguments, imports and keys; undeclared options) and refuses what it does
# not have (freeformType, disabledModules, options declared twice, ...)
# rather than doing something else. tests/nix/run-modules.sh runs the same
# tests with nixpkgs' lib when it finds one, which keeps the two in step.
let
  lib =
    {
      optional = c: x: if c then [ x ] else [ ];
      optionals = c: l: if c then l else [ ];
      optionalAttrs = c: a: if c then a else { };
      last = l: builtins.elemAt l (builtins.length l - 1);
      imap1 = f: l: builtins.genList (i: f (i + 1) (builtins.elemAt l i)) (builtins.length l);
      reverseList = l: builtins.genList (i: builtins.elemAt l (builtins.length l - 1 - i)) (builtins.length l);
      mapAttrsToList = f: s: map (n: f n s.${n}) (builtins.attrNames s);
      filterAttrs = pred: s: removeAttrs s (builtins.filter (n: !pred n s.${n}) (builtins.attrNames s));
      isDerivation = x: x.type or null == "derivation";
      isStringLike = x: builtins.isString x || builtins.isPath x || x ? outPath || x ? __toString;

      # The right side wins, except where both sides are attribute sets
      # (derivations included): those are merged recursively.
      recursiveUpdate =
        l: r:
        if builtins.isAttrs l && builtins.isAttrs r then
          l // builtins.mapAttrs (n: v: if l ? ${n} then lib.recursiveUpdate l.${n} v else v) r
        else
          r;

      # Every value for which pred holds, searched through nested sets.
      collect =
        pred: x:
        if pred x then
          [ x ]
        else if builtins.isAttrs x then
          builtins.concatMap (lib.collect pred) (builtins.attrValues x)
        else
          [ ];

      attrByPath =
        path: default: set:
        if path == [ ] then
          set
        else if builtins.isAttrs set && set ? ${builtins.head path} then
          lib.attrByPath (builtins.tail path) default set.${builtins.head path}
        else
          default;
    }
    // import ./options.nix lib
    // import ./modules.nix lib
    // rec {
      types = import ./types.nix lib;
      inherit (types) mkOptionType isType;
    };
in
lib
