/* libFuzzer target for everything that reads bytes sent by the daemon:
 * packet framing and headers, error bodies, every ret struct of
 * proto/remote.x, and the call layer's reply matching. Build and run: see
 * tests/fuzz/README.md.
 *
 * Each input is used three ways:
 *  1. as a reply body, decoded as every procedure's ret struct; for a set of
 *     types, a successful decode is encoded again and must give back exactly
 *     the input (XDR has one encoding per value, and the decoder refuses
 *     non-zero padding, bools and discriminants other than 0/1, and NULs in
 *     strings);
 *  2. as one packet: header, then the body as a remote_error;
 *  3. as the byte stream from a daemon, after four calls with serials 1-4
 *     have been sent: replies are collected with nv_rpc_wait_any and decoded
 *     into their ret structs (nv_remote_*_reply) until the stream ends or
 *     breaks. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rpc/call.h"
#include "rpc/message.h"
#include "rpc/proto.gen.h"
#include "rpc/remote_calls.gen.h"

typedef struct codec {
    int (*dec)(nv_xdr_dec *, void *);
    int (*enc)(nv_buf *, const void *);
    void (*free_fn)(void *);
    size_t size;
} codec;

/* Wrappers with void pointers: calling a function through a pointer of a
 * different type would be undefined behaviour. */
#define CODEC(T)                                                              \
    static int dec_##T(nv_xdr_dec *d, void *v) { return nv_proto_dec_##T(d, v); } \
    static int enc_##T(nv_buf *b, const void *v) { return nv_proto_enc_##T(b, v); } \
    static void free_##T(void *v) { nv_proto_free_##T(v); }

CODEC(remote_error)
CODEC(virNetMessageHeader)
CODEC(remote_auth_list_ret)
CODEC(remote_connect_list_all_domains_ret)
CODEC(remote_connect_list_all_networks_ret)
CODEC(remote_connect_list_all_storage_pools_ret)
CODEC(remote_storage_pool_list_all_volumes_ret)
CODEC(remote_domain_lookup_by_name_ret)
CODEC(remote_domain_get_xml_desc_ret)
CODEC(remote_domain_get_state_ret)
CODEC(remote_connect_get_lib_version_ret)
CODEC(remote_storage_vol_create_xml_ret)
CODEC(remote_connect_open_args)

#define ENTRY(T) { dec_##T, enc_##T, free_##T, sizeof(T) }
static const codec roundtrip[] = {
    ENTRY(remote_error),
    ENTRY(virNetMessageHeader),
    ENTRY(remote_auth_list_ret),
    ENTRY(remote_connect_list_all_domains_ret),
    ENTRY(remote_connect_list_all_networks_ret),
    ENTRY(remote_connect_list_all_storage_pools_ret),
    ENTRY(remote_storage_pool_list_all_volumes_ret),
    ENTRY(remote_domain_lookup_by_name_ret),
    ENTRY(remote_domain_get_xml_desc_ret),
    ENTRY(remote_domain_get_state_ret),
    ENTRY(remote_connect_get_lib_version_ret),
    ENTRY(remote_storage_vol_create_xml_ret),
    ENTRY(remote_connect_open_args),
};

/* Big enough for any ret struct. */
typedef union any_ret {
    remote_error err;
    remote_connect_list_all_domains_ret doms;
    remote_storage_vol_create_xml_ret vol;
    uint8_t bytes[256];
} any_ret;

