/* Engine failure paths driven by the scripted daemon (sdaemon.h): a network
 * restart whose destroy or dependant stop fails, and an apply where one
 * define is refused and one start times out in the middle. */
#include "check.h"
#include "sdaemon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/apply.h"
#include "engine/declare.h"
#include "engine/manifest.h"
#include "engine/record.h"
#include "rpc/connect.h"

/* ---- encoders for the script ------------------------------------------------ */

static int enc_net(nv_buf *b, const void *v)
{
    return nv_proto_enc_remote_network_lookup_by_name_ret(b, v);
}
static int enc_active(nv_buf *b, const void *v)
{
    return nv_proto_enc_remote_network_is_active_ret(b, v);
}
static int enc_net_xml(nv_buf *b, const void *v)
{
    return nv_proto_enc_remote_network_get_xml_desc_ret(b, v);
}
static int enc_dom_xml(nv_buf *b, const void *v)
{
    return nv_proto_enc_remote_domain_get_xml_desc_ret(b, v);
}
static int enc_list(nv_buf *b, const void *v)
{
    return nv_proto_enc_remote_connect_list_all_domains_ret(b, v);
}
static int enc_define(nv_buf *b, const void *v)
{
    return nv_proto_enc_remote_domain_define_xml_flags_ret(b, v);
}

static const remote_network_lookup_by_name_ret net1 = {.net = {.name = "net1", .uuid = {1}}};
static const remote_network_is_active_ret one = {.active = 1};
static const remote_network_get_xml_desc_ret net1_xml = {.xml = "<network><name>net1</name><bridge name='virbr9'/></network>"};
static remote_nonnull_domain users[2] = {{.name = "vm1", .uuid = {0xa1}, .id = 1}, {.name = "vm2", .uuid = {0xa2}, .id = 2}};
static const remote_connect_list_all_domains_ret running = {.domains = {2, users}, .ret = 2};
static const remote_connect_list_all_domains_ret none = {.ret = 0};
static const remote_domain_get_xml_desc_ret user_xml = {
    .xml = "<domain><name>vmX</name><devices><interface type='network'><source network='net1'/></interface></devices></domain>"};


/* the calls of `virtdeclare --type network --name net1 --state active --restart always`
 * up to the destroys of the two running domains that use it */
#define NET_RESTART_PREFIX                                                          \
    STEP_OK(REMOTE_PROC_NETWORK_LOOKUP_BY_NAME, enc_net, &net1),                    \
    STEP_OK(REMOTE_PROC_NETWORK_IS_ACTIVE, enc_active, &one),                       \
    STEP_OK(REMOTE_PROC_NETWORK_GET_XML_DESC, enc_net_xml, &net1_xml),              \
    STEP_OK(REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS, enc_list, &running),              \
    STEP_OK(REMOTE_PROC_DOMAIN_GET_XML_DESC, enc_dom_xml, &user_xml),               \
    STEP_OK(REMOTE_PROC_DOMAIN_GET_XML_DESC, enc_dom_xml, &user_xml)

static int restart_net1(const sd_step *steps, size_t n, nv_err *e)
{
    sdaemon *d = sd_listen(steps, n, 0);
    nv_conn *c = nv_connect_open(sd_uri(d), NULL, e);
    CHECK(c != NULL);
    int rc = -2;
    if (c) {
        nv_declare_req req = {.kind = NV_KIND_NETWORK, .sel_name = "net1", .state = NV_STATE_ACTIVE,
                              .restart = NV_RESTART_ALWAYS};
        nv_declare_result res;
        rc = nv_declare(c, &req, &res, e);
        nv_declare_result_free(&res);
        nv_connect_close(c);
    }
    CHECK_INT(sd_stop(d), 0); /* every step played, nothing unexpected */
    sd_free(d);
    return rc;
}

TEST(engine_network_destroy_fails_domains_start_again)
{
    static const sd_step steps[] = {
        NET_RESTART_PREFIX,
        STEP_EMPTY(REMOTE_PROC_DOMAIN_DESTROY),
        STEP_EMPTY(REMOTE_PROC_DOMAIN_DESTROY),
        STEP_ERR(REMOTE_PROC_NETWORK_DESTROY, 1, "internal error: cannot tear down virbr9"),
        /* the network is still up: both domains come back, and one cannot */
        STEP_EMPTY(REMOTE_PROC_DOMAIN_CREATE),
        STEP_ERR(REMOTE_PROC_DOMAIN_CREATE, 1, "internal error: qemu died"),
    };
    nv_err e;
    nv_err_clear(&e);
    CHECK_INT(restart_net1(steps, sizeof steps / sizeof steps[0], &e), -1);
    CHECK_STR(e.msg, "internal error: cannot tear down virbr9; cannot start domain vm2 again: internal error: qemu died");
}

