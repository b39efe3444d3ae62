#include "check.h"
#include "rpc/message.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int enc_lookup(nv_buf *b, const void *v)
{
    return nv_proto_enc_remote_domain_lookup_by_name_args(b, v);
}

static int dec_lookup_ret(nv_xdr_dec *d, void *v)
{
    return nv_proto_dec_remote_domain_lookup_by_name_ret(d, v);
}

static void free_lookup_ret(void *v)
{
    nv_proto_free_remote_domain_lookup_by_name_ret(v);
}

/* Builds a packet with any header and body bytes. */
static void make_packet(nv_buf *b, uint32_t prog, int32_t proc, int32_t type, uint32_t serial,
                        int32_t status, const void *body, size_t n)
{
    virNetMessageHeader h = { prog, 1, proc, type, serial, status };
    nv_err e;
    nv_rpc_msg_begin(b, &h);
    nv_buf_append(b, body, n);
    nv_rpc_msg_finish(b, &e);
}

static void write_all(int fd, const void *p, size_t n)
{
    const uint8_t *q = p;
    while (n) {
        ssize_t k = write(fd, q, n);
        if (k <= 0)
            return;
        q += k;
        n -= (size_t)k;
    }
}

TEST(message_encode_call_bytes)
{
    remote_domain_lookup_by_name_args a = { .name = "vm1" };
    nv_buf b;
    nv_err e;
    nv_buf_init(&b, 0);
    CHECK_INT(nv_rpc_msg_encode_call(&b, REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION,
                                     REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, 7, enc_lookup, &a, &e), 0);
    static const uint8_t want[] = {
        0, 0, 0, 36,                 /* length */
        0x20, 0x00, 0x80, 0x86,      /* prog */
        0, 0, 0, 1,                  /* vers */
        0, 0, 0, 23,                 /* proc */
        0, 0, 0, 0,                  /* CALL */
        0, 0, 0, 7,                  /* serial */
        0, 0, 0, 0,                  /* OK */
        0, 0, 0, 3, 'v', 'm', '1', 0,
    };
    CHECK_INT(b.len, sizeof want);
    CHECK_MEM(b.data, want, sizeof want);

    /* no arguments: header only */
    CHECK_INT(nv_rpc_msg_encode_call(&b, REMOTE_PROGRAM, 1, REMOTE_PROC_AUTH_LIST, 8, NULL, NULL, &e),
              0);
    CHECK_INT(b.len, 28);
    CHECK_INT(b.data[3], 28);

    /* a NULL non-null string cannot be encoded */
    a.name = NULL;
    CHECK_INT(nv_rpc_msg_encode_call(&b, REMOTE_PROGRAM, 1, REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, 9,
                                     enc_lookup, &a, &e), -1);
    CHECK_INT(e.kind, NV_ERR_PROTOCOL);
    CHECK_STR(e.msg, "REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME: cannot encode the message: a value is "
                     "missing or too large");
    /* a procedure we do not describe is named by its number */
    CHECK_INT(nv_rpc_msg_encode_call(&b, REMOTE_PROGRAM, 1, 5, 9, enc_lookup, &a, &e), -1);
    CHECK_STR(e.msg, "procedure 5: cannot encode the message: a value is missing or too large");
    nv_buf_free(&b);
}

TEST(message_finish_refuses_oversized)
{
    nv_buf b;
    nv_err e;
    nv_buf_init(&b, (size_t)NV_RPC_MSG_MAX + 64);
    virNetMessageHeader h = { REMOTE_PROGRAM, 1, 1, VIR_NET_CALL, 1, VIR_NET_OK };
    nv_rpc_msg_begin(&b, &h);
    CHECK_INT(nv_buf_reserve(&b, NV_RPC_MSG_MAX), 0);
    memset(b.data + b.len, 0, NV_RPC_MSG_MAX - b.len);
    b.len = NV_RPC_MSG_MAX;
    CHECK_INT(nv_rpc_msg_finish(&b, &e), 0); /* exactly the limit is fine */
    b.len++;
    b.data[b.len - 1] = 0;
    CHECK_INT(nv_rpc_msg_finish(&b, &e), -1);
    CHECK(strstr(e.msg, "too large") != NULL);
    nv_buf_free(&b);
}

