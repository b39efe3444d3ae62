/* The call layer against a responder thread on the other end of a
 * socketpair (or two pipes, as with ssh) that parses our call frames and
 * writes reply frames. */
#include "check.h"
#include "rpc/call.h"
#include "rpc/remote_calls.gen.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEEPALIVE_PROGRAM 0x6b656570

typedef struct responder {
    int in, out;           /* the responder's ends */
    int rfd, wfd;          /* the client's ends */
    void (*script)(struct responder *);
    int n;                 /* a parameter for the script */
    size_t big;            /* size of big replies */
    int failures;          /* responder-side problems, checked by the test */
    pthread_t th;
} responder;

static void *run(void *arg)
{
    responder *r = arg;
    r->script(r);
    return NULL;
}

static void start(responder *r, int pipes, void (*script)(responder *), int n)
{
    memset(r, 0, sizeof *r);
    r->script = script;
    r->n = n;
    if (pipes) {
        int a[2], b[2];
        if (pipe(a) < 0 || pipe(b) < 0)
            abort();
        r->rfd = a[0], r->out = a[1]; /* responder writes a[1], client reads a[0] */
        r->in = b[0], r->wfd = b[1];  /* client writes b[1], responder reads b[0] */
    } else {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
            abort();
        r->rfd = r->wfd = sv[0];
        r->in = r->out = sv[1];
    }
}

static void go(responder *r)
{
    if (pthread_create(&r->th, NULL, run, r) != 0)
        abort();
}

/* Closes the client's ends, waits for the responder, closes its ends. */
static void finish(responder *r)
{
    close(r->rfd);
    if (r->wfd != r->rfd)
        close(r->wfd);
    pthread_join(r->th, NULL);
    close(r->in);
    if (r->out != r->in)
        close(r->out);
    CHECK_INT(r->failures, 0);
}

/* ---- responder helpers ---------------------------------------------------- */

