#include "rpc/message.h"

#include "util/escape.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* virterror.h numbers needed to recognise "unknown procedure" errors. */
enum {
    VIR_ERR_ERROR_LEVEL = 2,
    VIR_FROM_RPC_DOMAIN = 7,
    VIR_FROM_REMOTE_DOMAIN = 13,
    VIR_ERR_NO_SUPPORT_CODE = 3,
    VIR_ERR_RPC_CODE = 39,
};

/* ---- writing ------------------------------------------------------------ */

int nv_rpc_msg_begin(nv_buf *out, const virNetMessageHeader *h)
{
    nv_buf_reset(out);
    if (nv_xdr_put_u32(out, 0) < 0)
        return -1;
    return nv_proto_enc_virNetMessageHeader(out, h);
}

/* Checks and completes the packet that starts at out->data[start]. */
static int finish_at(nv_buf *out, size_t start, nv_err *e)
{
    if (out->failed)
        return nv_err_set(e, NV_ERR_PROTOCOL,
                          "cannot encode the message: a value is missing or too large");
    size_t len = out->len - start;
    if (len < NV_RPC_MSG_MIN)
        return nv_err_set(e, NV_ERR_PROTOCOL, "cannot encode the message: no header");
    if (len > NV_RPC_MSG_MAX)
        return nv_err_set(e, NV_ERR_PROTOCOL,
                          "the message is too large (%zu bytes; libvirt accepts at most %d)",
                          len, NV_RPC_MSG_MAX);
    uint32_t n = (uint32_t)len;
    uint8_t *p = out->data + start;
    p[0] = (uint8_t)(n >> 24);
    p[1] = (uint8_t)(n >> 16);
    p[2] = (uint8_t)(n >> 8);
    p[3] = (uint8_t)n;
    return 0;
}

int nv_rpc_msg_finish(nv_buf *out, nv_err *e)
{
    return finish_at(out, 0, e);
}

int nv_rpc_msg_append_call(nv_buf *out, uint32_t prog, uint32_t vers, int32_t proc,
                           uint32_t serial, int (*enc)(nv_buf *, const void *),
                           const void *args, nv_err *e)
{
    virNetMessageHeader h = {
        .prog = prog, .vers = vers, .proc = proc,
        .type = VIR_NET_CALL, .serial = serial, .status = VIR_NET_OK,
    };
    size_t start = out->len;
    nv_xdr_put_u32(out, 0);
    nv_proto_enc_virNetMessageHeader(out, &h);
    if (enc)
        enc(out, args);
    if (finish_at(out, start, e) < 0) {
        nv_buf_truncate(out, start);
        const nv_proto_proc *p = nv_proto_proc_find(prog, proc);
        return p ? nv_err_prefix(e, "%s", p->name) : nv_err_prefix(e, "procedure %d", (int)proc);
    }
    return 0;
}

int nv_rpc_msg_encode_call(nv_buf *out, uint32_t prog, uint32_t vers, int32_t proc,
                           uint32_t serial, int (*enc)(nv_buf *, const void *),
                           const void *args, nv_err *e)
{
    nv_buf_reset(out);
    return nv_rpc_msg_append_call(out, prog, vers, proc, serial, enc, args, e);
}

/* ---- reading ------------------------------------------------------------ */

void nv_rpc_reader_init(nv_rpc_reader *r)
{
    memset(r, 0, sizeof *r);
}

void nv_rpc_reader_free(nv_rpc_reader *r)
{
    free(r->buf);
    free(r->pkt);
    nv_rpc_reader_init(r);
}

int nv_rpc_reader_busy(const nv_rpc_reader *r)
{
    return r->end > r->off || r->pkt;
}

