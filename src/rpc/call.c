#include "rpc/call_untyped.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rpc/keepalive.h"
#include "util/grow.h"
#include "util/time.h"

/* A call in flight. The array of calls is sorted by serial (serials only
 * grow), so lookups are a binary search; collected calls leave holes that
 * are squeezed out when the array is full. */
typedef struct call {
    uint32_t serial;
    uint32_t prog;
    uint32_t vers;
    int32_t proc;
    int used;      /* 0: a hole */
    long long deadline; /* --timeout: when it fails, ms on CLOCK_MONOTONIC; -1 never */
    uint8_t *pkt;  /* the reply, once it has arrived */
    size_t len;
} call;

struct nv_rpc_conn {
    int rfd, wfd;
    int wsock;        /* wfd is a socket: send() with MSG_NOSIGNAL | MSG_DONTWAIT */
    int timeout_ms;   /* bound on one call from when it is sent; -1 none */
    nv_rpc_keepalive ka;
    uint32_t next_serial;

    call *calls;      /* live entries in calls[head..n) */
    size_t head, n, cap;
    size_t live;      /* used entries */
    size_t live_peak; /* the most there were */

    uint32_t *arrived; /* serials in the order their replies came (for wait_any) */
    size_t ahead, an, acap;

    size_t pending_bytes; /* replies received but not collected */
    size_t ignored;

    nv_rpc_reader rd;
    nv_buf out;       /* bytes to send: out.data[out_off..out.len) */
    size_t out_off;
    size_t pings_sent, pongs_sent;

    int xfd;               /* also drained while waiting (a child's stderr), or -1 */
    int (*xfn)(void *);
    void *xctx;

    int broken;
    nv_err fatal;
};

/* ---- connection state ---------------------------------------------------- */

nv_rpc_conn *nv_rpc_conn_new(int rfd, int wfd, nv_err *e)
{
    nv_rpc_conn *c = calloc(1, sizeof *c);
    if (!c) {
        nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
        return NULL;
    }
    c->rfd = rfd;
    c->wfd = wfd;
    c->timeout_ms = -1;
    c->xfd = -1;
    c->next_serial = 1;
    nv_rpc_keepalive_init(&c->ka);
    nv_rpc_reader_init(&c->rd);
    nv_buf_init(&c->out, NV_RPC_MSG_MAX + 1024 * 1024); /* a call, then pings/pongs */
    struct stat st;
    c->wsock = fstat(wfd, &st) == 0 && S_ISSOCK(st.st_mode);
    return c;
}

void nv_rpc_conn_free(nv_rpc_conn *c)
{
    if (!c)
        return;
    for (size_t i = c->head; i < c->n; i++)
        free(c->calls[i].pkt);
    free(c->calls);
    free(c->arrived);
    nv_rpc_reader_free(&c->rd);
    nv_buf_free(&c->out);
    free(c);
}

void nv_rpc_conn_set_timeout(nv_rpc_conn *c, int timeout_ms)
{
    c->timeout_ms = timeout_ms < 0 ? -1 : timeout_ms;
}

void nv_rpc_conn_watch(nv_rpc_conn *c, int fd, int (*fn)(void *ctx), void *ctx)
{
    c->xfd = fd;
    c->xfn = fn;
    c->xctx = ctx;
}

int nv_rpc_conn_timeout(const nv_rpc_conn *c)
{
    return c->timeout_ms;
}

void nv_rpc_conn_keepalive(nv_rpc_conn *c, int interval_ms, unsigned count)
{
    nv_rpc_keepalive_start(&c->ka, interval_ms, count, nv_time_now_ms());
}

void nv_rpc_conn_keepalive_counts(const nv_rpc_conn *c, size_t *pings, size_t *pongs)
{
    if (pings)
        *pings = c->pings_sent;
    if (pongs)
        *pongs = c->pongs_sent;
}

int nv_rpc_conn_broken(const nv_rpc_conn *c)
{
    return c->broken;
}

void nv_rpc_conn_fail(nv_rpc_conn *c, const nv_err *why)
{
    c->broken = 1;
    c->fatal = *why;
}

size_t nv_rpc_conn_ignored(const nv_rpc_conn *c)
{
    return c->ignored;
}

size_t nv_rpc_conn_inflight(const nv_rpc_conn *c)
{
    return c->live;
}

size_t nv_rpc_conn_inflight_peak(const nv_rpc_conn *c)
{
    return c->live_peak;
}

/* Records e as the reason the connection is unusable. */
static int fatal(nv_rpc_conn *c, nv_err *e)
{
    c->broken = 1;
    c->fatal = *e;
    return -1;
}