TEST(engine_network_dependant_stop_fails)
{
    static const sd_step steps[] = {
        NET_RESTART_PREFIX,
        STEP_EMPTY(REMOTE_PROC_DOMAIN_DESTROY),
        STEP_ERR(REMOTE_PROC_DOMAIN_DESTROY, 1, "internal error: stuck"),
        /* vm1 was stopped already: it starts again; the network is not touched */
        STEP_EMPTY(REMOTE_PROC_DOMAIN_CREATE),
    };
    nv_err e;
    nv_err_clear(&e);
    CHECK_INT(restart_net1(steps, sizeof steps / sizeof steps[0], &e), -1);
    CHECK_STR(e.msg, "cannot stop domain vm2, which uses network net1: internal error: stuck");
}

TEST(engine_network_restarts_fails_then_domains_start)
{
    static const sd_step steps[] = {
        NET_RESTART_PREFIX,
        STEP_EMPTY(REMOTE_PROC_DOMAIN_DESTROY),
        STEP_EMPTY(REMOTE_PROC_DOMAIN_DESTROY),
        STEP_EMPTY(REMOTE_PROC_NETWORK_DESTROY),
        STEP_ERR(REMOTE_PROC_NETWORK_CREATE, 1, "internal error: dnsmasq failed"),
        /* every domain stopped for it is tried again, and each failure named */
        STEP_ERR(REMOTE_PROC_DOMAIN_CREATE, 55, "Requested operation is not valid: network 'net1' is not active"),
        STEP_ERR(REMOTE_PROC_DOMAIN_CREATE, 55, "Requested operation is not valid: network 'net1' is not active"),
    };
    nv_err e;
    nv_err_clear(&e);
    CHECK_INT(restart_net1(steps, sizeof steps / sizeof steps[0], &e), -1);
    CHECK(strstr(e.msg, "internal error: dnsmasq failed; cannot start domain vm1 again: ") == e.msg);
    CHECK(strstr(e.msg, "; cannot start domain vm2 again: Requested operation is not valid") != NULL);
}

/* ---- apply: a refused define, a timeout, and the objects after them --------- */

static const remote_domain_define_xml_flags_ret def_b = {.dom = {.name = "nv-b", .uuid = {0x0b}, .id = -1}};
static const remote_domain_define_xml_flags_ret def_c = {.dom = {.name = "nv-c", .uuid = {0x0c}, .id = -1}};
static const remote_domain_get_xml_desc_ret xml_b = {.xml = "<domain type='qemu'><name>nv-b</name></domain>"};
static const remote_domain_get_xml_desc_ret xml_c = {.xml = "<domain type='qemu'><name>nv-c</name></domain>"};

#define NOT_FOUND(p) STEP_ERR(p, 42, "Domain not found: no domain with matching uuid")

TEST(engine_apply_refused_define_and_timeout)
{
    static const sd_step steps[] = {
        /* what exists: nothing (the list, and the XML of each, pipelined);
         * the names are free by the list, so no lookup by name */
        STEP_OK(REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS, enc_list, &none),
        NOT_FOUND(REMOTE_PROC_DOMAIN_GET_XML_DESC),
        NOT_FOUND(REMOTE_PROC_DOMAIN_GET_XML_DESC),
        NOT_FOUND(REMOTE_PROC_DOMAIN_GET_XML_DESC),
        /* nv-a: the daemon refuses the definition */
        STEP_ERR(REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS, 27, "XML error: refused by the script"),
        /* nv-b: defined, and its start never answers */
        STEP_OK(REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS, enc_define, &def_b),
        STEP_OK(REMOTE_PROC_DOMAIN_GET_XML_DESC, enc_dom_xml, &xml_b),
        {.proc = REMOTE_PROC_DOMAIN_CREATE, .act = SD_SILENT},
        /* nv-c: on a new connection, all goes well */
        STEP_OK(REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS, enc_define, &def_c),
        STEP_OK(REMOTE_PROC_DOMAIN_GET_XML_DESC, enc_dom_xml, &xml_c),
        STEP_EMPTY(REMOTE_PROC_DOMAIN_CREATE),
    };
    char dir[] = "/tmp/nv-apply-test.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[3][128], man[128], text[1024];
    const char *names[3] = {"nv-a", "nv-b", "nv-c"};
    check_write_domains(dir, names, 3, path);
    snprintf(man, sizeof man, "%s/manifest.xml", dir);
    snprintf(text, sizeof text,
             "<nixvirt version='1'><domains purge='none'>"
             "<domain definition='%s' active='true'/><domain definition='%s' active='true'/>"
             "<domain definition='%s' active='true'/></domains></nixvirt>\n",
             path[0], path[1], path[2]);
    check_write_file(man, text);

    nv_manifest m;
    nv_errlist errs = {0};
    CHECK_INT(nv_manifest_load(man, &m, &errs), 0);
    sdaemon *d = sd_listen(steps, sizeof steps / sizeof steps[0], 0);
    nv_err e;
    nv_connect_opts o = {.timeout_seconds = 1};
    nv_conn *c = nv_connect_open(sd_uri(d), &o, &e);
    CHECK(c != NULL);
    if (c) {
        nv_record rec = {0};
        nv_apply_opts ao = {0};
        nv_report rep = {0};
        CHECK_INT(nv_apply(c, &m, &rec, &ao, &rep, &errs), 2);
        CHECK_INT(errs.n, 2);
        if (errs.n == 2) {
            CHECK_STR(errs.v[0], "domain nv-a (0a0a0a0a-0000-4000-8000-000000000001): XML error: refused by the script");
            CHECK_STR(errs.v[1], "domain nv-b (0a0a0a0a-0000-4000-8000-000000000002): timed out after 1 s waiting for "
                                 "DOMAIN_CREATE");
        }
        nv_report_counts sum;
        nv_report_count(&rep, &sum);
        CHECK_INT(sum.defined, 2);
        CHECK_INT(sum.started, 1); /* nv-c, on the second connection */
        CHECK_INT(sum.failed, 2);
        nv_report_free(&rep);
        nv_record_free(&rec);
        nv_connect_close(c);
    }
    CHECK_INT(sd_stop(d), 0);
    CHECK_INT(sd_connections(d), 2);
    sd_free(d);
    nv_manifest_free(&m);
    nv_errlist_free(&errs);
    for (int i = 0; i < 3; i++)
        unlink(path[i]);
    unlink(man);
    rmdir(dir);
}

