#!/usr/bin/env python3
"""Generates src/rpc/proto.gen.{h,c} and src/rpc/remote_calls.gen.{h,c} from
proto/remote.x, and src/virt/kinds.gen.{h,c} from the kinds table below (KINDS).

    proto/gen.py            write the files
    proto/gen.py --check    exit 1 if the committed files differ from a fresh generation

For every const: a #define. For every enum: the C enum plus a typedef to
int32_t (so a value the daemon sends that we do not know is not undefined
behaviour). For every typedef, struct and enum T:

    int  nv_proto_enc_T(nv_buf *b, const T *v);      0, or -1 with b->failed
    int  nv_proto_dec_T(nv_xdr_dec *d, T *v);        0, or -1 with d failed and *v zeroed
    void nv_proto_free_T(T *v);                      frees what dec allocated; zeroes *v

Mapping (as rpcgen does it): int/unsigned int/hyper/unsigned hyper ->
int32_t/uint32_t/int64_t/uint64_t, bool -> int, string<N> -> char *,
opaque x[N] -> uint8_t x[N], T *x -> T *x (NULL when absent), T x<N> ->
struct { uint32_t x_len; T *x_val; } x.

A `<prefix>_procedure` enum describes a program: enumerator
<PREFIX>_PROC_<NAME> takes <prefix>_<name>_args and returns
<prefix>_<name>_ret when those structs exist, and the program and version
are the consts <PREFIX>_PROGRAM and <PREFIX>_PROTOCOL_VERSION. These become a
table, nv_proto_procs[], with type-erased codec functions.

For every procedure of the remote program, typed calls over that table
(src/rpc/remote_calls.gen.{h,c}): REMOTE_PROC_X with remote_x_args and
remote_x_ret gets

    int nv_remote_x_start(nv_rpc_conn *c, const remote_x_args *a, uint32_t *serial, nv_err *e);
    int nv_remote_x_finish(nv_rpc_conn *c, uint32_t serial, remote_x_ret *r, nv_err *e);
    int nv_remote_x_reply(const nv_rpc_reply *rep, remote_x_ret *r, nv_err *e);
    int nv_remote_x(nv_rpc_conn *c, const remote_x_args *a, remote_x_ret *r, nv_err *e);

without the a or r parameter when the procedure has no args or ret struct.

For every row of KINDS (domain, network, pool): the functions of its
nv_kind_ops (src/virt/object.h) over those calls, and nv_<kind>_handle /
nv_<kind>_from_handle; what a kind does differently (a domain's undefine) is
written by hand and named in the row.
"""

import os
import sys

sys.dont_write_bytecode = True  # keep proto/ free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xdrparse  # noqa: E402
from xdrparse import Const, Enum, Struct, Typedef  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INPUT = os.path.join(ROOT, "proto", "remote.x")
# What render() returns, by path under src/.
OUTPUTS = ("rpc/proto.gen.h", "rpc/proto.gen.c", "rpc/remote_calls.gen.h", "rpc/remote_calls.gen.c",
           "virt/kinds.gen.h", "virt/kinds.gen.c")

C_BUILTIN = {
    "int": "int32_t",
    "unsigned int": "uint32_t",
    "hyper": "int64_t",
    "unsigned hyper": "uint64_t",
    "bool": "int",
}
MIN_BUILTIN = {"int": 4, "unsigned int": 4, "hyper": 8, "unsigned hyper": 8, "bool": 4}
PUT = {"int": "nv_xdr_put_i32", "unsigned int": "nv_xdr_put_u32", "hyper": "nv_xdr_put_i64",
       "unsigned hyper": "nv_xdr_put_u64", "bool": "nv_xdr_put_bool"}
GET = {"int": "nv_xdr_get_i32", "unsigned int": "nv_xdr_get_u32", "hyper": "nv_xdr_get_i64",
       "unsigned hyper": "nv_xdr_get_u64", "bool": "nv_xdr_get_bool"}


class GenError(Exception):
    pass


class Proc:
    """One procedure: REMOTE_PROC_DOMAIN_CREATE of program prefix "remote"
    has base "remote_domain_create" and its args / ret struct names, or None
    for an empty body."""

    def __init__(self, prefix, const, number, base, args, ret):
        self.prefix, self.const, self.number = prefix, const, number
        self.base, self.args, self.ret = base, args, ret


def pad4(n):
    return (4 - n % 4) % 4


# Expressions are lvalues built from v: "v->field", "*v", "**v",
# "v->x.x_val[i_]". Prefix * binds less tightly than postfix operators, so
# only a dereference that gets a postfix needs parentheses.

def addr(expr):
    """The address of lvalue expr: &x, or p for *p."""
    return expr[1:] if expr.startswith("*") else "&" + expr


def deref(expr):
    return "*" + expr


def postfix(expr):
    return "(%s)" % expr if expr.startswith("*") else expr


def member(expr, field):
    """expr.field, or p->field when expr is *p."""
    if expr.startswith("*") and expr[1:].isidentifier():
        return "%s->%s" % (expr[1:], field)
    return "%s.%s" % (postfix(expr), field)


