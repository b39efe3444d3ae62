/* The early warm-up (engine/warm.c) and the prefetch that uses it, against
 * the scripted daemon: what the warm-up answered is not asked again, an
 * unchanged object's XML is not fetched at all, drift's XML is taken over,
 * and what it could not settle (a changed definition whose XML it dropped,
 * an object the record does not name) is asked for in the prefetch. The
 * script fails the test on any call it does not expect. */
#include "check.h"
#include "sdaemon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/manifest.h"
#include "engine/prefetch.h"
#include "engine/record.h"
#include "engine/warm.h"
#include "rpc/connect.h"
#include "util/sha256.h"

static int enc_list(nv_buf *b, const void *v)
{
    return nv_proto_enc_remote_connect_list_all_domains_ret(b, v);
}
static int enc_dom_xml(nv_buf *b, const void *v)
{
    return nv_proto_enc_remote_domain_get_xml_desc_ret(b, v);
}

#define NO_DRIVER(p) STEP_ERR(p, 3, "this function is not supported by the connection driver")
#define NOT_FOUND STEP_ERR(REMOTE_PROC_DOMAIN_GET_XML_DESC, 42, "Domain not found: no domain with matching uuid")

static remote_nonnull_domain listed[3] = {
    {.name = "w-a", .uuid = {0x0a, 0x0a, 0x0a, 0x0a, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 1}, .id = -1},
    {.name = "w-b", .uuid = {0x0a, 0x0a, 0x0a, 0x0a, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 2}, .id = -1},
    {.name = "w-c", .uuid = {0x0a, 0x0a, 0x0a, 0x0a, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 3}, .id = -1},
};
static const remote_connect_list_all_domains_ret all3 = {.domains = {3, listed}, .ret = 3};
static const remote_domain_get_xml_desc_ret xml_a = {.xml = "<domain type='qemu'><name>w-a</name></domain>"};
static const remote_domain_get_xml_desc_ret xml_b_then = {.xml = "<domain type='qemu'><name>w-b</name></domain>"};
static const remote_domain_get_xml_desc_ret xml_b_drift = {.xml = "<domain type='qemu'><name>w-b</name><description>virsh</description></domain>"};
static const remote_domain_get_xml_desc_ret xml_c = {.xml = "<domain type='qemu'><name>w-c</name></domain>"};

TEST(warm_prefetch_asks_only_what_the_warm_up_left_open)
{
    static const sd_step steps[] = {
        /* warm-up, burst 1: every kind's lists (no network or pool driver here) */
        STEP_OK(REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS, enc_list, &all3),
        NO_DRIVER(REMOTE_PROC_CONNECT_LIST_ALL_NETWORKS),
        NO_DRIVER(REMOTE_PROC_CONNECT_LIST_ALL_NETWORKS),
        NO_DRIVER(REMOTE_PROC_CONNECT_LIST_ALL_STORAGE_POOLS),
        NO_DRIVER(REMOTE_PROC_CONNECT_LIST_ALL_STORAGE_POOLS),
        /* burst 2: the recorded objects (a, b, c) */
        STEP_OK(REMOTE_PROC_DOMAIN_GET_XML_DESC, enc_dom_xml, &xml_a),
        STEP_OK(REMOTE_PROC_DOMAIN_GET_XML_DESC, enc_dom_xml, &xml_b_drift),
        STEP_OK(REMOTE_PROC_DOMAIN_GET_XML_DESC, enc_dom_xml, &xml_c),
        /* the prefetch: no lists again; c (its definition changed, its XML
         * was dropped as the record's) and d (not in the record) */
        STEP_OK(REMOTE_PROC_DOMAIN_GET_XML_DESC, enc_dom_xml, &xml_c),
        NOT_FOUND,
    };
    char dir[] = "/tmp/nv-warm-test.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    const char *names[4] = {"w-a", "w-b", "w-c", "w-d"};
    char path[4][128], man[128], text[2048];
    check_write_domains(dir, names, 4, path);
    snprintf(man, sizeof man, "%s/manifest.xml", dir);
    snprintf(text, sizeof text,
             "<nixvirt version='1'><domains purge='none'>"
             "<domain definition='%s'/><domain definition='%s'/><domain definition='%s'/><domain definition='%s'/>"
             "</domains></nixvirt>\n",
             path[0], path[1], path[2], path[3]);
    check_write_file(man, text);
    nv_manifest m;
    nv_errlist errs = {0};
    CHECK_INT(nv_manifest_load(man, &m, &errs), 0);
    nv_manifest_kind *mk = &m.kinds[NV_KIND_DOMAIN];
    CHECK_INT(mk->n, 4);

    /* the record of the last apply: a and b as declared now, c with another
     * definition; the daemon's XML as it was then */
    nv_record rec = {0};
    nv_err e;
    const char *then[3] = {xml_a.xml, xml_b_then.xml, xml_c.xml};
    for (int i = 0; i < 3 && mk->n == 4; i++) {
        uint8_t def[32], xml[32];
        memcpy(def, mk->objs[i].spec.digest, 32);
        if (i == 2)
            def[0] ^= 1;
        nv_sha256(then[i], strlen(then[i]), xml);
        CHECK_INT(nv_record_put(&rec, NV_KIND_DOMAIN, mk->objs[i].spec.uuid, def, xml, &e), 0);
    }

    sdaemon *d = sd_listen(steps, sizeof steps / sizeof steps[0], 0);
    nv_connect_opts o = {.timeout_seconds = 5};
    nv_conn *c = nv_connect_open(sd_uri(d), &o, &e);
    CHECK(c != NULL);
    if (c && mk->n == 4) {
        nv_warm w;
        nv_warm_send_lists(c, &w);
        nv_warm_run(c, &rec, &w, NULL);
        CHECK(w.k[NV_KIND_DOMAIN].listed);
        CHECK(!w.k[NV_KIND_NETWORK].listed && !w.k[NV_KIND_POOL].listed);
        CHECK_INT(w.k[NV_KIND_DOMAIN].n, 3);
        nv_prefetch p;
        CHECK_INT(nv_prefetch_run(c, &m, &rec, &w, &p, &e), 0);
        nv_prefetch_obj *po = p.k[NV_KIND_DOMAIN].objs;
        /* a: unchanged, nothing fetched for it at all */
        CHECK(po[0].found && po[0].unchanged && !po[0].xml && !po[0].active);
        /* b: drift, its XML taken over from the warm-up */
        CHECK(po[1].found && !po[1].unchanged && po[1].xml && !strcmp(po[1].xml, xml_b_drift.xml));
        /* c: changed definition, its XML asked for again */
        CHECK(po[2].found && !po[2].unchanged && po[2].xml && !strcmp(po[2].xml, xml_c.xml));
        /* d: new, not on the daemon */
        CHECK(!po[3].found && !po[3].xml);
        CHECK_INT(p.k[NV_KIND_DOMAIN].all.n, 3); /* the warm-up's list, taken over */
        nv_prefetch_free(&p);
        nv_warm_free(&w);
        nv_connect_close(c);
    }
    CHECK_INT(sd_stop(d), 0); /* every step played, nothing asked twice */
    if (sd_problem(d)[0])
        check_fail(__FILE__, __LINE__, "%s", sd_problem(d));
    sd_free(d);
    nv_record_free(&rec);
    nv_manifest_free(&m);
    nv_errlist_free(&errs);
    for (int i = 0; i < 4; i++)
        unlink(path[i]);
    unlink(man);
    rmdir(dir);
}

