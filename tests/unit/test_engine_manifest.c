/* The apply manifest: valid forms, defaults, and every kind of error,
 * all collected in one pass with file:line. Definitions are in
 * tests/data/manifest/; manifests are written here with @D@ standing for
 * that directory. */
#include "check.h"
#include "engine/manifest.h"
#include "util/errlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#define M_FILE "m.xml"

static int parse(const char *tmpl, nv_manifest *m, nv_errlist *errs)
{
    char *text = check_expand_data(tmpl, "manifest");
    memset(errs, 0, sizeof *errs);
    int rc = nv_manifest_parse(M_FILE, text, strlen(text), m, errs);
    free(text);
    return rc;
}

/* The error lines that contain every one of the given substrings. */
static size_t count_errors(const nv_errlist *errs, const char *a, const char *b)
{
    size_t n = 0;
    for (size_t i = 0; i < errs->n; i++)
        if (strstr(errs->v[i], a) && (!b || strstr(errs->v[i], b)))
            n++;
    return n;
}

static void show_errors(const nv_errlist *errs)
{
    for (size_t i = 0; i < errs->n; i++)
        fprintf(stderr, "    error %zu: %s\n", i, errs->v[i]);
}

#define CHECK_ERROR(errs, a, b)                                                   \
    do {                                                                          \
        if (count_errors((errs), (a), (b)) != 1) {                                \
            check_fail(__FILE__, __LINE__, "expected one error with [%s]%s%s%s", \
                       (a), (b) ? " and [" : "", (b) ? (const char *)(b) : "",    \
                       (b) ? "]" : "");                                           \
            show_errors(errs);                                                    \
        }                                                                         \
    } while (0)

static const char valid[] =
    "<?xml version=\"1.0\"?>\n"
    "<nixvirt version=\"1\">\n"                                                           /* 2 */
    "  <!-- a comment is fine -->\n"                                                       /* 3 */
    "  <networks purge=\"managed\">\n"                                                     /* 4 */
    "    <network definition=\"@D@/net.xml\" active=\"true\" restart=\"never\"/>\n"        /* 5 */
    "  </networks>\n"
    "  <pools purge=\"none\">\n"                                                           /* 7 */
    "    <pool definition=\"@D@/pool.xml\" active=\"false\" restart=\"always\">\n"         /* 8 */
    "      <volume definition=\"@D@/vol.xml\"/>\n"                                         /* 9 */
    "      <volume name=\"old.qcow2\" present=\"false\"/>\n"                               /* 10 */
    "    </pool>\n"
    "  </pools>\n"
    "  <domains>\n"                                                                        /* 13 */
    "    <domain definition=\"@D@/dom-a.xml\" active=\"true\" restart=\"ifchanged\"\n"     /* 14 */
    "            shutdown-timeout=\"60\"/>\n"
    "    <domain definition=\"@D@/dom-b.xml\" restart=\"live\"/>\n"                        /* 16 */
    "  </domains>\n"
    "</nixvirt>\n";