class Gen:
    def __init__(self, spec, path):
        self.spec = spec
        self.path = path
        self.defined = set()
        self._min = {}
        self._needs_free = {}
        self.procedures = []  # Proc of every program, in the order of its enum

    def err(self, line, msg):
        raise GenError("%s:%d: %s" % (self.path, line, msg))

    # ---- type properties -------------------------------------------------

    def check_base(self, d):
        if d.base in C_BUILTIN or d.base in ("string", "opaque"):
            return
        if d.base in ("float", "double", "quadruple") or d.base.startswith("unsigned "):
            self.err(d.line, "type %s is not supported" % d.base)
        item = self.spec.by_name.get(d.base)
        if not isinstance(item, (Typedef, Struct, Enum)):
            self.err(d.line, "unknown type %s" % d.base)
        if d.base not in self.defined:
            self.err(d.line, "type %s is used before its definition" % d.base)

    def check_size(self, d):
        if d.kind in ("fixed", "var"):
            if d.size == "":
                self.err(d.line, "%s<> has no maximum: every length must be bounded" % d.name)
            try:
                v = self.spec.value(d.size)
            except xdrparse.ParseError as e:
                self.err(d.line, str(e))
            if not 0 <= v <= 0xFFFFFFFF:
                self.err(d.line, "size %s of %s is out of range" % (d.size, d.name))
            if d.kind == "fixed" and v == 0:
                self.err(d.line, "fixed array %s has no elements" % d.name)

    def min_base(self, base):
        if base in MIN_BUILTIN:
            return MIN_BUILTIN[base]
        return self._min[base]

    def min_decl(self, d):
        if d.kind == "scalar":
            return self.min_base(d.base)
        if d.kind in ("optional", "var"):
            return 4
        n = self.spec.value(d.size)
        if d.base == "opaque":
            return n + pad4(n)
        return n * self.min_base(d.base)

    def needs_free_base(self, base):
        return self._needs_free.get(base, False)

    def needs_free_decl(self, d):
        if d.kind == "scalar":
            return self.needs_free_base(d.base)
        if d.kind == "fixed":
            return d.base != "opaque" and self.needs_free_base(d.base)
        return True

    def ctype(self, base):
        return C_BUILTIN.get(base, base)

    def cdecl(self, d, name):
        if d.kind == "scalar":
            return "%s %s" % (self.ctype(d.base), name)
        if d.kind == "optional":
            return "%s *%s" % (self.ctype(d.base), name)
        if d.kind == "fixed":
            elem = "uint8_t" if d.base == "opaque" else self.ctype(d.base)
            return "%s %s[%s]" % (elem, name, d.size)
        if d.base == "string":
            return "char *%s" % name
        elem = "uint8_t" if d.base == "opaque" else self.ctype(d.base)
        return "struct {\n        uint32_t %s_len;\n        %s *%s_val;\n    } %s" % (
            d.name, elem, d.name, name)

    # ---- code for one declaration -----------------------------------------

    def enc_value(self, base, expr):
        if base in PUT:
            return "%s(b, %s)" % (PUT[base], expr)
        return "nv_proto_enc_%s(b, %s)" % (base, addr(expr))

    def dec_value(self, base, expr):
        if base in GET:
            return "%s(d, %s)" % (GET[base], addr(expr))
        return "nv_proto_dec_%s(d, %s)" % (base, addr(expr))

    def free_value(self, base, expr):
        if self.needs_free_base(base):
            return ["nv_proto_free_%s(%s);" % (base, addr(expr))]
        return []

    def enc_decl(self, d, expr):
        out = []
        if d.kind == "scalar":
            out.append("if (%s < 0)" % self.enc_value(d.base, expr))
            out.append("    return -1;")
        elif d.kind == "optional":
            out.append("if (nv_xdr_put_optional(b, %s != NULL) < 0)" % expr)
            out.append("    return -1;")
            out.append("if (%s && %s < 0)" % (expr, self.enc_value(d.base, deref(expr))))
            out.append("    return -1;")
        elif d.kind == "fixed" and d.base == "opaque":
            out.append("if (nv_xdr_put_fopaque(b, %s, %s) < 0)" % (expr, d.size))
            out.append("    return -1;")
        elif d.kind == "fixed":
            out.append("for (size_t i_ = 0; i_ < %s; i_++)" % d.size)
            out.append("    if (%s < 0)" % self.enc_value(d.base, postfix(expr) + "[i_]"))
            out.append("        return -1;")
        elif d.base == "string":
            out.append("if (nv_xdr_put_string(b, %s, %s) < 0)" % (expr, d.size))
            out.append("    return -1;")
        else:
            ln, val = member(expr, d.name + "_len"), member(expr, d.name + "_val")
            if d.base == "opaque":
                out.append("if (nv_xdr_put_opaque(b, %s, %s, %s) < 0)" % (val, ln, d.size))
                out.append("    return -1;")
            else:
                out.append("if (nv_xdr_put_array_len(b, %s, %s) < 0)" % (ln, d.size))
                out.append("    return -1;")
                out.append("if (%s && !%s) {" % (ln, val))
                out.append("    b->failed = 1;")
                out.append("    return -1;")
                out.append("}")
                out.append("for (uint32_t i_ = 0; i_ < %s; i_++)" % ln)
                out.append("    if (%s < 0)" % self.enc_value(d.base, "%s[i_]" % val))
                out.append("        return -1;")
        return out

    def dec_decl(self, d, expr):
        out = []
        if d.kind == "scalar":
            out.append("if (%s < 0)" % self.dec_value(d.base, expr))
            out.append("    goto fail;")
        elif d.kind == "optional":
            out.append("{")
            out.append("    int present_;")
            out.append("    if (nv_xdr_get_optional(d, &present_) < 0)")
            out.append("        goto fail;")
            out.append("    if (present_) {")
            out.append("        %s = calloc(1, sizeof *%s);" % (expr, expr))
            out.append("        if (!%s) {" % expr)
            out.append("            nv_xdr_dec_fail(d, \"out of memory\");")
            out.append("            goto fail;")
            out.append("        }")
            out.append("        if (%s < 0)" % self.dec_value(d.base, deref(expr)))
            out.append("            goto fail;")
            out.append("    }")
            out.append("}")
        elif d.kind == "fixed" and d.base == "opaque":
            out.append("if (nv_xdr_get_fopaque(d, %s, %s) < 0)" % (expr, d.size))
            out.append("    goto fail;")
        elif d.kind == "fixed":
            out.append("for (size_t i_ = 0; i_ < %s; i_++)" % d.size)
            out.append("    if (%s < 0)" % self.dec_value(d.base, postfix(expr) + "[i_]"))
            out.append("        goto fail;")
        elif d.base == "string":
            out.append("if (nv_xdr_get_string(d, %s, %s) < 0)" % (addr(expr), d.size))
            out.append("    goto fail;")
        else:
            ln, val = member(expr, d.name + "_len"), member(expr, d.name + "_val")
            if d.base == "opaque":
                out.append("if (nv_xdr_get_opaque(d, &%s, &%s, %s) < 0)" % (val, ln, d.size))
                out.append("    goto fail;")
            else:
                out.append("{")
                out.append("    uint32_t n_;")
                out.append("    if (nv_xdr_get_array_len(d, &n_, %s, %d) < 0)" % (
                    d.size, self.min_base(d.base)))
                out.append("        goto fail;")
                out.append("    if (n_) {")
                out.append("        %s = calloc(n_, sizeof *%s);" % (val, val))
                out.append("        if (!%s) {" % val)
                out.append("            nv_xdr_dec_fail(d, \"out of memory\");")
                out.append("            goto fail;")
                out.append("        }")
                out.append("        %s = n_;" % ln)
                out.append("        for (uint32_t i_ = 0; i_ < n_; i_++)")
                out.append("            if (%s < 0)" % self.dec_value(d.base, "%s[i_]" % val))
                out.append("                goto fail;")
                out.append("    }")
                out.append("}")
        return out

    def free_decl(self, d, expr):
        out = []
        if d.kind == "scalar":
            out += self.free_value(d.base, expr)
        elif d.kind == "optional":
            out.append("if (%s) {" % expr)
            out += ["    " + s for s in self.free_value(d.base, deref(expr))]
            out.append("    free(%s);" % expr)
            out.append("}")
        elif d.kind == "fixed":
            inner = [] if d.base == "opaque" else self.free_value(d.base, postfix(expr) + "[i_]")
            if inner:
                out.append("for (size_t i_ = 0; i_ < %s; i_++)" % d.size)
                out += ["    " + s for s in inner]
        elif d.base == "string":
            out.append("free(%s);" % expr)
        else:
            ln, val = member(expr, d.name + "_len"), member(expr, d.name + "_val")
            inner = [] if d.base == "opaque" else self.free_value(d.base, "%s[i_]" % val)
            if inner:
                out.append("if (%s)" % val)
                out.append("    for (uint32_t i_ = 0; i_ < %s; i_++)" % ln)
                out += ["        " + s for s in inner]
            out.append("free(%s);" % val)
        return out

    # ---- whole files -------------------------------------------------------

    def functions(self, name, decls_exprs, needs_free):
        """C text of the three functions of type `name`."""
        c = []
        c.append("int nv_proto_enc_%s(nv_buf *b, const %s *v)" % (name, name))
        c.append("{")
        c.append("    if (!v) {")
        c.append("        b->failed = 1;")
        c.append("        return -1;")
        c.append("    }")
        for d, expr in decls_exprs:
            c += ["    " + s for s in self.enc_decl(d, expr)]
        c.append("    return 0;")
        c.append("}")
        c.append("")
        c.append("int nv_proto_dec_%s(nv_xdr_dec *d, %s *v)" % (name, name))
        c.append("{")
        c.append("    memset(v, 0, sizeof *v);")
        for d, expr in decls_exprs:
            c += ["    " + s for s in self.dec_decl(d, expr)]
        c.append("    return 0;")
        c.append("fail:")
        c.append("    nv_proto_free_%s(v);" % name)
        c.append("    return -1;")
        c.append("}")
        c.append("")
        c.append("void nv_proto_free_%s(%s *v)" % (name, name))
        c.append("{")
        c.append("    if (!v)")
        c.append("        return;")
        if needs_free:
            for d, expr in decls_exprs:
                c += ["    " + s for s in self.free_decl(d, expr)]
        c.append("    memset(v, 0, sizeof *v);")
        c.append("}")
        c.append("")
        return c

    def generate(self):
        h, c = [], []
        procs = []
        for item in self.spec.items:
            if isinstance(item, Const):
                v = self.spec.value(item.value)
                if not -0x80000000 <= v <= 0xFFFFFFFF:
                    self.err(item.line, "const %s does not fit in 32 bits" % item.name)
                h.append("#define %s %s%s" % (item.name, item.value, "u" if v > 0x7FFFFFFF else ""))
                continue
            if h and h[-1].startswith("#define"):
                h.append("")
            if isinstance(item, Enum):
                for m, v in item.members:
                    val = self.spec.value(v)
                    if not -0x80000000 <= val <= 0x7FFFFFFF:
                        self.err(item.line, "%s = %s does not fit in an int" % (m, v))
                h.append("enum %s {" % item.name)
                for i, (m, v) in enumerate(item.members):
                    h.append("    %s = %s%s" % (m, v, "," if i + 1 < len(item.members) else ""))
                h.append("};")
                h.append("typedef int32_t %s;" % item.name)
                self._min[item.name] = 4
                self._needs_free[item.name] = False
                self.defined.add(item.name)
                decls = [(xdrparse.Decl("int", "", "scalar", None, item.line), "*v")]
                if item.name.endswith("_procedure"):
                    procs.append(item)
            elif isinstance(item, Typedef):
                d = item.decl
                self.check_base(d)
                self.check_size(d)
                h.append("typedef %s;" % self.cdecl(d, item.name).replace("\n    ", "\n"))
                self._min[item.name] = self.min_decl(d)
                self._needs_free[item.name] = self.needs_free_decl(d)
                self.defined.add(item.name)
                decls = [(d, "*v")]
            elif isinstance(item, Struct):
                names = set()
                for d in item.fields:
                    self.check_base(d)
                    self.check_size(d)
                    if d.name in names:
                        self.err(d.line, "field %s appears twice in %s" % (d.name, item.name))
                    names.add(d.name)
                h.append("typedef struct %s {" % item.name)
                for d in item.fields:
                    h.append("    %s;" % self.cdecl(d, d.name))
                h.append("} %s;" % item.name)
                self._min[item.name] = sum(self.min_decl(d) for d in item.fields)
                self._needs_free[item.name] = any(self.needs_free_decl(d) for d in item.fields)
                self.defined.add(item.name)
                decls = [(d, "v->%s" % d.name) for d in item.fields]
            else:
                self.err(item.line, "unions are not supported")
            name = item.name
            h.append("int nv_proto_enc_%s(nv_buf *b, const %s *v);" % (name, name))
            h.append("int nv_proto_dec_%s(nv_xdr_dec *d, %s *v);" % (name, name))
            h.append("void nv_proto_free_%s(%s *v);" % (name, name))
            h.append("")
            c += self.functions(name, decls, self._needs_free[name])
        return h, c, self.proc_table(procs)

    def proc_table(self, procs):
        """Adapters with void pointers (calling through a mismatched function
        pointer type would be undefined) and the table itself."""
        adapters, rows = [], []
        made = set()
        entries = []
        for en in procs:
            prefix = en.name[: -len("_procedure")]
            up = prefix.upper()
            for k in (up + "_PROGRAM", up + "_PROTOCOL_VERSION"):
                if not isinstance(self.spec.by_name.get(k), Const):
                    self.err(en.line, "%s needs const %s" % (en.name, k))
            for m, v in sorted(en.members, key=lambda mv: self.spec.value(mv[1])):
                if not m.startswith(up + "_PROC_"):
                    self.err(en.line, "%s is not named %s_PROC_*" % (m, up))
                base = "%s_%s" % (prefix, m[len(up + "_PROC_"):].lower())
                args, ret = base + "_args", base + "_ret"
                args = args if isinstance(self.spec.by_name.get(args), Struct) else None
                ret = ret if isinstance(self.spec.by_name.get(ret), Struct) else None
                if args and args not in made:
                    made.add(args)
                    adapters += [
                        "static int enc_%s(nv_buf *b, const void *v)" % args,
                        "{",
                        "    return nv_proto_enc_%s(b, v);" % args,
                        "}",
                        "",
                    ]
                if ret and ret not in made:
                    made.add(ret)
                    adapters += [
                        "static int dec_%s(nv_xdr_dec *d, void *v)" % ret,
                        "{",
                        "    return nv_proto_dec_%s(d, v);" % ret,
                        "}",
                        "",
                        "static void free_%s(void *v)" % ret,
                        "{",
                        "    nv_proto_free_%s(v);" % ret,
                        "}",
                        "",
                    ]
                self.procedures.append(Proc(prefix, m, self.spec.value(v), base, args, ret))
                entries.append((self.spec.value(up + "_PROGRAM"), self.spec.value(v), [
                    "    {",
                    "        .prog = %s_PROGRAM," % up,
                    "        .vers = %s_PROTOCOL_VERSION," % up,
                    "        .proc = %s," % m,
                    "        .name = \"%s\"," % m,
                    "        .enc_args = %s," % ("enc_" + args if args else "NULL"),
                    "        .args_size = %s," % ("sizeof(%s)" % args if args else "0"),
                    "        .dec_ret = %s," % ("dec_" + ret if ret else "NULL"),
                    "        .free_ret = %s," % ("free_" + ret if ret else "NULL"),
                    "        .ret_size = %s," % ("sizeof(%s)" % ret if ret else "0"),
                    "    },",
                ]))
        for _, _, lines in sorted(entries, key=lambda e: (e[0], e[1])):
            rows += lines
        return adapters, rows


