#!/usr/bin/env python3
"""Tests gen.py: the codecs on the XDR constructs that proto/remote.x does not
use yet (variable opaque, fixed arrays of non-opaque types, bool, hyper,
nested optional typedefs, arrays of strings), its error checks, the typed
calls of every remote procedure, the kinds table, and that the committed
files are what it generates (proto/gen.py --check).

C is generated into a temporary directory, compiled with a test program
using the host's cc (with ASan and UBSan when available) and run. Exit
status 0 when everything passes.

    proto/test_gen.py [--cc CC]
"""

import copy
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen  # noqa: E402
import xdrparse  # noqa: E402

ROOT = os.path.dirname(HERE)

SPEC = """
const MAXN = 5;
const FIX = 3;
enum color { RED = 0, GREEN = 1, BLUE = 0x7fffffff };
typedef opaque blob<MAXN>;
typedef int trio[FIX];
typedef string name<MAXN>;
typedef name *optname;
struct inner {
    hyper h;
    unsigned hyper uh;
    bool b;
    color c;
};
struct outer {
    blob bl;
    opaque raw<MAXN>;
    opaque fx[FIX];
    trio t;
    inner ins<MAXN>;
    inner one;
    inner *maybe;
    optname on;
    name names<MAXN>;
    unsigned int u;
};
"""

TEST_C = r"""
#include "rpc/proto.gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fails;
#define EXPECT(c) do { if (!(c)) { fprintf(stderr, "line %d: %s\n", __LINE__, #c); fails++; } } while (0)

static char *dup_s(const char *s) { char *p = malloc(strlen(s) + 1); strcpy(p, s); return p; }

int main(void)
{
    outer o;
    memset(&o, 0, sizeof o);
    o.bl.blob_len = 2;
    o.bl.blob_val = (uint8_t *)dup_s("ab");
    o.raw.raw_len = 5;
    o.raw.raw_val = (uint8_t *)dup_s("12345");
    memcpy(o.fx, "xyz", 3);
    o.t[0] = -1; o.t[1] = 2; o.t[2] = 3;
    o.ins.ins_len = 2;
    o.ins.ins_val = calloc(2, sizeof(inner));
    o.ins.ins_val[0].h = -5; o.ins.ins_val[0].uh = 0xffffffffffffffffull; o.ins.ins_val[0].b = 1;
    o.ins.ins_val[1].c = BLUE;
    o.one.c = GREEN;
    o.maybe = calloc(1, sizeof(inner));
    o.maybe->h = 1;
    o.on = calloc(1, sizeof(name));
    *o.on = dup_s("hey");
    o.names.names_len = 2;
    o.names.names_val = calloc(2, sizeof(name));
    o.names.names_val[0] = dup_s("");
    o.names.names_val[1] = dup_s("abcde");
    o.u = 0x80000000u;

    nv_buf b, b2;
    nv_buf_init(&b, 0);
    nv_buf_init(&b2, 0);
    EXPECT(nv_proto_enc_outer(&b, &o) == 0);
    /* blob: len 2, "ab", 2 pad; raw: len 5, 5 bytes, 3 pad; fx: 3 + 1 pad */
    static const unsigned char head[] = { 0,0,0,2, 'a','b',0,0, 0,0,0,5, '1','2','3','4','5',0,0,0,
                                          'x','y','z',0, 0xff,0xff,0xff,0xff, 0,0,0,2, 0,0,0,3, 0,0,0,2 };
    EXPECT(b.len > sizeof head && memcmp(b.data, head, sizeof head) == 0);

    outer d;
    nv_xdr_dec x;
    nv_xdr_dec_init(&x, b.data, b.len);
    EXPECT(nv_proto_dec_outer(&x, &d) == 0);
    EXPECT(nv_xdr_dec_finish(&x) == 0);
    EXPECT(nv_proto_enc_outer(&b2, &d) == 0);
    EXPECT(b2.len == b.len && memcmp(b.data, b2.data, b.len) == 0);
    EXPECT(d.t[0] == -1 && d.ins.ins_val[0].h == -5 && d.ins.ins_val[0].b == 1);
    EXPECT(d.ins.ins_val[1].c == BLUE && d.maybe && d.maybe->h == 1);
    EXPECT(d.on && strcmp(*d.on, "hey") == 0 && strcmp(d.names.names_val[1], "abcde") == 0);
    EXPECT(d.u == 0x80000000u);
    nv_proto_free_outer(&d);

    /* every truncation fails and leaves nothing allocated */
    for (size_t n = 0; n < b.len; n++) {
        nv_xdr_dec_init(&x, b.data, n);
        if (nv_proto_dec_outer(&x, &d) != -1) { fprintf(stderr, "truncation %zu decoded\n", n); fails++; }
        EXPECT(d.bl.blob_val == NULL && d.maybe == NULL && d.on == NULL);
    }
    /* a bool of 2 is refused: first inner's b sits after blob(8) raw(12) fx(4) t(12) count(4) h,uh(16) */
    unsigned char *bad = malloc(b.len);
    memcpy(bad, b.data, b.len);
    bad[8 + 12 + 4 + 12 + 4 + 16 + 3] = 2;
    nv_xdr_dec_init(&x, bad, b.len);
    EXPECT(nv_proto_dec_outer(&x, &d) == -1);
    free(bad);

    /* over the maxima on encode */
    o.names.names_val[1][0] = 'z';
    free(o.names.names_val[0]);
    o.names.names_val[0] = dup_s("toolong");
    nv_buf_reset(&b);
    EXPECT(nv_proto_enc_outer(&b, &o) == -1);
    o.bl.blob_len = 6;
    nv_buf_reset(&b);
    EXPECT(nv_proto_enc_outer(&b, &o) == -1);
    o.bl.blob_len = 2;

    EXPECT(nv_proto_nprocs == 0 && nv_proto_proc_find(1, 1) == NULL);
    nv_proto_free_outer(&o);
    nv_buf_free(&b);
    nv_buf_free(&b2);
    if (fails)
        return 1;
    printf("generated code: ok\n");
    return 0;
}
"""