TEST(message_reader_byte_by_byte)
{
    int p[2];
    CHECK_INT(pipe(p), 0);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    nv_buf b1, b2;
    nv_buf_init(&b1, 0);
    nv_buf_init(&b2, 0);
    make_packet(&b1, REMOTE_PROGRAM, 23, VIR_NET_REPLY, 5, VIR_NET_OK, "abcdefgh", 8);
    make_packet(&b2, REMOTE_PROGRAM, 24, VIR_NET_REPLY, 6, VIR_NET_OK, NULL, 0);

    nv_rpc_reader r;
    nv_rpc_reader_init(&r);
    nv_err e;
    uint8_t *pkt = NULL;
    size_t len = 0;
    /* nothing available yet: EAGAIN counts as "need more" */
    CHECK_INT(nv_rpc_reader_read(&r, p[0], &pkt, &len, &e), 0);
    CHECK(!nv_rpc_reader_busy(&r));
    for (size_t i = 0; i < b1.len; i++) {
        write_all(p[1], b1.data + i, 1);
        int got = nv_rpc_reader_read(&r, p[0], &pkt, &len, &e);
        if (i + 1 < b1.len) {
            CHECK_INT(got, 0);
            CHECK(nv_rpc_reader_busy(&r));
        } else {
            CHECK_INT(got, 1);
        }
    }
    CHECK_INT(len, b1.len);
    CHECK(pkt && memcmp(pkt, b1.data, len) == 0);
    CHECK(!nv_rpc_reader_busy(&r));
    free(pkt);

    /* two packets back to back come out one at a time */
    write_all(p[1], b2.data, b2.len);
    write_all(p[1], b1.data, b1.len);
    int got;
    while ((got = nv_rpc_reader_read(&r, p[0], &pkt, &len, &e)) == 0)
        ;
    CHECK_INT(got, 1);
    CHECK_INT(len, 28);
    free(pkt);
    while ((got = nv_rpc_reader_read(&r, p[0], &pkt, &len, &e)) == 0)
        ;
    CHECK_INT(got, 1);
    CHECK_INT(len, b1.len);
    free(pkt);

    /* end of file between packets */
    close(p[1]);
    CHECK_INT(nv_rpc_reader_read(&r, p[0], &pkt, &len, &e), -1);
    CHECK_INT(e.kind, NV_ERR_CONNECT);
    CHECK_STR(e.msg, "the daemon closed the connection");
    close(p[0]);
    nv_buf_free(&b1);
    nv_buf_free(&b2);
}

/* A peer that closes with our bytes unread resets the connection: reported
 * like end of file (what a daemon killed in the middle of a call does). */
TEST(message_reader_connection_reset)
{
    nv_err e;
    uint8_t *pkt = NULL;
    size_t len = 0;
    nv_rpc_reader r;
    for (int partial = 0; partial < 2; partial++) {
        int sv[2];
        CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        nv_rpc_reader_init(&r);
        if (partial) {
            static const uint8_t word[] = {0, 0, 0, 40};
            write_all(sv[1], word, sizeof word);
            CHECK_INT(nv_rpc_reader_read(&r, sv[0], &pkt, &len, &e), 0);
        }
        write_all(sv[0], "call", 4); /* never read by the peer */
        close(sv[1]);
        CHECK_INT(nv_rpc_reader_read(&r, sv[0], &pkt, &len, &e), -1);
        CHECK_INT(e.kind, NV_ERR_CONNECT);
        CHECK_STR(e.msg, partial ? "the daemon closed the connection in the middle of a message "
                                   "(connection reset)"
                                 : "the daemon closed the connection (connection reset)");
        CHECK_INT(nv_rpc_reader_busy(&r), 0);
        close(sv[0]);
    }
}

/* Feeds bytes through a pipe to nv_rpc_read_packet. */
static int read_bytes(const void *data, size_t n, int close_after, uint8_t **pkt, size_t *len,
                      nv_err *e)
{
    int p[2];
    if (pipe(p) < 0)
        return -2;
    write_all(p[1], data, n);
    if (close_after)
        close(p[1]);
    int r = nv_rpc_read_packet(p[0], 100, pkt, len, e);
    close(p[0]);
    if (!close_after)
        close(p[1]);
    return r;
}

