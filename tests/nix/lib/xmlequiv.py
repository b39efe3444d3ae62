#!/usr/bin/env python3
"""xmlequiv.py [--drop PATH]... A.xml B.xml: are two XML documents the same
up to whitespace between elements, attribute order, namespace prefixes and
entity spelling?

Prints "identical" (same bytes), "equivalent", "reordered" (equivalent but
for the order between sibling elements of different names, which libvirt
does not keep), or "differs: <first difference>" and exits 0, 0, 0 or 1.
Text is compared with surrounding whitespace stripped.

--drop PATH removes from A what a key path of nix/lib's warnings names
(`domain.devices.interface[1].driver.mode`: the attribute mode, or the
element, of the second interface's driver) before comparing: the keys the
lib left out of B (where A does not have it either, nothing is removed).
"""
import re
import sys
import xml.etree.ElementTree as ET


def local(tag):
    return tag.rsplit("}", 1)[-1]


def drop(root, path):
    """Removes the attribute or elements a key path names; False if absent."""
    steps = path.split(".")[1:]
    node = root
    for n, step in enumerate(steps):
        m = re.fullmatch(r"(.+?)(?:\[(\d+)\])?", step)
        name, idx = m.group(1), m.group(2)
        name = name.split(":", 1)[-1]
        if n == len(steps) - 1 and idx is None and name in node.attrib:
            del node.attrib[name]
            return True
        same = [c for c in node if local(c.tag) == name]
        if idx is not None:
            same = same[int(idx):int(idx) + 1]
        if not same:
            return False
        if n == len(steps) - 1:
            for c in same:
                node.remove(c)
            return True
        node = same[0]
    return False


def norm(text):
    return (text or "").strip()


def compare(a, b, path):
    if a.tag != b.tag:
        return f"{path}: element {a.tag} vs {b.tag}"
    here = f"{path}/{a.tag}"
    if a.attrib != b.attrib:
        keys = sorted(set(a.attrib) | set(b.attrib))
        for k in keys:
            if a.attrib.get(k) != b.attrib.get(k):
                return f"{here}: attribute {k}: {a.attrib.get(k)!r} vs {b.attrib.get(k)!r}"
    if norm(a.text) != norm(b.text):
        return f"{here}: text {norm(a.text)!r} vs {norm(b.text)!r}"
    ca, cb = list(a), list(b)
    for i, (x, y) in enumerate(zip(ca, cb)):
        d = compare(x, y, f"{here}[{i}]")
        if d:
            return d
        if norm(x.tail) != norm(y.tail):
            return f"{here}[{i}]: text after {x.tag}: {norm(x.tail)!r} vs {norm(y.tail)!r}"
    if len(ca) != len(cb):
        extra = ca[len(cb):] or cb[len(ca):]
        side = "first" if len(ca) > len(cb) else "second"
        return f"{here}: only the {side} has <{extra[0].tag}> (child {min(len(ca), len(cb))})"
    return None


def reorder(e):
    """Children sorted by name, same-named ones keeping their order."""
    kids = sorted(list(e), key=lambda c: c.tag)
    for c in list(e):
        e.remove(c)
    for c in kids:
        reorder(c)
        e.append(c)


def main(argv):
    drops = []
    while len(argv) >= 2 and argv[0] == "--drop":
        drops.append(argv[1])
        argv = argv[2:]
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    raw = [open(p, "rb").read() for p in argv]
    if raw[0] == raw[1] and not drops:
        print("identical")
        return 0
    try:
        docs = [ET.fromstring(r) for r in raw]
    except ET.ParseError as e:
        print(f"differs: not well-formed: {e}")
        return 1
    for p in drops:
        drop(docs[0], p)
    d = compare(docs[0], docs[1], "")
    if not d:
        print("equivalent")
        return 0
    for doc in docs:
        reorder(doc)
    if not compare(docs[0], docs[1], ""):
        print("reordered")
        return 0
    print(f"differs: {d}")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
