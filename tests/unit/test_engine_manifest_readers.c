/* Definitions read on two threads (engine/manifest.c): the same manifest
 * gives the same objects, the same reading-cache entries and the same
 * errors in the same order as on one thread, whatever the mix of good
 * definitions, unreadable ones, broken ones and duplicates, and past the
 * error list's bound. */
#include "check.h"
#include "engine/manifest.h"
#include "engine/speccache.h"
#include "util/errlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Parses text with `readers` threads (0: as the size decides). */
static int parse_with(int readers, const char *text, nv_speccache *cache, nv_manifest *m, nv_errlist *errs)
{
    int was = nv_manifest_readers;
    nv_manifest_readers = readers;
    memset(errs, 0, sizeof *errs);
    int rc = nv_manifest_parse_cached("m.xml", text, strlen(text), cache, m, errs);
    nv_manifest_readers = was;
    return rc;
}

static void check_same_errors(const nv_errlist *a, const nv_errlist *b, const char *what)
{
    if (a->n != b->n || a->oom != b->oom) {
        check_fail(__FILE__, __LINE__, "%s: %zu errors (oom %d) against %zu (oom %d)", what, a->n, a->oom, b->n,
                   b->oom);
        return;
    }
    size_t kept = a->n < NV_ERRLIST_MAX ? a->n : NV_ERRLIST_MAX;
    for (size_t i = 0; i < kept; i++)
        if (strcmp(a->v[i], b->v[i]) != 0) {
            check_fail(__FILE__, __LINE__, "%s: error %zu differs:\n    %s\n    %s", what, i, a->v[i], b->v[i]);
            return;
        }
}

static void check_same_objects(const nv_manifest *a, const nv_manifest *b)
{
    for (int k = 0; k < NV_KIND_COUNT; k++) {
        CHECK_INT(a->kinds[k].n, b->kinds[k].n);
        for (size_t i = 0; i < a->kinds[k].n && i < b->kinds[k].n; i++) {
            const nv_spec *x = &a->kinds[k].objs[i].spec, *y = &b->kinds[k].objs[i].spec;
            CHECK_INT(!x->file, !y->file);
            if (!x->file || !y->file)
                continue;
            CHECK_STR(x->file, y->file);
            CHECK_STR(x->name, y->name);
            CHECK(memcmp(x->uuid, y->uuid, 16) == 0);
            CHECK(memcmp(x->digest, y->digest, 32) == 0);
        }
    }
}

/* The one-thread tests' manifest with a mistake of every kind (@D@: the
 * data directory), in test_engine_manifest.c. */
extern const char manifest_many_errors[];

/* The manifest's order (one line prefix per error): a definition's error
 * right after its element's own (and its volumes'), the duplicates of a
 * list after the list, whatever thread read what. */
TEST(manifest_readers_error_order)
{
    static const int lines[] = {1, 2, 2, 3, 3, 4, 7, 7, 8, 9, 10, 11, 12, 13, 13, 14, 16,
                                19, 20, 20, 21, 21, 22, 23, 25, 26, 27, 28, 28, 23, 24, 31, 32};
    size_t want = sizeof lines / sizeof lines[0];
    char *text = check_expand_data(manifest_many_errors, "manifest");
    CHECK(text != NULL);
    if (!text)
        return;
    nv_manifest m1, m2;
    nv_errlist e1, e2;
    CHECK_INT(parse_with(1, text, NULL, &m1, &e1), -1);
    CHECK_INT(parse_with(2, text, NULL, &m2, &e2), -1);
    CHECK_INT(e1.n, want);
    for (size_t i = 0; i < e1.n && i < want; i++) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "m.xml:%d: ", lines[i]);
        if (strncmp(e1.v[i], prefix, strlen(prefix)) != 0)
            check_fail(__FILE__, __LINE__, "error %zu: expected [%s...], got [%s]", i, prefix, e1.v[i]);
    }
    check_same_errors(&e1, &e2, "every error");
    check_same_objects(&m1, &m2);
    nv_manifest_free(&m1);
    nv_manifest_free(&m2);
    nv_errlist_free(&e1);
    nv_errlist_free(&e2);
    free(text);
}