static int put_all(int fd, const void *p, size_t n)
{
    const uint8_t *q = p;
    while (n) {
        ssize_t k = send(fd, q, n, MSG_NOSIGNAL);
        if (k < 0 && errno == ENOTSOCK)
            k = write(fd, q, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        q += k;
        n -= (size_t)k;
    }
    return 0;
}

typedef struct got_call {
    virNetMessageHeader h;
    char *name; /* for the lookup-by-name and define procedures */
    size_t body_len;
} got_call;

static int rd_call(responder *r, got_call *g)
{
    uint8_t *pkt;
    size_t len;
    nv_rpc_msg m;
    nv_err e;
    memset(g, 0, sizeof *g);
    if (nv_rpc_read_packet(r->in, 5000, &pkt, &len, &e) < 0)
        return -1;
    if (nv_rpc_msg_decode(pkt, len, &m, &e) < 0 || m.hdr.type != VIR_NET_CALL ||
        m.hdr.status != VIR_NET_OK) {
        r->failures++;
        free(pkt);
        return -1;
    }
    g->h = m.hdr;
    g->body_len = m.body_len;
    nv_xdr_dec d;
    nv_xdr_dec_init(&d, m.body, m.body_len);
    if (m.hdr.proc == REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME ||
        m.hdr.proc == REMOTE_PROC_NETWORK_DEFINE_XML) {
        if (nv_xdr_get_string(&d, &g->name, REMOTE_STRING_MAX) < 0 || nv_xdr_dec_finish(&d) < 0)
            r->failures++;
    }
    free(pkt);
    return 0;
}

/* Writes a reply packet; type and status as given, body from enc. */
static int wr_packet(responder *r, uint32_t prog, int32_t proc, int32_t type, uint32_t serial,
                     int32_t status, int (*enc)(nv_buf *, const void *), const void *v)
{
    nv_buf b;
    nv_err e;
    virNetMessageHeader h = { prog, REMOTE_PROTOCOL_VERSION, proc, type, serial, status };
    nv_buf_init(&b, 0);
    nv_rpc_msg_begin(&b, &h);
    if (enc)
        enc(&b, v);
    int rc = nv_rpc_msg_finish(&b, &e) < 0 ? -1 : put_all(r->out, b.data, b.len);
    nv_buf_free(&b);
    return rc;
}

static int enc_lookup_ret(nv_buf *b, const void *v)
{
    return nv_proto_enc_remote_domain_lookup_by_name_ret(b, v);
}

static int enc_error(nv_buf *b, const void *v)
{
    return nv_proto_enc_remote_error(b, v);
}

/* Answers a lookup-by-name call with a domain of that name, id = serial. */
static int answer_lookup(responder *r, const got_call *g)
{
    remote_domain_lookup_by_name_ret ret = { .dom = { .name = g->name, .id = (int32_t)g->h.serial } };
    memset(ret.dom.uuid, (int)(g->h.serial & 0xff), sizeof ret.dom.uuid);
    return wr_packet(r, g->h.prog, g->h.proc, VIR_NET_REPLY, g->h.serial, VIR_NET_OK,
                     enc_lookup_ret, &ret);
}

static int answer_error(responder *r, const got_call *g, int code, const char *msg)
{
    char *m = (char *)msg;
    remote_error er = { .code = code, .domain = 10, .message = &m, .level = 2 };
    return wr_packet(r, g->h.prog, g->h.proc, VIR_NET_REPLY, g->h.serial, VIR_NET_ERROR,
                     enc_error, &er);
}

static int answer_empty(responder *r, const got_call *g)
{
    return wr_packet(r, g->h.prog, g->h.proc, VIR_NET_REPLY, g->h.serial, VIR_NET_OK, NULL, NULL);
}

/* An event and a keepalive ping, which the client must skip. */
static int noise(responder *r)
{
    static const uint8_t junk[] = { 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef };
    nv_buf b;
    nv_buf_init(&b, 0);
    nv_buf_append(&b, junk, sizeof junk);
    int rc = wr_packet(r, REMOTE_PROGRAM, 315, VIR_NET_MESSAGE, 0, VIR_NET_OK, NULL, NULL);
    rc |= wr_packet(r, KEEPALIVE_PROGRAM, 1, VIR_NET_MESSAGE, 0, VIR_NET_OK, NULL, NULL);
    rc |= wr_packet(r, REMOTE_PROGRAM, 315, VIR_NET_STREAM, 12345, VIR_NET_CONTINUE, NULL, NULL);
    nv_buf_free(&b);
    return rc;
}

/* ---- client helpers -------------------------------------------------------- */

static nv_rpc_conn *client(responder *r)
{
    nv_err e;
    nv_rpc_conn *c = nv_rpc_conn_new(r->rfd, r->wfd, &e);
    if (!c)
        abort();
    nv_rpc_conn_set_timeout(c, 5000);
    return c;
}

static int lookup_start(nv_rpc_conn *c, const char *name, uint32_t *serial, nv_err *e)
{
    remote_domain_lookup_by_name_args a = { .name = (char *)name };
    return nv_remote_domain_lookup_by_name_start(c, &a, serial, e);
}

/* ---- tests ------------------------------------------------------------------- */

static void script_one_lookup(responder *r)
{
    got_call g;
    if (rd_call(r, &g) < 0)
        return;
    if (g.h.prog != REMOTE_PROGRAM || g.h.vers != 1 || g.h.proc != REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME ||
        !g.name || strcmp(g.name, "vm1") != 0)
        r->failures++;
    answer_lookup(r, &g);
    free(g.name);
}

TEST(call_single_blocking)
{
    responder r;
    start(&r, 0, script_one_lookup, 0);
    go(&r);
    nv_rpc_conn *c = client(&r);
    nv_err e;
    remote_domain_lookup_by_name_args a = { .name = "vm1" };
    remote_domain_lookup_by_name_ret ret;
    CHECK_INT(nv_remote_domain_lookup_by_name(c, &a, &ret, &e), 0);
    CHECK_STR(ret.dom.name, "vm1");
    CHECK_INT(ret.dom.id, 1); /* the first serial */
    CHECK_INT(ret.dom.uuid[15], 1);
    CHECK_INT(nv_rpc_conn_inflight(c), 0);
    nv_proto_free_remote_domain_lookup_by_name_ret(&ret);
    nv_rpc_conn_free(c);
    finish(&r);
}

/* Reads n calls, then answers them last first, with noise in between. */
static void script_reverse(responder *r)
{
    got_call *g = calloc((size_t)r->n, sizeof *g);
    int k = 0;
    while (k < r->n && rd_call(r, &g[k]) == 0)
        k++;
    if (k != r->n)
        r->failures++;
    for (int i = k - 1; i >= 0; i--) {
        if (i % 7 == 0)
            noise(r);
        answer_lookup(r, &g[i]);
    }
    for (int i = 0; i < k; i++)
        free(g[i].name);
    free(g);
}

static void pipelined(int pipes)
{
    enum { N = 200 };
    responder r;
    start(&r, pipes, script_reverse, N);
    go(&r);
    nv_rpc_conn *c = client(&r);
    nv_err e;
    uint32_t serial[N];
    char name[32];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "vm-%d", i);
        CHECK_INT(lookup_start(c, name, &serial[i], &e), 0);
    }
    CHECK_INT(nv_rpc_conn_inflight(c), N);
    /* collect in the order sent, although they arrive last first */
    for (int i = 0; i < N; i++) {
        remote_domain_lookup_by_name_ret ret;
        CHECK_INT(nv_remote_domain_lookup_by_name_finish(c, serial[i], &ret, &e), 0);
        snprintf(name, sizeof name, "vm-%d", i);
        CHECK_STR(ret.dom.name, name);
        CHECK_INT(ret.dom.id, serial[i]);
        nv_proto_free_remote_domain_lookup_by_name_ret(&ret);
    }
    CHECK_INT(nv_rpc_conn_inflight(c), 0);
    CHECK_INT(nv_rpc_conn_ignored(c), 3 * ((N + 6) / 7));
    CHECK(!nv_rpc_conn_broken(c));
    nv_rpc_conn_free(c);
    finish(&r);
}