BAD = [
    ("struct s { string x<>; };", "has no maximum"),
    ("struct s { int x<>; };", "has no maximum"),
    ("struct s { foo x; };", "unknown type foo"),
    ("struct s { t x; }; typedef int t;", "used before its definition"),
    ("struct s { float f; };", "not supported"),
    ("union u switch (int d) { case 0: int a; };", "unsupported definition"),
    ("struct s { int a; int a; };", "appears twice"),
    ("const A = 1; const A = 2;", "defined twice"),
    ("struct s { opaque x; };", "needs [n] or <max>"),
    ("struct s { int x<NOPE>; };", "unknown constant NOPE"),
    ("enum e_procedure { E_PROC_X = 1 };", "needs const E_PROGRAM"),
]


# A kinds-table row changed so: the error gen.py must give.
BAD_KINDS = [
    ({"prefix": "domian"}, "REMOTE_PROC_DOMIAN_LOOKUP_BY_UUID is not a procedure"),
    ({"list_field": "doms"}, "remote_connect_list_all_domains returns no doms"),
    ({"handle": "remote_nonnull_network"}, "remote_nonnull_network has fields name, uuid"),
    ({"define_proc": "domain_attach_device_flags"},
     "nothing says what to send in remote_domain_attach_device_flags_args.dom"),
    ({"define_proc": "domain_lookup_by_name"}, "remote_domain_lookup_by_name_args has no field xml"),
    ({"define_proc": "domain_create"}, "remote_domain_create_args has no field xml"),
    ({"handle": "remote_domain"}, "remote_domain is not a struct"),
]


def check_errors():
    bad = 0
    for text, want in BAD:
        try:
            spec = xdrparse.parse(text, "t.x")
            gen.render(spec, "t.x", kinds=())
            got = "no error"
        except (xdrparse.ParseError, gen.GenError) as e:
            got = str(e)
        if want not in got:
            print("FAIL: %r: expected %r, got %r" % (text, want, got))
            bad += 1
    spec = xdrparse.parse_file(gen.INPUT)
    for change, want in BAD_KINDS:
        k = copy.copy(gen.KINDS[0])
        for attr, value in change.items():
            setattr(k, attr, value)
        try:
            gen.render(spec, "remote.x", kinds=(k,))
            got = "no error"
        except gen.GenError as e:
            got = str(e)
        if want not in got:
            print("FAIL: kinds row with %r: expected %r, got %r" % (change, want, got))
            bad += 1
    return bad


