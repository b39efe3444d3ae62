#!/usr/bin/env python3
"""nixvirt-values.py NIXVIRT_SRC: every value form NixVirt's generator takes
(bools as yes/no or on/off, ints, paths), at every key path where it takes
them, written by NixVirt's lib and by ours; the XML must be equivalent.

The key paths are read from NixVirt's generate-xml/<kind>.nix (its
subelem/sub/subattr calls with typeBoolYesNo, typeBoolOnOff, typeInt,
typePath). A key our schema does not know (libvirt does not have it) is
counted, not compared: our lib leaves it out with a warning. Ints are also
given as strings and paths as strings to ours, which must give the same XML.

Prints one line per difference and "nixvirt values: N same, U unknown to
libvirt, K known differences, F differ"; exits 1 if F > 0.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xmlequiv  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
HEADS = ("subelem", "elem", "subelemraw", "sub", "subattr")
TYPES = {"typeBoolYesNo": "bool", "typeBoolOnOff": "bool", "typeInt": "int", "typePath": "path"}
# Where NixVirt's XML is not libvirt's and ours is.
KNOWN = {
    # NixVirt's interface has two <target> generators: it writes <target/> twice.
    "devices.interface.target.managed": "NixVirt writes <target> twice",
}


def parse(text):
    text = re.sub(r"#[^\n]*", "", text)
    toks = re.findall(r'"(?:[^"\\]|\\.)*"|[()\[\]]|[A-Za-z_][A-Za-z0-9_\'-]*', text)
    pos = 0

    def group():
        nonlocal pos
        out = []
        while pos < len(toks):
            t = toks[pos]
            pos += 1
            if t in "([":
                out.append((t, group()))
            elif t in ")]":
                return out
            else:
                out.append(t)
        return out

    return group()


SAMPLE = {"int": 1, "path": "/p", "string": "x"}


def entries(tree):
    """[{path, type, needs}]: needs are the text keys of the enclosing
    elements, which NixVirt's generator cannot do without."""
    res = []
    texts = {}

    def walk(items, path, top=False):
        if len(items) > 1 and items[0] in HEADS and isinstance(items[1], str) and items[1].startswith('"'):
            head, name, rest = items[0], items[1][1:-1], items[2:]
            if head in ("subattr", "sub"):
                typ = rest[0] if rest and isinstance(rest[0], str) else ""
                if typ in TYPES:
                    res.append({"path": path + [name], "type": TYPES[typ]})
                if head == "sub" and typ.startswith("type") and not typ.startswith("typeBool"):
                    texts[tuple(path)] = (name, {"typeInt": "int", "typePath": "path"}.get(typ, "string"))
                if head == "sub":
                    for r in rest:
                        if isinstance(r, tuple):
                            walk(r[1], path + [name])
                return
            inner = path + [name] if head != "elem" else path
            for r in rest:
                if isinstance(r, tuple):
                    walk(r[1], inner)
                elif head == "subelem" and r in TYPES:
                    res.append({"path": inner, "type": TYPES[r]})
            return
        # `let ... in subelem ...` (NixVirt's devices): the element after `in`;
        # the bindings (address, target) are checked where they are used.
        if not top and items and items[0] == "let" and "in" in items:
            walk(items[items.index("in") + 1:], path)
            return
        for r in items:
            if isinstance(r, tuple):
                walk(r[1], path)

    walk(tree, [], top=True)
    for e in res:
        e["needs"] = []
        for n in range(1, len(e["path"])):
            t = texts.get(tuple(e["path"][:n]))
            if t and e["path"][:n] + [t[0]] != e["path"]:
                e["needs"].append({"path": e["path"][:n] + [t[0]], "value": SAMPLE[t[1]]})
    return res


def main(argv):
    if len(argv) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    src = os.path.abspath(argv[0])
    same = unknown = known = bad = 0
    for kind in ("domain", "network", "pool", "volume"):
        es = entries(parse(open(os.path.join(src, "generate-xml", kind + ".nix")).read()))
        if kind == "domain":
            # NixVirt's device <address> is a let binding; one use of it.
            es.append({"path": ["devices", "disk", "address", "multifunction"], "type": "bool", "needs": []})
            es.append({"path": ["devices", "disk", "address", "bus"], "type": "int", "needs": []})
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(es, f)
        expr = f'import {HERE}/nixvirt-values.nix {{ nixvirtSrc = {src}; kind = "{kind}"; entries = builtins.fromJSON (builtins.readFile {f.name}); }}'
        p = subprocess.run(["nix-instantiate", "--eval", "--strict", "--json", "-E", expr], capture_output=True, text=True)
        os.unlink(f.name)
        if p.returncode != 0:
            print(f"FAIL {kind}: evaluation failed: {p.stderr.strip().splitlines()[-1:]}")
            bad += 1
            continue
        for r in json.loads(p.stdout):
            what = f"{kind}.{r['path']} = {r['value']} ({r['type']})"
            if r["theirs"] is None:
                print(f"FAIL {what}: NixVirt's lib fails")
                bad += 1
                continue
            if r["ours"] is None:
                unknown += 1
                continue
            if r["oursAlt"] != r["ours"]:
                print(f"FAIL {what}: ours gives other XML for the {'string' if r['type'] != 'bool' else 'same'} form")
                bad += 1
                continue
            a = xmlequiv.ET.fromstring(r["theirs"])
            b = xmlequiv.ET.fromstring(r["ours"])
            d = xmlequiv.compare(a, b, "")
            if d:
                xmlequiv.reorder(a)
                xmlequiv.reorder(b)
                d = xmlequiv.compare(a, b, "") and d
            if not d:
                same += 1
            elif r["path"] in KNOWN:
                known += 1
            else:
                print(f"FAIL {what}: {d}")
                bad += 1
    print(f"nixvirt values: {same} same, {unknown} unknown to libvirt, {known} known differences, {bad} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