HEADER_TOP = """\
/* Generated by proto/gen.py from proto/remote.x: do not edit.
 *
 * libvirt's RPC types in C, with an encoder, a decoder and a free function
 * per type:
 *   int  nv_proto_enc_T(nv_buf *b, const T *v);   0, or -1 with b->failed set
 *                                                 (a string or array over its
 *                                                 maximum, a NULL non-null string)
 *   int  nv_proto_dec_T(nv_xdr_dec *d, T *v);     0, or -1 with d failed; *v is
 *                                                 always initialised, and zeroed
 *                                                 on failure
 *   void nv_proto_free_T(T *v);                   frees what dec allocated and
 *                                                 zeroes *v (NULL is ignored)
 * Optional data is a pointer (NULL when absent); a variable array x<N> is
 * struct { uint32_t x_len; T *x_val; }. Enums are int32_t so that unknown
 * values from a newer daemon are harmless. */
#ifndef NV_RPC_PROTO_GEN_H
#define NV_RPC_PROTO_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "xdr/xdr.h"

"""

HEADER_BOTTOM = """\
/* One procedure of a program: how to encode its arguments and decode its
 * result without knowing their types. */
typedef struct nv_proto_proc {
    uint32_t prog;
    uint32_t vers;
    int32_t proc;
    const char *name;                               /* e.g. "REMOTE_PROC_CONNECT_OPEN" */
    int (*enc_args)(nv_buf *b, const void *args);   /* NULL: the call has an empty body */
    size_t args_size;
    int (*dec_ret)(nv_xdr_dec *d, void *ret);       /* NULL: the reply has an empty body */
    void (*free_ret)(void *ret);
    size_t ret_size;
} nv_proto_proc;

/* Every procedure we speak, sorted by program and procedure number. */
extern const nv_proto_proc nv_proto_procs[];
extern const size_t nv_proto_nprocs;

/* The entry for (prog, proc), or NULL when it is not in proto/remote.x. */
const nv_proto_proc *nv_proto_proc_find(uint32_t prog, int32_t proc);

#endif
"""