# The typed calls of proto/remote.x, freshly generated, over stand-ins for
# rpc/call_untyped.c that record what the wrappers hand them.
CALLS_TEST_C = r"""
#include "rpc/remote_calls.gen.h"
#include "rpc/call_untyped.h"

#include <stdio.h>

static int fails;
#define EXPECT(c) do { if (!(c)) { fprintf(stderr, "line %d: %s\n", __LINE__, #c); fails++; } } while (0)

static struct { const char *fn; int32_t proc; const void *args; void *ret; uint32_t serial; } last;

int nv_rpc_call_start(nv_rpc_conn *c, int32_t proc, const void *args, uint32_t *serial, nv_err *e)
{
    last.fn = "start", last.proc = proc, last.args = args, last.ret = NULL;
    *serial = 77;
    return 0;
}

int nv_rpc_call_finish(nv_rpc_conn *c, int32_t proc, uint32_t serial, void *ret, nv_err *e)
{
    last.fn = "finish", last.proc = proc, last.args = NULL, last.ret = ret, last.serial = serial;
    return 0;
}

int nv_rpc_reply_ret(const nv_rpc_reply *r, int32_t proc, void *ret, nv_err *e)
{
    last.fn = "reply", last.proc = proc, last.args = r, last.ret = ret;
    return 0;
}

int nv_rpc_call(nv_rpc_conn *c, int32_t proc, const void *args, void *ret, nv_err *e)
{
    last.fn = "call", last.proc = proc, last.args = args, last.ret = ret;
    return 0;
}

#define IS(f, p, a, r) (last.fn[0] == (f)[0] && last.proc == (p) && last.args == (a) && last.ret == (r))

int main(void)
{
    nv_rpc_conn *c = NULL;
    nv_err e;
    uint32_t s = 0;
    nv_rpc_reply rep;
    /* arguments and a result */
    remote_domain_lookup_by_name_args la = { .name = "vm" };
    remote_domain_lookup_by_name_ret lr;
    EXPECT(nv_remote_domain_lookup_by_name_start(c, &la, &s, &e) == 0 && s == 77);
    EXPECT(IS("start", REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, &la, NULL));
    EXPECT(nv_remote_domain_lookup_by_name_finish(c, 5, &lr, &e) == 0 && last.serial == 5);
    EXPECT(IS("finish", REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, NULL, &lr));
    EXPECT(nv_remote_domain_lookup_by_name_reply(&rep, &lr, &e) == 0);
    EXPECT(IS("reply", REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, &rep, &lr));
    EXPECT(nv_remote_domain_lookup_by_name(c, &la, &lr, &e) == 0);
    EXPECT(IS("call", REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, &la, &lr));
    /* arguments only */
    remote_domain_create_args ca = { .dom = { .name = "vm" } };
    EXPECT(nv_remote_domain_create(c, &ca, &e) == 0 && IS("call", REMOTE_PROC_DOMAIN_CREATE, &ca, NULL));
    EXPECT(nv_remote_domain_create_finish(c, 6, &e) == 0 && IS("finish", REMOTE_PROC_DOMAIN_CREATE, NULL, NULL));
    /* a result only */
    remote_connect_get_type_ret tr;
    EXPECT(nv_remote_connect_get_type(c, &tr, &e) == 0 && IS("call", REMOTE_PROC_CONNECT_GET_TYPE, NULL, &tr));
    EXPECT(nv_remote_connect_get_type_start(c, &s, &e) == 0 && IS("start", REMOTE_PROC_CONNECT_GET_TYPE, NULL, NULL));
    /* neither */
    EXPECT(nv_remote_connect_close(c, &e) == 0 && IS("call", REMOTE_PROC_CONNECT_CLOSE, NULL, NULL));
    EXPECT(nv_remote_connect_close_reply(&rep, &e) == 0 && IS("reply", REMOTE_PROC_CONNECT_CLOSE, &rep, NULL));
    return fails ? 1 : 0;
}
"""

