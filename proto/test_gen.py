#!/usr/bin/env python3
"""Tests gen.py on the XDR constructs that proto/remote.x does not use yet
(variable opaque, fixed arrays of non-opaque types, bool, hyper, nested
optional typedefs, arrays of strings) and on its error checks.

Generates C from a small specification into a temporary directory, compiles
it with a test program using the host's cc (with ASan and UBSan when
available), and runs it. Exit status 0 when everything passes.

    proto/test_gen.py [--cc CC]
"""

import os
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
    return bad


def main(argv):
    cc = "cc"
    if len(argv) > 2 and argv[1] == "--cc":
        cc = argv[2]
    bad = check_errors()
    tmp = tempfile.mkdtemp(prefix="nixvirt-gen-")
    try:
        files = gen.render(xdrparse.parse(SPEC, "test.x"), "test.x", kinds=())
        os.makedirs(os.path.join(tmp, "rpc"))
        for rel in ("rpc/proto.gen.h", "rpc/proto.gen.c"):
            with open(os.path.join(tmp, rel), "w") as f:
                f.write(files[rel])
        with open(os.path.join(tmp, "test.c"), "w") as f:
            f.write(TEST_C)
        flags = ["-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter",
                 "-g", "-I", tmp, "-I", os.path.join(ROOT, "src")]
        files = [os.path.join(tmp, "test.c"), os.path.join(tmp, "rpc", "proto.gen.c"),
                 os.path.join(ROOT, "src", "xdr", "xdr.c"), os.path.join(ROOT, "src", "util", "buf.c")]
        exe = os.path.join(tmp, "t")
        san = ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined"]
        r = subprocess.run([cc] + flags + san + files + ["-o", exe])
        if r.returncode != 0:
            r = subprocess.run([cc] + flags + files + ["-o", exe])
        if r.returncode != 0:
            print("FAIL: the generated code does not compile")
            return 1
        if subprocess.run([exe]).returncode != 0:
            print("FAIL: the generated code misbehaves")
            return 1
    finally:
        shutil.rmtree(tmp)
    if bad:
        return 1
    print("gen.py error checks: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
