#!/usr/bin/env python3
"""schema2c: the element tables of nix/lib/schema/*.nix (which
tools/rng2nix.py generates from libvirt's RelaxNG schemas) as C data, so
that `nixvirt xml2nix` reads XML with exactly the tables `lib.<kind>.getXML`
writes it with.

    tools/schema2c.py [--check]

Writes src/xml/schema.gen.c (declared in src/xml/schema.h); --check
regenerates in memory and exits 1 if the committed file differs.  The .nix
files are read with `nix-instantiate --eval --json`.  Only what reading XML
needs is kept: names, namespaces, attribute and child names, child types
and repetition, text keys, `any` and `fold`.
"""

import json
import os
import subprocess
import sys

KINDS = ["domain", "network", "pool", "volume"]
NONE16 = 0xFFFF
NONE8 = 0xFF
MANY = 0x8000  # child type index: repeatable
ANY = 0xFE     # fold byte of a type with arbitrary XML inside (it has no children to fold)


def load(root, kind):
    path = os.path.join(root, "nix", "lib", "schema", kind + ".nix")
    out = subprocess.run(
        ["nix-instantiate", "--eval", "--strict", "--json", "-E", f"(import {path}).types"],
        check=True, capture_output=True, text=True).stdout
    return json.loads(out)


class Pool:
    """One string table for every kind; names are offsets into it. First
    collect (offsets 0), then layout(): a string that ends another one is
    stored as that one's tail ("type" inside "subtype\\0")."""

    def __init__(self):
        self.off = {}
        self.data = []
        self.size = 0
        self.fixed = False

    def add(self, s):
        if self.fixed:
            return self.off[s]
        self.off.setdefault(s, 0)
        return 0

    def layout(self):
        names = sorted(self.off, key=lambda x: x[::-1])
        for i in range(len(names) - 1, -1, -1):
            s = names[i]
            if i + 1 < len(names) and names[i + 1].endswith(s):
                parent = names[i + 1]
                self.off[s] = self.off[parent] + len(parent) - len(s)
            else:
                self.off[s] = self.size
                self.data.append(s)
                self.size += len(s) + 1
        if self.size > NONE16:
            raise SystemExit("schema2c: string table too large for 16-bit offsets")
        self.fixed = True


def c_str(s):
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif 32 <= ord(ch) < 127:
            out.append(ch)
        else:
            raise SystemExit(f"schema2c: unexpected character in name {s!r}")
    return "".join(out)


def dedup(types):
    """Types that read XML alike (same names, text key, attributes, children
    and, recursively, child types) become one: the root stays index 0."""
    def own(t):
        return (t["n"], t.get("text"), tuple(t["a"]), tuple((c[0], c[2]) for c in t["c"]),
                t.get("ns"), t.get("p"), bool(t.get("any")), t.get("fold"))
    ids = {}
    cls = [ids.setdefault(own(t), len(ids)) for t in types]
    while True:
        ids = {}
        new = [ids.setdefault((cls[i], tuple(cls[c[1]] for c in t["c"])), len(ids)) for i, t in enumerate(types)]
        if len(ids) == len(set(cls)):
            break
        cls = new
    index = {}
    order = []
    for i in range(len(types)):
        if cls[i] not in index:
            index[cls[i]] = len(order)
            order.append(i)
    return [dict(types[i], c=[[c[0], index[cls[c[1]]], c[2]] for c in types[i]["c"]]) for i in order]