/* ---- a first apply's batch: inactive new domains defined together ---------- */

TEST(engine_apply_batched_defines_one_refused)
{
    static const sd_step steps[] = {
        STEP_OK(REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS, enc_list, &none),
        NOT_FOUND(REMOTE_PROC_DOMAIN_GET_XML_DESC),
        NOT_FOUND(REMOTE_PROC_DOMAIN_GET_XML_DESC),
        NOT_FOUND(REMOTE_PROC_DOMAIN_GET_XML_DESC),
        /* the three defines in one burst, before any reply is read; the
         * daemon refuses nv-a's; then the XML of the two defined */
        STEP_ERR(REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS, 27, "XML error: refused by the script"),
        STEP_OK(REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS, enc_define, &def_b),
        STEP_OK(REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS, enc_define, &def_c),
        STEP_OK(REMOTE_PROC_DOMAIN_GET_XML_DESC, enc_dom_xml, &xml_b),
        STEP_OK(REMOTE_PROC_DOMAIN_GET_XML_DESC, enc_dom_xml, &xml_c),
    };
    char dir[] = "/tmp/nv-apply-test.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[3][128], man[128], text[1024];
    const char *names[3] = {"nv-a", "nv-b", "nv-c"};
    check_write_domains(dir, names, 3, path);
    snprintf(man, sizeof man, "%s/manifest.xml", dir);
    snprintf(text, sizeof text,
             "<nixvirt version='1'><domains purge='none'>"
             "<domain definition='%s' active='false'/><domain definition='%s'/>"
             "<domain definition='%s' active='false'/></domains></nixvirt>\n",
             path[0], path[1], path[2]);
    check_write_file(man, text);

    nv_manifest m;
    nv_errlist errs = {0};
    CHECK_INT(nv_manifest_load(man, &m, &errs), 0);
    sdaemon *d = sd_listen(steps, sizeof steps / sizeof steps[0], 0);
    nv_err e;
    nv_connect_opts o = {.timeout_seconds = 5};
    nv_conn *c = nv_connect_open(sd_uri(d), &o, &e);
    CHECK(c != NULL);
    if (c) {
        nv_record rec = {0};
        nv_apply_opts ao = {0};
        nv_report rep = {0};
        CHECK_INT(nv_apply(c, &m, &rec, &ao, &rep, &errs), 1);
        CHECK_INT(errs.n, 1);
        if (errs.n == 1)
            CHECK_STR(errs.v[0], "domain nv-a (0a0a0a0a-0000-4000-8000-000000000001): XML error: refused by the script");
        nv_report_counts sum;
        nv_report_count(&rep, &sum);
        CHECK_INT(sum.defined, 2);
        CHECK_INT(sum.failed, 1);
        /* the two defined have digests: the next run knows them unchanged */
        int with_digests = 0;
        for (size_t i = 0; i < rec.n; i++)
            with_digests += rec.v[i].has_digests;
        CHECK_INT(with_digests, 2);
        nv_report_free(&rep);
        nv_record_free(&rec);
        nv_connect_close(c);
    }
    CHECK_INT(sd_stop(d), 0);
    CHECK_INT(sd_connections(d), 1);
    sd_free(d);
    nv_manifest_free(&m);
    nv_errlist_free(&errs);
    for (int i = 0; i < 3; i++)
        unlink(path[i]);
    unlink(man);
    rmdir(dir);
}