static uint32_t length_word(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int bad_length(nv_rpc_reader *r, uint32_t total, nv_err *e)
{
    nv_rpc_reader_free(r);
    return nv_err_set(e, NV_ERR_PROTOCOL, "the daemon sent a message of %u bytes (allowed: %d to %d)", total,
                      NV_RPC_MSG_MIN, NV_RPC_MSG_MAX);
}

int nv_rpc_reader_next(nv_rpc_reader *r, uint8_t **pkt, size_t *len, nv_err *e)
{
    if (r->pkt) {
        if (r->have < r->total)
            return 0;
        *pkt = r->pkt;
        *len = r->total;
        r->pkt = NULL;
        r->have = r->total = 0;
        return 1;
    }
    size_t avail = r->end - r->off;
    if (avail < 4)
        return 0;
    uint32_t total = length_word(r->buf + r->off);
    if (total < NV_RPC_MSG_MIN || total > NV_RPC_MSG_MAX)
        return bad_length(r, total, e);
    if (total > NV_RPC_READ_CHUNK) {
        /* too large for the chunk: the rest is read straight into its own buffer */
        uint8_t *big = malloc(total);
        if (!big) {
            nv_rpc_reader_free(r);
            return nv_err_set(e, NV_ERR_SYSTEM, "out of memory for a %u-byte message", total);
        }
        size_t take = avail < total ? avail : total;
        memcpy(big, r->buf + r->off, take);
        r->off = r->end = 0;
        r->pkt = big;
        r->have = take;
        r->total = total;
        return nv_rpc_reader_next(r, pkt, len, e);
    }
    if (avail < total)
        return 0;
    uint8_t *p = malloc(total);
    if (!p) {
        nv_rpc_reader_free(r);
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory for a %u-byte message", total);
    }
    memcpy(p, r->buf + r->off, total);
    r->off += total;
    if (r->off == r->end)
        r->off = r->end = 0;
    *pkt = p;
    *len = total;
    return 1;
}

int nv_rpc_reader_read(nv_rpc_reader *r, int fd, uint8_t **pkt, size_t *len, nv_err *e)
{
    int got = nv_rpc_reader_next(r, pkt, len, e);
    if (got != 0)
        return got;
    uint8_t *dst;
    size_t want;
    if (r->pkt) {
        dst = r->pkt + r->have;
        want = r->total - r->have;
    } else {
        if (!r->buf && !(r->buf = malloc(NV_RPC_READ_CHUNK)))
            return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
        /* the start of a packet moves to the front: the chunk always holds a whole one */
        if (r->off) {
            memmove(r->buf, r->buf + r->off, r->end - r->off);
            r->end -= r->off;
            r->off = 0;
        }
        dst = r->buf + r->end;
        want = NV_RPC_READ_CHUNK - r->end;
    }
    ssize_t n = read(fd, dst, want);
    if (n < 0) {
        if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        int err = errno;
        int partial = nv_rpc_reader_busy(r);
        nv_rpc_reader_free(r);
        /* A daemon that dies with our call unread resets the connection: the
         * same event as end of file, not a local system error. */
        if (err == ECONNRESET)
            return nv_err_set(e, NV_ERR_CONNECT, partial
                              ? "the daemon closed the connection in the middle of a message "
                                "(connection reset)"
                              : "the daemon closed the connection (connection reset)");
        return nv_err_sys(e, err, "cannot read from the daemon");
    }
    if (n == 0) {
        int partial = nv_rpc_reader_busy(r);
        nv_rpc_reader_free(r);
        return nv_err_set(e, NV_ERR_CONNECT, partial
                          ? "the daemon closed the connection in the middle of a message"
                          : "the daemon closed the connection");
    }
    if (r->pkt)
        r->have += (size_t)n;
    else
        r->end += (size_t)n;
    return nv_rpc_reader_next(r, pkt, len, e);
}

/* Reads exactly n bytes into p, waiting at most timeout_ms for each chunk. */
static int read_exact(int fd, int timeout_ms, uint8_t *p, size_t n, int partial, nv_err *e)
{
    size_t have = 0;
    while (have < n) {
        struct pollfd pf = { .fd = fd, .events = POLLIN };
        int k = poll(&pf, 1, timeout_ms < 0 ? -1 : timeout_ms);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return nv_err_sys(e, errno, "cannot wait for the daemon");
        }
        if (k == 0)
            return nv_err_set(e, NV_ERR_CONNECT, "timed out after %d ms waiting for the daemon", timeout_ms);
        /* POLLHUP/POLLERR: read() reports end of file or the error */
        ssize_t r = read(fd, p + have, n - have);
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
                continue;
            if (errno == ECONNRESET)
                return nv_err_set(e, NV_ERR_CONNECT, "the daemon closed the connection (connection reset)");
            return nv_err_sys(e, errno, "cannot read from the daemon");
        }
        if (r == 0)
            return nv_err_set(e, NV_ERR_CONNECT, partial || have
                              ? "the daemon closed the connection in the middle of a message"
                              : "the daemon closed the connection");
        have += (size_t)r;
    }
    return 0;
}

int nv_rpc_read_packet(int fd, int timeout_ms, uint8_t **pkt, size_t *len, nv_err *e)
{
    uint8_t lw[4];
    if (read_exact(fd, timeout_ms, lw, 4, 0, e) < 0)
        return -1;
    uint32_t total = length_word(lw);
    if (total < NV_RPC_MSG_MIN || total > NV_RPC_MSG_MAX)
        return nv_err_set(e, NV_ERR_PROTOCOL, "the daemon sent a message of %u bytes (allowed: %d to %d)", total,
                          NV_RPC_MSG_MIN, NV_RPC_MSG_MAX);
    uint8_t *p = malloc(total);
    if (!p)
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory for a %u-byte message", total);
    memcpy(p, lw, 4);
    if (read_exact(fd, timeout_ms, p + 4, total - 4, 1, e) < 0) {
        free(p);
        return -1;
    }
    *pkt = p;
    *len = total;
    return 0;
}