TEST(call_pipelined_out_of_order_socket)
{
    pipelined(0);
}

TEST(call_pipelined_out_of_order_pipes)
{
    pipelined(1);
}

TEST(call_wait_any_in_arrival_order)
{
    enum { N = 20 };
    responder r;
    start(&r, 0, script_reverse, N);
    go(&r);
    nv_rpc_conn *c = client(&r);
    nv_err e;
    uint32_t serial[N];
    for (int i = 0; i < N; i++)
        CHECK_INT(lookup_start(c, "x", &serial[i], &e), 0);
    /* take one specific reply first: wait_any must then skip it */
    remote_domain_lookup_by_name_ret ret;
    CHECK_INT(nv_remote_domain_lookup_by_name_finish(c, serial[N - 3], &ret, &e), 0);
    CHECK_INT(ret.dom.id, serial[N - 3]);
    nv_proto_free_remote_domain_lookup_by_name_ret(&ret);
    for (int i = N - 1; i >= 0; i--) {
        if (i == N - 3)
            continue;
        nv_rpc_reply rep;
        CHECK_INT(nv_rpc_wait_any(c, &rep, &e), 0);
        CHECK_INT(rep.hdr.serial, serial[i]);
        CHECK_INT(rep.hdr.proc, REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME);
        CHECK_INT(nv_remote_domain_lookup_by_name_reply(&rep, &ret, &e), 0);
        CHECK_INT(ret.dom.id, serial[i]);
        nv_proto_free_remote_domain_lookup_by_name_ret(&ret);
        nv_rpc_reply_free(&rep);
    }
    nv_rpc_reply rep;
    CHECK_INT(nv_rpc_wait_any(c, &rep, &e), -1);
    CHECK_STR(e.msg, "no call is waiting for a reply");
    CHECK_INT(nv_rpc_wait(c, 12345, &rep, &e), -1);
    CHECK_STR(e.msg, "no call with serial 12345 is waiting for a reply");
    CHECK(!nv_rpc_conn_broken(c));
    nv_rpc_conn_free(c);
    finish(&r);
}

/* The typed finish and reply of one procedure refuse another's serial or
 * reply (decoding it would fill the wrong struct), and leave it usable. */