TEST(manifest_valid_all_kinds)
{
    nv_manifest m;
    nv_errlist errs;
    int rc = parse(valid, &m, &errs);
    CHECK_INT(rc, 0);
    CHECK_INT(errs.n, 0);
    show_errors(&errs);

    const nv_manifest_kind *net = &m.kinds[NV_KIND_NETWORK];
    CHECK_INT(net->managed, 1);
    CHECK_INT(net->purge, NV_PURGE_MANAGED);
    CHECK_INT(net->n, 1);
    if (net->n == 1) {
        CHECK_STR(net->objs[0].spec.name, "nv-net");
        CHECK_STR(net->objs[0].spec.uuid_str, "0a0a0a0a-0000-4000-8000-000000000010");
        CHECK_INT(net->objs[0].spec.kind, NV_SPEC_NETWORK);
        CHECK_INT(net->objs[0].state, NV_STATE_ACTIVE);
        CHECK_INT(net->objs[0].restart, NV_RESTART_NEVER);
        CHECK_INT(net->objs[0].line, 5);
        CHECK_INT(net->objs[0].nvols, 0);
    }

    const nv_manifest_kind *pool = &m.kinds[NV_KIND_POOL];
    CHECK_INT(pool->managed, 1);
    CHECK_INT(pool->purge, NV_PURGE_NONE);
    CHECK_INT(pool->n, 1);
    if (pool->n == 1) {
        const nv_manifest_obj *p = &pool->objs[0];
        CHECK_STR(p->spec.name, "nv-pool");
        CHECK_INT(p->state, NV_STATE_INACTIVE);
        CHECK_INT(p->restart, NV_RESTART_ALWAYS);
        CHECK_INT(p->nvols, 2);
        if (p->nvols == 2) {
            CHECK_STR(p->vols[0].name, "disk.qcow2"); /* from the definition */
            CHECK_INT(p->vols[0].present, 1);
            CHECK_INT(p->vols[0].has_spec, 1);
            CHECK_INT(p->vols[0].line, 9);
            CHECK_STR(p->vols[1].name, "old.qcow2");
            CHECK_INT(p->vols[1].present, 0);
            CHECK_INT(p->vols[1].has_spec, 0);
            CHECK_INT(p->vols[1].line, 10);
        }
    }

    const nv_manifest_kind *dom = &m.kinds[NV_KIND_DOMAIN];
    CHECK_INT(dom->managed, 1);
    CHECK_INT(dom->purge, NV_PURGE_UNDECLARED); /* the default, NixVirt's behaviour */
    CHECK_INT(dom->n, 2);
    if (dom->n == 2) {
        CHECK_STR(dom->objs[0].spec.name, "nv-a");
        CHECK_INT(dom->objs[0].state, NV_STATE_ACTIVE);
        CHECK_INT(dom->objs[0].restart, NV_RESTART_IFCHANGED);
        CHECK_INT(dom->objs[0].shutdown_timeout, 60);
        CHECK_INT(dom->objs[0].line, 14);
        CHECK_STR(dom->objs[1].spec.name, "nv-b");
        CHECK_INT(dom->objs[1].state, NV_STATE_KEEP);
        CHECK_INT(dom->objs[1].restart, NV_RESTART_LIVE);
        CHECK_INT(dom->objs[1].shutdown_timeout, 0);
        CHECK_INT(dom->objs[1].line, 16);
    }
    nv_manifest_free(&m);
    nv_errlist_free(&errs);
}

TEST(manifest_absent_and_empty_kinds)
{
    nv_manifest m;
    nv_errlist errs;
    /* no element: not managed; an empty one: managed, nothing declared */
    CHECK_INT(parse("<nixvirt version=\"1\"><domains purge=\"undeclared\"/></nixvirt>", &m, &errs), 0);
    CHECK_INT(errs.n, 0);
    CHECK_INT(m.kinds[NV_KIND_DOMAIN].managed, 1);
    CHECK_INT(m.kinds[NV_KIND_DOMAIN].n, 0);
    CHECK_INT(m.kinds[NV_KIND_NETWORK].managed, 0);
    CHECK_INT(m.kinds[NV_KIND_POOL].managed, 0);
    nv_manifest_free(&m);
    nv_errlist_free(&errs);

    CHECK_INT(parse("<nixvirt version=\"1\">\n</nixvirt>\n", &m, &errs), 0);
    for (int k = 0; k < NV_KIND_COUNT; k++)
        CHECK_INT(m.kinds[k].managed, 0);
    nv_manifest_free(&m);
    nv_errlist_free(&errs);

    /* the boundaries of shutdown-timeout: 0 and ten days */
    CHECK_INT(parse("<nixvirt version=\"1\"><domains>"
                    "<domain definition=\"@D@/dom-a.xml\" shutdown-timeout=\"0\"/>"
                    "<domain definition=\"@D@/dom-b.xml\" shutdown-timeout=\"864000\"/>"
                    "</domains></nixvirt>",
                    &m, &errs),
              0);
    show_errors(&errs);
    CHECK_INT(m.kinds[NV_KIND_DOMAIN].objs[0].shutdown_timeout, 0);
    CHECK_INT(m.kinds[NV_KIND_DOMAIN].objs[1].shutdown_timeout, 864000);
    nv_manifest_free(&m);
    nv_errlist_free(&errs);

    /* name and definition may both be given when they agree */
    CHECK_INT(parse("<nixvirt version=\"1\"><pools><pool definition=\"@D@/pool.xml\">"
                    "<volume name=\"disk.qcow2\" definition=\"@D@/vol.xml\" present=\"true\"/>"
                    "</pool></pools></nixvirt>",
                    &m, &errs),
              0);
    show_errors(&errs);
    CHECK_INT(m.kinds[NV_KIND_POOL].objs[0].nvols, 1);
    CHECK_STR(m.kinds[NV_KIND_POOL].objs[0].vols[0].name, "disk.qcow2");
    CHECK_INT(m.kinds[NV_KIND_POOL].objs[0].vols[0].has_spec, 1);
    CHECK_INT(m.kinds[NV_KIND_POOL].objs[0].state, NV_STATE_KEEP);
    nv_manifest_free(&m);
    nv_errlist_free(&errs);
}