TEST(message_reader_length_limits)
{
    nv_err e;
    uint8_t *pkt = NULL;
    size_t len = 0;
    /* 27 bytes: below the minimum */
    static const uint8_t small[] = { 0, 0, 0, 27 };
    CHECK_INT(read_bytes(small, sizeof small, 1, &pkt, &len, &e), -1);
    CHECK_INT(e.kind, NV_ERR_PROTOCOL);
    CHECK_STR(e.msg, "the daemon sent a message of 27 bytes (allowed: 28 to 33554432)");
    /* one over 32 MiB, and near UINT32_MAX: refused on the length word alone */
    static const uint8_t big[] = { 0x02, 0, 0, 1 };
    CHECK_INT(read_bytes(big, sizeof big, 1, &pkt, &len, &e), -1);
    CHECK_STR(e.msg, "the daemon sent a message of 33554433 bytes (allowed: 28 to 33554432)");
    static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff };
    CHECK_INT(read_bytes(huge, sizeof huge, 1, &pkt, &len, &e), -1);
    CHECK_INT(e.kind, NV_ERR_PROTOCOL);
    static const uint8_t zero[] = { 0, 0, 0, 0 };
    CHECK_INT(read_bytes(zero, sizeof zero, 1, &pkt, &len, &e), -1);
    CHECK_INT(e.kind, NV_ERR_PROTOCOL);

    /* exactly 28 bytes is a valid (empty-bodied) packet */
    uint8_t min[28] = { 0, 0, 0, 28 };
    CHECK_INT(read_bytes(min, sizeof min, 1, &pkt, &len, &e), 0);
    CHECK_INT(len, 28);
    free(pkt);
}

TEST(message_reader_truncated_and_timeout)
{
    nv_err e;
    uint8_t *pkt = NULL;
    size_t len = 0;
    nv_buf b;
    nv_buf_init(&b, 0);
    make_packet(&b, REMOTE_PROGRAM, 23, VIR_NET_REPLY, 5, VIR_NET_OK, "abcdefgh", 8);
    /* the peer closes in the middle of a packet, and in the length word */
    CHECK_INT(read_bytes(b.data, b.len - 1, 1, &pkt, &len, &e), -1);
    CHECK_INT(e.kind, NV_ERR_CONNECT);
    CHECK_STR(e.msg, "the daemon closed the connection in the middle of a message");
    CHECK_INT(read_bytes(b.data, 2, 1, &pkt, &len, &e), -1);
    CHECK_STR(e.msg, "the daemon closed the connection in the middle of a message");
    CHECK_INT(read_bytes(b.data, 0, 1, &pkt, &len, &e), -1);
    CHECK_STR(e.msg, "the daemon closed the connection");
    /* the peer stays but sends no more */
    CHECK_INT(read_bytes(b.data, b.len - 1, 0, &pkt, &len, &e), -1);
    CHECK_INT(e.kind, NV_ERR_CONNECT);
    CHECK_STR(e.msg, "timed out after 100 ms waiting for the daemon");
    /* and the whole packet reads fine */
    CHECK_INT(read_bytes(b.data, b.len, 0, &pkt, &len, &e), 0);
    CHECK_INT(len, b.len);
    free(pkt);
    nv_buf_free(&b);
}

TEST(message_decode_header)
{
    nv_buf b;
    nv_err e;
    nv_rpc_msg m;
    nv_buf_init(&b, 0);
    make_packet(&b, 0x6b656570, -5, VIR_NET_MESSAGE, 0xffffffffu, 9, "xyz\0", 4);
    CHECK_INT(nv_rpc_msg_decode(b.data, b.len, &m, &e), 0);
    CHECK_INT(m.hdr.prog, 0x6b656570);
    CHECK_INT(m.hdr.vers, 1);
    CHECK_INT(m.hdr.proc, -5);
    CHECK_INT(m.hdr.type, VIR_NET_MESSAGE);
    CHECK(m.hdr.serial == 0xffffffffu);
    CHECK_INT(m.hdr.status, 9);
    CHECK_INT(m.body_len, 4);
    CHECK(m.body == b.data + 28);

    /* the length word must agree with the bytes */
    CHECK_INT(nv_rpc_msg_decode(b.data, b.len - 1, &m, &e), -1);
    CHECK_INT(e.kind, NV_ERR_PROTOCOL);
    CHECK_STR(e.msg, "message length word 32 does not match its 31 bytes");
    CHECK_INT(nv_rpc_msg_decode(b.data, 27, &m, &e), -1);
    nv_buf_free(&b);
}