TEST(call_typed_refuses_another_procedure)
{
    responder r;
    start(&r, 0, script_reverse, 2);
    go(&r);
    nv_rpc_conn *c = client(&r);
    nv_err e;
    uint32_t s1, s2;
    CHECK_INT(lookup_start(c, "vm1", &s1, &e), 0);
    CHECK_INT(lookup_start(c, "vm2", &s2, &e), 0);
    remote_domain_lookup_by_uuid_ret uret;
    memset(&uret, 0xa5, sizeof uret);
    CHECK_INT(nv_remote_domain_lookup_by_uuid_finish(c, s1, &uret, &e), -1);
    CHECK_INT(e.kind, NV_ERR_INPUT);
    char want[128];
    snprintf(want, sizeof want, "serial %u is a call of DOMAIN_LOOKUP_BY_NAME, not of "
             "DOMAIN_LOOKUP_BY_UUID", s1);
    CHECK_STR(e.msg, want);
    CHECK(uret.dom.name == NULL); /* zeroed, safe to free */
    CHECK_INT(nv_rpc_conn_inflight(c), 2);
    remote_domain_lookup_by_name_ret ret;
    CHECK_INT(nv_remote_domain_lookup_by_name_finish(c, s1, &ret, &e), 0);
    CHECK_STR(ret.dom.name, "vm1");
    nv_proto_free_remote_domain_lookup_by_name_ret(&ret);

    nv_rpc_reply rep;
    CHECK_INT(nv_rpc_wait(c, s2, &rep, &e), 0);
    remote_domain_get_xml_desc_ret xret;
    CHECK_INT(nv_remote_domain_get_xml_desc_reply(&rep, &xret, &e), -1);
    snprintf(want, sizeof want, "the reply to serial %u is one of DOMAIN_LOOKUP_BY_NAME, not of "
             "DOMAIN_GET_XML_DESC", s2);
    CHECK_STR(e.msg, want);
    CHECK(xret.xml == NULL);
    CHECK_INT(nv_remote_domain_lookup_by_name_reply(&rep, &ret, &e), 0);
    CHECK_STR(ret.dom.name, "vm2");
    nv_proto_free_remote_domain_lookup_by_name_ret(&ret);
    nv_rpc_reply_free(&rep);
    CHECK(!nv_rpc_conn_broken(c));
    nv_rpc_conn_free(c);
    finish(&r);
}

/* An error, then a normal answer: the connection survives daemon errors. */
static void script_error_then_ok(responder *r)
{
    got_call g;
    if (rd_call(r, &g) == 0) {
        answer_error(r, &g, 42, "Domain not found: no domain with matching name 'nope'");
        free(g.name);
    }
    if (rd_call(r, &g) == 0) {
        answer_empty(r, &g);
        free(g.name);
    }
}

TEST(call_error_reply)
{
    responder r;
    start(&r, 0, script_error_then_ok, 0);
    go(&r);
    nv_rpc_conn *c = client(&r);
    nv_err e;
    remote_domain_lookup_by_name_args a = { .name = "nope" };
    remote_domain_lookup_by_name_ret ret;
    memset(&ret, 0xa5, sizeof ret);
    CHECK_INT(nv_remote_domain_lookup_by_name(c, &a, &ret, &e), -1);
    CHECK_INT(e.kind, NV_ERR_LIBVIRT);
    CHECK_INT(e.code, 42);
    CHECK_STR(e.msg, "Domain not found: no domain with matching name 'nope'");
    CHECK(ret.dom.name == NULL); /* zeroed, safe to free */
    CHECK(!nv_rpc_conn_broken(c));
    /* a procedure without a result, result discarded */
    remote_domain_create_args ca = { .dom = { .name = "vm1" } };
    CHECK_INT(nv_remote_domain_create(c, &ca, &e), 0);
    nv_rpc_conn_free(c);
    finish(&r);
}

static void script_read_then_close(responder *r)
{
    got_call g;
    if (rd_call(r, &g) == 0)
        free(g.name);
    close(r->out);
    if (r->in != r->out)
        close(r->in);
    r->in = r->out = -1;
}