/* One manifest with a mistake of every kind: each is reported, with its
 * line, in the same run (test_engine_manifest_readers.c reads it too). */
const char manifest_many_errors[] =
    "<nixvirt version=\"1\" extra=\"x\">\n"                                                  /* 1 */
    "  <networks purge=\"sometimes\" mode=\"x\">\n"                                          /* 2 */
    "    <network definition=\"@D@/net.xml\" active=\"yes\" bogus=\"1\"/>\n"                 /* 3 */
    "    <bridge/>\n"                                                                        /* 4 */
    "  </networks>\n"
    "  <pools>\n"                                                                            /* 6 */
    "    <pool definition=\"@D@/pool.xml\" restart=\"sometimes\" shutdown-timeout=\"5\">\n"  /* 7 */
    "      <volume/>\n"                                                                      /* 8 */
    "      <volume name=\"new.qcow2\"/>\n"                                                   /* 9 */
    "      <volume name=\"other.qcow2\" definition=\"@D@/vol.xml\"/>\n"                      /* 10 */
    "      <volume name=\"x\" present=\"no\"/>\n"                                            /* 11 */
    "      <volume name=\"\" present=\"false\"/>\n"                                          /* 12 */
    "      <volume name=\"y\" present=\"false\" size=\"1\"><target/></volume>\n"             /* 13 */
    "      <volume definition=\"@D@/missing-vol.xml\"/>\n"                                   /* 14 */
    "      <volume name=\"dup\" present=\"false\"/>\n"                                       /* 15 */
    "      <volume name=\"dup\" present=\"false\"/>\n"                                       /* 16 */
    "    </pool>\n"
    "  </pools>\n"
    "  <domains purge=\"all\">\n"                                                            /* 19 */
    "    <domain definition=\"@D@/broken.xml\" shutdown-timeout=\"abc\"/>\n"                 /* 20 */
    "    <domain definition=\"@D@/missing.xml\" shutdown-timeout=\"864001\"/>\n"             /* 21 */
    "    <domain definition=\"@D@/dom-a.xml\" shutdown-timeout=\"-1\"/>\n"                   /* 22 */
    "    <domain definition=\"@D@/dom-a-same-uuid.xml\" shutdown-timeout=\"\"/>\n"           /* 23 */
    "    <domain definition=\"@D@/dom-a-same-name.xml\"/>\n"                                 /* 24 */
    "    <domain active=\"true\"/>\n"                                                        /* 25 */
    "    <domain definition=\"@D@/net.xml\"/>\n"                                             /* 26 */
    "    <domain definition=\"@D@/no-uuid.xml\"/>\n"                                         /* 27 */
    "    <vm/>\n"                                                                            /* 28 */
    "    stray text\n"                                                                       /* 29 */
    "  </domains>\n"
    "  <domains/>\n"                                                                         /* 31 */
    "  <volumes/>\n"                                                                         /* 32 */
    "</nixvirt>\n";