/* More recorded objects than the window: every one's XML is fetched and
 * settled, in order, with never more than NV_WARM_WINDOW calls in flight
 * (replies waiting to be collected stay bounded). */
TEST(warm_fetches_in_a_window)
{
    enum { N = 2 * NV_WARM_WINDOW + 77 };
    static remote_nonnull_domain many[N];
    static char names[N][16];
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "w-%d", i);
        many[i] = (remote_nonnull_domain){.name = names[i], .id = -1};
        memcpy(many[i].uuid, listed[0].uuid, 16);
        many[i].uuid[14] = (unsigned char)(i >> 8);
        many[i].uuid[15] = (unsigned char)i;
    }
    static const remote_connect_list_all_domains_ret all = {.domains = {N, many}, .ret = N};
    static sd_step steps[5 + N];
    steps[0] = (sd_step)STEP_OK(REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS, enc_list, &all);
    steps[1] = (sd_step)NO_DRIVER(REMOTE_PROC_CONNECT_LIST_ALL_NETWORKS);
    steps[2] = (sd_step)NO_DRIVER(REMOTE_PROC_CONNECT_LIST_ALL_NETWORKS);
    steps[3] = (sd_step)NO_DRIVER(REMOTE_PROC_CONNECT_LIST_ALL_STORAGE_POOLS);
    steps[4] = (sd_step)NO_DRIVER(REMOTE_PROC_CONNECT_LIST_ALL_STORAGE_POOLS);
    /* the last one drifted; the others are as recorded */
    for (int i = 0; i < N; i++)
        steps[5 + i] = (sd_step)STEP_OK(REMOTE_PROC_DOMAIN_GET_XML_DESC, enc_dom_xml,
                                        i == N - 1 ? &xml_b_drift : &xml_a);
    nv_record rec = {0};
    nv_err e;
    uint8_t def[32] = {1}, xml[32];
    nv_sha256(xml_a.xml, strlen(xml_a.xml), xml);
    for (int i = 0; i < N; i++)
        CHECK_INT(nv_record_put(&rec, NV_KIND_DOMAIN, many[i].uuid, def, xml, &e), 0);

    sdaemon *d = sd_listen(steps, 5 + N, 0);
    nv_connect_opts o = {.timeout_seconds = 5};
    nv_conn *c = nv_connect_open(sd_uri(d), &o, &e);
    CHECK(c != NULL);
    if (c) {
        nv_warm w;
        nv_warm_send_lists(c, &w);
        nv_warm_run(c, &rec, &w, NULL);
        nv_warm_kind *wk = &w.k[NV_KIND_DOMAIN];
        CHECK_INT(wk->n, N);
        size_t settled = 0;
        for (size_t i = 0; i < wk->n; i++)
            settled += wk->objs[i].known && wk->objs[i].found && !wk->objs[i].xml;
        CHECK_INT(settled, N - 1);
        CHECK(wk->n == N && wk->objs[N - 1].xml && !strcmp(wk->objs[N - 1].xml, xml_b_drift.xml));
        size_t peak = nv_rpc_conn_inflight_peak(c->rpc);
        if (peak > NV_WARM_WINDOW + 5) /* the XML calls, and the lists before them */
            check_fail(__FILE__, __LINE__, "%zu calls in flight at once", peak);
        CHECK(peak >= NV_WARM_WINDOW); /* a window, not one call at a time */
        nv_warm_free(&w);
        nv_connect_close(c);
    }
    CHECK_INT(sd_stop(d), 0);
    if (sd_problem(d)[0])
        check_fail(__FILE__, __LINE__, "%s", sd_problem(d));
    sd_free(d);
    nv_record_free(&rec);
}
