#include "check.h"
#include "rpc/proto.gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_s(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

TEST(proto_constants_match_libvirt)
{
    CHECK_INT(REMOTE_PROGRAM, 0x20008086);
    CHECK_INT(REMOTE_PROTOCOL_VERSION, 1);
    CHECK_INT(REMOTE_STRING_MAX, 4194304);
    CHECK_INT(VIR_NET_MESSAGE_MAX, 33554432);
    CHECK_INT(VIR_NET_MESSAGE_HEADER_MAX, 24);
    CHECK_INT(REMOTE_DOMAIN_LIST_MAX, 16384);
    CHECK_INT(REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS, 350);
    CHECK_INT(VIR_NET_REPLY_WITH_FDS, 5);
    CHECK_INT(sizeof(remote_uuid), 16);
}

TEST(proto_connect_open_args_wire_bytes)
{
    char *name = dup_s("qemu:///system");
    remote_connect_open_args a = { .name = &name, .flags = 2 };
    nv_buf b;
    nv_buf_init(&b, 0);
    CHECK_INT(nv_proto_enc_remote_connect_open_args(&b, &a), 0);
    static const uint8_t want[] = {
        0, 0, 0, 1,                                  /* name present */
        0, 0, 0, 14, 'q', 'e', 'm', 'u', ':', '/', '/', '/', 's', 'y', 's', 't', 'e', 'm', 0, 0,
        0, 0, 0, 2,                                  /* flags */
    };
    CHECK_INT(b.len, sizeof want);
    CHECK_MEM(b.data, want, sizeof want);

    /* and without a name */
    nv_buf_reset(&b);
    a.name = NULL;
    CHECK_INT(nv_proto_enc_remote_connect_open_args(&b, &a), 0);
    static const uint8_t want2[] = { 0, 0, 0, 0, 0, 0, 0, 2 };
    CHECK_INT(b.len, sizeof want2);
    CHECK_MEM(b.data, want2, sizeof want2);
    nv_buf_free(&b);
    free(name);
}

TEST(proto_error_roundtrip)
{
    char *msg = dup_s("Domain not found: no domain with matching name 'x'");
    char *s1 = dup_s("x");
    remote_error in = { .code = 42, .domain = 10, .message = &msg, .level = 2, .str1 = &s1, .int1 = -1, .int2 = 7 };
    nv_buf b;
    nv_buf_init(&b, 0);
    CHECK_INT(nv_proto_enc_remote_error(&b, &in), 0);

    nv_xdr_dec d;
    remote_error out;
    nv_xdr_dec_init(&d, b.data, b.len);
    CHECK_INT(nv_proto_dec_remote_error(&d, &out), 0);
    CHECK_INT(nv_xdr_dec_finish(&d), 0);
    CHECK_INT(out.code, 42);
    CHECK_INT(out.domain, 10);
    CHECK_INT(out.level, 2);
    CHECK_INT(out.int1, -1);
    CHECK_INT(out.int2, 7);
    CHECK(out.message && *out.message);
    if (out.message)
        CHECK_STR(*out.message, msg);
    CHECK(out.str1 && *out.str1);
    if (out.str1)
        CHECK_STR(*out.str1, "x");
    CHECK(out.str2 == NULL && out.str3 == NULL && out.dom == NULL && out.net == NULL);
    nv_proto_free_remote_error(&out);
    CHECK(out.message == NULL);
    nv_proto_free_remote_error(&out); /* twice is harmless */
    nv_proto_free_remote_error(NULL);
    nv_buf_free(&b);
    free(msg);
    free(s1);
}

static void make_domains(remote_connect_list_all_domains_ret *r, uint32_t n)
{
    r->domains.domains_len = n;
    r->domains.domains_val = calloc(n, sizeof *r->domains.domains_val);
    for (uint32_t i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "vm%u-%s", i, i % 2 ? "odd" : "even-longer");
        r->domains.domains_val[i].name = dup_s(name);
        for (int k = 0; k < 16; k++)
            r->domains.domains_val[i].uuid[k] = (uint8_t)(i * 16 + k);
        r->domains.domains_val[i].id = i % 2 ? -1 : (int32_t)i + 1;
    }
    r->ret = n;
}