TEST(message_body_decode)
{
    remote_domain_lookup_by_name_ret r = { .dom = { .name = "vm1", .id = 3 } }, out;
    nv_buf b;
    nv_err e;
    nv_buf_init(&b, 0);
    nv_proto_enc_remote_domain_lookup_by_name_ret(&b, &r);
    CHECK_INT(nv_rpc_body_decode(b.data, b.len, dec_lookup_ret, free_lookup_ret, &out, &e), 0);
    CHECK_STR(out.dom.name, "vm1");
    CHECK_INT(out.dom.id, 3);
    nv_proto_free_remote_domain_lookup_by_name_ret(&out);

    /* trailing bytes: refused, and what was decoded is freed */
    nv_xdr_put_u32(&b, 0);
    CHECK_INT(nv_rpc_body_decode(b.data, b.len, dec_lookup_ret, free_lookup_ret, &out, &e), -1);
    CHECK_STR(e.msg, "cannot decode the reply: unexpected data after the end of the message");
    CHECK(out.dom.name == NULL);

    /* truncated */
    CHECK_INT(nv_rpc_body_decode(b.data, 10, dec_lookup_ret, free_lookup_ret, &out, &e), -1);
    CHECK_INT(e.kind, NV_ERR_PROTOCOL);

    /* no return value: the body must be empty */
    CHECK_INT(nv_rpc_body_decode(b.data, 0, NULL, NULL, NULL, &e), 0);
    CHECK_INT(nv_rpc_body_decode(b.data, 4, NULL, NULL, NULL, &e), -1);
    nv_buf_free(&b);
}

static void enc_error(nv_buf *b, int code, int domain, const char *msg, const char *s1)
{
    char *m = (char *)msg, *x = (char *)s1;
    remote_error re = { .code = code, .domain = domain, .message = msg ? &m : NULL, .level = 2,
                        .str1 = s1 ? &x : NULL, .int1 = 4, .int2 = -4 };
    nv_buf_reset(b);
    nv_proto_enc_remote_error(b, &re);
}

TEST(message_error_decode_and_format)
{
    nv_buf b;
    nv_err e;
    nv_rpc_error er;
    char text[64];
    nv_buf_init(&b, 0);

    enc_error(&b, 42, 10, "Domain not found: no domain with matching name 'nope'", "nope");
    CHECK_INT(nv_rpc_error_decode(b.data, b.len, &er, &e), 0);
    CHECK_INT(er.code, 42);
    CHECK_INT(er.domain, 10);
    CHECK_INT(er.level, 2);
    CHECK_INT(er.int1, 4);
    CHECK_INT(er.int2, -4);
    CHECK_STR(er.str1, "nope");
    CHECK(er.str2 == NULL && er.str3 == NULL);
    CHECK_STR(nv_rpc_error_format(&er, text, sizeof text),
              "Domain not found: no domain with matching name 'nope'");
    /* truncated to the buffer */
    CHECK_STR(nv_rpc_error_format(&er, text, 7), "Domain");
    CHECK_INT(nv_rpc_error_to_err(&er, &e), -1);
    CHECK_INT(e.kind, NV_ERR_LIBVIRT);
    CHECK_INT(e.code, 42);
    CHECK_STR(e.msg, "Domain not found: no domain with matching name 'nope'");
    nv_rpc_error_free(&er);
    CHECK(er.message == NULL);

    /* no message at all */
    enc_error(&b, 1, 0, NULL, NULL);
    CHECK_INT(nv_rpc_error_decode(b.data, b.len, &er, &e), 0);
    CHECK_STR(nv_rpc_error_format(&er, text, sizeof text), "Unknown error");
    nv_rpc_error_free(&er);

    /* schema errors end with a newline: dropped; inner lines joined */
    enc_error(&b, 27, 20, "XML failed to validate\nElement has extra content\n\n", NULL);
    CHECK_INT(nv_rpc_error_decode(b.data, b.len, &er, &e), 0);
    CHECK_STR(nv_rpc_error_format(&er, text, sizeof text),
              "XML failed to validate; Element has extra content");
    CHECK_INT(nv_rpc_error_to_err(&er, &e), -1);
    CHECK_STR(e.msg, "XML failed to validate; Element has extra content");
    nv_rpc_error_free(&er);

    /* a hostile daemon's terminal escapes, carriage return and forged log line */
    enc_error(&b, 1, 10, "bad\x1b[2J\x1b]0;title\x07 x\rok\nnixvirt: forged \x7f\xc2\x9b" "1m\xc3\xa9", NULL);
    CHECK_INT(nv_rpc_error_decode(b.data, b.len, &er, &e), 0);
    CHECK_INT(nv_rpc_error_to_err(&er, &e), -1);
    CHECK_STR(e.msg, "bad\\x1b[2J\\x1b]0;title\\x07 x\\rok; nixvirt: forged \\x7f\\xc2\\x9b1m\xc3\xa9");
    CHECK(strchr(e.msg, '\x1b') == NULL && strchr(e.msg, '\r') == NULL && strchr(e.msg, '\n') == NULL);
    /* an escape is never cut in half */
    CHECK_STR(nv_rpc_error_format(&er, text, 6), "bad");
    nv_rpc_error_free(&er);
    enc_error(&b, 1, 0, " \n", NULL);
    CHECK_INT(nv_rpc_error_decode(b.data, b.len, &er, &e), 0);
    CHECK_STR(nv_rpc_error_format(&er, text, sizeof text), "Unknown error");
    nv_rpc_error_free(&er);

    /* an old daemon without the procedure: reported as "not supported" */
    enc_error(&b, 39, 7, "unknown procedure: 350", NULL);
    CHECK_INT(nv_rpc_error_decode(b.data, b.len, &er, &e), 0);
    CHECK_INT(er.code, 3);
    nv_rpc_error_free(&er);
    enc_error(&b, 39, 10, "unknown procedure: 350", NULL);
    CHECK_INT(nv_rpc_error_decode(b.data, b.len, &er, &e), 0);
    CHECK_INT(er.code, 39);
    nv_rpc_error_free(&er);

    /* a broken error body */
    enc_error(&b, 42, 10, "Domain not found", NULL);
    CHECK_INT(nv_rpc_error_decode(b.data, b.len - 2, &er, &e), -1);
    CHECK_INT(e.kind, NV_ERR_PROTOCOL);
    CHECK(strncmp(e.msg, "error reply: cannot decode the reply", 36) == 0);
    CHECK(er.message == NULL);
    nv_buf_free(&b);
}

