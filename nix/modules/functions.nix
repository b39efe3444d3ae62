# Pure functions behind the NixOS and Home Manager modules. They turn the
# values of `virtualisation.libvirt.connections` into `nixvirt apply`
# manifests, and those into the shell script that applies them.
#
# Builtins only (no nixpkgs), so that tests/nix/run-modules.sh can check them
# with a plain `nix-instantiate --eval --strict`. The module files only wire
# options to these functions.
let
  inherit (builtins)
    attrNames
    concatLists
    concatStringsSep
    elem
    filter
    genList
    head
    isAttrs
    isBool
    isInt
    isList
    isPath
    isString
    length
    map
    replaceStrings
    split
    substring
    typeOf
    ;

  concatMap = f: l: concatStringsSep "" (map f l);
  imap0 = f: l: genList (i: f i (builtins.elemAt l i)) (length l);
  optionalString = c: s: if c then s else "";
  optionalAttrs = c: a: if c then a else { };

  show = x: if isString x then "\"${x}\"" else if x == null then "null" else builtins.toJSON x;

  # Control characters that XML 1.0 does not allow at all (tab, newline and
  # carriage return are allowed and escaped below). Nix has no \x escape, so
  # they come from JSON.
  forbiddenControls = map (h: builtins.fromJSON "\"\\u00${h}\"") [
    "01" "02" "03" "04" "05" "06" "07" "08" "0b" "0c" "0e" "0f"
    "10" "11" "12" "13" "14" "15" "16" "17" "18" "19" "1a" "1b" "1c" "1d" "1e" "1f"
  ];

  hasForbiddenControl = s: replaceStrings forbiddenControls (map (_: "") forbiddenControls) s != s;

  # An XML attribute value, to go between double quotes. Whitespace other
  # than a space becomes a character reference, or attribute-value
  # normalisation would turn it into a space.
  escapeXmlAttr = where: s:
    if hasForbiddenControl s then
      throw "${where}: ${show s} contains a control character that XML cannot represent"
    else
      replaceStrings
        [ "&" "<" ">" "\"" "\t" "\n" "\r" ]
        [ "&amp;" "&lt;" "&gt;" "&quot;" "&#9;" "&#10;" "&#13;" ]
        s;

  # A single shell word, quoted with '…'.
  shellQuote = s: "'" + replaceStrings [ "'" ] [ "'\\''" ] s + "'";

  attr = where: name: value: " ${name}=\"${escapeXmlAttr where value}\"";

  checkAttrs = where: allowed: x:
    if !isAttrs x then
      throw "${where}: expected an attribute set, got ${typeOf x}"
    else
      let unknown = filter (n: !elem n allowed) (attrNames x);
      in
      if unknown != [ ] then
        throw "${where}: unknown attribute ${concatStringsSep ", " unknown} (allowed: ${concatStringsSep ", " allowed})"
      else
        x;

  # A definition as a string for the manifest. Nix paths are copied to the
  # store (as `"${./vm.xml}"` does); strings, also with a derivation's
  # context, and derivations are used as they are.
  definitionPath = where: d:
    let
      s =
        if isPath d || isString d || (isAttrs d && d ? outPath) then
          "${d}"
        else
          throw "${where}.definition: expected a path or a string, got ${typeOf d}";
    in
    if substring 0 1 s != "/" then
      throw "${where}.definition: ${show s} is not an absolute path"
    else
      s;

  checkNullOrBool = where: name: v:
    if v == null || isBool v then v
    else throw "${where}.${name}: expected null or a bool, got ${show v}";

  # active: null = leave the object's state alone (NixVirt's meaning).
  activeAttr = where: v:
    let a = checkNullOrBool where "active" v;
    in if a == null then "" else attr where "active" (if a then "true" else "false");

  # restart: NixVirt treats true as "always restart", false as "never" and
  # null as "restart only if the definition changed"; the manifest spells
  # that out so it does not depend on `nixvirt apply`'s default. "live"
  # (ours) applies what it can to the running domain instead.
  restartAttr = where: v:
    if v == "live" then attr where "restart" "live"
    else
      let r = if isString v then throw "${where}.restart: expected null, a bool or \"live\", got ${show v}"
              else checkNullOrBool where "restart" v;
      in attr where "restart" (if r == null then "ifchanged" else if r then "always" else "never");

  shutdownTimeoutAttr = where: v:
    if v == null then
      ""
    else if isInt v && v > 0 then
      attr where "shutdown-timeout" (toString v)
    else
      throw "${where}.shutdownTimeout: expected null or a positive integer, got ${show v}";

  # The text of <name> in a volume definition, or null when it cannot be read
  # reliably here (then `nixvirt apply` checks it).
  volumeNameIn = xml:
    let
      afterOpen = split "<name>" xml;
      rest = if length afterOpen >= 3 then builtins.elemAt afterOpen 2 else null;
      inner = if rest == null then null else head (split "</name>" rest);
    in
    if inner == null || inner == rest || builtins.match ".*(<|&#).*" inner != null then
      null
    else
      replaceStrings [ "&lt;" "&gt;" "&quot;" "&apos;" "&amp;" ] [ "<" ">" "\"" "'" "&" ] inner;

  volume = where: v:
    let
      v' = checkAttrs where [ "present" "name" "definition" ] v;
      present = v'.present or true;
      name = v'.name or null;
      def = v'.definition or null;
      defStr = if def == null then null else definitionPath where def;
      # Only a Nix path can be read here without building anything (reading
      # a derivation's output would be import-from-derivation).
      defName = if isPath def then volumeNameIn (builtins.readFile def) else null;
    in
    if !isBool present then
      throw "${where}.present: expected a bool, got ${show present}"
    else if name != null && !(isString name && name != "") then
      throw "${where}.name: expected null or a non-empty string, got ${show name}"
    else if name == null && def == null then
      throw "${where}: a volume needs a name or a definition"
    else if def == null && present then
      throw "${where}: volume ${show name} has present = true but no definition to create it from"
    else if name != null && defName != null && name != defName then
      throw "${where}: name ${show name} does not match the name ${show defName} in ${toString def}"
    else
      "      <volume"
      + optionalString (name != null) (attr where "name" name)
      + optionalString (defStr != null) (attr where "definition" defStr)
      + optionalString (!present) (attr where "present" "false")
      + "/>\n";

  # One object of kind "network", "pool" or "domain".
  object = kind: where: o:
    let
      allowed = [ "definition" "active" "restart" ]
        ++ (if kind == "domain" then [ "shutdownTimeout" ] else [ ])
        ++ (if kind == "pool" then [ "volumes" ] else [ ]);
      o' = checkAttrs where allowed o;
      volumes = o'.volumes or [ ];
      head' =
        "    <${kind}"
        + attr where "definition" (definitionPath where (o'.definition or (throw "${where}: definition is required")))
        + activeAttr where (o'.active or null)
        + restartAttr where (o'.restart or null)
        + optionalString (kind == "domain") (shutdownTimeoutAttr where (o'.shutdownTimeout or null));
    in
    if !isList volumes then
      throw "${where}.volumes: expected a list, got ${typeOf volumes}"
    else if volumes == [ ] then
      head' + "/>\n"
    else
      head' + ">\n"
      + concatStringsSep "" (imap0 (i: volume "${where}.volumes[${toString i}]") volumes)
      + "    </${kind}>\n";

  purgeModes = [ "undeclared" "managed" "none" ];

  # <networks>, <pools> or <domains>; null means that kind is not managed.
  section = where: purge: kind: list:
    let
      plural = "${kind}s";
      w = "${where}.${plural}";
    in
    if list == null then
      ""
    else if !isList list then
      throw "${w}: expected null or a list, got ${typeOf list}"
    else if list == [ ] then
      "  <${plural}${attr w "purge" purge}/>\n"
    else
      "  <${plural}${attr w "purge" purge}>\n"
      + concatStringsSep "" (imap0 (i: object kind "${w}[${toString i}]") list)
      + "  </${plural}>\n";

  checkUri = uri:
    if !isString uri || uri == "" then
      throw "virtualisation.libvirt.connections: a connection URI must be a non-empty string, got ${show uri}"
    else if hasForbiddenControl uri || builtins.match ".*[\n\r\t ].*" uri != null then
      throw "virtualisation.libvirt.connections: connection URI ${show uri} contains white space or control characters"
    else
      uri;

  # The manifest for one connection, as a string.
  #   uri:  the connection URI (only used in error messages here)
  #   conn: { purge ? "undeclared"; networks ? null; pools ? null; domains ? null; }
  manifest = uri: conn:
    let
      where = "virtualisation.libvirt.connections.${show uri}";
      c = checkAttrs where [ "purge" "networks" "pools" "domains" ] conn;
      purge = c.purge or "undeclared";
    in
    if checkUri uri != uri then
      throw "unreachable"
    else if !elem purge purgeModes then
      throw "${where}.purge: expected one of ${concatStringsSep ", " (map show purgeModes)}, got ${show purge}"
    else
      "<nixvirt version=\"1\">\n"
      # Networks first, then pools, then domains (which use both).
      + section where purge "network" (c.networks or null)
      + section where purge "pool" (c.pools or null)
      + section where purge "domain" (c.domains or null)
      + "</nixvirt>\n";

  # A store-path name for a connection's manifest: "qemu:///system" gives
  # "nixvirt-qemu-system.xml".
  manifestName = uri:
    let
      parts = filter isString (split "[^A-Za-z0-9+._-]+" (checkUri uri));
      joined = concatStringsSep "-" (filter (p: p != "") parts);
      short = substring 0 190 joined;
    in
    "nixvirt-${if short == "" then "connection" else short}.xml";

  # A definition given as a Nix value (an attribute set that is not a
  # derivation) is written with the library's writeXML: xmlLib is the
  # flake's `lib` (keys libvirt does not know: warnings) or `lib.strict`
  # (errors). Paths, strings and derivations stay as they are.
  isNixValue = d: isAttrs d && !(d ? outPath);
  renderDefinition = xmlLib: kind: d: if isNixValue d then xmlLib.${kind}.writeXML d else d;
  renderObject = xmlLib: kind: o:
    if !isAttrs o then
      o
    else
      o
      // optionalAttrs (o ? definition) { definition = renderDefinition xmlLib kind o.definition; }
      // optionalAttrs (kind == "pool" && isList (o.volumes or null)) {
        volumes = map (v: if isAttrs v && v ? definition then v // { definition = renderDefinition xmlLib "volume" v.definition; } else v) o.volumes;
      };
  renderDefinitions = xmlLib: connections:
    builtins.mapAttrs (uri: c:
      if !isAttrs c then c
      else c // builtins.listToAttrs (concatLists (map (kind:
        let plural = "${kind}s"; in
        if isList (c.${plural} or null) then [ { name = plural; value = map (renderObject xmlLib kind) c.${plural}; } ] else [ ])
        [ "network" "pool" "domain" ])))
      connections;

  # Every connection's manifest: { "<uri>" = "<manifest text>"; ... }.
  manifests = connections:
    builtins.mapAttrs manifest (checkAttrs "virtualisation.libvirt.connections" (attrNames connections) connections);

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
        let
          m' = checkAttrs "script: manifests" [ "uri" "manifest" ] m;
          uri = checkUri m'.uri;
        in
        "if ! ${pathPrefix}${shellQuote tool} apply${flags} --connect ${shellQuote uri} ${shellQuote "${m'.manifest}"}; then\n"
        + "  echo ${shellQuote "nixvirt: applying the manifest for ${uri} failed"} >&2\n"
        + "  nixvirt_failed=1\n"
        + "fi\n";
    in
    if !isList manifests then
      throw "script: manifests must be a list"
    else
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
    escapeXmlAttr
    manifest
    manifestName
    manifests
    needsSsh
    purgeModes
    renderDefinitions
    script
    shellQuote
    volumeNameIn
    ;
}