static void closed_peer(int pipes)
{
    responder r;
    start(&r, pipes, script_read_then_close, 0);
    go(&r);
    nv_rpc_conn *c = client(&r);
    nv_err e;
    uint32_t s;
    CHECK_INT(lookup_start(c, "vm1", &s, &e), 0);
    remote_domain_lookup_by_name_ret ret;
    CHECK_INT(nv_remote_domain_lookup_by_name_finish(c, s, &ret, &e), -1);
    CHECK_INT(e.kind, NV_ERR_CONNECT);
    CHECK_STR(e.msg, "the daemon closed the connection");
    CHECK(nv_rpc_conn_broken(c));
    /* every later call reports the same */
    nv_err_clear(&e);
    CHECK_INT(lookup_start(c, "vm2", &s, &e), -1);
    CHECK_STR(e.msg, "the daemon closed the connection");
    nv_rpc_conn_free(c);
    pthread_join(r.th, NULL);
    close(r.rfd);
    if (r.wfd != r.rfd)
        close(r.wfd);
}

TEST(call_peer_closes_socket)
{
    closed_peer(0);
}

TEST(call_peer_closes_pipes)
{
    closed_peer(1);
}

/* Writes raw bytes after reading one call: n selects which. */
static void script_raw(responder *r)
{
    got_call g;
    if (rd_call(r, &g) < 0)
        return;
    free(g.name);
    nv_buf b;
    nv_err e;
    nv_buf_init(&b, 0);
    virNetMessageHeader h = g.h;
    h.type = VIR_NET_REPLY;
    switch (r->n) {
    case 0: { /* a truncated frame, then the peer goes away */
        remote_domain_lookup_by_name_ret ret = { .dom = { .name = "vm1" } };
        nv_rpc_msg_begin(&b, &h);
        nv_proto_enc_remote_domain_lookup_by_name_ret(&b, &ret);
        nv_rpc_msg_finish(&b, &e);
        put_all(r->out, b.data, b.len - 5);
        shutdown(r->out, SHUT_WR);
        break;
    }
    case 1: { /* a huge length word */
        static const uint8_t big[] = { 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0 };
        put_all(r->out, big, sizeof big);
        break;
    }
    case 2: /* a reply to a serial never sent */
        h.serial += 1000;
        nv_rpc_msg_begin(&b, &h);
        nv_rpc_msg_finish(&b, &e);
        put_all(r->out, b.data, b.len);
        break;
    case 3: /* a reply for another procedure */
        h.proc = REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID;
        nv_rpc_msg_begin(&b, &h);
        nv_rpc_msg_finish(&b, &e);
        put_all(r->out, b.data, b.len);
        break;
    case 4: /* a reply with file descriptors */
        h.type = VIR_NET_REPLY_WITH_FDS;
        nv_rpc_msg_begin(&b, &h);
        nv_rpc_msg_finish(&b, &e);
        put_all(r->out, b.data, b.len);
        break;
    case 5: /* a length word that disagrees with the 28-byte minimum */
    {
        static const uint8_t small[] = { 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0 };
        put_all(r->out, small, sizeof small);
        break;
    }
    case 6: { /* the same reply twice */
        remote_domain_lookup_by_name_ret ret = { .dom = { .name = "vm1" } };
        nv_rpc_msg_begin(&b, &h);
        nv_proto_enc_remote_domain_lookup_by_name_ret(&b, &ret);
        nv_rpc_msg_finish(&b, &e);
        put_all(r->out, b.data, b.len);
        put_all(r->out, b.data, b.len);
        break;
    }
    }
    nv_buf_free(&b);
    /* wait for the client to hang up */
    char x;
    while (read(r->in, &x, 1) > 0)
        ;
}

static void raw_case(int n, enum nv_err_kind kind, const char *msg)
{
    responder r;
    start(&r, 0, script_raw, n);
    go(&r);
    nv_rpc_conn *c = client(&r);
    nv_err e;
    uint32_t s;
    CHECK_INT(lookup_start(c, "vm1", &s, &e), 0);
    remote_domain_lookup_by_name_ret ret;
    memset(&ret, 0, sizeof ret);
    if (n == 6) {
        /* the first copy is fine; the second is read while the next call is
         * sent or while its reply is awaited */
        CHECK_INT(nv_remote_domain_lookup_by_name_finish(c, s, NULL, &e), 0);
        if (lookup_start(c, "vm2", &s, &e) == 0)
            CHECK_INT(nv_remote_domain_lookup_by_name_finish(c, s, &ret, &e), -1);
    } else {
        CHECK_INT(nv_remote_domain_lookup_by_name_finish(c, s, &ret, &e), -1);
    }
    CHECK_INT(e.kind, kind);
    CHECK_STR(e.msg, msg);
    CHECK(ret.dom.name == NULL);
    CHECK(nv_rpc_conn_broken(c));
    nv_rpc_conn_free(c);
    finish(&r);
}