static void bodies(const uint8_t *data, size_t size)
{
    any_ret ret;
    /* every ret struct, through the procedure table */
    for (size_t i = 0; i < nv_proto_nprocs; i++) {
        const nv_proto_proc *p = &nv_proto_procs[i];
        if (!p->dec_ret)
            continue;
        if (p->ret_size > sizeof ret)
            abort();
        nv_err e;
        if (nv_rpc_body_decode(data, size, p->dec_ret, p->free_ret, &ret, &e) == 0)
            p->free_ret(&ret);
    }
    /* decode, encode again, compare */
    for (size_t i = 0; i < sizeof roundtrip / sizeof roundtrip[0]; i++) {
        const codec *c = &roundtrip[i];
        nv_xdr_dec d;
        nv_xdr_dec_init(&d, data, size);
        if (c->dec(&d, &ret) < 0)
            continue;
        size_t used = d.pos;
        nv_buf b;
        nv_buf_init(&b, 0);
        if (c->enc(&b, &ret) < 0 || b.len != used || memcmp(b.data, data, used) != 0)
            abort();
        nv_buf_free(&b);
        c->free_fn(&ret);
    }
}

static void packet(const uint8_t *data, size_t size)
{
    nv_rpc_msg m;
    nv_err e;
    if (nv_rpc_msg_decode(data, size, &m, &e) < 0)
        return;
    nv_rpc_error er;
    if (nv_rpc_error_decode(m.body, m.body_len, &er, &e) == 0) {
        char text[256];
        nv_rpc_error_format(&er, text, sizeof text);
        nv_rpc_error_to_err(&er, &e);
        nv_rpc_error_free(&er);
    }
}

static int devnull = -1;

static void stream(const uint8_t *data, size_t size)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        abort();
    nv_err e;
    nv_rpc_conn *c = nv_rpc_conn_new(p[0], devnull, &e);
    if (!c)
        abort();
    nv_rpc_conn_set_timeout(c, 1000);
    remote_domain_lookup_by_name_args la = { .name = "vm" };
    remote_connect_list_all_domains_args da = { .need_results = 1, .flags = 0 };
    remote_domain_get_state_args sa = { .dom = { .name = "vm" } };
    /* serials 1, 2, 3, 4, all sent before the "daemon" says anything */
    if (nv_remote_auth_list_start(c, NULL, &e) < 0 ||
        nv_remote_domain_lookup_by_name_start(c, &la, NULL, &e) < 0 ||
        nv_remote_connect_list_all_domains_start(c, &da, NULL, &e) < 0 ||
        nv_remote_domain_get_state_start(c, &sa, NULL, &e) < 0)
        abort();

    /* a pipe holds 64 KiB: more would block the write */
    if (size > 65536)
        size = 65536;
    size_t off = 0;
    while (off < size) {
        ssize_t k = write(p[1], data + off, size - off);
        if (k <= 0)
            abort();
        off += (size_t)k;
    }
    close(p[1]);

    for (;;) {
        nv_rpc_reply r;
        if (nv_rpc_wait_any(c, &r, &e) < 0)
            break;
        if (r.hdr.serial < 1 || r.hdr.serial > 4)
            abort(); /* matched to a call we never made */
        /* each serial's reply with its procedure's typed decoder */
        switch (r.hdr.serial) {
        case 1: {
            remote_auth_list_ret ret;
            if (nv_remote_auth_list_reply(&r, &ret, &e) == 0)
                nv_proto_free_remote_auth_list_ret(&ret);
            break;
        }
        case 2: {
            remote_domain_lookup_by_name_ret ret;
            if (nv_remote_domain_lookup_by_name_reply(&r, &ret, &e) == 0)
                nv_proto_free_remote_domain_lookup_by_name_ret(&ret);
            break;
        }
        case 3: {
            remote_connect_list_all_domains_ret ret;
            if (nv_remote_connect_list_all_domains_reply(&r, &ret, &e) == 0)
                nv_proto_free_remote_connect_list_all_domains_ret(&ret);
            break;
        }
        default: {
            remote_domain_get_state_ret ret;
            if (nv_remote_domain_get_state_reply(&r, &ret, &e) == 0)
                nv_proto_free_remote_domain_get_state_ret(&ret);
            break;
        }
        }
        nv_rpc_reply_free(&r);
    }
    nv_rpc_conn_free(c);
    close(p[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (devnull < 0) {
        devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (devnull < 0)
            abort();
    }
    bodies(data, size);
    packet(data, size);
    stream(data, size);
    return 0;
}
