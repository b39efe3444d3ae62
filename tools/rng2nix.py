#!/usr/bin/env python3
"""rng2nix: turn libvirt's RelaxNG schemas into the element/attribute tables
that nix/lib uses to build XML from Nix values.

    tools/rng2nix.py [--schemas DIR] [--out DIR] [--check] [--stats]

For each document type (domain, network, pool, volume) it reads the schema
(domain.rng, network.rng, storagepool.rng, storagevol.rng with everything
they include), resolves <define>/<ref>, and builds a graph of element
"types": one type per set of <element> patterns that can appear under one
parent with one name.  Each type records its attributes (with the boolean
spelling the schema wants: yes/no, on/off or true/false), its child
elements (type, whether repeatable), whether it has text, and an output
order that satisfies every sequence constraint of the schema.  It writes
nix/lib/schema/<type>.nix; --check regenerates in memory and fails if the
committed files differ.  Only the Python standard library is used.

The order preferences, text keys and folds below are nixvirt's own choices
(they keep the Nix structures NixVirt users write working); everything else
comes from the schema.
"""

import argparse
import hashlib
import os
import re
import sys
import xml.etree.ElementTree as ET

RNG = "{http://relaxng.org/ns/structure/1.0}"

DOCS = [
    # (output name, root schema file, root element name)
    ("domain", "domain.rng", "domain"),
    ("network", "network.rng", "network"),
    ("pool", "storagepool.rng", "pool"),
    ("volume", "storagevol.rng", "volume"),
]

# Preferred child order, by element path from the root.  Children not listed
# keep schema order after the listed ones; the schema's sequence constraints
# always win (see order_children).  The lists follow the order libvirt and
# NixVirt write these elements in.
ORDER = {
    "domain": [
        "name", "uuid", "genid", "title", "description", "metadata",
        "maxMemory", "memory", "memtune", "currentMemory", "blkiotune",
        "vcpu", "vcpus", "iothreads", "iothreadids", "defaultiothread",
        "cputune", "numatune", "resource", "sysinfo", "bootloader",
        "bootloader_args", "os", "idmap", "memoryBacking", "features", "cpu",
        "clock", "on_poweroff", "on_reboot", "on_crash", "on_lockfailure",
        "pm", "perf", "devices", "seclabel", "keywrap", "launchSecurity",
        "qemu:commandline", "qemu:capabilities", "qemu:override",
        "qemu:deprecation", "lxc:namespace", "bhyve:commandline",
        "xen:commandline", "vmware:datacenterpath",
    ],
    "domain/os": [
        "type", "firmware", "loader", "nvram", "boot", "bootmenu", "kernel", "initrd",
        "init", "initarg", "initenv", "initdir", "inituser", "initgroup",
        "cmdline", "dtb", "acpi", "smbios", "bios",
    ],
    "domain/devices": [
        "emulator", "disk", "filesystem", "controller", "lease", "hostdev",
        "shmem", "interface", "smartcard", "serial", "parallel", "console",
        "channel", "input", "tpm", "graphics", "sound", "audio", "video",
        "redirdev", "redirfilter", "hub", "watchdog", "rng", "memballoon",
        "nvram", "panic", "memory", "iommu", "vsock", "crypto",
    ],
    "domain/devices/disk": [
        "driver", "auth", "source", "backingStore", "geometry", "blockio",
        "mirror", "target", "iotune", "readonly", "shareable", "transient",
        "address", "boot", "serial", "wwn", "vendor", "product", "encryption",
        "alias",
    ],
    "domain/devices/disk/backingStore": ["format", "source", "backingStore"],
    "domain/devices/hostdev": ["driver", "source", "boot", "rom", "address"],
    "domain/devices/hostdev/source": ["vendor", "product", "address"],
    "domain/devices/interface": [
        "bandwidth", "driver", "mac", "source", "target", "vlan", "model",
        "address",
    ],
    "domain/devices/controller": ["driver", "master", "model", "target", "address"],
    "domain/devices/video": ["model", "driver", "address"],
    "domain/devices/graphics": ["listen", "image", "gl"],
    "domain/devices/rng": ["backend", "rate", "address"],
    "domain/devices/filesystem": ["driver", "binary", "source", "target", "readonly", "address"],
    "domain/features": [
        "acpi", "apic", "pae", "hap", "viridian", "privnet", "pvspinlock",
        "hyperv", "capabilities", "vmport", "kvm", "xen", "ioapic", "smm",
    ],
    "domain/cpu": ["model", "vendor", "topology", "cache", "maxphysaddr", "feature", "numa"],
    "network": [
        "name", "uuid", "title", "description", "metadata", "bridge", "mtu",
        "domain", "forward", "bandwidth", "vlan", "port", "portgroup",
        "route", "mac", "dns", "ip", "virtualport",
    ],
    "network/forward": ["nat", "interface", "pf", "address", "driver"],
    "network/dns": ["forwarder", "txt", "host", "srv"],
    "network/ip": ["tftp", "dhcp"],
    "network/ip/dhcp": ["range", "host", "bootp"],
    "pool": ["name", "uuid", "capacity", "allocation", "available", "features", "source", "refresh", "target"],
    "pool/source": ["device", "dir", "host", "adapter", "auth", "name", "format", "protocol", "vendor", "product", "initiator"],
    "pool/target": ["path", "permissions"],
    "volume": ["name", "key", "source", "allocation", "capacity", "physical", "target", "backingStore"],
    "volume/target": ["path", "format", "permissions", "timestamps", "compat", "nocow", "clusterSize", "features", "encryption"],
    "volume/backingStore": ["path", "format", "permissions"],
}