SOURCE_TOP = """\
/* Generated by proto/gen.py from proto/remote.x: do not edit. */
#include "rpc/proto.gen.h"

#include <stdlib.h>
#include <string.h>

"""

SOURCE_BOTTOM = """\
const size_t nv_proto_nprocs = sizeof nv_proto_procs / sizeof nv_proto_procs[0];

const nv_proto_proc *nv_proto_proc_find(uint32_t prog, int32_t proc)
{
    size_t lo = 0, hi = nv_proto_nprocs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const nv_proto_proc *p = &nv_proto_procs[mid];
        if (p->prog == prog && p->proc == proc)
            return p;
        if (p->prog < prog || (p->prog == prog && p->proc < proc))
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}
"""


# ---- typed calls of the remote program ---------------------------------------

WIDTH = 100  # wrap generated prototypes here


def c_function(name, params, end, ret="int"):
    """Lines of "ret name(params)" + end, wrapped at WIDTH with every
    continuation line under the first parameter."""
    head = "%s %s(" % (ret, name)
    lines, cur = [], head
    for i, prm in enumerate(params):
        piece = prm + (", " if i + 1 < len(params) else ")" + end)
        if i > 0 and len(cur) + len(piece.rstrip()) > WIDTH:
            lines.append(cur.rstrip())
            cur = " " * len(head)
        cur += piece
    lines.append(cur)
    return lines


