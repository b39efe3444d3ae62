/* The definitions' reading cache: what a reading gave comes back for the
 * same bytes only; a file of another version, torn, corrupt or kept where
 * the state directory's rules do not hold is an empty cache; a text made
 * later from the kept bytes is the one an uncached reading gives, and one
 * that reads otherwise than the cache said is refused. */
#include "check.h"
#include "engine/manifest.h"
#include "engine/speccache.h"
#include "engine/spec.h"
#include "util/errlist.h"
#include "util/hex.h"
#include "util/sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define U1 "8f3b1c52-4c1e-4b8e-9d2a-0a1b2c3d4e5f"
#define U2 "d9b1a1c0-0e6f-4a8c-8f6b-3c2d1e0f9a8b"

static char dir[64];

static void mk_dir(void) { check_tmpdir(dir, "specs"); }
static void rm_dir(void) { check_rm_tree(dir); }

static const char dom[] = "<domain type='qemu'>\n  <name>d1</name>\n  <uuid>" U1 "</uuid>\n  <devices>\n"
                          "    <interface type='user'/>\n  </devices>\n</domain>\n";

/* A new directory with dom in def; cpath names a cache file in it. */
static void setup(char def[128], char cpath[128])
{
    mk_dir();
    snprintf(def, 128, "%s/dom.xml", dir);
    snprintf(cpath, 128, "%s/x.specs", dir);
    check_write_file(def, dom);
}

TEST(speccache_reading_comes_back_for_the_same_bytes)
{
    char def[128], cpath[128];
    setup(def, cpath);
    nv_err e;
    nv_err_clear(&e);
    nv_speccache c;
    nv_speccache_load(&c, cpath, "1.0");
    CHECK_INT(c.n, 0);
    /* first: read and parsed, and kept */
    nv_spec plain, a, b;
    CHECK_INT(nv_spec_read_text(&plain, NV_SPEC_DOMAIN, def, &e), 0);
    CHECK_INT(nv_spec_read_cached(&a, NV_SPEC_DOMAIN, def, &c, NULL, &e), 0);
    CHECK(a.xml != NULL && a.src == NULL && a.has_digest);
    CHECK_INT(c.n, 1);
    CHECK_INT(nv_speccache_save(&c, cpath, &e), 0);
    nv_speccache_free(&c);
    /* next run: from the cache, nothing parsed */
    nv_speccache_load(&c, cpath, "1.0");
    CHECK_INT(c.n, 1);
    unsigned long trees = nv_spec_tree_reads;
    CHECK_INT(nv_spec_read_cached(&b, NV_SPEC_DOMAIN, def, &c, NULL, &e), 0);
    CHECK(b.xml == NULL && b.src != NULL);
    CHECK_STR(b.name, "d1");
    CHECK_STR(b.uuid_str, U1);
    CHECK_MEM(b.digest, a.digest, 32);
    /* the text made later is the plain reading's, MACs too */
    char *made = NULL;
    size_t len = 0;
    const char *t = nv_spec_text(&b, &made, &len, &e);
    CHECK(t && len == plain.xml_len && memcmp(t, plain.xml, len) == 0);
    free(made);
    CHECK_INT(nv_spec_need_text(&b, &e), 0);
    CHECK(b.xml && b.src == NULL && b.xml_len == plain.xml_len && memcmp(b.xml, plain.xml, b.xml_len) == 0);
    CHECK_INT(b.nmacs, 1);
    CHECK(b.nmacs == 1 && strcmp(b.macs[0].address, plain.macs[0].address) == 0);
    CHECK_INT(b.name_line, plain.name_line);
    CHECK_INT(nv_spec_tree_reads, trees);
    nv_spec_free(&b);
    /* other bytes (one space more): not the cached reading */
    char other[sizeof dom + 1];
    snprintf(other, sizeof other, "%s ", dom);
    check_write_file(def, other);
    CHECK_INT(nv_spec_read_cached(&b, NV_SPEC_DOMAIN, def, &c, NULL, &e), 0);
    CHECK(b.xml != NULL && b.src == NULL);
    nv_spec_free(&b);
    /* the same bytes as another kind: not the cached reading either */
    check_write_file(def, dom);
    CHECK_INT(nv_spec_read_cached(&b, NV_SPEC_NETWORK, def, &c, NULL, &e), -1);
    /* nothing saved when a run used exactly what was loaded */
    nv_speccache_free(&c);
    nv_speccache_load(&c, cpath, "1.0");
    struct stat st1, st2;
    CHECK_INT(stat(cpath, &st1), 0);
    CHECK_INT(nv_spec_read_cached(&b, NV_SPEC_DOMAIN, def, &c, NULL, &e), 0);
    nv_spec_free(&b);
    CHECK_INT(nv_speccache_save(&c, cpath, &e), 0);
    CHECK_INT(stat(cpath, &st2), 0);
    CHECK_INT(st1.st_ino, st2.st_ino);
    nv_speccache_free(&c);
    /* another version's cache is not used */
    nv_speccache_load(&c, cpath, "1.1");
    CHECK_INT(c.n, 0);
    nv_speccache_free(&c);
    nv_spec_free(&a);
    nv_spec_free(&plain);
    rm_dir();
}