static int check_usable(nv_rpc_conn *c, nv_err *e)
{
    if (!c->broken)
        return 0;
    *e = c->fatal;
    return -1;
}

/* "DOMAIN_CREATE" for REMOTE_PROC_DOMAIN_CREATE, as messages name calls. */
const char *nv_rpc_proc_label(uint32_t prog, int32_t proc, char *buf, size_t n)
{
    const nv_proto_proc *p = nv_proto_proc_find(prog, proc);
    if (p) {
        const char *name = p->name;
        if (strncmp(name, "REMOTE_PROC_", 12) == 0)
            name += 12;
        return name;
    }
    snprintf(buf, n, "procedure %d of program %#x", (int)proc, prog);
    return buf;
}

static void format_ms(long long ms, char *buf, size_t n)
{
    if (ms % 1000 == 0)
        snprintf(buf, n, "%lld s", ms / 1000);
    else
        snprintf(buf, n, "%lld ms", ms);
}

/* ---- the table of calls -------------------------------------------------- */

static call *find_call(const nv_rpc_conn *c, uint32_t serial)
{
    size_t lo = c->head, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->calls[mid].serial == serial)
            return c->calls[mid].used ? &c->calls[mid] : NULL;
        if (c->calls[mid].serial < serial)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

int nv_rpc_call_proc(const nv_rpc_conn *c, uint32_t serial, uint32_t *prog, int32_t *proc)
{
    const call *cl = find_call(c, serial);
    if (!cl)
        return 0;
    *prog = cl->prog;
    *proc = cl->proc;
    return 1;
}

static int add_call(nv_rpc_conn *c, const call *cl)
{
    if (c->n == c->cap) {
        /* squeeze out holes first; grown unless that freed a quarter:
         * otherwise, with many calls in flight, every add would squeeze
         * again, moving all of them */
        size_t k = 0;
        for (size_t i = c->head; i < c->n; i++)
            if (c->calls[i].used)
                c->calls[k++] = c->calls[i];
        c->head = 0;
        c->n = k;
        if (c->cap - c->n <= c->cap / 4) {
            call *p = nv_grow(c->calls, &c->cap, sizeof *p, 16);
            if (!p)
                return -1;
            c->calls = p;
        }
    }
    c->calls[c->n++] = *cl;
    c->live++;
    if (c->live > c->live_peak)
        c->live_peak = c->live;
    return 0;
}

static void remove_call(nv_rpc_conn *c, call *cl)
{
    cl->used = 0;
    cl->pkt = NULL;
    c->live--;
    while (c->head < c->n && !c->calls[c->head].used)
        c->head++;
    while (c->n > c->head && !c->calls[c->n - 1].used)
        c->n--;
    if (c->head == c->n)
        c->head = c->n = 0;
}

/* Appends to the arrival queue, dropping entries already collected by
 * nv_rpc_wait when the queue has grown well past what is pending. */
static int push_arrived(nv_rpc_conn *c, uint32_t serial)
{
    if (c->an == c->acap) {
        size_t k = 0;
        for (size_t i = c->ahead; i < c->an; i++) {
            call *cl = find_call(c, c->arrived[i]);
            if (cl && cl->pkt)
                c->arrived[k++] = c->arrived[i];
        }
        c->ahead = 0;
        c->an = k;
        if (c->acap - c->an <= c->acap / 4) { /* as add_call */
            uint32_t *p = nv_grow(c->arrived, &c->acap, sizeof *p, 16);
            if (!p)
                return -1;
            c->arrived = p;
        }
    }
    c->arrived[c->an++] = serial;
    return 0;
}

/* Hands the reply of cl to the caller. */
static void take_reply(nv_rpc_conn *c, call *cl, nv_rpc_reply *out)
{
    nv_rpc_msg m;
    memset(out, 0, sizeof *out);
    /* already validated by dispatch, so this cannot fail */
    nv_err ignored;
    nv_rpc_msg_decode(cl->pkt, cl->len, &m, &ignored);
    out->hdr = m.hdr;
    out->pkt = cl->pkt;
    out->len = cl->len;
    out->body = m.body;
    out->body_len = m.body_len;
    c->pending_bytes -= cl->len;
    remove_call(c, cl);
}

/* ---- reading ------------------------------------------------------------- */

