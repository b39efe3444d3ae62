/* The scripted test daemon (see sdaemon.h): one thread, one poll loop. */
#include "sdaemon.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "rpc/keepalive.h"
#include "rpc/message.h"
#include "rpc/proto.gen.h"

#define QMAX 1024

struct sdaemon {
    const sd_step *steps;
    size_t n, next;
    int lfd;           /* listening socket, or -1 */
    int fd;            /* the connection being served, or -1 */
    int wake[2];       /* sd_stop writes here */
    char dir[64], path[128], uri[192];
    int keepalive, ping_first, no_pong;
    pthread_t th;

    nv_rpc_reader rd;
    /* calls received and not yet answered, in order */
    virNetMessageHeader q[QMAX];
    size_t qn;
    /* the step in progress for q[0] */
    int busy;
    const sd_step *cur;
    long long due;     /* SD_OK: when to reply; TRICKLE/FLOOD: next byte / event */
    nv_buf trickle;
    size_t trickle_off;

    size_t pings, pongs, conns;
    int problems;
    char problem[256];
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void problem(sdaemon *d, const char *fmt, int a, int b)
{
    d->problems++;
    snprintf(d->problem, sizeof d->problem, fmt, a, b);
}

static int put_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* A whole packet into b. */
static void packet(nv_buf *b, uint32_t prog, uint32_t vers, int32_t proc, int32_t type, uint32_t serial,
                   int32_t status, int (*enc)(nv_buf *, const void *), const void *v)
{
    virNetMessageHeader h = {prog, vers, proc, type, serial, status};
    nv_rpc_msg_begin(b, &h);
    if (enc)
        enc(b, v);
    nv_rpc_msg_finish(b, &(nv_err){0});
}

static void send_packet(sdaemon *d, uint32_t prog, uint32_t vers, int32_t proc, int32_t type, uint32_t serial,
                        int32_t status, int (*enc)(nv_buf *, const void *), const void *v)
{
    nv_buf b;
    nv_buf_init(&b, 0);
    packet(&b, prog, vers, proc, type, serial, status, enc, v);
    if (d->fd >= 0 && put_all(d->fd, b.data, b.len) < 0) {
        close(d->fd);
        d->fd = -1;
    }
    nv_buf_free(&b);
}

static int enc_error(nv_buf *b, const void *v)
{
    return nv_proto_enc_remote_error(b, v);
}

static int enc_auth(nv_buf *b, const void *v)
{
    return nv_proto_enc_remote_auth_list_ret(b, v);
}

static int enc_feature(nv_buf *b, const void *v)
{
    return nv_proto_enc_remote_connect_supports_feature_ret(b, v);
}

static void reply(sdaemon *d, const virNetMessageHeader *h, int (*enc)(nv_buf *, const void *), const void *v)
{
    send_packet(d, h->prog, h->vers, h->proc, VIR_NET_REPLY, h->serial, VIR_NET_OK, enc, v);
}

static void reply_error(sdaemon *d, const virNetMessageHeader *h, int code, const char *msg)
{
    char *m = (char *)msg;
    remote_error er = {.code = code, .domain = 10, .message = &m, .level = 2};
    send_packet(d, h->prog, h->vers, h->proc, VIR_NET_REPLY, h->serial, VIR_NET_ERROR, enc_error, &er);
}

/* The handshake is answered at once. 1 if h was one of its calls. */
static int handshake(sdaemon *d, const virNetMessageHeader *h)
{
    if (h->prog != REMOTE_PROGRAM)
        return 0;
    switch (h->proc) {
    case REMOTE_PROC_AUTH_LIST: {
        remote_auth_type none = REMOTE_AUTH_NONE;
        remote_auth_list_ret r = {.types = {1, &none}};
        reply(d, h, enc_auth, &r);
        return 1;
    }
    case REMOTE_PROC_CONNECT_SUPPORTS_FEATURE: {
        remote_connect_supports_feature_ret r = {.supported = d->keepalive};
        reply(d, h, enc_feature, &r);
        return 1;
    }
    case REMOTE_PROC_CONNECT_OPEN:
    case REMOTE_PROC_CONNECT_CLOSE:
        reply(d, h, NULL, NULL);
        return 1;
    default:
        return 0;
    }
}

/* Starts the next step for q[0]. */
static void begin_step(sdaemon *d)
{
    const virNetMessageHeader *h = &d->q[0];
    if (d->next >= d->n) {
        problem(d, "call %d after the end of the script (step %d)", (int)h->proc, (int)d->next);
        reply_error(d, h, 1, "the script has ended");
        memmove(d->q, d->q + 1, --d->qn * sizeof d->q[0]);
        return;
    }
    const sd_step *s = &d->steps[d->next++];
    if (s->no_pong)
        d->no_pong = 1;
    if (s->proc != h->proc) {
        problem(d, "call %d where the script expects %d", (int)h->proc, (int)s->proc);
        reply_error(d, h, 1, "not the call the script expects");
        memmove(d->q, d->q + 1, --d->qn * sizeof d->q[0]);
        return;
    }
    d->busy = 1;
    d->cur = s;
    d->due = now_ms() + s->ms;
    if (s->act == SD_TRICKLE) {
        /* a 64 KiB error message: long enough to outlast any test */
        static char big[65536];
        memset(big, 'x', sizeof big - 1);
        char *m = big;
        remote_error er = {.code = 1, .domain = 10, .message = &m, .level = 2};
        nv_buf_reset(&d->trickle);
        packet(&d->trickle, h->prog, h->vers, h->proc, VIR_NET_REPLY, h->serial, VIR_NET_ERROR, enc_error, &er);
        d->trickle_off = 0;
    }
}

static void end_step(sdaemon *d)
{
    d->busy = 0;
    memmove(d->q, d->q + 1, --d->qn * sizeof d->q[0]);
}

/* Whatever is due now; returns the poll timeout until the next thing. */
static int act(sdaemon *d)
{
    for (;;) {
        if (d->fd < 0)
            return -1;
        if (!d->busy) {
            if (d->qn == 0)
                return -1;
            begin_step(d);
            continue;
        }
        const sd_step *s = d->cur;
        long long now = now_ms();
        switch (s->act) {
        case SD_OK:
            if (now < d->due)
                return (int)(d->due - now);
            reply(d, &d->q[0], s->enc, s->ret);
            end_step(d);
            continue;
        case SD_ERROR:
            reply_error(d, &d->q[0], s->code, s->msg);
            end_step(d);
            continue;
        case SD_CLOSE:
            end_step(d);
            close(d->fd);
            d->fd = -1;
            d->qn = 0;
            return -1;
        case SD_SILENT:
            return -1;
        case SD_TRICKLE:
            if (now < d->due)
                return (int)(d->due - now);
            if (d->trickle_off < d->trickle.len &&
                put_all(d->fd, d->trickle.data + d->trickle_off++, 1) < 0) {
                close(d->fd);
                d->fd = -1;
                return -1;
            }
            d->due = now + s->ms;
            continue;
        case SD_FLOOD:
            if (now < d->due)
                return (int)(d->due - now);
            /* a lifecycle event: program remote, type message */
            send_packet(d, REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION, 207, VIR_NET_MESSAGE, 0, VIR_NET_OK,
                        NULL, NULL);
            d->due = now + s->ms;
            continue;
        }
    }
}

static void on_packet(sdaemon *d, uint8_t *pkt, size_t len)
{
    nv_rpc_msg m;
    if (nv_rpc_msg_decode(pkt, len, &m, &(nv_err){0}) < 0) {
        problem(d, "undecodable message of %d bytes%.0d", (int)len, 0);
        return;
    }
    const virNetMessageHeader *h = &m.hdr;
    if (nv_rpc_keepalive_is(h->prog, h->vers, h->type)) {
        if (h->proc == NV_KEEPALIVE_PING) {
            d->pings++;
            if (!d->no_pong)
                send_packet(d, NV_KEEPALIVE_PROGRAM, NV_KEEPALIVE_VERSION, NV_KEEPALIVE_PONG,
                            VIR_NET_MESSAGE, 0, VIR_NET_OK, NULL, NULL);
        } else if (h->proc == NV_KEEPALIVE_PONG) {
            d->pongs++;
        }
        return;
    }
    if (h->type != VIR_NET_CALL) {
        problem(d, "message of type %d (procedure %d)", (int)h->type, (int)h->proc);
        return;
    }
    if (handshake(d, h))
        return;
    if (d->qn == QMAX) {
        problem(d, "more than %d calls queued%.0d", QMAX, 0);
        return;
    }
    d->q[d->qn++] = *h;
}

static void new_connection(sdaemon *d, int fd)
{
    d->fd = fd;
    d->conns++;
    d->qn = 0;
    d->busy = 0;
    nv_rpc_reader_free(&d->rd);
    if (d->ping_first)
        send_packet(d, NV_KEEPALIVE_PROGRAM, NV_KEEPALIVE_VERSION, NV_KEEPALIVE_PING, VIR_NET_MESSAGE, 0,
                    VIR_NET_OK, NULL, NULL);
}

static void *run(void *arg)
{
    sdaemon *d = arg;
    for (;;) {
        int ms = act(d);
        struct pollfd p[2] = {{d->wake[0], POLLIN, 0}, {-1, POLLIN, 0}};
        p[1].fd = d->fd >= 0 ? d->fd : d->lfd;
        int k = poll(p, 2, ms);
        if (k < 0 && errno == EINTR)
            continue;
        if (p[0].revents)
            break;
        if (k <= 0 || !p[1].revents)
            continue;
        if (d->fd < 0) {
            int fd = accept(d->lfd, NULL, NULL);
            if (fd >= 0)
                new_connection(d, fd);
            continue;
        }
        uint8_t *pkt;
        size_t len;
        nv_err e;
        int r = nv_rpc_reader_read(&d->rd, d->fd, &pkt, &len, &e);
        /* one read may bring several calls */
        for (; r == 1 && d->fd >= 0; r = nv_rpc_reader_next(&d->rd, &pkt, &len, &e)) {
            on_packet(d, pkt, len);
            free(pkt);
        }
        if (r == 1)
            free(pkt);
        if (r < 0 && d->fd >= 0) {
            /* the client hung up: wait for the next one */
            close(d->fd);
            d->fd = -1;
            d->busy = 0;
            d->qn = 0;
            if (d->lfd < 0)
                break;
            continue;
        }
    }
    return NULL;
}

static sdaemon *alloc(const sd_step *steps, size_t n, int flags)
{
    sdaemon *d = calloc(1, sizeof *d);
    if (!d)
        abort();
    d->steps = steps;
    d->n = n;
    d->lfd = d->fd = -1;
    d->keepalive = !(flags & SD_NO_KEEPALIVE);
    d->ping_first = !!(flags & SD_PING_FIRST);
    nv_rpc_reader_init(&d->rd);
    nv_buf_init(&d->trickle, 0);
    if (pipe(d->wake) < 0)
        abort();
    return d;
}

sdaemon *sd_listen(const sd_step *steps, size_t n, int flags)
{
    sdaemon *d = alloc(steps, n, flags);
    snprintf(d->dir, sizeof d->dir, "/tmp/nv-sdaemon.XXXXXX");
    if (!mkdtemp(d->dir))
        abort();
    snprintf(d->path, sizeof d->path, "%s/sock", d->dir);
    snprintf(d->uri, sizeof d->uri, "qemu:///system?socket=%s", d->path);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", d->path);
    d->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (d->lfd < 0 || bind(d->lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(d->lfd, 8) < 0)
        abort();
    if (pthread_create(&d->th, NULL, run, d) != 0)
        abort();
    return d;
}

sdaemon *sd_pair(const sd_step *steps, size_t n, int flags, int *client_fd)
{
    sdaemon *d = alloc(steps, n, flags);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        abort();
    *client_fd = sv[0];
    new_connection(d, sv[1]);
    if (pthread_create(&d->th, NULL, run, d) != 0)
        abort();
    return d;
}

const char *sd_uri(const sdaemon *d)
{
    return d->uri;
}

int sd_stop(sdaemon *d)
{
    char x = 1;
    if (write(d->wake[1], &x, 1) != 1)
        abort();
    pthread_join(d->th, NULL);
    if (d->fd >= 0)
        close(d->fd);
    if (d->lfd >= 0) {
        close(d->lfd);
        unlink(d->path);
        rmdir(d->dir);
    }
    close(d->wake[0]);
    close(d->wake[1]);
    if (d->next < d->n)
        problem(d, "the script stopped at step %d of %d", (int)d->next, (int)d->n);
    if (d->problems)
        fprintf(stderr, "  sdaemon: %d problem(s), last: %s\n", d->problems, d->problem);
    return d->problems;
}

void sd_free(sdaemon *d)
{
    nv_rpc_reader_free(&d->rd);
    nv_buf_free(&d->trickle);
    free(d);
}

size_t sd_pings_received(const sdaemon *d)
{
    return d->pings;
}

size_t sd_pongs_received(const sdaemon *d)
{
    return d->pongs;
}

size_t sd_connections(const sdaemon *d)
{
    return d->conns;
}

const char *sd_problem(const sdaemon *d)
{
    return d->problem;
}