/* Reads cpath into a malloc'd buffer. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *d = malloc(1 << 16);
    *len = d ? fread(d, 1, 1 << 16, f) : 0;
    fclose(f);
    return d;
}

static void spit(const char *path, const unsigned char *d, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(d, 1, len, f);
        fclose(f);
    }
}

/* dir/dom.xml holding dom, read once through the (new) cache dir/x.specs,
 * which c then holds. */
static void read_once(char def[128], char cpath[128], nv_speccache *c)
{
    setup(def, cpath);
    nv_err e;
    nv_spec a;
    nv_speccache_load(c, cpath, "1.0");
    CHECK_INT(nv_spec_read_cached(&a, NV_SPEC_DOMAIN, def, c, NULL, &e), 0);
    nv_spec_free(&a);
}

TEST(speccache_damage_means_empty)
{
    char def[128], cpath[128];
    nv_err e;
    nv_speccache c;
    read_once(def, cpath, &c);
    CHECK_INT(nv_speccache_save(&c, cpath, &e), 0);
    nv_speccache_free(&c);
    size_t len = 0;
    unsigned char *good = slurp(cpath, &len);
    CHECK(good && len > 100);
    if (!good)
        return;
    /* every byte flipped in turn, and every length cut: empty */
    unsigned char *bad = malloc(len);
    for (size_t i = 0; i < len; i++) {
        memcpy(bad, good, len);
        bad[i] ^= 0x41;
        spit(cpath, bad, len);
        nv_speccache_load(&c, cpath, "1.0");
        if (c.n != 0)
            check_fail(__FILE__, __LINE__, "byte %zu flipped: %zu entries", i, c.n);
        nv_speccache_free(&c);
        spit(cpath, good, i);
        nv_speccache_load(&c, cpath, "1.0");
        if (c.n != 0)
            check_fail(__FILE__, __LINE__, "cut at %zu: %zu entries", i, c.n);
        nv_speccache_free(&c);
    }
    /* whole again: loads; in a directory others can write: empty */
    spit(cpath, good, len);
    nv_speccache_load(&c, cpath, "1.0");
    CHECK_INT(c.n, 1);
    nv_speccache_free(&c);
    CHECK_INT(chmod(dir, 0777), 0);
    nv_speccache_load(&c, cpath, "1.0");
    CHECK_INT(c.n, 0);
    nv_speccache_free(&c);
    CHECK_INT(chmod(dir, 0700), 0);
    CHECK_INT(chmod(cpath, 0666), 0);
    nv_speccache_load(&c, cpath, "1.0");
    CHECK_INT(c.n, 0);
    nv_speccache_free(&c);
    free(bad);
    free(good);
    rm_dir();
}

/* A cache that says another UUID for the bytes (made by hand: its digest
 * is right) is found out when the text is made, before anything is done
 * with it. */
TEST(speccache_wrong_reading_refused)
{
    char def[128], cpath[128];
    nv_err e;
    nv_speccache c;
    nv_spec a;
    read_once(def, cpath, &c);
    CHECK(c.n == 1);
    if (c.n == 1)
        nv_uuid_parse(U2, c.v[0].uuid);
    c.changed = 1;
    CHECK_INT(nv_speccache_save(&c, cpath, &e), 0);
    nv_speccache_free(&c);
    nv_speccache_load(&c, cpath, "1.0");
    CHECK_INT(c.n, 1);
    CHECK_INT(nv_spec_read_cached(&a, NV_SPEC_DOMAIN, def, &c, NULL, &e), 0);
    CHECK_STR(a.uuid_str, U2);
    CHECK_INT(nv_spec_need_text(&a, &e), -1);
    CHECK(strstr(e.msg, "its reading differs from the one cached") != NULL);
    CHECK(a.xml == NULL);
    nv_spec_free(&a);
    nv_speccache_free(&c);
    rm_dir();
}