def render(tables, pool=None):
    if pool is None:
        pool = Pool()
        render(tables, pool)  # collects the strings
        pool.layout()
    nss = [("", "")]
    body = []
    w = body.append
    textkeys = []
    for kind, types in tables:
        types = dedup(types)
        attrs, children = [], []
        attr_lists, child_lists = {}, {}
        rows = []
        for t in types:
            ns = t.get("ns", "")
            if ns:
                if (ns, t["p"]) not in nss:
                    nss.append((ns, t["p"]))
                nsi = nss.index((ns, t["p"]))
            else:
                nsi = 0
            if nsi > 15:
                raise SystemExit("schema2c: more than 15 namespaces")
            alist = tuple(pool.add(a) for a in t["a"])
            if alist not in attr_lists:
                attr_lists[alist] = len(attrs)
                attrs.extend(alist)
            for c in t["c"]:
                ct = types[c[1]]
                # the Nix key of a child is its type's name, with the prefix when namespaced
                if c[0] != (ct["p"] + ":" + ct["n"] if ct.get("ns") else ct["n"]):
                    raise SystemExit(f"schema2c: {kind}: child key {c[0]} is not its type's name")
            clist = tuple(c[1] | (MANY if c[2] > 1 else 0) for c in t["c"])
            if clist not in child_lists:
                child_lists[clist] = len(children)
                children.extend(clist)
            names = [c[0] for c in t["c"]]
            fold = names.index(t["fold"]) if "fold" in t else ANY if t.get("any") else NONE8
            if t.get("any") and ("fold" in t or t["c"]):
                raise SystemExit(f"schema2c: {kind}: a type with arbitrary content has children")
            text = 0
            if "text" in t:
                if t["text"] not in textkeys:
                    textkeys.append(t["text"])
                    pool.add(t["text"])
                text = textkeys.index(t["text"]) + 1
                if text > 15:
                    raise SystemExit("schema2c: more than 15 text keys")
            if len(t["a"]) > 254 or len(t["c"]) > 254 or len(attrs) > NONE16 or len(children) > NONE16 \
                    or len(types) >= MANY:
                raise SystemExit(f"schema2c: {kind}: table too large")
            rows.append((pool.add(t["n"]), attr_lists[alist], child_lists[clist], len(t["a"]),
                         len(t["c"]), nsi | (text << 4), fold))
        w(f"static const uint16_t {kind}_attrs[] = {{")
        w(wrap([str(a) for a in attrs] or ["0"]))
        w("};")
        w(f"static const uint16_t {kind}_children[] = {{")
        w(wrap([str(ty) for ty in children] or ["0"]))
        w("};")
        w(f"static const nv_xml_schema_type {kind}_types[] = {{")
        for r in rows:
            w("    {%d, %d, %d, %d, %d, %d, %d}," % r)
        w("};")
        w(f"const nv_xml_schema nv_xml_schema_{kind} = {{\"{kind}\", {kind}_types, {len(rows)}, "
          f"{kind}_attrs, {kind}_children, textkeys, strings, namespaces}};")
        w("")
    head = [
        "/* Generated by tools/schema2c.py from nix/lib/schema/<kind>.nix; do not edit.",
        " * Regenerate: tools/schema2c.py (check: tools/schema2c.py --check). */",
        "#include \"xml/schema.h\"",
        "",
        "static const char strings[] =",
    ]
    line = "    \""
    for s in pool.data:
        piece = c_str(s) + "\\0"
        if len(line) + len(piece) > 96:
            head.append(line + "\"")
            line = "    \""
        line += piece
    head.append(line + "\";")
    head.append("")
    head.append("/* text keys: a type's flags >> 4, minus one */")
    head.append("static const uint16_t textkeys[] = {" + ", ".join(str(pool.off[k]) for k in textkeys) + "};")
    head.append("")
    head.append("static const nv_xml_schema_ns namespaces[] = {")
    for uri, p in nss:
        head.append(f"    {{\"{c_str(uri)}\", \"{c_str(p)}\"}},")
    head.append("};")
    head.append("")
    return "\n".join(head + body)


def wrap(items):
    lines, line = [], "   "
    for it in items:
        if len(line) + len(it) + 2 > 96:
            lines.append(line)
            line = "   "
        line += " " + it + ","
    lines.append(line)
    return "\n".join(lines)


def main(argv):
    root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    check = argv == ["--check"]
    if argv and not check:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        text = render([(k, load(root, k)) for k in KINDS])
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"schema2c: cannot read the schema tables: {e}", file=sys.stderr)
        return 2
    out = os.path.join(root, "src", "xml", "schema.gen.c")
    if check:
        try:
            with open(out, encoding="utf-8") as fh:
                old = fh.read()
        except OSError as e:
            print(f"schema2c: {out}: {e}", file=sys.stderr)
            return 1
        if old != text:
            print(f"schema2c: {out} is not what tools/schema2c.py generates from nix/lib/schema; regenerate it",
                  file=sys.stderr)
            return 1
        print("schema2c: C tables up to date")
        return 0
    with open(out, "w", encoding="utf-8") as fh:
        fh.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