def remote_calls(procs):
    """Declarations and definitions of the four typed functions of every
    procedure of the remote program."""
    h, c = [], []
    for p in procs:
        if p.prefix != "remote":
            continue
        name = "nv_" + p.base
        a = ["const %s *a" % p.args] if p.args else []
        r = ["%s *r" % p.ret] if p.ret else []
        a_arg, r_arg = ("a" if p.args else "NULL"), ("r" if p.ret else "NULL")
        fns = [
            (name + "_start", ["nv_rpc_conn *c"] + a + ["uint32_t *serial", "nv_err *e"],
             "nv_rpc_call_start(c, %s, %s, serial, e)" % (p.const, a_arg)),
            (name + "_finish", ["nv_rpc_conn *c", "uint32_t serial"] + r + ["nv_err *e"],
             "nv_rpc_call_finish(c, %s, serial, %s, e)" % (p.const, r_arg)),
            (name + "_reply", ["const nv_rpc_reply *rep"] + r + ["nv_err *e"],
             "nv_rpc_reply_ret(rep, %s, %s, e)" % (p.const, r_arg)),
            (name, ["nv_rpc_conn *c"] + a + r + ["nv_err *e"],
             "nv_rpc_call(c, %s, %s, %s, e)" % (p.const, a_arg, r_arg)),
        ]
        h.append("/* %s = %d */" % (p.const, p.number))
        for fn, params, call in fns:
            h += c_function(fn, params, ";")
            c += c_function(fn, params, "")
            c += ["{", "    return %s;" % call, "}", ""]
        h.append("")
    return h, c


CALLS_HEADER_TOP = """\
/* Generated by proto/gen.py from proto/remote.x: do not edit.
 *
 * Typed calls of libvirt's remote program, four per procedure. For
 * REMOTE_PROC_X with arguments remote_x_args and result remote_x_ret (a
 * procedure without one of them has no a or no r parameter):
 *   int nv_remote_x_start(nv_rpc_conn *c, const remote_x_args *a, uint32_t *serial, nv_err *e);
 *       sends the call; *serial (serial may be NULL) is its serial
 *   int nv_remote_x_finish(nv_rpc_conn *c, uint32_t serial, remote_x_ret *r, nv_err *e);
 *       waits for the reply to serial and decodes it into *r; the serial of a
 *       call of another procedure is refused (NV_ERR_INPUT) and stays in flight
 *   int nv_remote_x_reply(const nv_rpc_reply *rep, remote_x_ret *r, nv_err *e);
 *       decodes a reply collected with nv_rpc_wait / nv_rpc_wait_any; a reply
 *       to another procedure is refused (NV_ERR_INPUT)
 *   int nv_remote_x(nv_rpc_conn *c, const remote_x_args *a, remote_x_ret *r, nv_err *e);
 *       start + finish
 * Each returns 0, or -1 with e set: a daemon's error is NV_ERR_LIBVIRT with
 * libvirt's error code in e->code. r may be NULL to discard the result;
 * otherwise it is zeroed on failure, and on success the caller frees it with
 * nv_proto_free_remote_x_ret. Calls that nothing makes cost no space in the
 * program: the linker drops them. */
#ifndef NV_RPC_REMOTE_CALLS_GEN_H
#define NV_RPC_REMOTE_CALLS_GEN_H

#include <stdint.h>

#include "rpc/call.h"
#include "rpc/proto.gen.h"
#include "util/error.h"

"""

CALLS_SOURCE_TOP = """\
/* Generated by proto/gen.py from proto/remote.x: do not edit. */
#include "rpc/remote_calls.gen.h"

#include <stddef.h>

#include "rpc/call_untyped.h"

"""


# ---- the object kinds of virt/object.h -----------------------------------------

class Kind:
    """One kind of object behind virt/object.h's nv_kind_ops. Its procedures
    are REMOTE_PROC_<PREFIX>_<op> (see OPS) but for define and list; flags
    and error codes are (libvirt's name, value)."""

    def __init__(self, name, prefix, handle, field, has_id, define_proc, list_proc, list_field,
                 not_found, xml_inactive, list_active, list_inactive, hand_written):
        self.name, self.prefix, self.handle, self.field = name, prefix, handle, field
        self.has_id, self.define_proc = has_id, define_proc
        self.list_proc, self.list_field = list_proc, list_field
        self.not_found, self.xml_inactive = not_found, xml_inactive
        self.list_active, self.list_inactive = list_active, list_inactive
        self.hand_written = hand_written  # nv_kind_ops member -> function written by hand


# nv_kind_ops member (without _start/_finish) -> procedure after the kind's prefix
OPS = (
    ("lookup_uuid", "lookup_by_uuid"),
    ("lookup_name", "lookup_by_name"),
    ("xml", "get_xml_desc"),
    ("is_active", "is_active"),
    ("autostart", "get_autostart"),
    ("is_persistent", "is_persistent"),
    ("create", "create"),
    ("destroy", "destroy"),
    ("undefine", "undefine"),
    ("set_autostart", "set_autostart"),
)

