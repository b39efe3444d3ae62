# Pure functions behind the NixOS and Home Manager modules. They turn the
# values of `virtualisation.libvirt.connections` into `nixvirt apply`
# manifests, and those into the shell script that applies them.
#
# They only render: the option types (./options.nix, ./types.nix) have
# refused, with the option's name, every value the manifest could not
# carry, so nothing here checks its input again.
#
# Builtins only (no nixpkgs), so that tests/nix/run-modules.sh can check them
# with a plain `nix-instantiate --eval --strict`. The module files only wire
# options to these functions.
let
  inherit (builtins)
    all
    any
    attrNames
    concatStringsSep
    filter
    getContext
    hashFile
    isAttrs
    isPath
    isString
    map
    replaceStrings
    split
    stringLength
    substring
    ;

  concatMap = f: l: concatStringsSep "" (map f l);
  optionalString = c: s: if c then s else "";
  optionalAttrs = c: a: if c then a else { };

  # An XML attribute value, to go between double quotes. Whitespace other
  # than a space becomes a character reference, or attribute-value
  # normalisation would turn it into a space. (Control characters XML
  # cannot hold at all are refused by the option types, ./types.nix.)
  escapeXmlAttr =
    s:
    replaceStrings
      [ "&" "<" ">" "\"" "\t" "\n" "\r" ]
      [ "&amp;" "&lt;" "&gt;" "&quot;" "&#9;" "&#10;" "&#13;" ]
      s;

  # A single shell word, quoted with '…'.
  shellQuote = s: "'" + replaceStrings [ "'" ] [ "'\\''" ] s + "'";

  attr = name: value: " ${name}=\"${escapeXmlAttr value}\"";

  hasPrefix = p: s: substring 0 (stringLength p) s == p;

  # A string naming a file the evaluation itself put in the store (a Nix
  # path interpolated, builtins.toFile): its context holds store paths
  # only, no derivation outputs, so reading it builds nothing.
  isSourceFile =
    s:
    let
      ctx = getContext s;
      paths = attrNames ctx;
    in
    paths != [ ]
    && all (p: !(ctx.${p} ? outputs || ctx.${p} ? allOutputs)) paths
    && any (p: s == p || hasPrefix "${p}/" s) paths;

  # The SHA-256 of a definition's bytes when evaluation knows it without
  # building anything (a derivation's output is never read here: that would
  # be import-from-derivation): Nix paths and files the evaluation wrote are
  # hashed, the library's writeXML says it (nixvirtSha256). null otherwise.
  # With it, `nixvirt apply` does not even open a definition whose reading
  # it keeps from an earlier run (and refuses one that has other bytes).
  # Not for a directory or a symlink (apply says what is wrong with it;
  # hashing would fail evaluation without naming the option), where Nix can
  # tell (builtins.readFileType, Nix 2.14 and later).
  hashable = p: !(builtins ? readFileType) || builtins.readFileType p == "regular";
  definitionSha256 =
    d:
    if isPath d then
      (if hashable d then hashFile "sha256" d else null)
    else if isAttrs d && d ? nixvirtSha256 then
      d.nixvirtSha256
    else if isString d && isSourceFile d && hashable d then
      hashFile "sha256" d
    else
      null;

  # A definition as a string for the manifest, with its digest when known.
  # Nix paths are copied to the store (as `"${./vm.xml}"` does); strings,
  # also with a derivation's context, and derivations are used as they are.
  definitionAttr =
    d:
    let
      sha = definitionSha256 d;
    in
    attr "definition" "${d}" + optionalString (sha != null) (attr "sha256" sha);

  # active: null = leave the object's state alone (NixVirt's meaning).
  activeAttr = a: optionalString (a != null) (attr "active" (if a then "true" else "false"));

  # restart: NixVirt treats true as "always restart", false as "never" and
  # null as "restart only if the definition changed"; the manifest spells
  # that out so it does not depend on `nixvirt apply`'s default. "live"
  # (ours) applies what it can to the running domain instead.
  restartAttr =
    r: attr "restart" (if r == "live" then "live" else if r == null then "ifchanged" else if r then "always" else "never");

  shutdownTimeoutAttr = t: optionalString (t != null) (attr "shutdown-timeout" (toString t));

  # Attributes left out take the options' defaults (values that did not go
  # through the module system, such as `nixvirt import`'s, may leave them out).
  volume =
    v:
    let
      name = v.name or null;
      def = v.definition or null;
    in
    "      <volume"
    + optionalString (name != null) (attr "name" name)
    + optionalString (def != null) (definitionAttr def)
    + optionalString (!(v.present or true)) (attr "present" "false")
    + "/>\n";

  # One object of kind "network", "pool" or "domain".
  object =
    kind: o:
    let
      volumes = o.volumes or [ ];
      head' =
        "    <${kind}"
        + definitionAttr o.definition
        + activeAttr (o.active or null)
        + restartAttr (o.restart or null)
        + optionalString (kind == "domain") (shutdownTimeoutAttr (o.shutdownTimeout or null));
    in
    if volumes == [ ] then
      head' + "/>\n"
    else
      head' + ">\n" + concatMap volume volumes + "    </${kind}>\n";

  # <networks>, <pools> or <domains>; null means that kind is not managed.
  section =
    purge: kind: list:
    let
      plural = "${kind}s";
    in
    if list == null then
      ""
    else if list == [ ] then
      "  <${plural}${attr "purge" purge}/>\n"
    else
      "  <${plural}${attr "purge" purge}>\n" + concatMap (object kind) list + "  </${plural}>\n";

  # The manifest for one connection, as a string.
  #   uri:  the connection URI (not in the manifest: `nixvirt apply --connect`)
  #   conn: { purge ? "undeclared"; networks ? null; pools ? null; domains ? null; }
  manifest =
    uri: conn:
    let
      purge = conn.purge or "undeclared";
    in
    "<nixvirt version=\"1\">\n"
    # Networks first, then pools, then domains (which use both).
    + section purge "network" (conn.networks or null)
    + section purge "pool" (conn.pools or null)
    + section purge "domain" (conn.domains or null)
    + "</nixvirt>\n";

  # A store-path name for a connection's manifest: "qemu:///system" gives
  # "nixvirt-qemu-system.xml".
  manifestName =
    uri:
    let
      parts = filter isString (split "[^A-Za-z0-9+._-]+" uri);
      joined = concatStringsSep "-" (filter (p: p != "") parts);
      short = substring 0 190 joined;
    in
    "nixvirt-${if short == "" then "connection" else short}.xml";

  # A definition given as a Nix value (an attribute set that is not a
  # derivation) is written with the library's writeXML: xmlLib is the
  # flake's `lib` (keys libvirt does not know: warnings) or `lib.strict`
  # (errors). Paths, strings and derivations stay as they are, and so does
  # everything else in the connections.
  isNixValue = d: isAttrs d && !(d ? outPath);
  renderDefinition = xmlLib: kind: d: if isNixValue d then xmlLib.${kind}.writeXML d else d;
  renderVolume = xmlLib: v: v // optionalAttrs (v ? definition) { definition = renderDefinition xmlLib "volume" v.definition; };
  renderObject =
    xmlLib: kind: o:
    o
    // { definition = renderDefinition xmlLib kind o.definition; }
    // optionalAttrs (o ? volumes) { volumes = map (renderVolume xmlLib) o.volumes; };
  renderDefinitions =
    xmlLib:
    builtins.mapAttrs (
      uri: c:
      c
      // builtins.listToAttrs (
        map (kind: {
          name = "${kind}s";
          value = map (renderObject xmlLib kind) c."${kind}s";
        }) (filter (kind: (c."${kind}s" or null) != null) [ "network" "pool" "domain" ])
      )
    );

  # Every connection's manifest: { "<uri>" = "<manifest text>"; ... }.
  manifests = builtins.mapAttrs manifest;

  # Whether `nixvirt apply` runs ssh for this URI (driver+ssh://...).
  needsSsh = uri: builtins.match "[A-Za-z0-9_-]+\\+ssh:.*" uri != null;

  # The shell script that applies every manifest, one `nixvirt apply` per
  # connection. It tries all connections and fails at the end if any failed;
  # it never calls `exit`, so it can also be a Home Manager activation block.
  #   tool:        path of the nixvirt binary
  #   manifests:   list of { uri; manifest; } (manifest: path of the file)
  #   verbose:     pass -v
  #   homeManager: state under $XDG_STATE_HOME, honour HM's DRY_RUN/VERBOSE
  #   stateDir:    --state-dir (ignored for Home Manager)
  #   wait:        --wait SECONDS, or null
  #   timeout:     --timeout SECONDS (bound on each daemon call), or null
  #   path:        directories put in front of PATH for nixvirt (and for a
  #                session daemon it starts)
  script =
    { tool
    , manifests
    , verbose ? false
    , homeManager ? false
    , stateDir ? null
    , wait ? null
    , timeout ? null
    , path ? [ ]
    }:
    let
      pathPrefix = optionalString (path != [ ])
        ("PATH=" + concatMap (d: shellQuote d + ":") path + "\"$PATH\" ");
      stateArg =
        if homeManager then " --state-dir \"$nixvirt_state_dir\""
        else optionalString (stateDir != null) " --state-dir ${shellQuote stateDir}";
      flags =
        optionalString verbose " -v"
        + optionalString (homeManager && !verbose) " \${VERBOSE:+-v}"
        + optionalString homeManager " \${DRY_RUN:+--dry-run}"
        + optionalString (wait != null) " --wait ${toString wait}"
        + optionalString (timeout != null) " --timeout ${toString timeout}"
        + stateArg;
      one = m:
        "if ! ${pathPrefix}${shellQuote tool} apply${flags} --connect ${shellQuote m.uri} ${shellQuote "${m.manifest}"}; then\n"
        + "  echo ${shellQuote "nixvirt: applying the manifest for ${m.uri} failed"} >&2\n"
        + "  nixvirt_failed=1\n"
        + "fi\n";
    in
    "# nixvirt: declare libvirt objects, one manifest per connection.\n"
    + "nixvirt_failed=0\n"
    + optionalString homeManager (
      "nixvirt_state_dir=\"\${XDG_STATE_HOME:-$HOME/.local/state}/nixvirt\"\n"
      + "if [ -z \"\${DRY_RUN:-}\" ]; then mkdir -p \"$nixvirt_state_dir\"; fi\n"
    )
    + concatMap one manifests
    + "[ \"$nixvirt_failed\" = 0 ]\n";
in
{
  inherit
    manifest
    manifestName
    manifests
    needsSsh
    renderDefinitions
    script
    shellQuote
    ;
}