/* Takes ownership of a complete packet and files it. */
static int dispatch(nv_rpc_conn *c, uint8_t *pkt, size_t len, nv_err *e)
{
    nv_rpc_msg m;
    if (nv_rpc_msg_decode(pkt, len, &m, e) < 0) {
        free(pkt);
        return fatal(c, e);
    }
    const virNetMessageHeader *h = &m.hdr;
    /* any whole message shows the daemon is alive */
    nv_rpc_keepalive_received(&c->ka, nv_time_now_ms());
    if (h->type != VIR_NET_REPLY && h->type != VIR_NET_REPLY_WITH_FDS) {
        /* events, stream data: not ours to answer; a ping gets its pong */
        c->ignored++;
        int ping = nv_rpc_keepalive_is(h->prog, h->vers, h->type) && h->proc == NV_KEEPALIVE_PING;
        free(pkt);
        if (ping) {
            if (nv_rpc_keepalive_packet(&c->out, NV_KEEPALIVE_PONG) < 0) {
                nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
                return fatal(c, e);
            }
            c->pongs_sent++;
        }
        return 0;
    }
    call *cl = find_call(c, h->serial);
    if (!cl)
        nv_err_set(e, NV_ERR_PROTOCOL, "the daemon sent a reply to serial %u, which no call is waiting for",
                   h->serial);
    else if (h->type == VIR_NET_REPLY_WITH_FDS)
        nv_err_set(e, NV_ERR_PROTOCOL, "the daemon sent file descriptors with the reply to serial %u",
                   h->serial);
    else if (cl->pkt)
        nv_err_set(e, NV_ERR_PROTOCOL, "the daemon sent two replies to serial %u", h->serial);
    else if (h->prog != cl->prog || h->vers != cl->vers || h->proc != cl->proc)
        nv_err_set(e, NV_ERR_PROTOCOL,
                   "the reply to serial %u is for program %#x version %u procedure %d, "
                   "but the call was %#x version %u procedure %d",
                   h->serial, h->prog, h->vers, (int)h->proc, cl->prog, cl->vers, (int)cl->proc);
    else if (len > NV_RPC_PENDING_BYTES_MAX - c->pending_bytes)
        nv_err_set(e, NV_ERR_PROTOCOL,
                   "more than %zu MiB of replies are waiting to be collected",
                   NV_RPC_PENDING_BYTES_MAX >> 20);
    else if (push_arrived(c, h->serial) < 0)
        nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    else {
        cl->pkt = pkt;
        cl->len = len;
        c->pending_bytes += len;
        return 0;
    }
    free(pkt);
    return fatal(c, e);
}

/* Files the next packet: one already read (more=0: without reading; then
 * 0 when there is none), else from one read, which may bring more (they
 * are filed one by one as the loop goes on, as if they came one by one). */
static int pump(nv_rpc_conn *c, int more, nv_err *e)
{
    uint8_t *pkt;
    size_t len;
    int r = more ? nv_rpc_reader_read(&c->rd, c->rfd, &pkt, &len, e) : nv_rpc_reader_next(&c->rd, &pkt, &len, e);
    if (r < 0)
        return fatal(c, e);
    if (r == 0)
        return 0;
    return dispatch(c, pkt, len, e) < 0 ? -1 : 1;
}

/* Writes what the socket or pipe takes now of the queued bytes. */
static int write_some(nv_rpc_conn *c, nv_err *e)
{
    size_t chunk = c->out.len - c->out_off;
    const uint8_t *p = c->out.data + c->out_off;
    ssize_t w;
    if (c->wsock) {
        w = send(c->wfd, p, chunk, MSG_NOSIGNAL | MSG_DONTWAIT);
    } else {
        /* a pipe that polls writable takes PIPE_BUF bytes without blocking */
        if (chunk > PIPE_BUF)
            chunk = PIPE_BUF;
        w = write(c->wfd, p, chunk);
    }
    if (w < 0) {
        if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        if (errno == EPIPE || errno == ECONNRESET) {
            nv_err_set(e, NV_ERR_CONNECT, "the daemon closed the connection");
            return fatal(c, e);
        }
        nv_err_sys(e, errno, "cannot write to the daemon");
        return fatal(c, e);
    }
    c->out_off += (size_t)w;
    if (c->out_off == c->out.len) {
        c->out_off = 0;
        c->out.len = 0;
        /* do not keep a large buffer around after a big call */
        if (c->out.cap > 1024 * 1024)
            nv_buf_free(&c->out);
    }
    return 0;
}

static int out_pending(const nv_rpc_conn *c)
{
    return c->out.len > c->out_off;
}

/* What the I/O loop waits for. */
enum until { UNTIL_SENT, UNTIL_REPLY, UNTIL_ANY };