# Domains, networks and pools: everything in which their procedures differ.
# src/virt/kinds.gen.c is generated from this table; what a kind does
# differently is written by hand in src/virt/<kind>.c and named in
# hand_written.
KINDS = (
    Kind(name="domain", prefix="domain", handle="remote_nonnull_domain", field="dom", has_id=True,
         define_proc="domain_define_xml_flags",
         list_proc="connect_list_all_domains", list_field="domains",
         not_found=("VIR_ERR_NO_DOMAIN", 42),
         xml_inactive=("VIR_DOMAIN_XML_INACTIVE", 2),
         list_active=("VIR_CONNECT_LIST_DOMAINS_ACTIVE", 1),
         list_inactive=("VIR_CONNECT_LIST_DOMAINS_INACTIVE", 2),
         # keeps NVRAM and TPM state, falling back for drivers that reject the flags
         hand_written={"undefine": "nv_domain_undefine"}),
    Kind(name="network", prefix="network", handle="remote_nonnull_network", field="net", has_id=False,
         define_proc="network_define_xml",
         list_proc="connect_list_all_networks", list_field="nets",
         not_found=("VIR_ERR_NO_NETWORK", 43),
         xml_inactive=("VIR_NETWORK_XML_INACTIVE", 1),
         list_active=("VIR_CONNECT_LIST_NETWORKS_ACTIVE", 2),
         list_inactive=("VIR_CONNECT_LIST_NETWORKS_INACTIVE", 1),
         hand_written={}),
    Kind(name="pool", prefix="storage_pool", handle="remote_nonnull_storage_pool", field="pool",
         has_id=False,
         define_proc="storage_pool_define_xml",
         list_proc="connect_list_all_storage_pools", list_field="pools",
         not_found=("VIR_ERR_NO_STORAGE_POOL", 49),
         xml_inactive=("VIR_STORAGE_XML_INACTIVE", 1),
         list_active=("VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE", 2),
         list_inactive=("VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE", 1),
         hand_written={}),
)

INT_BASES = ("int", "unsigned int", "bool")