TEST(call_truncated_frame)
{
    raw_case(0, NV_ERR_CONNECT, "the daemon closed the connection in the middle of a message");
}

TEST(call_oversized_length_word)
{
    raw_case(1, NV_ERR_PROTOCOL, "the daemon sent a message of 2147483647 bytes (allowed: 28 to 33554432)");
    raw_case(5, NV_ERR_PROTOCOL, "the daemon sent a message of 12 bytes (allowed: 28 to 33554432)");
}

TEST(call_mismatched_replies)
{
    raw_case(2, NV_ERR_PROTOCOL, "the daemon sent a reply to serial 1001, which no call is waiting for");
    raw_case(3, NV_ERR_PROTOCOL,
             "the reply to serial 1 is for program 0x20008086 version 1 procedure 24, but the call "
             "was 0x20008086 version 1 procedure 23");
    raw_case(4, NV_ERR_PROTOCOL, "the daemon sent file descriptors with the reply to serial 1");
    raw_case(6, NV_ERR_PROTOCOL, "the daemon sent a reply to serial 1, which no call is waiting for");
}

/* Answers with odd bodies or statuses; the connection stays usable. */
static void script_bad_bodies(responder *r)
{
    got_call g;
    /* 1: trailing bytes after the ret struct */
    if (rd_call(r, &g) == 0) {
        remote_domain_lookup_by_name_ret ret = { .dom = { .name = "vm1" } };
        nv_buf b;
        nv_err e;
        nv_buf_init(&b, 0);
        virNetMessageHeader h = g.h;
        h.type = VIR_NET_REPLY;
        nv_rpc_msg_begin(&b, &h);
        nv_proto_enc_remote_domain_lookup_by_name_ret(&b, &ret);
        nv_xdr_put_u32(&b, 0);
        nv_rpc_msg_finish(&b, &e);
        put_all(r->out, b.data, b.len);
        nv_buf_free(&b);
        free(g.name);
    }
    /* 2: status CONTINUE */
    if (rd_call(r, &g) == 0) {
        wr_packet(r, g.h.prog, g.h.proc, VIR_NET_REPLY, g.h.serial, VIR_NET_CONTINUE, NULL, NULL);
        free(g.name);
    }
    /* 3: an error body that does not decode */
    if (rd_call(r, &g) == 0) {
        wr_packet(r, g.h.prog, g.h.proc, VIR_NET_REPLY, g.h.serial, VIR_NET_ERROR, NULL, NULL);
        free(g.name);
    }
    /* 4: fine */
    if (rd_call(r, &g) == 0) {
        answer_lookup(r, &g);
        free(g.name);
    }
}

TEST(call_bad_reply_bodies)
{
    responder r;
    start(&r, 0, script_bad_bodies, 0);
    go(&r);
    nv_rpc_conn *c = client(&r);
    nv_err e;
    remote_domain_lookup_by_name_args a = { .name = "vm1" };
    remote_domain_lookup_by_name_ret ret;
    CHECK_INT(nv_remote_domain_lookup_by_name(c, &a, &ret, &e), -1);
    CHECK_INT(e.kind, NV_ERR_PROTOCOL);
    CHECK_STR(e.msg, "REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME: cannot decode the reply: unexpected data "
                     "after the end of the message");
    CHECK(ret.dom.name == NULL);
    CHECK_INT(nv_remote_domain_lookup_by_name(c, &a, &ret, &e), -1);
    CHECK_STR(e.msg, "REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME: reply with unexpected status 2");
    CHECK_INT(nv_remote_domain_lookup_by_name(c, &a, &ret, &e), -1);
    CHECK_INT(e.kind, NV_ERR_PROTOCOL);
    CHECK(strncmp(e.msg, "REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME: error reply: cannot decode", 61) == 0);
    CHECK(!nv_rpc_conn_broken(c));
    CHECK_INT(nv_remote_domain_lookup_by_name(c, &a, &ret, &e), 0);
    CHECK_STR(ret.dom.name, "vm1");
    nv_proto_free_remote_domain_lookup_by_name_ret(&ret);
    nv_rpc_conn_free(c);
    finish(&r);
}

