# For tests/nix/lib/nixvirt-values.py: each value form NixVirt's generator
# takes (bools, ints, paths) at each key path it takes them, written by
# NixVirt's lib and by ours (strict: null where our schema does not know the
# key; the default lib leaves it out with a warning).
{ nixvirtSrc, kind, entries }:
let
  ours = import ./nixvirt-stub.nix;
  theirs = import (nixvirtSrc + "/lib.nix") {
    packages = {
      writeTextFile = { name, text }: builtins.toFile "x.xml" text;
      runCommand = n: a: s: "BUILD " + n;
      qemu = "QEMU_PATH";
      OVMFFull.fd = "OVMFFull_FD_PATH";
    };
  };
  nest = path: v: if path == [ ] then v else { ${builtins.head path} = nest (builtins.tail path) v; };
  base = {
    domain = { type = "kvm"; name = "x"; };
    network = { name = "x"; };
    pool = { type = "dir"; name = "x"; };
    volume = { name = "x"; };
  }.${kind};
  # The text keys of the enclosing elements (NixVirt fails without them).
  extra = e: builtins.foldl' (acc: n: merge acc (nest n.path n.value)) { } e.needs;
  merge = a: b: a // builtins.mapAttrs (k: v: if a ? ${k} && builtins.isAttrs v && builtins.isAttrs a.${k} then merge a.${k} v else v) b;
  render = lib: v: let r = builtins.tryEval (lib.${kind}.getXML v); in if r.success then r.value else null;
  one = e: x: ourX:
    let
      v = merge (merge base (extra e)) (nest e.path x);
      v' = merge (merge base (extra e)) (nest e.path ourX);
    in
    {
      path = builtins.concatStringsSep "." e.path;
      type = e.type;
      value = if builtins.isPath x then "path" else builtins.toJSON x;
      theirs = render theirs v;
      ours = render ours.strict v;
      # the same value as NixVirt's, in the other form ours accepts
      oursAlt = render ours.strict v';
    };
  forms = e:
    if e.type == "int" then [ (one e 7 "7") ]
    else if e.type == "path" then [ (one e /srv/nixvirt-test "/srv/nixvirt-test") ]
    else [ (one e true true) (one e false false) ];
in
builtins.concatMap forms entries