# Preferred attribute order, by element path suffix; then schema order.  (Attribute order carries no meaning; this keeps the output
# close to what libvirt and NixVirt write.)
ATTR_ORDER = {
    "address": ["type", "domain", "controller", "bus", "target", "slot", "port", "unit",
                "function", "multifunction"],
    "devices/controller": ["type", "index", "model"],
    "devices/disk": ["type", "device"],
    "devices/smartcard": ["mode", "type"],
    "devices/hostdev": ["mode", "type", "managed"],
    "domain/seclabel": ["type", "model", "relabel"],
    "devices/video/model": ["type", "ram", "vram", "vram64", "vgamem", "heads", "primary"],
}

# Where an element with text (and attributes) takes its text from, when the
# Nix value is an attribute set: element path suffix -> key.  Elements with
# a `unit` attribute use "count"; everything else uses "value".
TEXT_KEYS = {
    "os/loader": "path",
    "os/nvram": "path",
    "os/kernel": "path",
    "os/initrd": "path",
    "os/dtb": "path",
    "os/cmdline": "options",
    "domain/vcpu": "count",
    "domain/iothreads": "count",
    "cpu/model": "name",
    "rng/backend": "source",
    "permissions/mode": "octal",
    "permissions/owner": "uid",
    "permissions/group": "gid",
    "permissions/label": "MAC",
}

# A child whose attributes may be written on the parent (NixVirt writes
# <os><type arch= machine=>hvm</type> as os = { type = "hvm"; arch = ...; }).
FOLDS = {
    "domain/os": "type",
}

NIX_KEYWORDS = {"if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or"}


class SchemaError(Exception):
    pass


# ---------------------------------------------------------------- parsing