class KindsGen:
    """C text of virt/kinds.gen.{h,c} for KINDS, checked against the spec."""

    def __init__(self, spec, kinds):
        self.spec, self.kinds = spec, kinds

    def struct(self, name):
        item = self.spec.by_name.get(name)
        if not isinstance(item, Struct):
            raise GenError("kinds table: %s is not a struct of proto/remote.x" % name)
        return item

    def proc(self, base):
        """The args / ret struct names of remote procedure base, checked."""
        const = "REMOTE_PROC_" + base.upper()
        en = self.spec.by_name.get("remote_procedure")
        if not isinstance(en, Enum) or const not in [m for m, _ in en.members]:
            raise GenError("kinds table: %s is not a procedure of proto/remote.x" % const)
        args, ret = "remote_%s_args" % base, "remote_%s_ret" % base
        return (args if isinstance(self.spec.by_name.get(args), Struct) else None,
                ret if isinstance(self.spec.by_name.get(ret), Struct) else None)

    def args(self, base, known):
        """The initializer of base's args: the fields in known with their
        values, integer fields not in it 0 (flags nobody sets), any other
        field an error (it would go out as a NULL or empty value)."""
        args, _ = self.proc(base)
        if not args:
            raise GenError("kinds table: remote_%s has no arguments" % base)
        names = [d.name for d in self.struct(args).fields]
        for f in known:
            if f not in names:
                raise GenError("kinds table: %s has no field %s" % (args, f))
        parts = []
        for d in self.struct(args).fields:
            if d.name in known:
                parts.append(".%s = %s" % (d.name, known[d.name]))
            elif d.kind == "scalar" and d.base in INT_BASES:
                parts.append(".%s = 0" % d.name)
            else:
                raise GenError("kinds table: nothing says what to send in %s.%s" % (args, d.name))
        return "%s a = {%s};" % (args, ", ".join(parts))

    def ret_field(self, base, field):
        _, ret = self.proc(base)
        if not ret or field not in [d.name for d in self.struct(ret).fields]:
            raise GenError("kinds table: remote_%s returns no %s" % (base, field))
        return ret

    def kind(self, k):
        """Lines of one kind's functions and its nv_kind_ops."""
        handle = self.struct(k.handle)
        hfields = [d.name for d in handle.fields]
        if hfields != (["name", "uuid", "id"] if k.has_id else ["name", "uuid"]):
            raise GenError("kinds table: %s has fields %s" % (k.handle, ", ".join(hfields)))
        p, n, h = k.prefix, k.name, "nv_%s_handle(o)" % k.name
        proc = {op: "%s_%s" % (p, suffix) for op, suffix in OPS}

        def fn(name, params):
            return c_function(name, params, "", "static int")

        c = ["/* ---- %s: REMOTE_PROC_%s_* and %s " % (n, p.upper(), k.list_proc.upper())]
        c[0] += "-" * max(3, 85 - len(c[0])) + " */"
        c += [
            "",
            "%s nv_%s_handle(const nv_obj *o)" % (k.handle, n),
            "{",
            "    %s h;" % k.handle,
            "    h.name = o->name;",
            "    memcpy(h.uuid, o->uuid, 16);",
        ]
        c += ["    h.id = o->id;"] if k.has_id else []
        c += [
            "    return h;",
            "}",
            "",
            "int nv_%s_from_handle(nv_obj *out, const %s *h, nv_err *e)" % (n, k.handle),
            "{",
            "    return nv_obj_set(out, h->name, h->uuid, %s, e);" % ("h->id" if k.has_id else "-1"),
            "}",
            "",
        ]
        for op, what in (("lookup_uuid", "const uint8_t uuid[16]"), ("lookup_name", "const char *name")):
            base = proc[op]
            ret = self.ret_field(base, k.field)
            if op == "lookup_uuid":
                self.args(base, {"uuid": "uuid"})  # checks the struct; an array is copied
                init = ["    remote_%s_args a;" % base, "    memcpy(a.uuid, uuid, 16);"]
            else:
                init = ["    " + self.args(base, {"name": "(char *)name"})]
            c += [
                *fn("%s_%s_start" % (n, op), ["nv_conn *c", what, "uint32_t *serial", "nv_err *e"]),
                "{",
            ] + init + [
                "    return nv_remote_%s_start(c->rpc, &a, serial, e);" % base,
                "}",
                "",
                "/* 1 found (out set), 0 no such %s, -1 error */" % n,
                *fn("%s_%s_finish" % (n, op), ["nv_conn *c", "uint32_t serial", "nv_obj *out", "nv_err *e"]),
                "{",
                "    %s r;" % ret,
                "    if (nv_remote_%s_finish(c->rpc, serial, &r, e) < 0)" % base,
                "        return nv_virt_not_found(&nv_%s_ops, e) ? 0 : -1;" % n,
                "    int rc = nv_%s_from_handle(out, &r.%s, e);" % (n, k.field),
                "    nv_proto_free_%s(&r);" % ret,
                "    return rc < 0 ? -1 : 1;",
                "}",
                "",
            ]
        base = proc["xml"]
        ret = self.ret_field(base, "xml")
        c += [
            *fn("%s_xml_start" % n, ["nv_conn *c", "const nv_obj *o", "unsigned flags", "uint32_t *serial",
                                     "nv_err *e"]),
            "{",
            "    " + self.args(base, {k.field: h, "flags": "flags"}),
            "    return nv_remote_%s_start(c->rpc, &a, serial, e);" % base,
            "}",
            "",
            *fn("%s_xml_finish" % n, ["nv_conn *c", "uint32_t serial", "char **xml", "nv_err *e"]),
            "{",
            "    %s r;" % ret,
            "    if (nv_remote_%s_finish(c->rpc, serial, &r, e) < 0)" % base,
            "        return -1;",
            "    *xml = r.xml; /* ownership moves to the caller */",
            "    return 0;",
            "}",
            "",
        ]
        # the three yes/no questions; a blocking one when nothing pipelines it
        for op, field, split in (("is_active", "active", True), ("autostart", "autostart", True),
                                 ("is_persistent", "persistent", False)):
            base = proc[op]
            ret = self.ret_field(base, field)
            init = "    " + self.args(base, {k.field: h})
            if split:
                c += [
                    *fn("%s_%s_start" % (n, op), ["nv_conn *c", "const nv_obj *o", "uint32_t *serial",
                                                  "nv_err *e"]),
                    "{",
                    init,
                    "    return nv_remote_%s_start(c->rpc, &a, serial, e);" % base,
                    "}",
                    "",
                    *fn("%s_%s_finish" % (n, op), ["nv_conn *c", "uint32_t serial", "nv_err *e"]),
                    "{",
                    "    %s r;" % ret,
                    "    if (nv_remote_%s_finish(c->rpc, serial, &r, e) < 0)" % base,
                ]
            else:
                c += [
                    *fn("%s_%s" % (n, op), ["nv_conn *c", "const nv_obj *o", "nv_err *e"]),
                    "{",
                    init,
                    "    %s r;" % ret,
                    "    if (nv_remote_%s(c->rpc, &a, &r, e) < 0)" % base,
                ]
            c += ["        return -1;", "    return r.%s ? 1 : 0;" % field, "}", ""]
        base = k.define_proc
        init = "    " + self.args(base, {"xml": "(char *)xml"})
        ret = self.ret_field(base, k.field)
        c += [
            *fn("%s_define" % n, ["nv_conn *c", "const char *xml", "nv_obj *out", "nv_err *e"]),
            "{",
            init,
            "    %s r;" % ret,
            "    if (nv_remote_%s(c->rpc, &a, &r, e) < 0)" % base,
            "        return -1;",
            "    int rc = out ? nv_%s_from_handle(out, &r.%s, e) : 0;" % (n, k.field),
            "    nv_proto_free_%s(&r);" % ret,
            "    return rc;",
            "}",
            "",
        ]
        for op in ("create", "destroy", "undefine"):
            if op in k.hand_written:
                continue
            base = proc[op]
            c += [
                *fn("%s_%s" % (n, op), ["nv_conn *c", "const nv_obj *o", "nv_err *e"]),
                "{",
                "    " + self.args(base, {k.field: h}),
                "    return nv_remote_%s(c->rpc, &a, e);" % base,
                "}",
                "",
            ]
        base = proc["set_autostart"]
        c += [
            *fn("%s_set_autostart" % n, ["nv_conn *c", "const nv_obj *o", "int on", "nv_err *e"]),
            "{",
            "    " + self.args(base, {k.field: h, "autostart": "on ? 1 : 0"}),
            "    return nv_remote_%s(c->rpc, &a, e);" % base,
            "}",
            "",
        ]
        base = k.list_proc
        ret = self.ret_field(base, k.list_field)
        ln, lv = "r.%s.%s_len" % (k.list_field, k.list_field), "r.%s.%s_val" % (k.list_field, k.list_field)
        c += [
            *fn("%s_list_start" % n, ["nv_conn *c", "unsigned flags", "uint32_t *serial", "nv_err *e"]),
            "{",
            "    " + self.args(base, {"need_results": "1", "flags": "flags"}),
            "    return nv_remote_%s_start(c->rpc, &a, serial, e);" % base,
            "}",
            "",
            *fn("%s_list_finish" % n, ["nv_conn *c", "uint32_t serial", "nv_obj_list *out", "nv_err *e"]),
            "{",
            "    %s r;" % ret,
            "    out->n = 0;",
            "    out->v = NULL;",
            "    if (nv_remote_%s_finish(c->rpc, serial, &r, e) < 0)" % base,
            "        return -1;",
            "    out->v = calloc(%s ? %s : 1, sizeof *out->v);" % (ln, ln),
            "    int rc = out->v ? 0 : nv_err_set(e, NV_ERR_SYSTEM, \"out of memory\");",
            "    for (uint32_t i = 0; rc == 0 && i < %s; i++, out->n++)" % ln,
            "        rc = nv_%s_from_handle(&out->v[i], &%s[i], e);" % (n, lv),
            "    nv_proto_free_%s(&r);" % ret,
            "    if (rc < 0)",
            "        nv_obj_list_free(out);",
            "    return rc;",
            "}",
            "",
        ]
        members = ["lookup_uuid_start", "lookup_uuid_finish", "lookup_name_start",
                   "lookup_name_finish", "xml_start", "xml_finish", "is_active_start",
                   "is_active_finish", "autostart_start", "autostart_finish", "is_persistent",
                   "define", "create", "destroy", "undefine", "set_autostart", "list_start",
                   "list_finish"]
        c += [
            "const nv_kind_ops nv_%s_ops = {" % n,
            "    .name = \"%s\"," % n,
            "    .err_no_object = %d, /* %s */" % (k.not_found[1], k.not_found[0]),
            "    .xml_inactive = %du, /* %s */" % (k.xml_inactive[1], k.xml_inactive[0]),
            "    .list_active = %du, /* %s */" % (k.list_active[1], k.list_active[0]),
            "    .list_inactive = %du, /* %s */" % (k.list_inactive[1], k.list_inactive[0]),
        ]
        for m in members:
            if m in k.hand_written:
                c.append("    .%s = %s, /* by hand, in virt/%s.c */" % (m, k.hand_written[m], n))
            else:
                c.append("    .%s = %s_%s," % (m, n, m))
        c += ["};", ""]
        return c

    def render(self):
        h, c = [], []
        for k in self.kinds:
            h += [
                "%s nv_%s_handle(const nv_obj *o);" % (k.handle, k.name),
                "int nv_%s_from_handle(nv_obj *out, const %s *h, nv_err *e);" % (k.name, k.handle),
            ]
            for m, fn in sorted(k.hand_written.items()):
                h.append("/* the ops' %s, by hand in virt/%s.c */" % (m, k.name))
                h.append(HAND_WRITTEN[m] % fn)
            h.append("")
            c += self.kind(k)
        return h, c


