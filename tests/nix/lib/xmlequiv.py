#!/usr/bin/env python3
"""xmlequiv.py A.xml B.xml: are two XML documents the same up to whitespace
between elements, attribute order, namespace prefixes and entity spelling?

Prints "identical" (same bytes), "equivalent", or "differs: <first
difference>" and exits 0, 0 or 1.  Text is compared with surrounding
whitespace stripped; element order matters.
"""
import sys
import xml.etree.ElementTree as ET


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


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    raw = [open(p, "rb").read() for p in argv]
    if raw[0] == raw[1]:
        print("identical")
        return 0
    try:
        docs = [ET.fromstring(r) for r in raw]
    except ET.ParseError as e:
        print(f"differs: not well-formed: {e}")
        return 1
    d = compare(docs[0], docs[1], "")
    if d:
        print(f"differs: {d}")
        return 1
    print("equivalent")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