/* Through the manifest: duplicates are found among cached readings too. */
TEST(speccache_manifest_duplicates)
{
    mk_dir();
    char d1[128], d2[128], man[128], cpath[128], text[1024];
    snprintf(d1, sizeof d1, "%s/a.xml", dir);
    snprintf(d2, sizeof d2, "%s/b.xml", dir);
    snprintf(man, sizeof man, "%s/m.xml", dir);
    snprintf(cpath, sizeof cpath, "%s/x.specs", dir);
    check_write_file(d1, dom);
    check_write_file(d2, "<domain type='qemu'><name>d1</name><uuid>" U2 "</uuid></domain>");
    snprintf(text, sizeof text, "<nixvirt version=\"1\"><domains><domain definition=\"%s\"/>"
                                "<domain definition=\"%s\"/></domains></nixvirt>", d1, d2);
    check_write_file(man, text);
    nv_speccache c;
    nv_speccache_load(&c, cpath, "1.0");
    nv_manifest m;
    nv_errlist errs = {0};
    CHECK_INT(nv_manifest_load_cached(man, &c, NULL, &m, &errs), -1); /* the name twice */
    CHECK_INT(c.n, 2);
    nv_manifest_free(&m);
    nv_errlist_free(&errs);
    nv_err e;
    CHECK_INT(nv_speccache_save(&c, cpath, &e), 0);
    nv_speccache_free(&c);
    nv_speccache_load(&c, cpath, "1.0");
    CHECK_INT(c.n, 2);
    errs = (nv_errlist){0};
    CHECK_INT(nv_manifest_load_cached(man, &c, NULL, &m, &errs), -1);
    CHECK(errs.n == 1 && strstr(errs.v[0], "name 'd1' is declared twice") != NULL);
    nv_manifest_free(&m);
    nv_errlist_free(&errs);
    nv_speccache_free(&c);
    rm_dir();
}

/* ---- sealed readings -----------------------------------------------------
 * A manifest's sha256= on a definition: the bytes it names are the ones
 * applied. With the reading of those bytes in the cache, the file is not
 * opened at all (a no-op apply reads no definition); it is read, and must
 * hash to the digest, when its text is needed; read with other bytes (the
 * file changed after the manifest was made) it is refused, at reading and
 * at the late reading alike. A malformed sha256= is a manifest error. */

/* the same length, another name: a digest, not a size, tells them apart */
static const char dom_other[] = "<domain type='qemu'>\n  <name>d2</name>\n  <uuid>" U1 "</uuid>\n  <devices>\n"
                                "    <interface type='user'/>\n  </devices>\n</domain>\n";