TEST(proto_list_all_domains_roundtrip)
{
    remote_connect_list_all_domains_ret in = { 0 }, out;
    make_domains(&in, 3);
    nv_buf b;
    nv_buf_init(&b, 0);
    CHECK_INT(nv_proto_enc_remote_connect_list_all_domains_ret(&b, &in), 0);
    nv_xdr_dec d;
    nv_xdr_dec_init(&d, b.data, b.len);
    CHECK_INT(nv_proto_dec_remote_connect_list_all_domains_ret(&d, &out), 0);
    CHECK_INT(nv_xdr_dec_finish(&d), 0);
    CHECK_INT(out.ret, 3);
    CHECK_INT(out.domains.domains_len, 3);
    for (uint32_t i = 0; i < 3 && out.domains.domains_val; i++) {
        CHECK_STR(out.domains.domains_val[i].name, in.domains.domains_val[i].name);
        CHECK_MEM(out.domains.domains_val[i].uuid, in.domains.domains_val[i].uuid, 16);
        CHECK_INT(out.domains.domains_val[i].id, in.domains.domains_val[i].id);
    }
    nv_proto_free_remote_connect_list_all_domains_ret(&out);

    /* every truncation fails cleanly, leaving the result zeroed */
    for (size_t n = 0; n < b.len; n++) {
        nv_xdr_dec_init(&d, b.data, n);
        int r = nv_proto_dec_remote_connect_list_all_domains_ret(&d, &out);
        if (r != -1)
            check_fail(__FILE__, __LINE__, "truncation at %zu decoded", n);
        CHECK(out.domains.domains_val == NULL && out.domains.domains_len == 0 && out.ret == 0);
    }
    nv_proto_free_remote_connect_list_all_domains_ret(&in);
    nv_buf_free(&b);
}

TEST(proto_list_counts_bounded)
{
    nv_buf b;
    nv_buf_init(&b, 0);
    /* REMOTE_DOMAIN_LIST_MAX + 1 entries announced */
    nv_xdr_put_u32(&b, REMOTE_DOMAIN_LIST_MAX + 1);
    for (int i = 0; i < 64; i++)
        nv_xdr_put_u32(&b, 0);
    nv_xdr_dec d;
    remote_connect_list_all_domains_ret out;
    nv_xdr_dec_init(&d, b.data, b.len);
    CHECK_INT(nv_proto_dec_remote_connect_list_all_domains_ret(&d, &out), -1);
    CHECK_STR(d.why, "array length exceeds its maximum");

    /* a count within the maximum but more than the bytes can hold: each
     * domain needs at least 24 bytes, 64 * 4 bytes hold at most 10 */
    b.data[0] = 0, b.data[1] = 0, b.data[2] = 0, b.data[3] = 11;
    nv_xdr_dec_init(&d, b.data, b.len);
    CHECK_INT(nv_proto_dec_remote_connect_list_all_domains_ret(&d, &out), -1);
    CHECK_STR(d.why, "array length exceeds the rest of the message");

    /* encoding refuses too many too */
    remote_connect_list_all_domains_ret big = { 0 };
    big.domains.domains_len = REMOTE_DOMAIN_LIST_MAX + 1;
    nv_buf_reset(&b);
    CHECK_INT(nv_proto_enc_remote_connect_list_all_domains_ret(&b, &big), -1);
    /* and a length without elements */
    big.domains.domains_len = 1;
    nv_buf_reset(&b);
    CHECK_INT(nv_proto_enc_remote_connect_list_all_domains_ret(&b, &big), -1);
    nv_buf_free(&b);
}

TEST(proto_nonnull_string_must_be_present)
{
    remote_domain_lookup_by_name_args a = { .name = NULL };
    nv_buf b;
    nv_buf_init(&b, 0);
    CHECK_INT(nv_proto_enc_remote_domain_lookup_by_name_args(&b, &a), -1);
    CHECK(b.failed);
    nv_buf_free(&b);
}