/* ---- decoding ----------------------------------------------------------- */

int nv_rpc_msg_decode(const uint8_t *pkt, size_t len, nv_rpc_msg *m, nv_err *e)
{
    memset(m, 0, sizeof *m);
    if (len < NV_RPC_MSG_MIN || len > NV_RPC_MSG_MAX)
        return nv_err_set(e, NV_ERR_PROTOCOL, "message of %zu bytes (allowed: %d to %d)", len,
                          NV_RPC_MSG_MIN, NV_RPC_MSG_MAX);
    nv_xdr_dec d;
    uint32_t word;
    nv_xdr_dec_init(&d, pkt, len);
    nv_xdr_get_u32(&d, &word);
    if (word != len)
        return nv_err_set(e, NV_ERR_PROTOCOL, "message length word %u does not match its %zu bytes",
                          word, len);
    if (nv_proto_dec_virNetMessageHeader(&d, &m->hdr) < 0)
        return nv_err_set(e, NV_ERR_PROTOCOL, "cannot decode the message header: %s", d.why);
    m->body = pkt + NV_RPC_MSG_MIN;
    m->body_len = len - NV_RPC_MSG_MIN;
    return 0;
}

int nv_rpc_body_decode(const uint8_t *body, size_t len, int (*dec)(nv_xdr_dec *, void *),
                       void (*free_fn)(void *), void *out, nv_err *e)
{
    nv_xdr_dec d;
    nv_xdr_dec_init(&d, body, len);
    if (dec && dec(&d, out) < 0)
        return nv_err_set(e, NV_ERR_PROTOCOL, "cannot decode the reply: %s", d.why);
    if (nv_xdr_dec_finish(&d) < 0) {
        if (dec && free_fn)
            free_fn(out);
        return nv_err_set(e, NV_ERR_PROTOCOL, "cannot decode the reply: %s", d.why);
    }
    return 0;
}

/* ---- errors from the daemon --------------------------------------------- */

/* Moves an optional string out of the decoded struct. */
static char *take_string(remote_string *s)
{
    if (!*s)
        return NULL;
    char *v = **s;
    free(*s);
    *s = NULL;
    return v;
}

static int dec_error(nv_xdr_dec *d, void *v)
{
    return nv_proto_dec_remote_error(d, v);
}

static void free_error(void *v)
{
    nv_proto_free_remote_error(v);
}

int nv_rpc_error_decode(const uint8_t *body, size_t len, nv_rpc_error *out, nv_err *e)
{
    remote_error re;
    memset(out, 0, sizeof *out);
    if (nv_rpc_body_decode(body, len, dec_error, free_error, &re, e) < 0)
        return nv_err_prefix(e, "error reply");
    out->code = re.code;
    out->domain = re.domain;
    out->level = re.level;
    out->int1 = re.int1;
    out->int2 = re.int2;
    out->message = take_string(&re.message);
    out->str1 = take_string(&re.str1);
    out->str2 = take_string(&re.str2);
    out->str3 = take_string(&re.str3);
    nv_proto_free_remote_error(&re);

    if ((out->domain == VIR_FROM_REMOTE_DOMAIN || out->domain == VIR_FROM_RPC_DOMAIN) &&
        out->code == VIR_ERR_RPC_CODE && out->level == VIR_ERR_ERROR_LEVEL && out->message &&
        strncmp(out->message, "unknown procedure", 17) == 0)
        out->code = VIR_ERR_NO_SUPPORT_CODE;
    return 0;
}

void nv_rpc_error_free(nv_rpc_error *er)
{
    if (!er)
        return;
    free(er->message);
    free(er->str1);
    free(er->str2);
    free(er->str3);
    memset(er, 0, sizeof *er);
}

/* The daemon's message without the newlines some end with (schema
 * validation errors do): those would leave blank lines after ours. */
static int message_len(const char *m)
{
    size_t n = strlen(m);
    while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == '\r' || m[n - 1] == ' ' || m[n - 1] == '\t'))
        n--;
    return n > INT_MAX ? INT_MAX : (int)n;
}

const char *nv_rpc_error_format(const nv_rpc_error *er, char *buf, size_t n)
{
    if (n == 0)
        return buf;
    const char *m = er->message && message_len(er->message) > 0 ? er->message : "Unknown error";
    /* the daemon's text reaches terminals and the journal: one line, no
     * control characters (schema errors come in several lines) */
    nv_escape_ctrl(m, (size_t)message_len(m), "; ", buf, n);
    return buf;
}

int nv_rpc_error_to_err(const nv_rpc_error *er, nv_err *e)
{
    char buf[sizeof e->msg];
    nv_err_set(e, NV_ERR_LIBVIRT, "%s", nv_rpc_error_format(er, buf, sizeof buf));
    e->code = er->code;
    return -1;
}
