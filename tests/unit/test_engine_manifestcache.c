/* The manifest's kept parse: a manifest read before without a problem
 * gives, from its kept events, the manifest a parse gives (every field),
 * and the definitions' problems found since with the same messages; any
 * other manifest is parsed; a kept file of another version, corrupt, torn
 * or kept where the state directory's rules do not hold is a miss; a
 * manifest with a problem is not kept. */
#include "check.h"
#include "engine/manifest.h"
#include "engine/manifestcache.h"
#include "util/errlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define U1 "8f3b1c52-4c1e-4b8e-9d2a-0a1b2c3d4e5f"
#define U2 "d9b1a1c0-0e6f-4a8c-8f6b-3c2d1e0f9a8b"
#define U3 "0c5e3b7a-2f41-4d8e-a9b6-5e4f3d2c1b0a"

static char dir[64];
static char man[128], kpath[128], ddom[128], dnet[128], dpool[128], dvol[128];

static void setup(void)
{
    check_tmpdir(dir, "mcache");
    snprintf(man, sizeof man, "%s/m.xml", dir);
    snprintf(kpath, sizeof kpath, "%s/x.manifest", dir);
    snprintf(ddom, sizeof ddom, "%s/d.xml", dir);
    snprintf(dnet, sizeof dnet, "%s/n.xml", dir);
    snprintf(dpool, sizeof dpool, "%s/p.xml", dir);
    snprintf(dvol, sizeof dvol, "%s/v.xml", dir);
    check_write_file(ddom, "<domain type='qemu'><name>d1</name><uuid>" U1 "</uuid></domain>\n");
    check_write_file(dnet, "<network><name>n1</name><uuid>" U2 "</uuid></network>\n");
    check_write_file(dpool, "<pool type='dir'><name>p1</name><uuid>" U3 "</uuid>"
                            "<target><path>/var/lib/p1</path></target></pool>\n");
    check_write_file(dvol, "<volume><name>v.qcow2</name><capacity>1</capacity></volume>\n");
    char text[2048];
    snprintf(text, sizeof text,
             "<?xml version='1.0'?>\n<!-- made by hand -->\n<nixvirt version=\"1\">\n"
             "  <networks purge=\"none\">\n    <network definition=\"%s\" active=\"true\"/>\n  </networks>\n"
             "  <pools>\n    <pool definition=\"%s\" restart=\"never\">\n"
             "      <volume definition=\"%s\"/>\n      <volume name=\"old.qcow2\" present=\"false\"/>\n"
             "    </pool>\n  </pools>\n"
             "  <domains purge=\"managed\">\n    <domain definition=\"%s\" active=\"false\" restart=\"always\"\n"
             "            shutdown-timeout=\"42\"/>\n  </domains>\n</nixvirt>\n",
             dnet, dpool, dvol, ddom);
    check_write_file(man, text);
}

/* Both manifests alike in everything a run uses. */
static int same_manifest(const nv_manifest *a, const nv_manifest *b)
{
    for (int k = 0; k < NV_KIND_COUNT; k++) {
        const nv_manifest_kind *x = &a->kinds[k], *y = &b->kinds[k];
        if (x->managed != y->managed || x->purge != y->purge || x->n != y->n)
            return 0;
        for (size_t i = 0; i < x->n; i++) {
            const nv_manifest_obj *o = &x->objs[i], *p = &y->objs[i];
            if (o->state != p->state || o->restart != p->restart || o->shutdown_timeout != p->shutdown_timeout ||
                o->line != p->line || o->nvols != p->nvols || strcmp(o->spec.name, p->spec.name) != 0 ||
                strcmp(o->spec.file, p->spec.file) != 0 || memcmp(o->spec.uuid, p->spec.uuid, 16) != 0 ||
                o->spec.has_digest != p->spec.has_digest || memcmp(o->spec.digest, p->spec.digest, 32) != 0)
                return 0;
            for (size_t v = 0; v < o->nvols; v++) {
                const nv_manifest_vol *s = &o->vols[v], *t = &p->vols[v];
                if (strcmp(s->name, t->name) != 0 || s->present != t->present || s->has_spec != t->has_spec ||
                    s->line != t->line)
                    return 0;
            }
        }
    }
    return 1;
}