TEST(proto_unknown_enum_values_are_kept)
{
    static const uint8_t in[] = { 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 99 };
    nv_xdr_dec d;
    remote_auth_list_ret r;
    nv_xdr_dec_init(&d, in, sizeof in);
    CHECK_INT(nv_proto_dec_remote_auth_list_ret(&d, &r), 0);
    CHECK_INT(r.types.types_len, 2);
    if (r.types.types_len == 2) {
        CHECK_INT(r.types.types_val[0], REMOTE_AUTH_POLKIT);
        CHECK_INT(r.types.types_val[1], 99);
    }
    nv_proto_free_remote_auth_list_ret(&r);

    /* 21 auth types is one over REMOTE_AUTH_TYPE_LIST_MAX */
    uint8_t many[4 + 21 * 4] = { 0, 0, 0, 21 };
    nv_xdr_dec_init(&d, many, sizeof many);
    CHECK_INT(nv_proto_dec_remote_auth_list_ret(&d, &r), -1);
}

TEST(proto_storage_vol_and_hyper)
{
    remote_storage_vol_create_xml_ret in = { .vol = { .pool = dup_s("default"), .name = dup_s("a.qcow2"),
                                                      .key = dup_s("/var/lib/libvirt/images/a.qcow2") } };
    remote_connect_get_lib_version_ret lv = { .lib_ver = 9000000ull | (1ull << 40) };
    nv_buf b;
    nv_buf_init(&b, 0);
    CHECK_INT(nv_proto_enc_remote_storage_vol_create_xml_ret(&b, &in), 0);
    CHECK_INT(nv_proto_enc_remote_connect_get_lib_version_ret(&b, &lv), 0);
    nv_xdr_dec d;
    remote_storage_vol_create_xml_ret out;
    remote_connect_get_lib_version_ret lv2;
    nv_xdr_dec_init(&d, b.data, b.len);
    CHECK_INT(nv_proto_dec_remote_storage_vol_create_xml_ret(&d, &out), 0);
    CHECK_INT(nv_proto_dec_remote_connect_get_lib_version_ret(&d, &lv2), 0);
    CHECK_INT(nv_xdr_dec_finish(&d), 0);
    CHECK_STR(out.vol.pool, "default");
    CHECK_STR(out.vol.name, "a.qcow2");
    CHECK_STR(out.vol.key, "/var/lib/libvirt/images/a.qcow2");
    CHECK(lv2.lib_ver == lv.lib_ver);
    nv_proto_free_remote_storage_vol_create_xml_ret(&out);
    nv_proto_free_remote_storage_vol_create_xml_ret(&in);
    nv_buf_free(&b);
}

TEST(proto_message_header_roundtrip)
{
    virNetMessageHeader h = { REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION, REMOTE_PROC_AUTH_LIST,
                              VIR_NET_REPLY, 0xfffffffeu, VIR_NET_ERROR }, o;
    nv_buf b;
    nv_buf_init(&b, 0);
    CHECK_INT(nv_proto_enc_virNetMessageHeader(&b, &h), 0);
    CHECK_INT(b.len, VIR_NET_MESSAGE_HEADER_MAX);
    static const uint8_t want[] = { 0x20, 0x00, 0x80, 0x86, 0, 0, 0, 1, 0, 0, 0, 66,
                                    0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 1 };
    CHECK_MEM(b.data, want, sizeof want);
    nv_xdr_dec d;
    nv_xdr_dec_init(&d, b.data, b.len);
    CHECK_INT(nv_proto_dec_virNetMessageHeader(&d, &o), 0);
    CHECK(memcmp(&h, &o, sizeof h) == 0);
    nv_buf_free(&b);
}