class Loader:
    """Reads a grammar with its includes into a define table and a start
    pattern.  Patterns are tuples: (kind, ...)."""

    def __init__(self, schema_dir, src):
        self.schema_dir = schema_dir
        self.src = src           # index of this schema set (ids and refs are per set)
        self.files = []          # every file read, in order
        self.elem_count = 0      # <element> patterns created
        self.elements = {}       # element id -> (file, local name, ns)
        self.attributes = {}     # attribute id -> (file, name)
        self.attr_count = 0

    def ref(self, name):
        return f"{self.src}/{name}"

    def read(self, fname):
        path = os.path.join(self.schema_dir, fname)
        try:
            root = ET.parse(path).getroot()
        except (OSError, ET.ParseError) as e:
            raise SchemaError(f"{path}: {e}")
        if root.tag != RNG + "grammar":
            raise SchemaError(f"{path}: root is not a RelaxNG grammar")
        if fname not in self.files:
            self.files.append(fname)
        return root

    def components(self, fname):
        """List of (kind, name, combine, pattern) with kind 'define' or 'start'."""
        root = self.read(fname)
        return self.grammar_components(root, fname, ns="")

    def grammar_components(self, node, fname, ns):
        comps = []
        for child in node:
            if not isinstance(child.tag, str):
                continue
            tag = child.tag[len(RNG):] if child.tag.startswith(RNG) else None
            if tag is None:
                continue  # foreign annotation
            cns = child.get("ns", ns)
            if tag == "define":
                comps.append(("define", self.ref(child.get("name")), child.get("combine"),
                              self.group(child, fname, cns)))
            elif tag == "start":
                comps.append(("start", None, child.get("combine"),
                              self.group(child, fname, cns)))
            elif tag == "div":
                comps.extend(self.grammar_components(child, fname, cns))
            elif tag == "include":
                inner = self.components(child.get("href"))
                own = self.grammar_components(child, fname, cns)
                overridden = {(k, n) for (k, n, _, _) in own}
                comps.extend(c for c in inner if (c[0], c[1]) not in overridden)
                comps.extend(own)
            else:
                raise SchemaError(f"{fname}: unsupported grammar content <{tag}>")
        return comps

    def group(self, node, fname, ns):
        parts = [self.pattern(c, fname, ns) for c in node
                 if isinstance(c.tag, str) and c.tag.startswith(RNG)]
        parts = [p for p in parts if p is not None]
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return ("empty",)
        return ("group", parts)

    def pattern(self, node, fname, ns):
        tag = node.tag[len(RNG):]
        ns = node.get("ns", ns)
        if tag in ("group", "interleave", "choice"):
            parts = [self.pattern(c, fname, ns) for c in node
                     if isinstance(c.tag, str) and c.tag.startswith(RNG)]
            return (tag, [p for p in parts if p is not None])
        if tag in ("optional", "zeroOrMore", "oneOrMore", "mixed", "list"):
            return (tag, self.group(node, fname, ns))
        if tag == "ref":
            return ("ref", self.ref(node.get("name")))
        if tag in ("empty", "text", "notAllowed"):
            return (tag,)
        if tag == "data":
            return ("data", node.get("type"))
        if tag == "value":
            return ("value", (node.text or "").strip())
        if tag in ("param", "except"):
            return None  # facets of <data>: not needed for the mapping
        if tag == "element":
            name = node.get("name")
            content_nodes = list(node)
            if name is None:
                first = [c for c in content_nodes if isinstance(c.tag, str) and c.tag.startswith(RNG)][0]
                if first.tag != RNG + "anyName":
                    raise SchemaError(f"{fname}: unsupported element name class <{first.tag}>")
                self.elem_count += 1
                return ("anyelement", f"{self.src}:{fname}#{self.elem_count}")
            if ":" in name:
                raise SchemaError(f"{fname}: prefixed element name {name}")
            self.elem_count += 1
            eid = f"{self.src}:{fname}#{self.elem_count}"
            self.elements[eid] = (fname, name, ns)
            return ("element", eid, name, ns, self.group(node, fname, ns))
        if tag == "attribute":
            name = node.get("name")
            if name is None:
                self.attr_count += 1
                return ("anyattribute",)
            self.attr_count += 1
            aid = f"{self.src}:{fname}@{self.attr_count}"
            self.attributes[aid] = (fname, name)
            content = self.group(node, fname, "")
            if content == ("empty",):
                content = ("text",)  # <attribute name=x/> means any text
            return ("attribute", aid, name, content)
        if tag == "anyName":
            return None
        raise SchemaError(f"{fname}: unsupported pattern <{tag}>")


def load_grammar(schema_dir, fname, src=0):
    loader = Loader(schema_dir, src)
    comps = loader.components(fname)
    defines = {}
    combines = {}
    start = []
    for kind, name, combine, pat in comps:
        if kind == "start":
            start.append(pat)
            continue
        if name in defines:
            mode = combine or combines.get(name)
            if mode is None:
                raise SchemaError(f"{fname}: define {name} given twice without combine")
            combines[name] = mode
            defines[name] = (mode, [defines[name], pat])
        else:
            defines[name] = pat
            if combine:
                combines[name] = combine
    if len(start) != 1:
        raise SchemaError(f"{fname}: expected one <start>, found {len(start)}")
    return loader, defines, start[0]


# ---------------------------------------------------------------- analysis

def qname(name, ns):
    return f"{ns_prefix(ns)}:{name}" if ns else name


def ns_prefix(ns):
    # http://libvirt.org/schemas/domain/qemu/1.0 -> qemu
    parts = [p for p in ns.split("/") if p]
    if len(parts) < 2:
        raise SchemaError(f"cannot name a prefix for namespace {ns}")
    return parts[-2]


class Content:
    """What one element type may contain (union over its patterns)."""

    def __init__(self):
        self.attrs = {}        # name -> set of values ("" for free text)
        self.attr_ids = set()
        self.attr_order = []
        self.children = {}     # qname -> set of element ids
        self.child_order = []
        self.child_ns = {}     # qname -> (local, ns)
        self.text = False
        self.text_values = set()
        self.any = False
        self.occ = {}          # qname -> 1 or 2 (many)
        self.before = set()    # (a, b): a must precede b