/* A burst comes in few reads: many small packets from one read are handed
 * out one by one without reading again, a packet larger than the read chunk
 * is read into its own buffer, and the bytes after it are kept. */
TEST(message_reader_bursts_and_large_packets)
{
    int sv[2];
    CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    int sz = 4 << 20;
    setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    nv_buf all, one;
    nv_buf_init(&all, 0);
    nv_buf_init(&one, 0);
    static uint8_t big[3 * NV_RPC_READ_CHUNK + 100];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 31);
    /* 100 small, one large, 3 small */
    for (uint32_t i = 0; i < 104; i++) {
        make_packet(&one, REMOTE_PROGRAM, 23, VIR_NET_REPLY, i + 1, VIR_NET_OK, i == 100 ? big : (const void *)"x",
                    i == 100 ? sizeof big : 1);
        nv_buf_append(&all, one.data, one.len);
    }
    nv_rpc_reader r;
    nv_rpc_reader_init(&r);
    nv_err e;
    uint8_t *pkt = NULL;
    size_t len = 0;
    /* the first 100 (2,900 bytes) in one read; then none without reading */
    write_all(sv[1], all.data, 100 * 29);
    CHECK_INT(nv_rpc_reader_read(&r, sv[0], &pkt, &len, &e), 1);
    free(pkt);
    for (int i = 1; i < 100; i++) {
        CHECK_INT(nv_rpc_reader_next(&r, &pkt, &len, &e), 1);
        CHECK_INT(len, 29);
        nv_rpc_msg m;
        CHECK_INT(nv_rpc_msg_decode(pkt, len, &m, &e), 0);
        CHECK_INT(m.hdr.serial, i + 1);
        free(pkt);
    }
    CHECK_INT(nv_rpc_reader_next(&r, &pkt, &len, &e), 0);
    CHECK(!nv_rpc_reader_busy(&r));
    /* the rest: the large one whole and in order, then the small ones */
    write_all(sv[1], all.data + 100 * 29, all.len - 100 * 29);
    int got, n = 0;
    while (n < 4) {
        while ((got = nv_rpc_reader_read(&r, sv[0], &pkt, &len, &e)) == 0)
            ;
        CHECK_INT(got, 1);
        if (got != 1)
            break;
        nv_rpc_msg m;
        CHECK_INT(nv_rpc_msg_decode(pkt, len, &m, &e), 0);
        CHECK_INT(m.hdr.serial, 101 + n);
        if (n == 0) {
            CHECK_INT(m.body_len, sizeof big);
            CHECK(m.body_len == sizeof big && memcmp(m.body, big, sizeof big) == 0);
        }
        free(pkt);
        n++;
    }
    CHECK(!nv_rpc_reader_busy(&r));
    /* end of file inside a large packet */
    write_all(sv[1], all.data + 100 * 29, 1000);
    close(sv[1]);
    while ((got = nv_rpc_reader_read(&r, sv[0], &pkt, &len, &e)) == 0)
        ;
    CHECK_INT(got, -1);
    CHECK_STR(e.msg, "the daemon closed the connection in the middle of a message");
    nv_rpc_reader_free(&r);
    close(sv[0]);
    nv_buf_free(&all);
    nv_buf_free(&one);
}