TEST(proto_proc_table)
{
    CHECK_INT(nv_proto_nprocs, 59);
    for (size_t i = 1; i < nv_proto_nprocs; i++)
        CHECK(nv_proto_procs[i - 1].proc < nv_proto_procs[i].proc);
    for (size_t i = 0; i < nv_proto_nprocs; i++) {
        const nv_proto_proc *p = &nv_proto_procs[i];
        CHECK(nv_proto_proc_find(REMOTE_PROGRAM, p->proc) == p);
        CHECK(strncmp(p->name, "REMOTE_PROC_", 12) == 0);
        CHECK((p->enc_args == NULL) == (p->args_size == 0));
        CHECK((p->dec_ret == NULL) == (p->ret_size == 0));
        CHECK((p->dec_ret == NULL) == (p->free_ret == NULL));
    }
    const nv_proto_proc *p = nv_proto_proc_find(REMOTE_PROGRAM, REMOTE_PROC_CONNECT_OPEN);
    CHECK(p && p->enc_args && !p->dec_ret);
    /* live changes: arguments, no result */
    p = nv_proto_proc_find(REMOTE_PROGRAM, REMOTE_PROC_DOMAIN_SET_MEMORY_FLAGS);
    CHECK(p && p->proc == 204 && p->enc_args && !p->dec_ret);
    p = nv_proto_proc_find(REMOTE_PROGRAM, REMOTE_PROC_DOMAIN_UPDATE_DEVICE_FLAGS);
    CHECK(p && p->proc == 174 && p->enc_args && !p->dec_ret);
    p = nv_proto_proc_find(REMOTE_PROGRAM, REMOTE_PROC_CONNECT_CLOSE);
    CHECK(p && !p->enc_args && !p->dec_ret);
    p = nv_proto_proc_find(REMOTE_PROGRAM, REMOTE_PROC_AUTH_LIST);
    CHECK(p && !p->enc_args && p->dec_ret && p->ret_size == sizeof(remote_auth_list_ret));
    p = nv_proto_proc_find(REMOTE_PROGRAM, REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS);
    CHECK(p && p->enc_args && p->dec_ret);
    if (p)
        CHECK_STR(p->name, "REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS");
    CHECK(nv_proto_proc_find(REMOTE_PROGRAM, 5) == NULL);
    CHECK(nv_proto_proc_find(REMOTE_PROGRAM, 0) == NULL);
    CHECK(nv_proto_proc_find(REMOTE_PROGRAM, 351) == NULL);
    CHECK(nv_proto_proc_find(REMOTE_PROGRAM + 1, REMOTE_PROC_CONNECT_OPEN) == NULL);
}

TEST(proto_proc_table_codecs_work_untyped)
{
    const nv_proto_proc *p = nv_proto_proc_find(REMOTE_PROGRAM, REMOTE_PROC_NETWORK_LOOKUP_BY_NAME);
    CHECK(p != NULL);
    if (!p)
        return;
    remote_network_lookup_by_name_args a = { .name = "default" };
    nv_buf b;
    nv_buf_init(&b, 0);
    CHECK_INT(p->enc_args(&b, &a), 0);
    static const uint8_t want[] = { 0, 0, 0, 7, 'd', 'e', 'f', 'a', 'u', 'l', 't', 0 };
    CHECK_INT(b.len, sizeof want);
    CHECK_MEM(b.data, want, sizeof want);

    remote_network_lookup_by_name_ret r = { .net = { .name = "default" } };
    nv_buf_reset(&b);
    CHECK_INT(nv_proto_enc_remote_network_lookup_by_name_ret(&b, &r), 0);
    void *ret = calloc(1, p->ret_size);
    nv_xdr_dec d;
    nv_xdr_dec_init(&d, b.data, b.len);
    CHECK_INT(p->dec_ret(&d, ret), 0);
    CHECK_STR(((remote_network_lookup_by_name_ret *)ret)->net.name, "default");
    p->free_ret(ret);
    free(ret);
    nv_buf_free(&b);
}

/* remote_domain_set_memory_flags_args: the handle, an unsigned hyper, flags */
TEST(proto_set_memory_flags_layout)
{
    remote_domain_set_memory_flags_args a = {0};
    a.dom.name = "d";
    a.dom.id = -1;
    a.memory = 0x100000002ull;
    a.flags = 1;
    nv_buf b;
    nv_buf_init(&b, 0);
    CHECK_INT(nv_proto_enc_remote_domain_set_memory_flags_args(&b, &a), 0);
    /* name (4 + 4 padded) + uuid 16 + id 4, then 8 + 4 */
    CHECK_INT((int)b.len, 8 + 16 + 4 + 8 + 4);
    static const uint8_t tail[] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1};
    CHECK_MEM(b.data + b.len - sizeof tail, tail, sizeof tail);
    nv_buf_free(&b);
}