static int same_errors(const nv_errlist *a, const nv_errlist *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n && i < NV_ERRLIST_MAX; i++)
        if (strcmp(a->v[i], b->v[i]) != 0)
            return 0;
    return 1;
}

TEST(manifestcache_kept_events_give_the_parsed_manifest)
{
    setup();
    nv_manifestcache k;
    nv_manifestcache_load(&k, kpath, "1.0"); /* none yet */
    nv_manifest plain, first, again;
    nv_errlist e0 = {0}, e1 = {0}, e2 = {0};
    nv_err e;
    CHECK_INT(nv_manifest_load(man, &plain, &e0), 0);
    CHECK_INT(nv_manifest_load_cached(man, NULL, &k, &first, &e1), 0);
    CHECK(k.bytes != NULL);
    CHECK(same_manifest(&plain, &first));
    CHECK_INT(nv_manifestcache_save(&k, kpath, &e), 0);
    nv_manifestcache_free(&k);
    /* next run: the kept events, nothing logged */
    nv_manifestcache_load(&k, kpath, "1.0");
    CHECK(k.log != NULL);
    CHECK_INT(nv_manifest_load_cached(man, NULL, &k, &again, &e2), 0);
    CHECK(k.bytes == NULL && k.log == NULL); /* replayed, then freed; nothing to keep */
    CHECK(same_manifest(&plain, &again));
    CHECK(again.kinds[NV_KIND_DOMAIN].n == 1 && again.kinds[NV_KIND_DOMAIN].objs[0].shutdown_timeout == 42 &&
          again.kinds[NV_KIND_DOMAIN].objs[0].line == 14);
    CHECK(again.kinds[NV_KIND_POOL].n == 1 && again.kinds[NV_KIND_POOL].objs[0].nvols == 2);
    /* nothing to write after a run that found its manifest kept */
    struct stat before, after;
    CHECK_INT(stat(kpath, &before), 0);
    CHECK_INT(nv_manifestcache_save(&k, kpath, &e), 0);
    CHECK_INT(stat(kpath, &after), 0);
    CHECK(before.st_ino == after.st_ino);
    nv_manifest_free(&plain);
    nv_manifest_free(&first);
    nv_manifest_free(&again);
    nv_errlist_free(&e0);
    nv_errlist_free(&e1);
    nv_errlist_free(&e2);

    /* a definition broken since: the messages an uncached load gives */
    nv_manifestcache_free(&k);
    nv_manifestcache_load(&k, kpath, "1.0");
    check_write_file(dvol, "<volume><name>v.qcow2</name>\n<capacity>1</capacity>\n");
    CHECK_INT(unlink(ddom), 0);
    nv_errlist want = {0}, got = {0};
    CHECK_INT(nv_manifest_load(man, &plain, &want), -1);
    CHECK_INT(nv_manifest_load_cached(man, NULL, &k, &again, &got), -1);
    CHECK(k.bytes == NULL);
    CHECK(want.n >= 2 && same_errors(&want, &got));

    nv_manifest_free(&plain);
    nv_manifest_free(&again);
    nv_errlist_free(&want);
    nv_errlist_free(&got);
    nv_manifestcache_free(&k);
    check_rm_tree(dir);
}

/* A first run in a new directory: the manifest parsed, its events kept. */
static int first_run(void)
{
    setup();
    nv_manifestcache k;
    nv_manifestcache_load(&k, kpath, "1.0");
    nv_manifest m;
    nv_errlist errs = {0};
    nv_err e;
    int ok = nv_manifest_load_cached(man, NULL, &k, &m, &errs) == 0 && nv_manifestcache_save(&k, kpath, &e) == 0;
    nv_manifest_free(&m);
    nv_errlist_free(&errs);
    nv_manifestcache_free(&k);
    return ok;
}