/* The call whose reply is collected next by wait_any (serial 0), or serial's. */
static call *ready_call(nv_rpc_conn *c, uint32_t serial)
{
    if (serial) {
        call *cl = find_call(c, serial);
        return cl && cl->pkt ? cl : NULL;
    }
    while (c->ahead < c->an) {
        call *cl = find_call(c, c->arrived[c->ahead]);
        if (cl && cl->pkt)
            return cl;
        c->ahead++; /* already collected by nv_rpc_wait */
    }
    c->ahead = c->an = 0;
    return NULL;
}

/* The one loop: reads and files whatever the daemon sends, writes what is
 * queued, answers and sends keepalive pings, until the condition holds.
 * deadline (-1: none) is the --timeout of the call named by label; doing
 * says what we were at ("waiting for", "sending"). Every failure breaks
 * the connection. */
static int run_until(nv_rpc_conn *c, enum until u, uint32_t serial, long long deadline,
                     const char *doing, const char *label, nv_err *e)
{
    for (;;) {
        if (u == UNTIL_SENT ? !out_pending(c) : ready_call(c, u == UNTIL_REPLY ? serial : 0) != NULL)
            return 0;
        long long now = nv_time_now_ms();
        switch (nv_rpc_keepalive_check(&c->ka, now)) {
        case NV_KEEPALIVE_DEAD: {
            char grace[32];
            format_ms(nv_rpc_keepalive_grace_ms(&c->ka), grace, sizeof grace);
            nv_err_set(e, NV_ERR_CONNECT,
                       "the daemon sent nothing for %s and did not answer %u keepalive pings "
                       "(%s %s): connection closed", grace, c->ka.count, doing, label);
            return fatal(c, e);
        }
        case NV_KEEPALIVE_SEND_PING:
            if (nv_rpc_keepalive_packet(&c->out, NV_KEEPALIVE_PING) < 0) {
                nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
                return fatal(c, e);
            }
            c->pings_sent++;
            break;
        default:
            break;
        }
        if (deadline >= 0 && now >= deadline) {
            char t[32];
            format_ms(c->timeout_ms, t, sizeof t);
            nv_err_set(e, NV_ERR_CONNECT, "timed out after %s %s %s", t, doing, label);
            return fatal(c, e);
        }
        /* a packet a read brought along is filed before waiting for more */
        int filed = pump(c, 0, e);
        if (filed < 0)
            return -1;
        if (filed)
            continue;
        long long wake = deadline, ka = nv_rpc_keepalive_deadline(&c->ka);
        if (ka >= 0 && (wake < 0 || ka < wake))
            wake = ka;
        int ms = -1;
        if (wake >= 0)
            ms = wake - now > INT_MAX ? INT_MAX : (int)(wake - now);

        struct pollfd fds[3];
        nfds_t nf = 1;
        fds[0].fd = c->rfd;
        fds[0].events = POLLIN;
        fds[0].revents = fds[1].revents = fds[2].revents = 0;
        int wi = -1;
        if (out_pending(c)) {
            if (c->wfd == c->rfd) {
                fds[0].events |= POLLOUT;
                wi = 0;
            } else {
                fds[1].fd = c->wfd;
                fds[1].events = POLLOUT;
                wi = 1;
                nf = 2;
            }
        }
        int xi = -1;
        if (c->xfd >= 0) {
            xi = (int)nf++;
            fds[xi].fd = c->xfd;
            fds[xi].events = POLLIN;
        }
        int k = poll(fds, nf, ms);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            nv_err_sys(e, errno, "cannot wait for the daemon");
            return fatal(c, e);
        }
        if (k == 0)
            continue; /* a timer: handled at the top */
        if (xi >= 0 && fds[xi].revents) {
            if (c->xfn(c->xctx) < 0)
                c->xfd = -1; /* at its end: stop watching */
            fds[xi].revents = 0;
        }
        if ((fds[0].revents | (wi == 1 ? fds[1].revents : 0)) & POLLNVAL) {
            nv_err_set(e, NV_ERR_CONNECT, "the connection to the daemon is not open");
            return fatal(c, e);
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            if (pump(c, 1, e) < 0)
                return -1;
        }
        if (wi >= 0 && out_pending(c) && (fds[wi].revents & (POLLOUT | POLLERR | POLLHUP))) {
            if (write_some(c, e) < 0)
                return -1;
        }
    }
}

/* After a reply: a pong queued meanwhile goes out now if it can, without
 * waiting (the next call sends it otherwise). */
static void flush_now(nv_rpc_conn *c)
{
    nv_err ignore;
    while (out_pending(c) && !c->broken) {
        struct pollfd p = {.fd = c->wfd, .events = POLLOUT};
        if (poll(&p, 1, 0) != 1 || !(p.revents & POLLOUT))
            return;
        size_t before = c->out.len - c->out_off;
        if (write_some(c, &ignore) < 0 || c->out.len - c->out_off == before)
            return;
    }
}