TEST(manifest_every_error_at_once)
{
    nv_manifest m;
    nv_errlist errs;
    CHECK_INT(parse(manifest_many_errors, &m, &errs), -1);

    CHECK_ERROR(&errs, "m.xml:1: unknown attribute 'extra' on <nixvirt>", NULL);
    CHECK_ERROR(&errs, "m.xml:2: purge=\"sometimes\": expected undeclared, managed or none", NULL);
    CHECK_ERROR(&errs, "m.xml:2: unknown attribute 'mode' on <networks>", NULL);
    CHECK_ERROR(&errs, "m.xml:3: active=\"yes\" on <network>: expected true or false", NULL);
    CHECK_ERROR(&errs, "m.xml:3: unknown attribute 'bogus' on <network>", NULL);
    CHECK_ERROR(&errs, "m.xml:4: unexpected <bridge> inside <networks> (expected <network>)", NULL);
    CHECK_ERROR(&errs, "m.xml:7: restart=\"sometimes\": expected always, never, ifchanged or live", NULL);
    /* shutdown-timeout is for domains only */
    CHECK_ERROR(&errs, "m.xml:7: unknown attribute 'shutdown-timeout' on <pool>", NULL);
    CHECK_ERROR(&errs, "m.xml:8: <volume> needs a definition or a name", NULL);
    CHECK_ERROR(&errs, "m.xml:9: volume 'new.qcow2': present=\"true\" needs a definition", NULL);
    CHECK_ERROR(&errs, "m.xml:10: volume name 'other.qcow2' differs from the name 'disk.qcow2'", NULL);
    CHECK_ERROR(&errs, "m.xml:11: present=\"no\" on <volume>: expected true or false", NULL);
    CHECK_ERROR(&errs, "m.xml:12: <volume> has an empty name", NULL);
    CHECK_ERROR(&errs, "m.xml:13: unknown attribute 'size' on <volume>", NULL);
    CHECK_ERROR(&errs, "m.xml:13: <volume> has no child elements", NULL);
    CHECK_ERROR(&errs, "m.xml:14: <volume> definition: ", "missing-vol.xml: cannot read");
    CHECK_ERROR(&errs, "m.xml:16: volume 'dup' is listed twice in pool nv-pool", NULL);
    CHECK_ERROR(&errs, "m.xml:19: purge=\"all\"", NULL);
    CHECK_ERROR(&errs, "m.xml:20: shutdown-timeout=\"abc\": expected a number of seconds", NULL);
    CHECK_ERROR(&errs, "m.xml:20: <domain> definition: ", "broken.xml:4: ");
    CHECK_ERROR(&errs, "m.xml:21: shutdown-timeout=\"864001\"", NULL);
    CHECK_ERROR(&errs, "m.xml:21: <domain> definition: ", "missing.xml: cannot read: No such file");
    CHECK_ERROR(&errs, "m.xml:22: shutdown-timeout=\"-1\"", NULL);
    CHECK_ERROR(&errs, "m.xml:23: shutdown-timeout=\"\"", NULL);
    CHECK_ERROR(&errs, "m.xml:23: domain UUID 0a0a0a0a-0000-4000-8000-000000000001 is declared twice",
                "dom-a-same-uuid.xml");
    CHECK_ERROR(&errs, "m.xml:24: domain name 'nv-a' is declared twice", "dom-a-same-name.xml");
    CHECK_ERROR(&errs, "m.xml:25: <domain> needs a definition attribute", NULL);
    CHECK_ERROR(&errs, "m.xml:26: <domain> definition: ", "net.xml");
    CHECK_ERROR(&errs, "m.xml:27: <domain> definition: ", "no-uuid.xml");
    CHECK_ERROR(&errs, "m.xml:28: unexpected <vm> inside <domains> (expected <domain>)", NULL);
    CHECK_ERROR(&errs, "m.xml:28: unexpected text inside <domains>", NULL); /* where the text starts */
    CHECK_ERROR(&errs, "m.xml:31: <domains> appears twice", NULL);
    CHECK_ERROR(&errs, "m.xml:32: unknown element <volumes>", NULL);
    CHECK_INT(errs.n, 33);
    if (errs.n != 33)
        show_errors(&errs);
    nv_manifest_free(&m);
    nv_errlist_free(&errs);
}