# The signatures of nv_kind_ops members a kind may write by hand.
HAND_WRITTEN = {
    "undefine": "int %s(nv_conn *c, const nv_obj *o, nv_err *e);",
}

KINDS_HEADER_TOP = """\
/* Generated by proto/gen.py from its kinds table (KINDS): do not edit.
 *
 * The operations of virt/object.h's nv_kind_ops for domains, networks and
 * pools, which differ only in names, flags and error codes, are in
 * virt/kinds.gen.c; what a kind does differently is written by hand in
 * virt/<kind>.c. Within src/virt, nv_<kind>_handle makes the daemon's handle
 * of an object and nv_<kind>_from_handle reads one (0, or -1 out of memory). */
#ifndef NV_VIRT_KINDS_GEN_H
#define NV_VIRT_KINDS_GEN_H

#include "rpc/remote_calls.gen.h"
#include "virt/object.h"

"""

KINDS_SOURCE_TOP = """\
/* Generated by proto/gen.py from its kinds table (KINDS): do not edit.
 * One section per kind: its handle, then the functions of its nv_kind_ops
 * (virt/object.h) over the typed calls of rpc/remote_calls.gen.h. */
#include "virt/kinds.gen.h"

#include <stdlib.h>
#include <string.h>

#include "rpc/connect.h"

"""


def render(spec, path, kinds=KINDS):
    """The generated files, by path under src/ (OUTPUTS); kinds=() for a
    specification without the remote program."""
    g = Gen(spec, path)
    h, c, (adapters, rows) = g.generate()
    header = HEADER_TOP + "\n".join(h).rstrip("\n") + "\n\n" + HEADER_BOTTOM
    source = SOURCE_TOP + "\n".join(c)
    source += "\n".join(adapters)
    if rows:
        source += "const nv_proto_proc nv_proto_procs[] = {\n" + "\n".join(rows) + "\n};\n\n"
        source += SOURCE_BOTTOM
    else:
        # C has no empty arrays: one zeroed entry that nv_proto_nprocs hides
        source += "const nv_proto_proc nv_proto_procs[1];\n\n"
        source += SOURCE_BOTTOM.replace("sizeof nv_proto_procs / sizeof nv_proto_procs[0]", "0")
    calls_h, calls_c = remote_calls(g.procedures)
    calls_header = CALLS_HEADER_TOP + "\n".join(calls_h) + ("\n" if calls_h else "") + "#endif\n"
    calls_source = CALLS_SOURCE_TOP + "\n".join(calls_c)
    kinds_h, kinds_c = KindsGen(spec, kinds).render()
    kinds_header = KINDS_HEADER_TOP + "\n".join(kinds_h) + ("\n" if kinds_h else "") + "#endif\n"
    kinds_source = KINDS_SOURCE_TOP + "\n".join(kinds_c)
    return dict(zip(OUTPUTS, (header, source, calls_header, calls_source, kinds_header, kinds_source)))


def main(argv):
    check = False
    args = argv[1:]
    if args and args[0] == "--check":
        check = True
        args = args[1:]
    if args:
        sys.stderr.write("usage: proto/gen.py [--check]\n")
        return 2
    try:
        spec = xdrparse.parse_file(INPUT)
        files = render(spec, os.path.relpath(INPUT, ROOT))
    except (xdrparse.ParseError, GenError) as e:
        sys.stderr.write("gen.py: %s\n" % e)
        return 1
    outputs = [(os.path.join(ROOT, "src", rel), text) for rel, text in files.items()]
    if check:
        stale = []
        for path, text in outputs:
            try:
                with open(path, encoding="utf-8") as f:
                    if f.read() == text:
                        continue
            except OSError:
                pass
            stale.append(os.path.relpath(path, ROOT))
        if stale:
            sys.stderr.write("gen.py: %s out of date; run proto/gen.py and commit the result\n"
                             % ", ".join(stale))
            return 1
        return 0
    for path, text in outputs:
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
