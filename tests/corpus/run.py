#!/usr/bin/env python3
"""The corpus round trip: libvirt's own test XML (NV_LIBVIRT_SRC/tests) ->
`nixvirt xml2nix` -> lib.<kind>.getXML -> XML, which must be equivalent to
the input.

    tests/corpus/run.py [-v] [--nixvirt BIN] [--src DIR] [--jobs N]

Every .xml file of the directories below whose root is <domain>, <network>,
<pool> or <volume> and which libvirt's schema validates (xmllint --relaxng
with /usr/share/libvirt/schemas, what virt-xml-validate runs) is a case.
The Nix side is one nix-instantiate for all cases, through lib.strict (an
unknown key is an error there, not a warning).  Equivalent means: the
same elements (by namespace URI and local name), attributes and text;
attribute order, whitespace-only text, namespace prefixes and the order of
differently named siblings do not count (libvirt does not keep them), the
order of same-named siblings does.

Each case is also run with --lenient on a copy with unknown elements and
attributes added (mutate): they must come back through _xml and _attrs.

Prints a line per failing case (reason), `corpus: N/M round-trip (KIND)`
per kind, and `corpus: P passed, F failed`; exit 1 on any failure.
"""

import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from xml.dom import minidom

DIRS = [
    "qemuxml2argvdata", "qemuxml2xmloutdata", "genericxml2xmlindata", "genericxml2xmloutdata",
    "domainschemadata", "bhyvexml2argvdata", "bhyveargv2xmldata", "bhyvexml2xmloutdata",
    "lxcxml2xmldata", "lxcxml2xmloutdata", "lxcconf2xmldata", "libxlxml2domconfigdata",
    "vmx2xmldata", "xml2vmxdata", "xlconfigdata", "xmconfigdata",
    "networkxml2xmlin", "networkxml2xmlout", "networkxml2confdata", "networkxml2firewalldata",
    "storagepoolxml2xmlin", "storagepoolxml2xmlout", "storagepoolschemadata",
    "storagevolxml2xmlin", "storagevolxml2xmlout", "storagevolschemadata",
]
KINDS = {"domain": "domain", "network": "network", "pool": "storagepool", "volume": "storagevol"}
SCHEMAS = "/usr/share/libvirt/schemas"


def root_of(path):
    try:
        for _, el in ET.iterparse(path, events=("start",)):
            return el.tag
    except ET.ParseError:
        return None
    return None


def validate(kind, files):
    """The files libvirt's schema for kind accepts (one xmllint for all)."""
    ok = set()
    rng = os.path.join(SCHEMAS, KINDS[kind] + ".rng")
    for i in range(0, len(files), 400):
        chunk = files[i:i + 400]
        r = subprocess.run(["xmllint", "--noout", "--relaxng", rng] + chunk,
                           capture_output=True, text=True)
        for line in r.stderr.splitlines():
            if line.endswith(" validates"):
                ok.add(line[: -len(" validates")])
    return ok


def mutate(src, dst):
    """Writes src with XML libvirt's schema does not have: every 7th element
    renamed nvunk<name> (not inside <metadata>, not namespaced), an attribute
    nvx="1" on every 5th, nvroot="r" on the root; deterministic. False when
    nothing changed."""
    d = minidom.parse(src)
    count = [0]

    def walk(el):
        for c in list(el.childNodes):
            if c.nodeType != c.ELEMENT_NODE:
                continue
            count[0] += 1
            if count[0] % 7 == 3 and ":" not in c.tagName and el.tagName != "metadata":
                c.tagName = c.nodeName = "nvunk" + c.tagName
            elif count[0] % 5 == 2 and el.tagName != "metadata":
                c.setAttribute("nvx", "1")
            walk(c)
    walk(d.documentElement)
    d.documentElement.setAttribute("nvroot", "r")
    with open(dst, "w", encoding="utf-8") as fh:
        fh.write(d.documentElement.toxml())
    return True


def canon(el):
    """(tag, attributes, text, children) with children stably sorted by tag."""
    text = "".join(t for t in [el.text] if t) 
    kids = []
    for c in el:
        if c.tail and c.tail.strip():
            text += c.tail
        kids.append(canon(c))
    if not text.strip():
        text = ""
    kids.sort(key=lambda k: k[0])
    return (el.tag, tuple(sorted(el.attrib.items())), text, tuple(kids))