static void script_silent(responder *r)
{
    got_call g;
    if (rd_call(r, &g) == 0)
        free(g.name);
    char x;
    while (read(r->in, &x, 1) > 0)
        ;
}

TEST(call_timeout)
{
    responder r;
    start(&r, 0, script_silent, 0);
    go(&r);
    nv_rpc_conn *c = client(&r);
    nv_rpc_conn_set_timeout(c, 150);
    nv_err e;
    remote_domain_lookup_by_name_args a = { .name = "vm1" };
    CHECK_INT(nv_remote_domain_lookup_by_name(c, &a, NULL, &e), -1);
    CHECK_INT(e.kind, NV_ERR_CONNECT);
    CHECK_STR(e.msg, "timed out after 150 ms waiting for DOMAIN_LOOKUP_BY_NAME");
    CHECK(nv_rpc_conn_broken(c));
    nv_rpc_conn_free(c);
    finish(&r);
}

TEST(call_write_timeout)
{
    /* nobody reads: the socket buffer fills and the write must give up */
    responder r;
    start(&r, 0, NULL, 0);
    nv_rpc_conn *c = client(&r);
    nv_rpc_conn_set_timeout(c, 100);
    nv_err e;
    size_t n = 3 * 1024 * 1024;
    char *xml = malloc(n + 1);
    memset(xml, 'x', n);
    xml[n] = '\0';
    remote_network_define_xml_args a = { .xml = xml };
    CHECK_INT(nv_remote_network_define_xml(c, &a, NULL, &e), -1);
    CHECK_STR(e.msg, "timed out after 100 ms sending NETWORK_DEFINE_XML");
    free(xml);
    nv_rpc_conn_free(c);
    close(r.rfd);
    close(r.in);
}

/* Answers each big call with an empty body (where a result is due). */
static void script_empty_answers(responder *r)
{
    for (int i = 0; i < r->n; i++) {
        got_call g;
        if (rd_call(r, &g) < 0) {
            r->failures++;
            break;
        }
        if (!g.name || strlen(g.name) != r->big)
            r->failures++;
        answer_empty(r, &g);
        free(g.name);
    }
}

static int enc_define_ret(nv_buf *b, const void *v)
{
    return nv_proto_enc_remote_network_define_xml_ret(b, v);
}

/* Reads each call and at once answers with a big reply before reading the
 * next one: a client that did not read while writing would deadlock. */
static void script_big_both(responder *r)
{
    char *blob = malloc(r->big + 1);
    memset(blob, 'y', r->big);
    blob[r->big] = '\0';
    for (int i = 0; i < r->n; i++) {
        got_call g;
        if (rd_call(r, &g) < 0) {
            r->failures++;
            break;
        }
        if (!g.name || strlen(g.name) != r->big)
            r->failures++;
        remote_network_define_xml_ret ret = { .net = { .name = blob } };
        if (wr_packet(r, g.h.prog, g.h.proc, VIR_NET_REPLY, g.h.serial, VIR_NET_OK,
                      enc_define_ret, &ret) < 0)
            r->failures++;
        free(g.name);
    }
    free(blob);
}

static void big_pipelined(int pipes)
{
    enum { N = 40 };
    responder r;
    start(&r, pipes, script_big_both, N);
    r.big = 256 * 1024;
    go(&r);
    nv_rpc_conn *c = client(&r);
    nv_err e;
    char *xml = malloc(r.big + 1);
    memset(xml, 'x', r.big);
    xml[r.big] = '\0';
    remote_network_define_xml_args a = { .xml = xml };
    uint32_t serial[N];
    for (int i = 0; i < N; i++)
        CHECK_INT(nv_remote_network_define_xml_start(c, &a, &serial[i], &e), 0);
    for (int i = 0; i < N; i++) {
        remote_network_define_xml_ret ret;
        CHECK_INT(nv_remote_network_define_xml_finish(c, serial[i], &ret, &e), 0);
        CHECK(ret.net.name && strlen(ret.net.name) == r.big);
        nv_proto_free_remote_network_define_xml_ret(&ret);
    }
    free(xml);
    nv_rpc_conn_free(c);
    finish(&r);
}