TEST(manifest_root_version_doctype)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"<nixvirt version=\"2\"/>", "m.xml:1: manifest version \"2\" is not supported"},
        {"<nixvirt version=\"1.0\"/>", "m.xml:1: manifest version \"1.0\" is not supported"},
        {"<nixvirt/>", "m.xml:1: <nixvirt> needs version=\"1\""},
        {"<manifest version=\"1\"/>", "m.xml:1: expected <nixvirt> as the root element, found <manifest>"},
        {"<?xml version=\"1.0\"?>\n<!DOCTYPE nixvirt [<!ENTITY x \"y\">]>\n<nixvirt version=\"1\"/>",
         "DOCTYPE declarations are not allowed"},
        {"<nixvirt version=\"1\">\n<domains>\n</nixvirt>", "m.xml:3: mismatched tag"},
        {"", "m.xml:"},
        {"<nixvirt version=\"1\">text</nixvirt>", "m.xml:1: unexpected text inside <nixvirt>"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nv_manifest m;
        nv_errlist errs;
        if (parse(cases[i].text, &m, &errs) != -1)
            check_fail(__FILE__, __LINE__, "accepted case %zu", i);
        if (count_errors(&errs, cases[i].want, NULL) != 1) {
            check_fail(__FILE__, __LINE__, "case %zu: no error [%s]", i, cases[i].want);
            show_errors(&errs);
        }
        nv_manifest_free(&m);
        nv_errlist_free(&errs);
    }
}

/* The same definition kinds in different lists do not clash: a domain and
 * a network may share a name. */
TEST(manifest_duplicates_are_per_kind)
{
    nv_manifest m;
    nv_errlist errs;
    int rc = parse("<nixvirt version=\"1\">\n"
                   "<domains><domain definition=\"@D@/dom-a.xml\"/><domain definition=\"@D@/dom-b.xml\"/></domains>\n"
                   "<networks><network definition=\"@D@/net.xml\"/></networks>\n"
                   "</nixvirt>\n",
                   &m, &errs);
    CHECK_INT(rc, 0);
    show_errors(&errs);
    nv_manifest_free(&m);
    nv_errlist_free(&errs);

    /* a volume named in two pools is fine; twice in one pool is not */
    rc = parse("<nixvirt version=\"1\"><pools>\n"
               "<pool definition=\"@D@/pool.xml\"><volume definition=\"@D@/vol.xml\"/>\n"
               "<volume name=\"disk.qcow2\" present=\"false\"/></pool>\n"
               "</pools></nixvirt>\n",
               &m, &errs);
    CHECK_INT(rc, -1);
    CHECK_ERROR(&errs, "m.xml:3: volume 'disk.qcow2' is listed twice in pool nv-pool", NULL);
    CHECK_INT(errs.n, 1);
    nv_manifest_free(&m);
    nv_errlist_free(&errs);
}

TEST(manifest_load_file)
{
    char path[] = "/tmp/nv-test-manifest-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    char *text = check_expand_data(valid, "manifest");
    size_t len = strlen(text);
    CHECK_INT(write(fd, text, len), (long long)len);
    close(fd);
    free(text);

    nv_manifest m;
    nv_errlist errs = {0};
    CHECK_INT(nv_manifest_load(path, &m, &errs), 0);
    CHECK_INT(errs.n, 0);
    CHECK_INT(m.kinds[NV_KIND_DOMAIN].n, 2);
    nv_manifest_free(&m);
    nv_errlist_free(&errs);

    /* errors name the manifest by the path it was given as */
    fd = open(path, O_WRONLY | O_TRUNC);
    CHECK_INT(write(fd, "<nixvirt version=\"1\">\n<bad/>\n</nixvirt>\n", 39), 39);
    close(fd);
    CHECK_INT(nv_manifest_load(path, &m, &errs), -1);
    char want[128];
    snprintf(want, sizeof want, "%s:2: unknown element <bad>", path);
    CHECK_ERROR(&errs, want, NULL);
    nv_manifest_free(&m);
    nv_errlist_free(&errs);
    unlink(path);

    CHECK_INT(nv_manifest_load(path, &m, &errs), -1);
    CHECK_INT(errs.n, 1);
    CHECK_ERROR(&errs, "cannot read", NULL);
    nv_manifest_free(&m);
    nv_errlist_free(&errs);
}

TEST(manifest_purge_names)
{
    CHECK_STR(nv_purge_name(NV_PURGE_UNDECLARED), "undeclared");
    CHECK_STR(nv_purge_name(NV_PURGE_MANAGED), "managed");
    CHECK_STR(nv_purge_name(NV_PURGE_NONE), "none");
}
