# nixvirt's Nix library: NixVirt's `lib` (XML for libvirt domains, networks,
# storage pools and volumes from Nix values), checked against libvirt's
# RelaxNG schemas.  Builtins only:
#
#   import ./nix/lib { }                 writeXML uses builtins.toFile
#   import ./nix/lib { pkgs = ...; }     writeXML uses pkgs.writeText (definitions
#                                        may then refer to store paths), and the
#                                        templates use pkgs.qemu / pkgs.OVMFFull
#
# Returns { xml; domain; network; pool; volume; strict; guest-install; schema; },
# where each object kind has getXML (value -> string) and writeXML (value ->
# path named NixVirt-<kind>-<name>).  A key the schema does not know is left
# out with a warning; strict.<kind> has the same functions with that an
# error.  See nix/lib/README.md.
{
  pkgs ? null,
}:
let
  xml = import ./xml.nix;
  generate = import ./generate.nix { inherit xml; };

  schema = {
    domain = import ./schema/domain.nix;
    network = import ./schema/network.nix;
    pool = import ./schema/pool.nix;
    volume = import ./schema/volume.nix;
  };

  # builtins.toFile cannot keep references to derivation outputs (firmware,
  # ISO images): say so, rather than toFile's own message.
  toFile =
    kind: name: text:
    let
      ctx = builtins.getContext text;
      built = builtins.filter (p: ctx.${p} ? outputs || ctx.${p} ? allOutputs) (builtins.attrNames ctx);
    in
    if built != [ ] then
      throw "nixvirt: ${kind}.writeXML: ${name} refers to the output of ${builtins.head built}; builtins.toFile cannot write that: use the lib made with a package set (the flake's lib.<system>, or import nix/lib { inherit pkgs; })"
    else
      builtins.toFile name text;
  writeText = kind: if pkgs == null then toFile kind else pkgs.writeText;

  # Store path names take [A-Za-z0-9+._?=-] only.
  storeName =
    s:
    builtins.concatStringsSep "" (
      map (x: if builtins.isList x then "_" else x) (builtins.split "[^A-Za-z0-9+._?=-]" s)
    );

  objtype =
    strict: kind:
    let
      getXML = generate.toXML { inherit strict; } kind schema.${kind};
    in
    {
      inherit getXML;
      writeXML =
        obj:
        let
          name =
            if builtins.isAttrs obj && obj ? name && builtins.isString obj.name then
              obj.name
            else
              throw "nixvirt: ${kind}.writeXML: the ${kind} needs a name (a string)";
        in
        let
          text = getXML obj;
          file = writeText kind "NixVirt-${kind}-${storeName name}" text;
        in
        # a derivation carries its bytes' digest for the manifest (its
        # output cannot be read at evaluation); toFile's string is hashed there
        if builtins.isAttrs file then file // { nixvirtSha256 = builtins.hashString "sha256" text; } else file;
    };

  guest-install = {
    virtio-win.iso =
      if pkgs == null then
        throw "nixvirt: lib.guest-install needs a package set (import nix/lib { inherit pkgs; }, or the flake's lib.<system>)"
      else
        pkgs.runCommand "virtio-win.iso" { } "${pkgs.cdrtools}/bin/mkisofs -J -V VIRTIO-WIN -o $out ${pkgs.virtio-win}";
  };
in
{
  inherit xml guest-install schema;
  domain = objtype false "domain" // {
    templates = import ./templates/domain.nix { inherit pkgs guest-install; };
  };
  network = objtype false "network" // {
    templates = import ./templates/network.nix;
  };
  pool = objtype false "pool";
  volume = objtype false "volume";
  # The same, with a key the schema does not know an error, not a warning.
  strict = builtins.listToAttrs (
    map (kind: {
      name = kind;
      value = objtype true kind;
    }) [ "domain" "network" "pool" "volume" ]
  );
}
