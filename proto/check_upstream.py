#!/usr/bin/env python3
"""Verifies proto/remote.x against libvirt's protocol files.

    proto/check_upstream.py LIBVIRT/src/remote/remote_protocol.x
        [--virnet LIBVIRT/src/rpc/virnetprotocol.x]
        [--header LIBVIRT/include/libvirt/libvirt-host.h]

The other two files default to their places in the same libvirt tree.
Every const must have the same value, every enumerator the same number,
every typedef and struct the same fields in the same order with the same
types and bounds; enums other than the procedure list must have exactly
libvirt's members; and for each procedure we know, libvirt must define an
args / ret struct exactly when we do. Constants that libvirt takes from its
C headers (VIR_UUID_BUFLEN) are looked up in libvirt-host.h.

Exit status: 0 when everything matches, 1 on a difference, 2 on bad usage
or unreadable files.
"""

import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xdrparse  # noqa: E402
from xdrparse import Const, Enum, Struct, Typedef  # noqa: E402

OURS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "remote.x")


def header_defines(path):
    """#define NAME (number) / NAME number from a C header."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\s*#\s*define\s+([A-Za-z_][A-Za-z0-9_]*)\s+\(?\s*(-?(?:0[xX][0-9a-fA-F]+|[0-9]+))\s*\)?\s*$", line)
            if m:
                out[m.group(1)] = int(m.group(2), 0)
    return out


def shape(decls):
    return [d.shape() for d in decls]


def compare(ours, theirs, defines):
    """Returns (list of problems, counts)."""
    problems = []
    counts = {"const": 0, "enum": 0, "procedure": 0, "typedef": 0, "struct": 0}

    def their_value(text):
        if text in defines and text not in theirs.by_name:
            return defines[text]
        return theirs.value(text)

    for item in ours.items:
        up = theirs.by_name.get(item.name)
        where = "remote.x:%d: %s" % (item.line, item.name)
        if isinstance(item, Const):
            counts["const"] += 1
            mine = ours.value(item.value)
            if up is None:
                if item.name in defines:
                    if defines[item.name] != mine:
                        problems.append("%s = %d, libvirt's header says %d"
                                        % (where, mine, defines[item.name]))
                    continue
                problems.append("%s: libvirt has no such const" % where)
                continue
            if not isinstance(up, Const):
                problems.append("%s: libvirt defines it as something other than a const" % where)
                continue
            try:
                theirs_v = their_value(up.value)
            except xdrparse.ParseError as e:
                problems.append("%s: cannot evaluate libvirt's value: %s" % (where, e))
                continue
            if theirs_v != mine:
                problems.append("%s = %d, libvirt says %d" % (where, mine, theirs_v))
        elif isinstance(item, Enum):
            counts["enum"] += 1
            if not isinstance(up, Enum):
                problems.append("%s: libvirt has no such enum" % where)
                continue
            their_members = {m: their_value(v) for m, v in up.members}
            for m, v in item.members:
                mine = ours.value(v)
                if item.name.endswith("_procedure"):
                    counts["procedure"] += 1
                if m not in their_members:
                    problems.append("%s: libvirt has no %s" % (where, m))
                elif their_members[m] != mine:
                    problems.append("%s: %s = %d, libvirt says %d" % (where, m, mine, their_members[m]))
            if not item.name.endswith("_procedure"):
                missing = sorted(set(their_members) - {m for m, _ in item.members})
                if missing:
                    problems.append("%s: missing libvirt's %s" % (where, ", ".join(missing)))
            if item.name.endswith("_procedure"):
                prefix = item.name[: -len("_procedure")]
                up_prefix = prefix.upper() + "_PROC_"
                for m, _ in item.members:
                    base = "%s_%s" % (prefix, m[len(up_prefix):].lower())
                    for suffix in ("_args", "_ret"):
                        mine_has = isinstance(ours.by_name.get(base + suffix), Struct)
                        theirs_has = isinstance(theirs.by_name.get(base + suffix), Struct)
                        if mine_has != theirs_has:
                            problems.append("%s: %s: libvirt %s %s%s" % (
                                where, m, "defines" if theirs_has else "has no",
                                base, suffix))
        elif isinstance(item, Typedef):
            counts["typedef"] += 1
            if not isinstance(up, Typedef):
                problems.append("%s: libvirt has no such typedef" % where)
            elif item.decl.shape() != up.decl.shape():
                problems.append("%s: %r, libvirt has %r" % (where, item.decl.shape(), up.decl.shape()))
        elif isinstance(item, Struct):
            counts["struct"] += 1
            if not isinstance(up, Struct):
                problems.append("%s: libvirt has no such struct" % where)
            elif shape(item.fields) != shape(up.fields):
                a, b = shape(item.fields), shape(up.fields)
                diff = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
                problems.append("%s: field %d differs: ours %r, libvirt's %r" % (
                    where, diff + 1, a[diff] if diff < len(a) else None,
                    b[diff] if diff < len(b) else None))
        else:
            problems.append("%s: unexpected definition" % where)
    return problems, counts


def main(argv):
    args = argv[1:]
    remote = virnet = header = None
    while args:
        a = args.pop(0)
        if a in ("--virnet", "--header") and args:
            if a == "--virnet":
                virnet = args.pop(0)
            else:
                header = args.pop(0)
        elif a.startswith("-") or remote:
            sys.stderr.write(__doc__)
            return 2
        else:
            remote = a
    if not remote:
        sys.stderr.write(__doc__)
        return 2
    src = os.path.dirname(os.path.dirname(os.path.abspath(remote)))
    virnet = virnet or os.path.join(src, "rpc", "virnetprotocol.x")
    header = header or os.path.join(os.path.dirname(src), "include", "libvirt", "libvirt-host.h")
    try:
        ours = xdrparse.parse_file(OURS)
        theirs = xdrparse.parse_file(virnet, skip_unions=True)
        xdrparse.parse_file(remote, skip_unions=True, spec=theirs)
        defines = header_defines(header)
    except OSError as e:
        sys.stderr.write("check_upstream.py: %s\n" % e)
        return 2
    except xdrparse.ParseError as e:
        sys.stderr.write("check_upstream.py: %s\n" % e)
        return 2
    problems, counts = compare(ours, theirs, defines)
    for p in problems:
        sys.stderr.write("check_upstream.py: %s\n" % p)
    if problems:
        sys.stderr.write("check_upstream.py: %d difference(s) from %s\n" % (len(problems), remote))
        return 1
    print("proto/remote.x matches libvirt: %d consts, %d enums (%d procedures), "
          "%d typedefs, %d structs" % (counts["const"], counts["enum"], counts["procedure"],
                                       counts["typedef"], counts["struct"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
