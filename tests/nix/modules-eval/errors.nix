# Values the module system must refuse. Each case: `value` must throw, and
# the error must contain `message` (tests/nix/run-modules.sh checks both,
# with the stand-in lib and with nixpkgs' lib when it has one; the flake's
# check only the throw).
{ lib }:
let
  inherit (lib) mkOption types mkIf;
  eval = modules: (lib.evalModules { inherit modules; }).config;
  opt = type: mkOption { inherit type; };
  sub = types.submodule { options.a = mkOption { type = types.int; default = 1; }; };
in
{
  lib-undeclared = {
    message = "The option `x' does not exist.";
    value = eval [ { options.y = opt types.int; } { x = 1; } ];
  };
  # Also when the definition is switched off.
  lib-undeclared-under-mkIf-false = {
    message = "The option `x' does not exist.";
    value = eval [ { options.y = opt types.int; } { x = mkIf false 1; } ];
  };
  lib-undeclared-in-list-element = {
    message = ''The option `l."[definition 1-entry 2]".zz' does not exist.'';
    value = (eval [ { options.l = opt (types.listOf sub); } { l = [ { } { zz = 1; } ]; } ]).l;
  };
  lib-undeclared-in-attribute = {
    message = ''The option `c."qemu:///system".zz' does not exist.'';
    value = (eval [ { options.c = opt (types.attrsOf sub); } { c."qemu:///system".zz = 1; } ]).c;
  };
  lib-wrong-type = {
    message = "A definition for option `b' is not of type `boolean'.";
    value = (eval [ { options.b = opt types.bool; } { b = "yes"; } ]).b;
  };
  lib-wrong-type-in-list-element = {
    message = ''A definition for option `l."[definition 1-entry 1]".a' is not of type `signed integer'.'';
    value = (eval [ { options.l = opt (types.listOf sub); } { l = [ { a = "1"; } ]; } ]).l;
  };
  lib-not-a-list = {
    message = "A definition for option `l' is not of type `null or (list of (submodule))'.";
    value = (eval [ { options.l = opt (types.nullOr (types.listOf sub)); } { l = { a = 1; }; } ]).l;
  };
  lib-neither-path-nor-set = {
    message = "A definition for option `d' is not of type `absolute path or attribute set of anything'.";
    value = (eval [ { options.d = opt (types.either types.path (types.attrsOf types.anything)); } { d = "rel.xml"; } ]).d;
  };
  lib-enum = {
    message = ''A definition for option `p' is not of type `one of "a", "b"'.'';
    value = (eval [ { options.p = opt (types.enum [ "a" "b" ]); } { p = "c"; } ]).p;
  };
  lib-positive = {
    message = "A definition for option `t' is not of type `null or (positive integer, meaning >0)'.";
    value = (eval [ { options.t = opt (types.nullOr types.ints.positive); } { t = 0; } ]).t;
  };
  lib-no-value = {
    message = "The option `s' was accessed but has no value defined. Try setting the option.";
    value = (eval [ { options.s = opt types.str; } ]).s;
  };
  lib-conflicting-values = {
    message = "The option `b' has conflicting definition values";
    value = (eval [ { options.b = opt types.bool; } { b = true; } { b = false; } ]).b;
  };
  lib-null-and-not-null = {
    message = "The option `n` is defined both null and not null";
    value = (eval [ { options.n = opt (types.nullOr types.int); } { n = null; } { n = 1; } ]).n;
  };
  lib-mkIf-not-bool = {
    message = "called with a non-Boolean condition";
    value = (eval [ { options.b = opt types.bool; } { b = mkIf "yes" true; } ]).b;
  };
}