def first_diff(a, b, path=""):
    here = f"{path}/{a[0]}"
    if a[0] != b[0]:
        return f"{path}: element {a[0]} vs {b[0]}"
    if a[1] != b[1]:
        da, db = dict(a[1]), dict(b[1])
        for k in sorted(set(da) | set(db)):
            if da.get(k) != db.get(k):
                return f"{here}: attribute {k}: {da.get(k)!r} vs {db.get(k)!r}"
    if a[2] != b[2]:
        return f"{here}: text {a[2]!r} vs {b[2]!r}"
    for i, (x, y) in enumerate(zip(a[3], b[3])):
        d = first_diff(x, y, f"{here}[{i}]")
        if d:
            return d
    if len(a[3]) != len(b[3]):
        extra = a[3][len(b[3]):] or b[3][len(a[3]):]
        side = "input" if len(a[3]) > len(b[3]) else "output"
        return f"{here}: only the {side} has <{extra[0][0]}>"
    return None


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-v", action="store_true", help="print every case")
    ap.add_argument("--nixvirt", default=None)
    ap.add_argument("--src", default=os.environ.get("NV_LIBVIRT_SRC"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args(argv)
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.normpath(os.path.join(here, "..", ".."))
    nixvirt = args.nixvirt or os.path.join(root, "zig-out", "bin", "nixvirt")
    if not args.src or not os.path.isdir(os.path.join(args.src, "tests")):
        print("corpus: no libvirt source tree (NV_LIBVIRT_SRC; ./dev setup fetches it)")
        print("corpus: 0 passed, 1 failed")
        return 1

    by_kind = {k: [] for k in KINDS}
    for d in DIRS:
        full = os.path.join(args.src, "tests", d)
        if not os.path.isdir(full):
            continue
        for f in sorted(os.listdir(full)):
            if f.endswith(".xml"):
                p = os.path.join(full, f)
                r = root_of(p)
                if r in by_kind:
                    by_kind[r].append(p)
    cases = []  # (kind, path)
    for kind, files in by_kind.items():
        valid = validate(kind, files)
        cases += [(kind, p) for p in files if p in valid]

    tmp = tempfile.mkdtemp(prefix="nv-corpus-")
    # jobs: (kind, input file, lenient); the lenient ones are the same files with
    # unknown elements and attributes added (mutate), which must survive too
    jobs = [(kind, p, False) for kind, p in cases]
    for n, (kind, p) in enumerate(cases):
        m = os.path.join(tmp, f"lenient-{n}.xml")
        if mutate(p, m):
            jobs.append((kind, m, True))
    results = {}  # index -> reason or None

    def to_nix(i):
        kind, p, lenient = jobs[i]
        r = subprocess.run([nixvirt, "xml2nix", "--type", kind] + (["--lenient"] if lenient else []) + [p],
                           capture_output=True, text=True)
        if r.returncode != 0:
            return i, "xml2nix: " + (r.stderr.strip().splitlines() or ["exit %d" % r.returncode])[-1]
        with open(os.path.join(tmp, f"{i}.nix"), "w") as fh:
            fh.write(r.stdout)
        return i, None

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
        for i, why in ex.map(to_nix, range(len(jobs))):
            if why:
                results[i] = why
    todo = [i for i in range(len(jobs)) if i not in results]
    lib = os.path.join(root, "nix", "lib")
    # strict: a key the schema does not know fails instead of being dropped with a warning
    expr = "let lib0 = import %s { }; lib = lib0.strict or lib0; in {\n" % lib + "".join(
        f'  "{i}" = let r = builtins.tryEval (lib.{jobs[i][0]}.getXML (import {tmp}/{i}.nix)); '
        f'in if r.success then r.value else null;\n' for i in todo) + "}"
    with open(os.path.join(tmp, "all.nix"), "w") as fh:
        fh.write(expr)
    r = subprocess.run(["nix-instantiate", "--eval", "--strict", "--json", os.path.join(tmp, "all.nix")],
                       capture_output=True, text=True)
    if r.returncode != 0:
        print("corpus: nix-instantiate failed: " + r.stderr.strip()[-500:])
        print("corpus: 0 passed, 1 failed")
        return 1
    out = json.loads(r.stdout)
    for i in todo:
        kind, p, _ = jobs[i]
        x = out.get(str(i))
        if x is None:
            e = subprocess.run(["nix-instantiate", "--eval", "--strict", "-E",
                                f"let l = import {lib} {{ }}; in (l.strict or l).{kind}.getXML (import {tmp}/{i}.nix)"],
                               capture_output=True, text=True)
            msg = [l for l in e.stderr.splitlines() if "error" in l or "nixvirt:" in l]
            results[i] = "getXML: " + (msg[-1].strip() if msg else "evaluation failed")
            continue
        try:
            a = canon(ET.parse(p).getroot())
            b = canon(ET.fromstring(x))
        except ET.ParseError as e:
            results[i] = f"output not well-formed: {e}"
            continue
        d = first_diff(a, b)
        results[i] = f"differs: {d}" if d else None

    passed = failed = 0
    for lenient in (False, True):
        for kind in KINDS:
            idx = [i for i in range(len(jobs)) if jobs[i][0] == kind and jobs[i][2] == lenient]
            good = [i for i in idx if results.get(i) is None]
            for i in idx:
                rel = os.path.relpath(cases[int(os.path.basename(jobs[i][1])[8:-4])][1] if lenient else jobs[i][1],
                                      os.path.join(args.src, "tests"))
                rel += " (--lenient, mutated)" if lenient else ""
                if results.get(i):
                    print(f"FAIL {rel}: {results[i]}")
                elif args.v:
                    print(f"ok   {rel}")
            if idx:
                what = kind + (", --lenient with unknown elements and attributes added" if lenient else "")
                print(f"corpus: {len(good)}/{len(idx)} round-trip ({what})")
            passed += len(good)
            failed += len(idx) - len(good)
    subprocess.run(["rm", "-rf", tmp])
    print(f"corpus: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
