# Nix value -> XML text, driven by the tables tools/rng2nix.py generates
# from libvirt's RelaxNG schemas (nix/lib/schema/*.nix).
#
# How a value is read, at an element of the schema:
#   null                     the element is left out (also inside lists)
#   attribute set            keys are the element's attributes and child
#                            elements (schema names); a key may also be
#                            - the text key (`count`, `path`, `value`, ...)
#                            - a folded child's attribute (os.arch -> <type arch=>)
#                            - `@name` for the attribute `name`
#                            - `P:name` or `P-name` for a namespaced child
#                              (qemu:commandline written with a prefix,
#                               qemu-commandline with xmlns='...')
#                            - `_attrs` / `_xml`: extra attributes / raw
#                              lib.xml children, written unchecked
#   list                     the element repeated (only where the schema repeats it)
#   string, number, path     the element's text
#   bool                     yes/no, on/off or true/false text where the
#                            schema wants that; otherwise true = empty
#                            element (<acpi/>), false = left out
# An attribute takes a string, number, path or derivation, or a bool where
# the schema gives it yes/no, on/off or true/false values.
# Where a name is both an attribute and a child (os firmware=, <firmware>),
# a set or list is the child and anything else the attribute; `@name`
# always means the attribute (for when both are wanted).
#
# A key the schema does not know is left out with a warning (builtins.trace,
# once per key, naming its path, the keys valid there and the closest one),
# as NixVirt leaves it out silently; with strict = true it is an error.
{ xml }:
let
  inherit (builtins)
    attrNames
    concatLists
    concatMap
    concatStringsSep
    elemAt
    filter
    foldl'
    genList
    hasAttr
    isAttrs
    isBool
    isFloat
    isFunction
    isInt
    isList
    isPath
    isString
    length
    listToAttrs
    match
    sort
    stringLength
    substring
    typeOf
    ;
  inherit (xml.internal)
    escapeText
    escapeAttr
    scalarText
    isFragment
    isDerivationLike
    ;

  fail = path: msg: throw "nixvirt: ${path}: ${msg}";

  isScalar = v: isString v || isInt v || isFloat v || isPath v || isDerivationLike v;
  # A set that is one element's content (not a derivation or lib.xml fragment).
  isContent = v: isAttrs v && !(isDerivationLike v) && !(isFragment v);

  boolText =
    kind: v:
    if kind == "yes" then
      (if v then "yes" else "no")
    else if kind == "on" then
      (if v then "on" else "off")
    else
      (if v then "true" else "false");

  describe =
    v:
    if isContent v then
      "an attribute set"
    else if isList v then
      "a list"
    else if isFragment v then
      "a lib.xml fragment"
    else
      "a ${typeOf v}";

  # ---- unknown keys: the hint of a warning or error

  chars = s: genList (i: substring i 1 s) (stringLength s);
  min2 = a: b: if a < b then a else b;

  # Edit distance (optimal string alignment: a swap of two neighbours counts
  # as one, `hots` -> `host`); only computed for a key that is unknown.
  distance =
    a: b:
    let
      bs = chars b;
      m = length bs;
      nextRow =
        st: ca:
        let
          prev = st.row;
          row = foldl' (
            row: j:
            let
              cb = elemAt bs (j - 1);
              cost = if cb == ca then 0 else 1;
              plain = min2 (min2 (elemAt prev j + 1) (elemAt row (j - 1) + 1)) (elemAt prev (j - 1) + cost);
              swapped =
                if st.last != null && j > 1 && ca == elemAt bs (j - 2) && st.last == cb then
                  min2 plain (elemAt st.before (j - 2) + 1)
                else
                  plain;
            in
            row ++ [ swapped ]
          ) [ (elemAt prev 0 + 1) ] (genList (j: j + 1) m);
        in
        {
          before = prev;
          inherit row;
          last = ca;
        };
      init = {
        before = null;
        row = genList (j: j) (m + 1);
        last = null;
      };
    in
    elemAt (foldl' nextRow init (chars a)).row m;

  lowerAll = s: builtins.replaceStrings (chars "ABCDEFGHIJKLMNOPQRSTUVWXYZ") (chars "abcdefghijklmnopqrstuvwxyz") s;
  lowerFirst = s: lowerAll (substring 0 1 s) + substring 1 (-1) s;

  # Keys of a type that a user can write (prefixed children also without
  # their prefix inside a parent of the same namespace).
  writable =
    t:
    t.known
    ++ concatMap (
      c:
      let
        m = match "[a-z]+:(.+)" c;
      in
      if m != null && t.prefix != null && t.children.${c}.type.prefix == t.prefix then [ (elemAt m 0) ] else [ ]
    ) (attrNames t.children);

  # What the user probably meant by key k at type t, as a list of keys
  # (relative to t): the key one level down (`cacheMode` -> `cache.mode`,
  # video `type` -> `model.type`, domain `filesystem` -> `devices.filesystem`),
  # else the nearest known key by edit distance, if near enough, else a
  # repeated child told apart by its name attribute.
  suggest =
    t: k:
    let
      camel = match "([a-z]+)([A-Z].*)" k;
      camelHint =
        if camel != null && hasAttr (elemAt camel 0) t.children then
          let
            ct = t.children.${elemAt camel 0}.type;
            rest = lowerFirst (elemAt camel 1);
          in
          if builtins.elem rest (writable ct) then [ "${elemAt camel 0}.${rest}" ] else [ ]
        else
          [ ];
      belowAll = filter (c: builtins.elem k (writable t.children.${c}.type)) (attrNames t.children);
      # Nearly every device has an <address type=...>; it is seldom what was meant.
      notAddress = filter (c: c != "address") belowAll;
      below0 = if notAddress != [ ] then notAddress else belowAll;
      below = if length below0 > 3 then genList (elemAt below0) 3 else below0;
      scored = map (c: {
        key = c;
        d = distance (builtins.replaceStrings [ "_" "-" ] [ "" "" ] (lowerAll k)) (builtins.replaceStrings [ "_" "-" ] [ "" "" ] (lowerAll c));
      }) (writable t);
      best = foldl' (acc: x: if acc == null || x.d < acc.d then x else acc) null scored;
      limit = if stringLength k <= 4 then 1 else if stringLength k <= 8 then 2 else 3;
      # Elements whose items are told apart by a name attribute (sysinfo
      # `system.manufacturer` -> `entry = [ { name = "manufacturer"; ... } ]`,
      # cpu `vmx` -> `feature = [ { name = "vmx"; ... } ]`).
      named = map (c: "${c} = [ { name = \"${k}\"; ... } ]") (
        filter (c: t.children.${c}.many && hasAttr "name" t.children.${c}.type.attrPos) (attrNames t.children)
      );
    in
    if camelHint != [ ] then
      camelHint
    else if below != [ ] then
      map (c: "${c}.${k}") below
    else if best != null && best.d <= limit then
      [ best.key ]
    else
      named;

  # "did you mean `a`?" / "did you mean `a` or `b`?"
  meanText =
    l:
    let
      q = map (x: "`${x}`") l;
      n = length q;
    in
    if n == 0 then
      ""
    else if n == 1 then
      "did you mean ${elemAt q 0}? "
    else
      "did you mean ${concatStringsSep ", " (genList (i: elemAt q i) (n - 1))} or ${elemAt q (n - 1)}? ";

  # The one line that describes unknown key k at path p of type t.
  unknownText =
    t: p: k: left:
    "${p}: unknown attribute/element${if left then ", left out of the XML" else ""}; ${meanText (suggest t k)}expected one of: ${concatStringsSep ", " t.known}";

  indexed = l: listToAttrs (genList (i: { name = elemAt l i; value = i; }) (length l));

  # Build the per-type lookup tables once per schema (lazily, per type).
  prepare =
    schema:
    let
      types = map prepType schema.types;
      prepType = raw: rec {
        name = raw.n;
        ns = raw.ns or null;
        prefix = raw.p or null;
        attrs = raw.a;
        attrPos = indexed raw.a;
        bools = raw.bool or { };
        children = listToAttrs (
          genList (
            i:
            let
              c = elemAt raw.c i;
            in
            {
              name = elemAt c 0;
              value = {
                pos = i;
                type = elemAt types (elemAt c 1);
                many = elemAt c 2 > 1;
              };
            }
          ) (length raw.c)
        );
        text = raw.text or null;
        textbool = raw.textbool or null;
        any = raw.any or false;
        fold = raw.fold or null;
        folded = if fold == null then null else children.${fold}.type;
        # for messages
        known = sort (a: b: a < b) (
          attrs
          ++ attrNames children
          ++ (if text != null && !(hasAttr text children) then [ text ] else [ ])
          ++ (if folded != null then folded.attrs else [ ])
        );
      };
    in
    elemAt types 0;

  attrValue =
    t: path: a: v:
    if isBool v then
      if hasAttr a t.bools then
        boolText t.bools.${a} v
      else
        fail path "this attribute does not take a boolean (give its value as a string)"
    else if isScalar v then
      scalarText path v
    else
      fail path "an attribute takes a string, number or path, found ${describe v}";

  # One attribute, rendered ` name='value'`.
  attrOut = t: path: a: v: " ${a}='${escapeAttr path (attrValue t path a v)}'";

  extraAttrs =
    path: v:
    if !isContent v then
      fail path "_attrs takes an attribute set of extra attributes, found ${describe v}"
    else
      concatStringsSep "" (
        map (
          a:
          let
            x = v.${a};
          in
          if x == null then
            ""
          else
            " ${a}='${escapeAttr "${path}.${a}" (if isBool x then (if x then "yes" else "no") else scalarText "${path}.${a}" x)}'"
        ) (attrNames v)
      );

  # The lines of one element of type t written as `tag`, from value v.
  # ctx: { pfx: write namespaced names with their prefix; decl: extra
  # attribute text for the start tag (xmlns declarations) }.
  elemLines =
    t: tag: v: path: ind: ctx:
    if isBool v then
      if t.text != null && t.textbool != null then
        textElem tag ctx.decl (boolText t.textbool v) path ind
      else if t.text != null && !t.any && t.attrs == [ ] && t.children == { } then
        fail path "expected text, found a bool"
      else if v then
        [ "${ind}<${tag}${ctx.decl}/>" ]
      else
        [ ]
    else if isScalar v then
      if t.text != null || t.any then
        textElem tag ctx.decl (scalarText path v) path ind
      else
        fail path "<${t.name}> has no text; expected an attribute set (keys: ${concatStringsSep ", " t.known})"
    else if t.any && (isList v || isFragment v || isFunction v) then
      let
        inner = xml.internal.lines (ind + "  ") v;
      in
      if inner == [ ] then [ "${ind}<${tag}${ctx.decl}/>" ] else [ "${ind}<${tag}${ctx.decl}>" ] ++ inner ++ [ "${ind}</${tag}>" ]
    else if isContent v then
      setLines t tag v path ind ctx
    else if isList v then
      fail path "a list is not allowed here"
    else
      fail path "expected an attribute set, text or bool for <${t.name}>, found ${describe v}";

  textElem =
    tag: decl: s: path: ind:
    if s == "" then [ "${ind}<${tag}${decl}/>" ] else [ "${ind}<${tag}${decl}>${escapeText path s}</${tag}>" ];

  # What key k of v (an element of type t) stands for: an attribute, a child,
  # the text, a key folded into a child, a namespace declaration, extra
  # attributes or XML, or nothing the schema knows.
  classify =
    t: v: path: ctx: k:
    let
      x = v.${k};
      structured = isContent x || isList x;
      isAttr = hasAttr k t.attrPos;
      isChild = hasAttr k t.children;
      dash = match "([a-z]+)-(.+)" k;
      at = match "@(.+)" k;
      xmlnsKey = match "xmlns:([A-Za-z_][A-Za-z0-9._-]*)" k;
      nsKey = if t.prefix != null then "${t.prefix}:${k}" else null;
    in
    if k == "_attrs" then
      { kind = "extraAttrs"; }
    else if xmlnsKey != null then
      {
        kind = "xmlns";
        prefix = elemAt xmlnsKey 0;
      }
    else if k == "_xml" then
      { kind = "extraXml"; }
    else if isAttr && !(isChild && structured) then
      {
        kind = "attr";
        name = k;
        pos = t.attrPos.${k};
      }
    else if at != null && hasAttr (elemAt at 0) t.attrPos then
      {
        kind = "attr";
        name = elemAt at 0;
        pos = t.attrPos.${elemAt at 0};
      }
    else if k == t.text && !(isChild && structured) then
      { kind = "text"; }
    else if isChild then
      {
        kind = "child";
        name = k;
        c = t.children.${k};
      }
    else if nsKey != null && hasAttr nsKey t.children then
      {
        kind = "child";
        name = nsKey;
        c = t.children.${nsKey};
      }
    else if dash != null && hasAttr "${elemAt dash 0}:${elemAt dash 1}" t.children then
      {
        kind = "child";
        name = "${elemAt dash 0}:${elemAt dash 1}";
        c = t.children."${elemAt dash 0}:${elemAt dash 1}";
        defaultNs = true;
      }
    else if t.folded != null && hasAttr k t.folded.attrPos then
      { kind = "fold"; }
    else if ctx.strict then
      throw "nixvirt: ${unknownText t "${path}.${k}" k false}"
    else
      { kind = "unknown"; };

  # The start tag's namespace declarations (nsText, and what is declared
  # from here down) and its attributes (attrText), from the classified keys.
  attributes =
    t: v: path: ctx: ofKind:
    let
      sub = k: "${path}.${k}";
      attrEntries = sort (a: b: a.pos < b.pos) (ofKind "attr");
      extraAttrEntries = ofKind "extraAttrs";

      # `"xmlns:P" = URI` keys: declared here unless an ancestor (or the
      # root, for namespaced children it has) already declares P as URI.
      nsDecls = listToAttrs (
        map (e: {
          name = e.prefix;
          value =
            let
              x = v.${e.key};
            in
            if isString x then x else fail (sub e.key) "a namespace declaration takes a string (the namespace URI), found ${describe x}";
        }) (ofKind "xmlns")
      );
      declaredAbove = ctx.declared or { };
      nsText = concatStringsSep "" (
        map (p: if (declaredAbove.${p} or null) == nsDecls.${p} then "" else " xmlns:${p}='${escapeAttr (sub "xmlns:${p}") nsDecls.${p}}'") (
          attrNames nsDecls
        )
      );
      declaredHere = declaredAbove // nsDecls;

      # Every attribute name once (`x` and `@x`, or `_attrs.x`, would repeat it).
      attrNamesOut =
        map (e: e.name) attrEntries
        ++ concatMap (e: if isContent v.${e.key} then filter (a: v.${e.key}.${a} != null) (attrNames v.${e.key}) else [ ]) extraAttrEntries;
      repeated = filter (a: length (filter (b: b == a) attrNamesOut) > 1) attrNamesOut;
      attrText =
        if repeated != [ ] then
          fail path "attribute ${builtins.head repeated} is given twice"
        else
          concatStringsSep "" (map (e: attrOut t (sub e.key) e.name v.${e.key}) attrEntries)
          + concatStringsSep "" (map (e: extraAttrs (sub e.key) v.${e.key}) extraAttrEntries);
    in
    {
      inherit nsText declaredHere attrText;
    };

  # The value of the folded child t.fold, given under `key`: its own, with
  # the attributes written on this element (foldKeys) added. (setLines
  # refuses foldKeys without the child.)
  fold =
    t: v: path: key: foldKeys:
    let
      sub = k: "${path}.${k}";
      own = v.${key};
      extra = listToAttrs (map (k: { name = k; value = v.${k}; }) foldKeys);
    in
    if foldKeys == [ ] then
      own
    else if isContent own then
      let
        twice = filter (k: hasAttr k own) foldKeys;
      in
      if twice != [ ] then
        fail (sub (builtins.head twice)) "given both here and in ${path}.${t.fold}"
      else
        own // extra
    else if isScalar own then
      extra // { ${t.folded.text} = own; }
    else
      fail (sub key) "expected text or an attribute set, found ${describe own}";

  # The lines of the child entry e (a list gives one element per item);
  # foldKeys go to the folded child.
  children =
    t: v: path: ind: ctx: declaredHere: foldKeys: e:
    let
      sub = k: "${path}.${k}";
      x = if e.name == t.fold then fold t v path e.key foldKeys else v.${e.key};
      c = e.c;
      ct = c.type;
      defaultNs = e.defaultNs or false;
      # How the child and its descendants are named.
      cctx =
        if ct.ns == null then
          {
            pfx = false;
            decl = "";
          }
        else if ct.ns == t.ns then
          {
            pfx = ctx.pfx;
            decl = "";
          }
        else if defaultNs then
          {
            pfx = false;
            decl = " xmlns='${ct.ns}'";
          }
        else
          {
            pfx = true;
            decl = if (declaredHere.${ct.prefix} or null) == ct.ns then "" else " xmlns:${ct.prefix}='${ct.ns}'";
          };
      ctag = if ct.ns != null && cctx.pfx then "${ct.prefix}:${ct.name}" else ct.name;
      cctx' = cctx // {
        # What the child's own start tag declares counts as declared.
        declared = declaredHere // (if cctx.pfx && cctx.decl != "" then { ${ct.prefix} = ct.ns; } else { });
        inherit (ctx) strict;
      };
      one = p: y: elemLines ct ctag y p (ind + "  ") cctx';
    in
    if isList x && !(ct.any && !c.many) then
      if !c.many && length (filter (y: y != null) x) > 1 then
        fail (sub e.key) "<${ct.name}> may appear only once here, found a list of ${toString (length x)}"
      else
        concatLists (
          genList (
            i:
            let
              y = elemAt x i;
            in
            if y == null then [ ] else one "${sub e.key}[${toString i}]" y
          ) (length x)
        )
    else
      one (sub e.key) x;

  # The lines of an element given as an attribute set: its keys classified,
  # then the start tag, the text or the children.
  setLines =
    t: tag: v: path: ind: ctx:
    let
      keys = filter (k: v.${k} != null) (attrNames v);
      sub = k: "${path}.${k}";

      entries = map (k: { key = k; } // classify t v path ctx k) keys;
      ofKind = kd: filter (e: e.kind == kd) entries;

      childEntries = sort (a: b: a.c.pos < b.c.pos) (ofKind "child");
      textEntries = ofKind "text";
      foldKeys = map (e: e.key) (ofKind "fold");
      extraXmlEntries = ofKind "extraXml";
      attrs = attributes t v path ctx ofKind;
      childLines = children t v path ind ctx attrs.declaredHere foldKeys;

      text =
        if textEntries == [ ] then
          null
        else
          let
            x = v.${t.text};
          in
          if isBool x && t.textbool != null then
            boolText t.textbool x
          else if isScalar x then
            scalarText (sub t.text) x
          else
            fail (sub t.text) "expected text (a string, number or path), found ${describe x}";

      foldMissing = foldKeys != [ ] && !(builtins.any (e: e.kind == "child" && e.name == t.fold) entries);
      body =
        if foldMissing then
          fail (sub (builtins.head foldKeys)) "needs ${path}.${t.fold} (it is an attribute of <${t.fold}>)"
        else
          concatMap childLines childEntries ++ concatMap (e: xml.internal.lines (ind + "  ") v.${e.key}) extraXmlEntries;
      head = "${ind}<${tag}${ctx.decl}${attrs.nsText}${attrs.attrText}";
      # One warning per unknown key, printed when the lines are forced.
      warnUnknown = r: foldl' (acc: e: builtins.trace "warning: nixvirt: ${unknownText t (sub e.key) e.key true}" acc) r (ofKind "unknown");
    in
    warnUnknown (
      if text != null && body != [ ] then
        fail path "<${t.name}> cannot have both text (${t.text}) and child elements"
      else if text != null then
        if text == "" then [ "${head}/>" ] else [ "${head}>${escapeText path text}</${tag}>" ]
      else if body == [ ] then
        [ "${head}/>" ]
      else
        [ "${head}>" ] ++ body ++ [ "${ind}</${tag}>" ]
    );

  # The whole document.
  toXML =
    { strict }:
    kind: schema:
    let
      root = prepare schema;
    in
    obj:
    if !(isContent obj) then
      throw "nixvirt: ${kind}: expected an attribute set, found ${describe obj}"
    else
      let
        # Prefixed namespaced children of the root are declared on the root,
        # unless the value declares that prefix itself ("xmlns:P" = URI).
        prefixed = filter (
          k:
          match "[a-z]+:.+" k != null
          && hasAttr k root.children
          && obj.${k} != null
          && !(hasAttr "xmlns:${root.children.${k}.type.prefix}" obj && obj."xmlns:${root.children.${k}.type.prefix}" != null)
        ) (attrNames obj);
        decls = listToAttrs (
          map (k: {
            name = root.children.${k}.type.prefix;
            value = root.children.${k}.type.ns;
          }) prefixed
        );
        declText = concatStringsSep "" (map (p: " xmlns:${p}='${decls.${p}}'") (attrNames decls));
      in
      concatStringsSep "" (
        map (l: l + "\n") (
          elemLines root root.name obj kind "" {
            pfx = false;
            decl = declText;
            declared = decls;
            inherit strict;
          }
        )
      );
in
{
  inherit toXML;
}