class Analyzer:
    def __init__(self, defines):
        self.defines = defines
        self.names_memo = {}
        self.occ_memo = {}

    def deref(self, name):
        if name not in self.defines:
            raise SchemaError(f"undefined ref {name}")
        return self.defines[name]

    # -- collecting attributes, children and text (not crossing elements)
    def collect(self, pat, c, stack=()):
        k = pat[0]
        if k == "element":
            _, eid, name, ns, _ = pat
            q = qname(name, ns)
            if q not in c.children:
                c.children[q] = set()
                c.child_order.append(q)
                c.child_ns[q] = (name, ns)
            elif c.child_ns[q] != (name, ns):
                raise SchemaError(f"element {q} in two namespaces")
            c.children[q].add(eid)
        elif k == "anyelement":
            c.any = True
        elif k == "attribute":
            _, aid, name, content = pat
            if name not in c.attrs:
                c.attrs[name] = set()
                c.attr_order.append(name)
            c.attr_ids.add(aid)
            self.values(content, c.attrs[name])
        elif k == "anyattribute":
            c.any = True
        elif k in ("text", "data", "value"):
            c.text = True
            self.values(pat, c.text_values)
        elif k == "ref":
            if pat[1] in stack:
                raise SchemaError(f"define {pat[1]} refers to itself outside an element")
            self.collect(self.deref(pat[1]), c, stack + (pat[1],))
        elif k in ("group", "interleave", "choice"):
            for p in pat[1]:
                self.collect(p, c, stack)
        elif k in ("optional", "zeroOrMore", "oneOrMore", "mixed"):
            if k == "mixed":
                c.text = True
                c.text_values.add("")
            self.collect(pat[1], c, stack)
        elif k == "list":
            c.text = True
            c.text_values.add("")
        elif k in ("empty", "notAllowed"):
            pass
        else:
            raise SchemaError(f"unexpected pattern {k}")

    def values(self, pat, acc):
        k = pat[0]
        if k == "value":
            acc.add(pat[1])
        elif k == "data":
            acc.add("<" + (pat[1] or "") + ">")
        elif k in ("text", "list"):
            acc.add("")
        elif k == "ref":
            self.values(self.deref(pat[1]), acc)
        elif k in ("choice", "group", "interleave"):
            for p in pat[1]:
                self.values(p, acc)
        elif k in ("optional", "zeroOrMore", "oneOrMore"):
            self.values(pat[1], acc)
        elif k in ("empty", "notAllowed"):
            pass
        else:
            raise SchemaError(f"unexpected pattern {k} in a value")

    # -- child element names directly in a pattern
    def names(self, pat):
        k = pat[0]
        if k == "element":
            return frozenset([qname(pat[2], pat[3])])
        if k == "ref":
            n = pat[1]
            if n not in self.names_memo:
                self.names_memo[n] = frozenset()  # guards recursion
                self.names_memo[n] = self.names(self.deref(n))
            return self.names_memo[n]
        if k in ("group", "interleave", "choice"):
            out = frozenset()
            for p in pat[1]:
                out |= self.names(p)
            return out
        if k in ("optional", "zeroOrMore", "oneOrMore", "mixed"):
            return self.names(pat[1])
        return frozenset()

    # -- how often each child name can occur: 1 or 2 (= more than once)
    def occurrences(self, pat):
        k = pat[0]
        if k == "element":
            return {qname(pat[2], pat[3]): 1}
        if k == "ref":
            n = pat[1]
            if n not in self.occ_memo:
                self.occ_memo[n] = {}
                self.occ_memo[n] = self.occurrences(self.deref(n))
            return self.occ_memo[n]
        if k in ("group", "interleave"):
            out = {}
            for p in pat[1]:
                for q, v in self.occurrences(p).items():
                    out[q] = min(2, out.get(q, 0) + v)
            return out
        if k == "choice":
            out = {}
            for p in pat[1]:
                for q, v in self.occurrences(p).items():
                    out[q] = max(out.get(q, 0), v)
            return out
        if k in ("zeroOrMore", "oneOrMore"):
            return {q: 2 for q in self.occurrences(pat[1])}
        if k in ("optional", "mixed"):
            return self.occurrences(pat[1])
        return {}

    # -- ordering constraints from sequences
    def constraints(self, pat, acc, stack=()):
        k = pat[0]
        if k == "ref":
            n = pat[1]
            if n in stack:
                return
            self.constraints(self.deref(n), acc, stack + (n,))
        elif k == "group":
            parts = pat[1]
            seen = frozenset()
            for p in parts:
                here = self.names(p)
                for a in seen:
                    for b in here:
                        if a != b:
                            acc.add((a, b))
                seen |= here
                self.constraints(p, acc, stack)
        elif k in ("interleave", "choice"):
            for p in pat[1]:
                self.constraints(p, acc, stack)
        elif k in ("optional", "zeroOrMore", "oneOrMore", "mixed"):
            self.constraints(pat[1], acc, stack)

    def content_of(self, eids):
        c = Content()
        for eid in sorted(eids, key=id_key):
            pat = self.loader_patterns[eid]
            self.collect(pat, c)
            for q, v in self.occurrences(pat).items():
                c.occ[q] = max(c.occ.get(q, 0), v)
            self.constraints(pat, c.before)
        return c