TEST(call_big_pipelined_no_deadlock_socket)
{
    big_pipelined(0);
}

TEST(call_big_pipelined_no_deadlock_pipes)
{
    big_pipelined(1);
}

TEST(call_empty_replies_to_big_calls)
{
    responder r;
    start(&r, 1, script_empty_answers, 3);
    r.big = 1024 * 1024;
    go(&r);
    nv_rpc_conn *c = client(&r);
    nv_err e;
    char *xml = malloc(r.big + 1);
    memset(xml, 'x', r.big);
    xml[r.big] = '\0';
    remote_network_define_xml_args a = { .xml = xml };
    for (int i = 0; i < 3; i++) {
        remote_network_define_xml_ret ret;
        /* an empty body where a network was expected */
        CHECK_INT(nv_remote_network_define_xml(c, &a, &ret, &e), -1);
        CHECK_STR(e.msg, "REMOTE_PROC_NETWORK_DEFINE_XML: cannot decode the reply: message truncated");
    }
    free(xml);
    nv_rpc_conn_free(c);
    finish(&r);
}

TEST(call_bad_requests)
{
    responder r;
    start(&r, 0, NULL, 0);
    nv_rpc_conn *c = client(&r);
    nv_err e;
    CHECK_INT(nv_remote_domain_lookup_by_name(c, NULL, NULL, &e), -1);
    CHECK_INT(e.kind, NV_ERR_INPUT);
    CHECK_STR(e.msg, "REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME needs arguments");
    /* an argument over its maximum is refused before anything is sent */
    size_t n = REMOTE_STRING_MAX + 1;
    char *xml = malloc(n + 1);
    memset(xml, 'x', n);
    xml[n] = '\0';
    remote_network_define_xml_args a = { .xml = xml };
    CHECK_INT(nv_remote_network_define_xml(c, &a, NULL, &e), -1);
    CHECK_STR(e.msg, "REMOTE_PROC_NETWORK_DEFINE_XML: cannot encode the message: a value is "
                     "missing or too large");
    free(xml);
    CHECK(!nv_rpc_conn_broken(c));
    CHECK_INT(nv_rpc_conn_inflight(c), 0);
    nv_rpc_conn_free(c);
    close(r.rfd);
    close(r.in);
}

/* Writing to a peer that is gone must fail with an error instead of killing
 * the process: a socket even with SIGPIPE at its default (MSG_NOSIGNAL), a
 * pipe with SIGPIPE ignored as main does. */
static void sigpipe_child(int pipes)
{
    signal(SIGPIPE, pipes ? SIG_IGN : SIG_DFL);
    responder r;
    start(&r, pipes, NULL, 0);
    /* the peer stops reading but does not hang up, so only a write notices */
    if (pipes)
        close(r.in);
    else
        shutdown(r.in, SHUT_RD);
    nv_err e;
    nv_rpc_conn *c = nv_rpc_conn_new(r.rfd, r.wfd, &e);
    remote_domain_lookup_by_name_args a = { .name = "vm1" };
    int rc = nv_remote_domain_lookup_by_name(c, &a, NULL, &e);
    int ok = rc == -1 && e.kind == NV_ERR_CONNECT &&
             strcmp(e.msg, "the daemon closed the connection") == 0;
    nv_rpc_conn_free(c);
    _exit(ok ? 0 : 3);
}

static void sigpipe_case(int pipes)
{
    pid_t pid = fork();
    if (pid == 0)
        sigpipe_child(pipes);
    int st = 0;
    CHECK_INT(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st));
    if (WIFEXITED(st))
        CHECK_INT(WEXITSTATUS(st), 0);
}

TEST(call_no_sigpipe_socket)
{
    sigpipe_case(0);
}

TEST(call_no_sigpipe_pipes)
{
    sigpipe_case(1);
}