/* dir/d<i>.xml for i < n: domain i named v<i>, except every 37th, which
 * is named after domain 1 (a duplicate), and every 53rd, which is not XML;
 * every 41st is not written at all. */
static void write_defs(const char *dir, int n)
{
    for (int i = 0; i < n; i++) {
        char path[256], def[512];
        snprintf(path, sizeof path, "%s/d%d.xml", dir, i);
        if (i % 41 == 40)
            continue;
        if (i % 53 == 52)
            snprintf(def, sizeof def, "<domain type='qemu'><name>v%d</name>\n<uuid>", i);
        else
            snprintf(def, sizeof def,
                     "<domain type='qemu'><name>v%d</name><uuid>0b0b0b0b-0000-4000-8000-%012x</uuid>"
                     "<memory unit='MiB'>32</memory><os><type arch='x86_64'>hvm</type></os>"
                     "<devices><interface type='network'><source network='default'/></interface></devices>"
                     "</domain>\n",
                     i % 37 == 36 ? 1 : i, i + 1);
        check_write_file(path, def);
    }
}

/* Removes what write_defs wrote. */
static void remove_defs(const char *dir, int n)
{
    for (int i = 0; i < n; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/d%d.xml", dir, i);
        unlink(path);
    }
}

/* <domains> of n entries, each with `bad` attribute mistakes, d<i>.xml
 * for entry i. */
static char *domains_manifest(const char *dir, int n, int bad)
{
    size_t cap = (size_t)n * (strlen(dir) + 128) + 128, len = 0;
    char *t = malloc(cap);
    if (!t)
        return NULL;
    len += (size_t)snprintf(t + len, cap - len, "<nixvirt version=\"1\">\n<domains>\n");
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(t + len, cap - len, "<domain definition=\"%s/d%d.xml\"%s/>\n", dir, i,
                                bad ? " active=\"maybe\"" : "");
    snprintf(t + len, cap - len, "</domains>\n</nixvirt>\n");
    return t;
}