def id_key(eid):
    src, rest = eid.split(":", 1)
    f, n = rest.split("#")
    return (int(src), int(n), f)


def index_elements(pat, out, seen_refs, defines):
    """Map element id -> content pattern, over everything reachable."""
    stack = [pat]
    while stack:
        p = stack.pop()
        k = p[0]
        if k == "element":
            if p[1] in out:
                continue
            out[p[1]] = p[4]
            stack.append(p[4])
        elif k == "ref":
            if p[1] not in seen_refs:
                seen_refs.add(p[1])
                stack.append(defines[p[1]])
        elif k in ("group", "interleave", "choice"):
            stack.extend(p[1])
        elif k in ("optional", "zeroOrMore", "oneOrMore", "mixed", "list"):
            stack.append(p[1])
        elif k == "attribute":
            stack.append(p[3])


def reachable_attributes(pat, defines):
    ids, refs, stack = set(), set(), [pat]
    while stack:
        p = stack.pop()
        k = p[0]
        if k == "element":
            stack.append(p[4])
        elif k == "attribute":
            ids.add(p[1])
        elif k == "ref":
            if p[1] not in refs:
                refs.add(p[1])
                stack.append(defines[p[1]])
        elif k in ("group", "interleave", "choice"):
            stack.extend(p[1])
        elif k in ("optional", "zeroOrMore", "oneOrMore", "mixed", "list"):
            stack.append(p[1])
    return ids


def bool_kind(values):
    """How a Nix bool is written for a value set (None: not at all).
    Part of a pair is enough (disk snapshot= takes "no" but not "yes")."""
    kinds = []
    if values & {"yes", "no"}:
        kinds.append("yes")
    if values & {"on", "off"}:
        kinds.append("on")
    if values & {"true", "false"} or "<boolean>" in values:
        kinds.append("true")
    if len(kinds) > 1:
        raise SchemaError(f"values {sorted(values)} take booleans in two spellings")
    return kinds[0] if kinds else None


def order_children(pref, schema_order, before, where, warnings):
    """Preferred order first (then schema order), adjusted so every
    sequence constraint holds: a stable topological sort."""
    rank = {}
    for q in pref:
        if q in schema_order and q not in rank:
            rank[q] = len(rank)
    for q in schema_order:
        if q not in rank:
            rank[q] = len(rank)
    pending = sorted(schema_order, key=lambda q: rank[q])
    preds = {q: {a for (a, b) in before if b == q and a in rank and a != q} for q in pending}
    out = []
    while pending:
        for q in pending:
            if not (preds[q] - set(out)):
                break
        else:
            # A cycle: the schema allows both orders in different branches.
            q = pending[0]
            warnings.append(f"{where}: order constraints cycle at {q}; using preference")
        out.append(q)
        pending.remove(q)
    return out


