# Properties that a fixed expected file cannot express. Each value must
# evaluate to true.
let
  fns = import ../../../nix/modules/functions.nix;
  m = conn: fns.manifest "qemu:///system" conn;
  # (match refuses strings with context, so compare without it)
  contains = needle: hay:
    builtins.match ".*${builtins.unsafeDiscardStringContext needle}.*" (builtins.unsafeDiscardStringContext hay) != null;
  # A derivation that is never built: reading its output would be
  # import-from-derivation, which the functions must avoid.
  drv = derivation { name = "dom-web.xml"; system = "none"; builder = "/none"; };

  # The library as the modules use it (files written with builtins.toFile).
  pkgs.writeText = builtins.toFile;
  nvlib = import ../../../nix/lib { inherit pkgs; };
  fails = x: !(builtins.tryEval (builtins.deepSeq x x)).success;
  dom = extra: { type = "kvm"; name = "web"; memory = { count = 1; unit = "GiB"; }; } // extra;
  render = lib: conns: fns.renderDefinitions lib conns;
in
{
  render-nix-definitions =
    let
      r = render nvlib {
        "qemu:///system" = {
          purge = "none";
          domains = [ { definition = dom { }; active = true; } { definition = "/x.xml"; } ];
          pools = [ { definition = { type = "dir"; name = "p"; target.path = "/p"; }; volumes = [ { definition = { name = "v.raw"; capacity = 1; }; } { name = "old"; present = false; } ]; } ];
        };
      };
      c = r."qemu:///system";
    in
    builtins.readFile (builtins.head c.domains).definition == nvlib.domain.getXML (dom { })
    && (builtins.elemAt c.domains 1).definition == "/x.xml"
    && (builtins.head c.domains).active == true
    && c.purge == "none"
    && builtins.readFile (builtins.head c.pools).definition == nvlib.pool.getXML { type = "dir"; name = "p"; target.path = "/p"; }
    && builtins.readFile (builtins.head (builtins.head c.pools).volumes).definition == nvlib.volume.getXML { name = "v.raw"; capacity = 1; }
    && (builtins.elemAt (builtins.head c.pools).volumes 1) == { name = "old"; present = false; }
    && contains "definition=\"${(builtins.head c.domains).definition}\"" (fns.manifest "qemu:///system" c);

  render-strict-fails-default-leaves-out =
    let
      conns = { "qemu:///system".networks = [ { definition = { name = "n"; bridge.nmae = "virbr0"; }; } ]; };
    in
    fails (builtins.readFile (builtins.head (render nvlib.strict conns)."qemu:///system".networks).definition)
    && builtins.readFile (builtins.head (render nvlib conns)."qemu:///system".networks).definition
      == "<network>\n  <name>n</name>\n  <bridge/>\n</network>\n";

  # Paths, strings and derivations are not touched.
  render-keeps-paths =
    let
      conns = { "qemu:///system".domains = [ { definition = ./defs/net-default.xml; } { definition = drv; } ]; };
    in
    render nvlib.strict conns == conns;

  # A Nix path is copied to the store, as NixVirt's JSON did.
  path-definition-goes-to-store =
    let
      p = "${./defs/net-default.xml}";
    in
    builtins.substring 0 (builtins.stringLength builtins.storeDir + 1) p == builtins.storeDir + "/"
    && m { networks = [ { definition = ./defs/net-default.xml; } ]; }
    == "<nixvirt version=\"1\">\n  <networks purge=\"undeclared\">\n    <network definition=\"${p}\" sha256=\"${builtins.hashFile "sha256" ./defs/net-default.xml}\" restart=\"ifchanged\"/>\n  </networks>\n</nixvirt>\n";

  # sha256= goes with every definition whose bytes evaluation knows without
  # building: Nix paths, files it wrote (toFile, a path interpolated), the
  # library's writeXML (with a package set: its derivation says it); never
  # a plain string (a file of the host) or a derivation's output.
  sha256-where-known =
    let
      v = { name = "v.raw"; capacity = 1; };
      viaToFile = builtins.toFile "dom.xml" "<domain/>";
      text = m {
        domains = [
          { definition = ./defs/dom-web.xml; }
          { definition = viaToFile; }
          { definition = "${./defs}/dom-build.xml"; }
          { definition = "/etc/libvirt-defs/dom.xml"; }
          { definition = drv; }
          { definition = drv // { nixvirtSha256 = "ab"; }; }
        ];
        pools = [ { definition = "/p.xml"; volumes = [ { definition = ./defs/vol-disk.xml; } ]; } ];
      };
      sha = builtins.hashFile "sha256";
      count = builtins.length (builtins.filter builtins.isList (builtins.split "sha256=" text));
    in
    contains ''<domain definition="[^"]*-dom-web.xml" sha256="${sha ./defs/dom-web.xml}" restart'' text
    && contains ''<domain definition="${viaToFile}" sha256="${builtins.hashString "sha256" "<domain/>"}" restart'' text
    && contains ''<domain definition="[^"]*-defs/dom-build.xml" sha256="${sha ./defs/dom-build.xml}" restart'' text
    && contains ''<domain definition="/etc/libvirt-defs/dom.xml" restart'' text
    && contains ''<domain definition="${drv.outPath}" restart'' text
    && contains ''<domain definition="${drv.outPath}" sha256="ab" restart'' text
    && contains ''<volume definition="[^"]*-vol-disk.xml" sha256="${sha ./defs/vol-disk.xml}"/>'' text
    && count == 5;

  # A directory is not hashed (apply names the problem) where Nix can tell.
  sha256-not-for-a-directory =
    !(builtins ? readFileType)
    || contains ''<domain definition="[^"]*-defs" restart'' (m { domains = [ { definition = ./defs; } ]; });

  # The library's writeXML with a package set gives a derivation that
  # carries the digest of the text it writes (checked against the text).
  writexml-carries-sha256 =
    let
      fakePkgs.writeText = name: text: derivation { inherit name; system = "none"; builder = "/none"; } // { _text = text; };
      lib' = import ../../../nix/lib { pkgs = fakePkgs; };
      d = lib'.domain.writeXML (dom { });
    in
    d.nixvirtSha256 == builtins.hashString "sha256" d._text
    && d._text == lib'.domain.getXML (dom { })
    && contains ''definition="${d.outPath}" sha256="${d.nixvirtSha256}"'' (m { domains = [ { definition = d; } ]; });

  # restart = "live" (ours, beside NixVirt's true/false/null) reaches the manifest.
  restart-live =
    contains ''<domain definition="/NIXVIRT_DEFS/dom-web.xml" restart="live"/>''
      (m { domains = [ { definition = "/NIXVIRT_DEFS/dom-web.xml"; restart = "live"; } ]; });

  # Name and Nix-path definition that agree are accepted.
  path-volume-name-agrees =
    contains ''<volume name="disk.raw" definition="${builtins.storeDir}/[^"]*-vol-disk.xml" sha256="[0-9a-f]{64}"/>''
      (m { pools = [ { definition = "/NIXVIRT_DEFS/pool-images.xml"; volumes = [ { name = "disk.raw"; definition = ./defs/vol-disk.xml; } ]; } ]; });

  # A derivation's output is referenced (the manifest keeps its context, so
  # the file ends up in the closure) but never read, even with a name.
  derivation-definition-kept-not-read =
    let
      text = m {
        domains = [ { definition = drv; } ];
        pools = [ { definition = "${drv}"; volumes = [ { name = "x.raw"; definition = drv; } ]; } ];
      };
    in
    builtins.hasContext text && contains ''definition="${drv.outPath}"'' text;

  # Plain strings add no store references.
  string-definition-has-no-context =
    !builtins.hasContext (m { domains = [ { definition = "/etc/libvirt-defs/dom.xml"; } ]; });

  manifests-keyed-by-uri =
    builtins.attrNames (fns.manifests { "qemu:///system" = { }; "test:///default" = { domains = [ ]; }; })
    == [ "qemu:///system" "test:///default" ];

  manifest-names =
    map fns.manifestName [ "qemu:///system" "qemu:///session" "xen:///" "lxc:///system?mode=direct" "qemu+ssh://u@h:2222/system" "///" ]
    == [ "nixvirt-qemu-system.xml" "nixvirt-qemu-session.xml" "nixvirt-xen.xml" "nixvirt-lxc-system-mode-direct.xml" "nixvirt-qemu+ssh-u-h-2222-system.xml" "nixvirt-connection.xml" ];

  manifest-name-is-short =
    builtins.stringLength (fns.manifestName ("qemu+ssh://h/system?keyfile=/" + builtins.concatStringsSep "" (builtins.genList (_: "abcdefghij") 40))) <= 211;

  needs-ssh =
    map fns.needsSsh [ "qemu+ssh://h/system" "lxc+ssh://root@h/" "qemu:///system" "qemu+tls://h/system" "qemu+libssh2://h/system" ]
    == [ true true false false false ];

  shell-quote = fns.shellQuote "it's" == "'it'\\''s'" && fns.shellQuote "" == "''";

  # The script never exits (it may be a Home Manager activation block).
  script-never-exits =
    !(contains "exit" (fns.script { tool = "/t"; manifests = [ { uri = "qemu:///system"; manifest = "/m"; } ]; homeManager = true; }))
    && !(contains "exit" (fns.script { tool = "/t"; manifests = [ { uri = "qemu:///system"; manifest = "/m"; } ]; }));

  # No connections: nothing to run, the script succeeds.
  script-without-connections =
    fns.script { tool = "/t"; manifests = [ ]; }
    == "# nixvirt: declare libvirt objects, one manifest per connection.\nnixvirt_failed=0\n[ \"$nixvirt_failed\" = 0 ]\n";

  # A manifest given as a derivation is referenced by its output path.
  script-manifest-derivation =
    contains "'${drv.outPath}'" (fns.script { tool = "/t"; manifests = [ { uri = "qemu:///system"; manifest = drv; } ]; });
}