TEST(manifestcache_another_manifest_is_parsed)
{
    CHECK(first_run());
    nv_manifestcache k;
    nv_manifest m;
    nv_errlist errs = {0};
    /* one byte more (a space): parsed and logged again */
    FILE *f = fopen(man, "a");
    CHECK(f != NULL);
    if (f) {
        fputc(' ', f);
        fclose(f);
    }
    nv_manifestcache_load(&k, kpath, "1.0");
    CHECK(k.log != NULL);
    CHECK_INT(nv_manifest_load_cached(man, NULL, &k, &m, &errs), 0);
    CHECK(k.bytes != NULL && k.log == NULL);
    nv_manifest_free(&m);
    /* now not well-formed: the parser's message, and nothing logged */
    f = fopen(man, "a");
    CHECK(f != NULL);
    if (f) {
        fputs("<x>", f);
        fclose(f);
    }
    CHECK_INT(nv_manifest_load_cached(man, NULL, &k, &m, &errs), -1);
    CHECK(errs.n == 1 && strstr(errs.v[0], "m.xml:18:") != NULL);
    nv_manifest_free(&m);
    nv_errlist_free(&errs);
    nv_manifestcache_free(&k);
    check_rm_tree(dir);
}

TEST(manifestcache_a_manifest_with_a_problem_is_not_kept)
{
    setup();
    char text[512];
    snprintf(text, sizeof text, "<nixvirt version=\"1\"><domains><domain definition=\"%s\"/>"
                                "<domain definition=\"%s\"/></domains></nixvirt>", ddom, ddom);
    check_write_file(man, text);
    nv_manifestcache k;
    nv_manifestcache_load(&k, kpath, "1.0");
    nv_manifest m;
    nv_errlist errs = {0};
    nv_err e;
    CHECK_INT(nv_manifest_load_cached(man, NULL, &k, &m, &errs), -1);
    CHECK(k.bytes == NULL);
    CHECK_INT(nv_manifestcache_save(&k, kpath, &e), 0);
    CHECK(access(kpath, F_OK) != 0);
    nv_manifest_free(&m);
    nv_errlist_free(&errs);
    nv_manifestcache_free(&k);
    check_rm_tree(dir);
}

/* A kept file made by a run, changed as given, loaded: kept or not. */
static int kept_after(void (*change)(void), const char *version)
{
    int ok = first_run();
    nv_manifestcache k;
    if (change)
        change();
    nv_manifestcache_load(&k, kpath, version);
    int kept = ok && k.log != NULL;
    nv_manifestcache_free(&k);
    check_rm_tree(dir);
    return kept;
}

static void flip_last_byte(void)
{
    FILE *f = fopen(kpath, "r+b");
    if (!f)
        return;
    fseek(f, -1, SEEK_END);
    int c = fgetc(f);
    fseek(f, -1, SEEK_END);
    fputc(c ^ 1, f);
    fclose(f);
}

/* a changed path, the log still well formed: only the digest tells */
static void other_path(void)
{
    FILE *f = fopen(kpath, "r+b");
    if (!f)
        return;
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf, f);
    for (size_t i = 0; i + 5 <= n; i++)
        if (memcmp(buf + i, "d.xml", 5) == 0) {
            fseek(f, (long)i, SEEK_SET);
            fputc('e', f);
            break;
        }
    fclose(f);
}

static void cut_in_half(void)
{
    struct stat st;
    if (stat(kpath, &st) == 0)
        (void)truncate(kpath, st.st_size / 2);
}

static void world_writable(void)
{
    (void)chmod(kpath, 0666);
}

TEST(manifestcache_damaged_or_foreign_is_a_miss)
{
    CHECK(kept_after(NULL, "1.0"));
    CHECK(!kept_after(NULL, "1.1"));
    CHECK(!kept_after(flip_last_byte, "1.0"));
    CHECK(!kept_after(other_path, "1.0"));
    CHECK(!kept_after(cut_in_half, "1.0"));
    CHECK(!kept_after(world_writable, "1.0"));
}