/* ---- any program ---------------------------------------------------------- */

void nv_rpc_reply_free(nv_rpc_reply *r)
{
    if (!r)
        return;
    free(r->pkt);
    memset(r, 0, sizeof *r);
}

int nv_rpc_send(nv_rpc_conn *c, uint32_t prog, uint32_t vers, int32_t proc,
                int (*enc)(nv_buf *, const void *), const void *args, uint32_t *serial,
                nv_err *e)
{
    if (check_usable(c, e) < 0)
        return -1;
    if (c->live >= NV_RPC_INFLIGHT_MAX)
        return nv_err_set(e, NV_ERR_INPUT, "more than %d calls in flight", NV_RPC_INFLIGHT_MAX);
    if (c->next_serial == UINT32_MAX) {
        nv_err_set(e, NV_ERR_PROTOCOL, "serial numbers exhausted on this connection");
        return fatal(c, e);
    }
    char buf[64];
    const char *label = nv_rpc_proc_label(prog, proc, buf, sizeof buf);
    /* the bound runs from the moment the call is sent */
    long long deadline = c->timeout_ms >= 0 ? nv_time_now_ms() + c->timeout_ms : -1;
    /* queued behind what waits to go (a pong, the calls before it in a burst) */
    size_t start = c->out.len;
    uint32_t s = c->next_serial;
    if (nv_rpc_msg_append_call(&c->out, prog, vers, proc, s, enc, args, e) < 0)
        return -1; /* nothing was queued: the connection is still fine */
    call cl = { .serial = s, .prog = prog, .vers = vers, .proc = proc, .used = 1,
                .deadline = deadline };
    if (add_call(c, &cl) < 0) {
        nv_buf_truncate(&c->out, start);
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    }
    c->next_serial++;
    /* a burst goes out in writes of NV_RPC_SEND_BATCH, the rest with the next wait */
    if (c->out.len - c->out_off >= NV_RPC_SEND_BATCH &&
        run_until(c, UNTIL_SENT, 0, deadline, "sending", label, e) < 0)
        return -1;
    if (serial)
        *serial = s;
    return 0;
}

/* Waits until cl (or, for wait_any, any call) has its reply. */
static call *wait_reply(nv_rpc_conn *c, uint32_t serial, const call *cl, nv_err *e)
{
    char buf[64];
    if (run_until(c, serial ? UNTIL_REPLY : UNTIL_ANY, serial, cl->deadline, "waiting for",
                  nv_rpc_proc_label(cl->prog, cl->proc, buf, sizeof buf), e) < 0)
        return NULL;
    flush_now(c);
    call *got = ready_call(c, serial);
    if (!serial)
        c->ahead++;
    return got;
}

int nv_rpc_wait(nv_rpc_conn *c, uint32_t serial, nv_rpc_reply *out, nv_err *e)
{
    memset(out, 0, sizeof *out);
    if (check_usable(c, e) < 0)
        return -1;
    call *cl = find_call(c, serial);
    if (!cl)
        return nv_err_set(e, NV_ERR_INPUT, "no call with serial %u is waiting for a reply", serial);
    cl = wait_reply(c, serial, cl, e);
    if (!cl)
        return -1;
    take_reply(c, cl, out);
    return 0;
}

int nv_rpc_wait_any(nv_rpc_conn *c, nv_rpc_reply *out, nv_err *e)
{
    memset(out, 0, sizeof *out);
    if (check_usable(c, e) < 0)
        return -1;
    if (c->live == 0)
        return nv_err_set(e, NV_ERR_INPUT, "no call is waiting for a reply");
    /* the oldest call in flight has the earliest deadline */
    call *cl = wait_reply(c, 0, &c->calls[c->head], e);
    if (!cl)
        return -1;
    take_reply(c, cl, out);
    return 0;
}

int nv_rpc_reply_decode(const nv_rpc_reply *r, int (*dec)(nv_xdr_dec *, void *),
                        void (*free_fn)(void *), void *ret, nv_err *e)
{
    if (r->hdr.status == VIR_NET_OK)
        return nv_rpc_body_decode(r->body, r->body_len, dec, free_fn, ret, e);
    if (r->hdr.status == VIR_NET_ERROR) {
        nv_rpc_error er;
        if (nv_rpc_error_decode(r->body, r->body_len, &er, e) < 0)
            return -1;
        nv_rpc_error_to_err(&er, e);
        nv_rpc_error_free(&er);
        return -1;
    }
    return nv_err_set(e, NV_ERR_PROTOCOL, "reply with unexpected status %d", (int)r->hdr.status);
}