TEST(manifest_readers_many_definitions)
{
    char dir[] = "/tmp/nv-test-readers-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    int n = 3 * NV_MANIFEST_PARALLEL_MIN;
    write_defs(dir, n);
    char *text = domains_manifest(dir, n, 0);
    CHECK(text != NULL);
    if (!text)
        return;

    /* one thread, two, and as the size decides: the same result */
    nv_speccache c1 = {.version = "t"}, c2 = {.version = "t"};
    nv_manifest m1, m2, m0;
    nv_errlist e1, e2, e0;
    CHECK_INT(parse_with(1, text, &c1, &m1, &e1), -1);
    CHECK_INT(parse_with(2, text, &c2, &m2, &e2), -1);
    CHECK_INT(parse_with(0, text, NULL, &m0, &e0), -1);
    check_same_errors(&e1, &e2, "one against two threads");
    check_same_errors(&e1, &e0, "one thread against the default");
    check_same_objects(&m1, &m2);
    check_same_objects(&m1, &m0);
    /* missing (every 41st), not XML (every 53rd), the name twice (every 37th) */
    int missing = 0, broken = 0, dups = 0;
    for (int i = 0; i < n; i++) {
        if (i % 41 == 40)
            missing++;
        else if (i % 53 == 52)
            broken++;
        else if (i % 37 == 36)
            dups++;
    }
    CHECK_INT(e1.n, missing + broken + dups);
    /* readings' errors first in manifest order, then the duplicates */
    CHECK(e1.n > 2 && strstr(e1.v[0], "d40.xml: cannot read") != NULL);
    CHECK(strstr(e1.v[e1.n - 1], "is declared twice") != NULL);
    /* the cache gained the same entries in the same order */
    CHECK_INT(c1.n, c2.n);
    CHECK_INT(c1.n, n - missing - broken);
    for (size_t i = 0; i < c1.n && i < c2.n; i++)
        if (strcmp(c1.v[i].name, c2.v[i].name) != 0 || memcmp(c1.v[i].src, c2.v[i].src, 32) != 0) {
            check_fail(__FILE__, __LINE__, "cache entry %zu: %s against %s", i, c1.v[i].name, c2.v[i].name);
            break;
        }
    nv_manifest_free(&m1);
    nv_manifest_free(&m2);
    nv_manifest_free(&m0);
    nv_errlist_free(&e1);
    nv_errlist_free(&e2);
    nv_errlist_free(&e0);

    /* read again through the filled cache, on two threads: nothing
     * parsed, every entry marked used */
    for (size_t i = 0; i < c2.n; i++)
        c2.v[i].used = 0;
    unsigned long trees = nv_spec_tree_reads;
    CHECK_INT(parse_with(2, text, &c2, &m2, &e2), -1);
    CHECK_INT(e2.n, missing + broken + dups);
    size_t used = 0;
    for (size_t i = 0; i < c2.n; i++)
        used += c2.v[i].used != 0;
    CHECK_INT(used, c2.n);
    CHECK(nv_spec_tree_reads - trees <= (unsigned long)broken); /* only the broken ones went the tree way */
    nv_manifest_free(&m2);
    nv_errlist_free(&e2);
    nv_speccache_free(&c1);
    nv_speccache_free(&c2);
    free(text);

    /* more errors than the list keeps (two per entry): the same count and
     * the same kept lines, an entry's attribute error before its reading's */
    remove_defs(dir, n);
    text = domains_manifest(dir, n, 1);
    CHECK(text != NULL);
    if (text) {
        CHECK_INT(parse_with(1, text, NULL, &m1, &e1), -1);
        CHECK_INT(parse_with(2, text, NULL, &m2, &e2), -1);
        CHECK_INT(e1.n, 2 * n);
        check_same_errors(&e1, &e2, "past the bound");
        CHECK(strstr(e1.v[0], "active=\"maybe\"") != NULL);
        CHECK(strstr(e1.v[1], "d0.xml: cannot read") != NULL);
        CHECK(strstr(e1.v[NV_ERRLIST_MAX - 1], "cannot read") != NULL);
        nv_manifest_free(&m1);
        nv_manifest_free(&m2);
        nv_errlist_free(&e1);
        nv_errlist_free(&e2);
        free(text);
    }
    rmdir(dir);
}

/* A manifest that turns out not to be XML after hundreds of definitions
 * were handed to the readers: only that is said (as before any was read),
 * nothing is kept, and the readings made meanwhile are freed (ASan and
 * valgrind would see them otherwise). */
TEST(manifest_readers_malformed_after_many)
{
    char dir[] = "/tmp/nv-test-readers-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    int n = 2 * NV_MANIFEST_PARALLEL_MIN;
    write_defs(dir, n);
    char *text = domains_manifest(dir, n, 1);
    CHECK(text != NULL);
    if (text) {
        char *tail = strstr(text, "</domains>");
        CHECK(tail != NULL);
        if (tail)
            memcpy(tail, "</domain>\n", 10); /* the wrong end tag, on the line of the list's end */
        for (int readers = 1; readers <= 2; readers++) {
            nv_speccache c = {.version = "t"};
            nv_manifest m;
            nv_errlist e;
            CHECK_INT(parse_with(readers, text, &c, &m, &e), -1);
            CHECK_INT(e.n, 1);
            if (e.n == 1) {
                char want[64];
                snprintf(want, sizeof want, "m.xml:%d: mismatched tag", n + 3);
                CHECK_STR(e.v[0], want);
            }
            for (int k = 0; k < NV_KIND_COUNT; k++)
                CHECK_INT(m.kinds[k].n, 0);
            CHECK_INT(c.n, 0); /* nothing read made it into the cache */
            nv_manifest_free(&m);
            nv_errlist_free(&e);
            nv_speccache_free(&c);
        }
        free(text);
    }
    remove_defs(dir, n);
    rmdir(dir);
}