# A result struct of another procedure must not compile (-Werror), the right one must.
WRONG_RET_C = r"""
#include "rpc/remote_calls.gen.h"
int f(nv_rpc_conn *c, nv_err *e);
int f(nv_rpc_conn *c, nv_err *e)
{
    RET r;
    return nv_remote_connect_get_version_finish(c, 1, &r, e);
}
"""


def write(tmp, files):
    for rel, text in files.items():
        path = os.path.join(tmp, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)


def compile_run(cc, tmp, sources, what):
    """Compiles sources (with sanitizers when cc has them) and runs the
    program: 0, or 1 after saying what failed."""
    flags = ["-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter",
             "-g", "-I", tmp, "-I", os.path.join(ROOT, "src")]
    exe = os.path.join(tmp, "t")
    san = ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined"]
    r = subprocess.run([cc] + flags + san + sources + ["-o", exe])
    if r.returncode != 0:
        r = subprocess.run([cc] + flags + sources + ["-o", exe])
    if r.returncode != 0:
        print("FAIL: %s: the generated code does not compile" % what)
        return 1
    if subprocess.run([exe]).returncode != 0:
        print("FAIL: %s: the generated code misbehaves" % what)
        return 1
    return 0


def check_calls(cc):
    """The typed calls of proto/remote.x hand each procedure's number and the
    caller's pointers on, and refuse another procedure's result struct."""
    bad = 0
    tmp = tempfile.mkdtemp(prefix="nixvirt-gen-")
    try:
        files = gen.render(xdrparse.parse_file(gen.INPUT), "remote.x")
        write(tmp, {rel: files[rel] for rel in ("rpc/proto.gen.h", "rpc/remote_calls.gen.h",
                                                "rpc/remote_calls.gen.c")})
        write(tmp, {"calls.c": CALLS_TEST_C})
        bad += compile_run(cc, tmp, [os.path.join(tmp, "calls.c"),
                                     os.path.join(tmp, "rpc", "remote_calls.gen.c")], "typed calls")
        flags = ["-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Werror", "-fsyntax-only",
                 "-I", tmp, "-I", os.path.join(ROOT, "src")]
        write(tmp, {"wrong.c": WRONG_RET_C})
        for ret, compiles in (("remote_connect_get_version_ret", True),
                              ("remote_connect_get_type_ret", False)):
            r = subprocess.run([cc] + flags + ["-DRET=" + ret, os.path.join(tmp, "wrong.c")],
                               stderr=subprocess.DEVNULL)
            if (r.returncode == 0) != compiles:
                print("FAIL: nv_remote_connect_get_version_finish with a %s %s" %
                      (ret, "does not compile" if compiles else "compiles"))
                bad += 1
    finally:
        shutil.rmtree(tmp)
    return bad