def build(sets, doc, fname, root_name):
    """sets: [(label, dir)].  The grammars of all sets are read side by side
    (their defines kept apart) and their roots merged, so the result accepts
    what any of them accepts."""
    loaders = []
    defines = {}
    starts = []
    for i, (label, d) in enumerate(sets):
        loader, defs, st = load_grammar(d, fname, i)
        loaders.append(loader)
        defines.update(defs)
        starts.append(st)
    start = starts[0] if len(starts) == 1 else ("choice", starts)
    an = Analyzer(defines)
    patterns = {}
    index_elements(start, patterns, set(), defines)
    an.loader_patterns = patterns

    roots = Content()
    an.collect(start, roots)
    if list(roots.children) != [root_name]:
        raise SchemaError(f"{fname}: start is not one <{root_name}> element")

    warnings = []
    # Phase 1: discover the types (sets of element patterns) breadth-first,
    # and every path by which an edge reaches each of them.
    root = frozenset(roots.children[root_name])
    first_path = {root: root_name}
    edge_paths = {root: {root_name}}
    local_ns = {root: (root_name, "")}
    contents = {}
    queue = [root]
    qi = 0
    while qi < len(queue):
        eids = queue[qi]
        qi += 1
        c = contents[eids] = an.content_of(eids)
        for cq in c.child_order:
            ceids = frozenset(c.children[cq])
            p = first_path[eids] + "/" + cq
            if ceids not in first_path:
                first_path[ceids] = p
                edge_paths[ceids] = set()
                local_ns[ceids] = c.child_ns[cq]
                queue.append(ceids)
            edge_paths[ceids].add(p)

    def lookup(table, eids, suffix):
        found = set()
        for p in edge_paths[eids]:
            for k in table:
                if p == k or (suffix and p.endswith("/" + k)):
                    found.add(k)
        return found

    # Phase 2: per type, order, text key, booleans, fold.
    used = set()
    info = {}
    for eids in queue:
        c = contents[eids]
        path = first_path[eids]
        keys = lookup(ORDER, eids, False)
        if len({tuple(ORDER[k]) for k in keys}) > 1:
            raise SchemaError(f"{path}: conflicting ORDER entries {sorted(keys)}")
        used |= {("ORDER", k) for k in keys}
        pref = ORDER[min(keys)] if keys else []
        order = order_children(pref, c.child_order, c.before, path, warnings)
        ak = lookup(ATTR_ORDER, eids, True)
        if len({tuple(ATTR_ORDER[k]) for k in ak}) > 1:
            raise SchemaError(f"{path}: conflicting ATTR_ORDER entries {sorted(ak)}")
        used |= {("ATTR_ORDER", k) for k in ak}
        apref = ATTR_ORDER[min(ak)] if ak else []
        attrs = [a for a in apref if a in c.attrs]
        attrs = list(dict.fromkeys(attrs + c.attr_order))
        t = {"n": local_ns[eids][0], "ns": local_ns[eids][1], "path": path,
             "a": attrs, "bool": {}, "order": order}
        for a in c.attr_order:
            bk = bool_kind(c.attrs[a])
            if bk:
                t["bool"][a] = bk
        if c.text:
            tk = lookup(TEXT_KEYS, eids, True)
            if len({TEXT_KEYS[k] for k in tk}) > 1:
                raise SchemaError(f"{path}: conflicting TEXT_KEYS entries {sorted(tk)}")
            used |= {("TEXT_KEYS", k) for k in tk}
            t["text"] = TEXT_KEYS[min(tk)] if tk else default_text_key(c)
            bk = bool_kind(c.text_values)
            if bk:
                t["textbool"] = bk
        if c.any:
            t["any"] = True
        fk = lookup(FOLDS, eids, False)
        if fk:
            used |= {("FOLDS", k) for k in fk}
            t["fold"] = FOLDS[min(fk)]
        info[eids] = t
    for table, name in ((ORDER, "ORDER"), (FOLDS, "FOLDS")):
        for k in table:
            if k.split("/")[0] == root_name and (name, k) not in used:
                raise SchemaError(f"{name} entry {k} matches no element")

    # Phase 3: number the types breadth-first in output order.
    index = {root: 0}
    order_q = [root]
    qi = 0
    while qi < len(order_q):
        eids = order_q[qi]
        qi += 1
        c = contents[eids]
        for cq in info[eids]["order"]:
            ceids = frozenset(c.children[cq])
            if ceids not in index:
                index[ceids] = len(order_q)
                order_q.append(ceids)
    types = []
    covered_elems = set()
    covered_attrs = set()
    for eids in order_q:
        c = contents[eids]
        t = info[eids]
        t["c"] = [(cq, index[frozenset(c.children[cq])], c.occ.get(cq, 1)) for cq in t["order"]]
        types.append(t)
        covered_elems |= eids
        covered_attrs |= c.attr_ids

    # folds: attributes of a child that may be written on the parent
    for t in types:
        f = t.get("fold")
        if f:
            match = [ci for (cq, ci, _) in t["c"] if cq == f]
            if not match:
                raise SchemaError(f"fold {t['path']}/{f}: no such child")
            child = types[match[0]]
            clash = set(child["a"]) & (set(t["a"]) | {cq for (cq, _, _) in t["c"]})
            if clash:
                raise SchemaError(f"fold {t['path']}/{f}: {sorted(clash)} clash")
        # the text key must not be an attribute name
        if "text" in t and t["text"] in t["a"]:
            raise SchemaError(f"{t['path']}: text key {t['text']} is also an attribute")
        for a in t["a"] + [cq for (cq, _, _) in t["c"]]:
            if a.startswith("_"):
                raise SchemaError(f"{t['path']}: name {a} starts with _, reserved by nixvirt")

    per_set = []
    elem_names, attr_names = set(), set()
    for (label, _), loader, st in zip(sets, loaders, starts):
        all_elems = set(loader.elements)
        all_attrs = set(loader.attributes)
        per_set.append({
            "label": label,
            "files": list(loader.files),
            "elementPatterns": len(all_elems),
            "elementPatternsReachable": len(set(patterns) & all_elems),
            "elementPatternsCovered": len(covered_elems & all_elems),
            "attributePatterns": len(all_attrs),
            "attributePatternsReachable": len(reachable_attributes(st, defines)),
            "attributePatternsCovered": len(covered_attrs & all_attrs),
        })
        elem_names |= {loader.elements[e][1] for e in all_elems}
        attr_names |= {loader.attributes[x][1] for x in all_attrs}
    stats = {
        "sets": per_set,
        "elementNames": len(elem_names),
        "elementNamesCovered": len({t["n"] for t in types}),
        "attributeNames": len(attr_names),
        "attributeNamesCovered": len({x for t in types for x in t["a"]}),
        "types": len(types),
        "attributeSlots": sum(len(t["a"]) for t in types),
        "childSlots": sum(len(t["c"]) for t in types),
    }
    return types, stats, warnings, loaders, used