TEST(sealed_reading_opens_no_file_and_checks_it_when_read)
{
    char def[128], cpath[128];
    setup(def, cpath);
    uint8_t want[32], wrong[32];
    nv_sha256(dom, strlen(dom), want);
    memcpy(wrong, want, 32);
    wrong[31] ^= 1;
    nv_err e;
    nv_err_clear(&e);
    nv_speccache c;
    nv_speccache_load(&c, cpath, "1.0");
    nv_spec plain, a;
    nv_spec_cache_use u;
    CHECK_INT(nv_spec_read_text(&plain, NV_SPEC_DOMAIN, def, &e), 0);

    /* not in the cache: read, and the bytes must be the manifest's */
    CHECK_INT(nv_spec_read_shared(&a, NV_SPEC_DOMAIN, def, &c, NULL, wrong, &u, &e), -1);
    CHECK(strstr(e.msg, def) && strstr(e.msg, "not the manifest's sha256=") && strstr(e.msg, "changed"));
    CHECK(!u.add && !u.hit);
    nv_err_clear(&e);
    CHECK_INT(nv_spec_read_shared(&a, NV_SPEC_DOMAIN, def, &c, NULL, want, &u, &e), 0);
    CHECK(a.xml != NULL && !a.sealed && u.add);
    nv_spec_cache_commit(&c, &u, &a);
    nv_spec_free(&a);
    CHECK_INT(c.n, 1);

    /* in the cache: the file is not opened (it is gone), nothing parsed */
    CHECK_INT(unlink(def), 0);
    unsigned long trees = nv_spec_tree_reads;
    CHECK_INT(nv_spec_read_shared(&a, NV_SPEC_DOMAIN, def, &c, NULL, want, &u, &e), 0);
    CHECK(a.sealed && a.xml == NULL && a.src == NULL && u.hit != NULL && !u.add);
    CHECK_STR(a.name, "d1");
    CHECK_STR(a.uuid_str, U1);
    CHECK_STR(a.file, def);
    CHECK_MEM(a.digest, plain.digest, 32);
    CHECK_INT(nv_spec_tree_reads, trees);
    /* its text is needed: the file is read now, and must be there */
    CHECK_INT(nv_spec_need_text(&a, &e), -1);
    CHECK(strstr(e.msg, def) && strstr(e.msg, "No such file"));
    CHECK(a.sealed && a.xml == NULL);
    /* ... with the manifest's bytes: not others of the same size */
    check_write_file(def, dom_other);
    nv_err_clear(&e);
    char *made = NULL;
    size_t len = 0;
    CHECK(nv_spec_text(&a, &made, &len, &e) == NULL);
    CHECK(strstr(e.msg, "not the manifest's sha256=") != NULL);
    nv_err_clear(&e);
    CHECK_INT(nv_spec_need_text(&a, &e), -1);
    CHECK(strstr(e.msg, "not the manifest's sha256=") != NULL);
    CHECK(a.xml == NULL);
    /* the manifest's bytes: the text is the plain reading's, MACs too */
    check_write_file(def, dom);
    const char *t = nv_spec_text(&a, &made, &len, &e);
    CHECK(t && len == plain.xml_len && memcmp(t, plain.xml, len) == 0);
    free(made);
    CHECK_INT(nv_spec_need_text(&a, &e), 0);
    CHECK(!a.sealed && a.xml && a.xml_len == plain.xml_len && memcmp(a.xml, plain.xml, a.xml_len) == 0);
    CHECK(a.nmacs == 1 && plain.nmacs == 1 && strcmp(a.macs[0].address, plain.macs[0].address) == 0);
    CHECK_INT(a.name_line, plain.name_line);
    nv_spec_free(&a);

    /* another kind with those bytes is not the cached reading: the file is read */
    CHECK_INT(unlink(def), 0);
    CHECK_INT(nv_spec_read_shared(&a, NV_SPEC_NETWORK, def, &c, NULL, want, &u, &e), -1);
    CHECK(strstr(e.msg, "No such file") != NULL);
    /* nor without a cache (volumes, virtdeclare) */
    CHECK_INT(nv_spec_read_shared(&a, NV_SPEC_DOMAIN, def, NULL, NULL, want, &u, &e), -1);
    nv_spec_free(&plain);
    nv_speccache_free(&c);
    rm_dir();
}

/* Pools are never cached (they keep their tree): read, and checked. */
TEST(sealed_pool_is_read_and_checked)
{
    mk_dir();
    char def[128];
    snprintf(def, sizeof def, "%s/pool.xml", dir);
    static const char pool[] = "<pool type='dir'><name>p</name><uuid>" U2 "</uuid>"
                               "<target><path>/var/lib/p</path></target></pool>\n";
    check_write_file(def, pool);
    uint8_t want[32];
    nv_sha256(pool, strlen(pool), want);
    nv_err e;
    nv_err_clear(&e);
    nv_speccache c;
    char cpath[128];
    snprintf(cpath, sizeof cpath, "%s/x.specs", dir);
    nv_speccache_load(&c, cpath, "1.0");
    nv_spec a;
    nv_spec_cache_use u;
    CHECK_INT(nv_spec_read_shared(&a, NV_SPEC_POOL, def, &c, NULL, want, &u, &e), 0);
    CHECK(a.root != NULL && !a.sealed && !u.add);
    nv_spec_free(&a);
    want[0] ^= 0x80;
    CHECK_INT(nv_spec_read_shared(&a, NV_SPEC_POOL, def, &c, NULL, want, &u, &e), -1);
    CHECK(strstr(e.msg, "not the manifest's sha256=") != NULL);
    nv_speccache_free(&c);
    rm_dir();
}

/* Through the manifest: the second load of a sealed manifest opens no
 * definition; sha256= is checked for its form, everywhere it may be. */