def check_remote_x():
    """Every procedure of proto/remote.x has its four typed calls, with an a
    and an r parameter exactly when it has args and ret structs; every row of
    the kinds table fills every member of nv_kind_ops."""
    bad = 0
    spec = xdrparse.parse_file(gen.INPUT)
    files = gen.render(spec, "remote.x")
    calls_h, calls_c = files["rpc/remote_calls.gen.h"], files["rpc/remote_calls.gen.c"]
    decls = {m.group(1): m.group(2) for m in
             re.finditer(r"^int (nv_remote_\w+)\(([^;{]*)\);", calls_h, re.M)}
    procs = [m for m, _ in spec.by_name["remote_procedure"].members]
    for const in procs:
        base = "remote_" + const[len("REMOTE_PROC_"):].lower()
        args = base + "_args" if base + "_args" in spec.by_name else None
        ret = base + "_ret" if base + "_ret" in spec.by_name else None
        for suffix in ("_start", "_finish", "_reply", ""):
            name = "nv_" + base + suffix
            params = decls.get(name)
            if params is None or "\n" + name.replace("nv_", "int nv_", 1) + "(" not in "\n" + calls_c:
                print("FAIL: %s is not generated" % name)
                bad += 1
                continue
            params = " ".join(params.split())
            want_a = bool(args) and suffix in ("_start", "")
            want_r = bool(ret) and suffix != "_start"
            if (("const %s *a" % args) in params) != want_a or (("%s *r" % ret) in params) != want_r:
                print("FAIL: %s(%s)" % (name, params))
                bad += 1
    if len(decls) != 4 * len(procs):
        print("FAIL: %d typed calls for %d procedures" % (len(decls), len(procs)))
        bad += 1
    with open(os.path.join(ROOT, "src", "virt", "object.h")) as f:
        ops = f.read()
    ops = ops[ops.index("typedef struct nv_kind_ops {"):ops.index("} nv_kind_ops;")]
    members = re.findall(r"\(\*(\w+)\)\(", ops) + re.findall(r"^\s+\w[\w ]*?\**(\w+);", ops, re.M)
    kinds_c = files["virt/kinds.gen.c"]
    for k in gen.KINDS:
        i = kinds_c.find("const nv_kind_ops nv_%s_ops = {" % k.name)
        table = kinds_c[i:kinds_c.find("};", i)] if i >= 0 else ""
        if not table:
            print("FAIL: no nv_%s_ops" % k.name)
            bad += 1
            continue
        for m in members:
            want = k.hand_written.get(m)
            if not re.search(r"^    \.%s = %s[,;]" % (m, re.escape(want) if want else "[^,]+"), table, re.M):
                print("FAIL: nv_%s_ops.%s is not set%s" % (k.name, m, " to " + want if want else ""))
                bad += 1
    if len(members) < 20:
        print("FAIL: read only %d members of nv_kind_ops from src/virt/object.h" % len(members))
        bad += 1
    return bad


def check_committed():
    """proto/gen.py --check: the committed files are current."""
    r = subprocess.run([sys.executable, os.path.join(HERE, "gen.py"), "--check"])
    if r.returncode != 0:
        print("FAIL: proto/gen.py --check")
        return 1
    return 0


def check_untyped_private():
    """Only src/rpc includes rpc/call_untyped.h: everything else makes typed calls."""
    bad = 0
    for top in ("src", "tests", "bench"):
        for d, _, names in os.walk(os.path.join(ROOT, top)):
            for name in names:
                path = os.path.join(d, name)
                rel = os.path.relpath(path, ROOT)
                if not name.endswith((".c", ".h")) or rel.startswith(os.path.join("src", "rpc") + os.sep):
                    continue
                with open(path, encoding="utf-8", errors="replace") as f:
                    if '#include "rpc/call_untyped.h"' in f.read():
                        print("FAIL: %s includes rpc/call_untyped.h (use rpc/remote_calls.gen.h)" % rel)
                        bad += 1
    return bad


def check_codecs(cc):
    """The codecs of SPEC, compiled with TEST_C and run."""
    tmp = tempfile.mkdtemp(prefix="nixvirt-gen-")
    try:
        files = gen.render(xdrparse.parse(SPEC, "test.x"), "test.x", kinds=())
        write(tmp, {rel: files[rel] for rel in ("rpc/proto.gen.h", "rpc/proto.gen.c")})
        write(tmp, {"test.c": TEST_C})
        return compile_run(cc, tmp, [os.path.join(tmp, "test.c"), os.path.join(tmp, "rpc", "proto.gen.c"),
                                     os.path.join(ROOT, "src", "xdr", "xdr.c"),
                                     os.path.join(ROOT, "src", "util", "buf.c")], "codecs")
    finally:
        shutil.rmtree(tmp)


def main(argv):
    cc = "cc"
    if len(argv) > 2 and argv[1] == "--cc":
        cc = argv[2]
    checks = [
        ("generated codecs", lambda: check_codecs(cc)),
        ("gen.py error checks", check_errors),
        ("typed calls", lambda: check_calls(cc)),
        ("typed calls and kinds of proto/remote.x", check_remote_x),
        ("committed files current (proto/gen.py --check)", check_committed),
        ("untyped calls only inside src/rpc", check_untyped_private),
    ]
    passed = failed = 0
    for what, fn in checks:
        if fn():
            failed += 1
        else:
            print("%s: ok" % what)
            passed += 1
    print("test_gen: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