def default_text_key(c):
    if "unit" in c.attrs:
        return "count"
    if "value" in c.attrs:
        return "text"
    return "value"


# ---------------------------------------------------------------- output

def nix_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("${", "\\${") + '"'


def nix_key(s):
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_'-]*", s) and s not in NIX_KEYWORDS:
        return s
    return nix_str(s)


def nix_value(v, ind):
    """A Nix expression for JSON-like data (sets with their keys sorted)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return nix_str(v)
    if isinstance(v, list):
        if all(isinstance(x, str) for x in v):
            return nix_list([nix_str(x) for x in v])
        inner = ind + "  "
        return "[\n" + "".join(f"{inner}{nix_value(x, inner)}\n" for x in v) + ind + "]"
    if isinstance(v, dict):
        inner = ind + "  "
        return "{\n" + "".join(f"{inner}{nix_key(k)} = {nix_value(v[k], inner)};\n" for k in sorted(v)) + ind + "}"
    raise TypeError(type(v))


def nix_list(items):
    return "[ " + " ".join(items) + " ]" if items else "[ ]"


def render(doc, types, stats, sources):
    out = []
    w = out.append
    w(f"# Generated by tools/rng2nix.py from libvirt's RelaxNG schemas; do not edit.")
    w("# Regenerate: tools/rng2nix.sh (check: tools/rng2nix.sh --check).")
    w("#")
    w("# types: list of element types, the root first.  Per type:")
    w("#   n     element name; ns, p: namespace URI and its usual prefix (namespaced elements)")
    w("#   a     attribute names, in output order")
    w("#   bool  attributes that take a boolean: \"yes\" (yes/no), \"on\" (on/off), \"true\" (true/false)")
    w("#   c     children: [ name type max ], in output order (max 2 = repeatable)")
    w("#   text  key that holds the element's text in an attribute set; textbool as bool")
    w("#   any   arbitrary XML allowed inside (lib.xml fragments)")
    w("#   fold  child whose attributes may be given on this element (os.type)")
    w("{")
    w(f"  doc = {nix_str(doc)};")
    w("  sources = " + nix_value(sources, "  ") + ";")
    w("  stats = " + nix_value(stats, "  ") + ";")
    w("  types = [")
    for i, t in enumerate(types):
        w(f"    # {i}: {t['path']}")
        parts = [f"n = {nix_str(t['n'])};"]
        if t["ns"]:
            parts.append(f"ns = {nix_str(t['ns'])}; p = {nix_str(ns_prefix(t['ns']))};")
        parts.append(f"a = {nix_list([nix_str(a) for a in t['a']])};")
        if t["bool"]:
            parts.append("bool = { " + " ".join(f"{nix_key(a)} = {nix_str(v)};" for a, v in t["bool"].items()) + " };")
        parts.append("c = " + nix_list([f"[ {nix_str(cq)} {ci} {occ} ]" for (cq, ci, occ) in t["c"]]) + ";")
        if "text" in t:
            parts.append(f"text = {nix_str(t['text'])};")
        if "textbool" in t:
            parts.append(f"textbool = {nix_str(t['textbool'])};")
        if t.get("any"):
            parts.append("any = true;")
        if "fold" in t:
            parts.append(f"fold = {nix_str(t['fold'])};")
        w("    { " + " ".join(parts) + " }")
    w("  ];")
    w("}")
    return "\n".join(out) + "\n"


def schema_sources(sets, loaders):
    out = []
    for (label, d), loader in zip(sets, loaders):
        files = {}
        for f in sorted(loader.files):
            with open(os.path.join(d, f), "rb") as fh:
                files[f] = "sha256:" + hashlib.sha256(fh.read()).hexdigest()
        out.append({"label": label, "files": files})
    return out


def generate(sets):
    results = {}
    used = set()
    for doc, fname, root in DOCS:
        types, stats, warnings, loaders, u = build(sets, doc, fname, root)
        used |= u
        sources = schema_sources(sets, loaders)
        results[doc] = (render(doc, types, stats, sources), stats, sources, warnings)
    for table, name in ((TEXT_KEYS, "TEXT_KEYS"), (ATTR_ORDER, "ATTR_ORDER")):
        for k in table:
            if (name, k) not in used:
                raise SchemaError(f"{name} entry {k} matches no element")
    return results


def parse_set(arg):
    label, sep, d = arg.partition("=")
    if not sep:
        label, d = os.path.basename(os.path.normpath(arg)), arg
    if not os.path.isfile(os.path.join(d, "domain.rng")):
        raise SchemaError(f"{d}: no domain.rng there")
    return (label, d)


def sources_block(text):
    i = text.find("\n  sources = ")
    j = text.find("\n  stats = ")
    return text[i:j] if i >= 0 and j > i else None


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--schemas", action="append", metavar="[LABEL=]DIR",
                    help="a directory of libvirt .rng files, labelled (e.g. 11.3.0=/path); "
                         "repeat to merge several libvirt versions (default /usr/share/libvirt/schemas)")
    ap.add_argument("--out", default=os.path.normpath(os.path.join(here, "..", "nix", "lib", "schema")),
                    help="where <type>.nix go (default %(default)s)")
    ap.add_argument("--check", action="store_true",
                    help="regenerate in memory and compare with --out: exit 0 if equal, 1 if not, "
                         "3 if the inputs are not the recorded ones (other libvirt versions)")
    ap.add_argument("--stats", action="store_true", help="print coverage numbers")
    args = ap.parse_args(argv)
    try:
        sets = [parse_set(a) for a in (args.schemas or ["/usr/share/libvirt/schemas"])]
        results = generate(sets)
    except SchemaError as e:
        print(f"rng2nix: {e}", file=sys.stderr)
        return 2
    status = 0
    for doc, (text, stats, sources, warnings) in results.items():
        for wmsg in warnings:
            print(f"rng2nix: {doc}: warning: {wmsg}", file=sys.stderr)
        path = os.path.join(args.out, doc + ".nix")
        if args.check:
            try:
                with open(path, encoding="utf-8") as fh:
                    old = fh.read()
            except OSError as e:
                print(f"rng2nix: {path}: {e}", file=sys.stderr)
                status = max(status, 1)
                continue
            if sources_block(old) != sources_block(text):
                print(f"rng2nix: {path} was generated from other schema files than "
                      f"{', '.join(l + '=' + d for l, d in sets)}", file=sys.stderr)
                status = 3
            elif old != text:
                print(f"rng2nix: {path} is not what tools/rng2nix.py generates; regenerate it", file=sys.stderr)
                status = max(status, 1) if status != 3 else 3
        else:
            os.makedirs(args.out, exist_ok=True)
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
        if args.stats or not args.check:
            print(f"{doc}: {stats['types']} element types; "
                  f"{stats['elementNamesCovered']}/{stats['elementNames']} element names, "
                  f"{stats['attributeNamesCovered']}/{stats['attributeNames']} attribute names")
            for st in stats["sets"]:
                print(f"  libvirt {st['label']}: elements {st['elementPatternsCovered']} covered / "
                      f"{st['elementPatternsReachable']} reachable / {st['elementPatterns']} defined; "
                      f"attributes {st['attributePatternsCovered']} / {st['attributePatternsReachable']} / "
                      f"{st['attributePatterns']}")
    if args.check and status == 0:
        print("rng2nix: schema data up to date")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