TEST(sealed_manifest)
{
    mk_dir();
    char d1[128], v1[128], man[128], cpath[128], text[2048], hd[65] = {0}, hv[65] = {0};
    snprintf(d1, sizeof d1, "%s/a.xml", dir);
    snprintf(v1, sizeof v1, "%s/v.xml", dir);
    snprintf(man, sizeof man, "%s/m.xml", dir);
    snprintf(cpath, sizeof cpath, "%s/x.specs", dir);
    static const char vol[] = "<volume><name>v.qcow2</name><capacity>1</capacity></volume>\n";
    check_write_file(d1, dom);
    check_write_file(v1, vol);
    uint8_t dd[32], vd[32];
    nv_sha256(dom, strlen(dom), dd);
    nv_sha256(vol, strlen(vol), vd);
    nv_hex_write(dd, 32, hd);
    nv_hex_write(vd, 32, hv);
    static const char pool[] = "<pool type='dir'><name>p</name><uuid>" U2 "</uuid>"
                               "<target><path>/var/lib/p</path></target></pool>\n";
    char p1[128];
    snprintf(p1, sizeof p1, "%s/p.xml", dir);
    check_write_file(p1, pool);
    snprintf(text, sizeof text,
             "<nixvirt version=\"1\">\n<pools><pool definition=\"%s\">\n"
             "<volume definition=\"%s\" sha256=\"%s\"/></pool></pools>\n"
             "<domains>\n<domain definition=\"%s\" sha256=\"%s\"/>\n</domains></nixvirt>\n",
             p1, v1, hv, d1, hd);
    check_write_file(man, text);
    nv_speccache c;
    nv_speccache_load(&c, cpath, "1.0");
    nv_manifest m;
    nv_errlist errs = {0};
    CHECK_INT(nv_manifest_load_cached(man, &c, NULL, &m, &errs), 0);
    CHECK(m.kinds[NV_KIND_DOMAIN].n == 1 && !m.kinds[NV_KIND_DOMAIN].objs[0].spec.sealed);
    nv_manifest_free(&m);
    nv_errlist_free(&errs);
    /* the same manifest again: the domain's file is not opened */
    CHECK_INT(unlink(d1), 0);
    errs = (nv_errlist){0};
    CHECK_INT(nv_manifest_load_cached(man, &c, NULL, &m, &errs), 0);
    CHECK(m.kinds[NV_KIND_DOMAIN].n == 1 && m.kinds[NV_KIND_DOMAIN].objs[0].spec.sealed);
    if (m.kinds[NV_KIND_DOMAIN].n == 1)
        CHECK_STR(m.kinds[NV_KIND_DOMAIN].objs[0].spec.name, "d1");
    nv_manifest_free(&m);
    nv_errlist_free(&errs);
    /* a volume changed since: refused, with the manifest's line */
    check_write_file(v1, "<volume><name>v.qcow2</name><capacity>2</capacity></volume>\n");
    errs = (nv_errlist){0};
    CHECK_INT(nv_manifest_load_cached(man, &c, NULL, &m, &errs), -1);
    CHECK(errs.n == 1 && strstr(errs.v[0], "m.xml:3: <volume> definition:") &&
          strstr(errs.v[0], "not the manifest's sha256="));
    nv_manifest_free(&m);
    nv_errlist_free(&errs);
    nv_speccache_free(&c);

    /* malformed: uppercase, short, not hex, without a definition */
    char upper[65];
    for (int i = 0; i < 65; i++)
        upper[i] = (char)(hd[i] >= 'a' && hd[i] <= 'f' ? hd[i] - 32 : hd[i]);
    CHECK(strcmp(upper, hd) != 0);
    snprintf(text, sizeof text,
             "<nixvirt version=\"1\">\n<pools><pool definition=\"%s\" sha256=\"abc\">\n"
             "<volume name=\"x\" present=\"false\" sha256=\"%s\"/></pool></pools>\n"
             "<domains>\n<domain definition=\"%s\" sha256=\"%s\"/>\n"
             "<domain sha256=\"%s\"/>\n<domain definition=\"%s\" sha256=\"%.63sg\"/>\n</domains></nixvirt>\n",
             p1, hv, d1, upper, hd, d1, hd);
    errs = (nv_errlist){0};
    CHECK_INT(nv_manifest_parse("m.xml", text, strlen(text), &m, &errs), -1);
    CHECK_INT(errs.n, 5);
    if (errs.n == 5) {
        CHECK(strstr(errs.v[0], "m.xml:2: sha256=\"abc\" on <pool>: expected 64 lowercase hexadecimal digits"));
        CHECK(strstr(errs.v[1], "m.xml:3: sha256= on <volume> without a definition"));
        CHECK(strstr(errs.v[2], "m.xml:5: sha256=\"") && strstr(errs.v[2], "on <domain>: expected 64"));
        CHECK(strstr(errs.v[3], "m.xml:6: sha256= on <domain> without a definition"));
        CHECK(strstr(errs.v[4], "m.xml:7: sha256=\"") && strstr(errs.v[4], "g\" on <domain>: expected 64"));
    }
    nv_manifest_free(&m);
    nv_errlist_free(&errs);
    rm_dir();
}
