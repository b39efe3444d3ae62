/* Keepalive and --timeout: the timing state machine, and the call layer
 * against the scripted daemon (a slow daemon that answers pings, one that
 * stops answering, one that trickles bytes or floods events). */
#include "check.h"
#include "sdaemon.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rpc/call.h"
#include "rpc/remote_calls.gen.h"
#include "rpc/keepalive.h"

static long long ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

TEST(keepalive_timing)
{
    nv_rpc_keepalive k;
    nv_rpc_keepalive_init(&k);
    CHECK_INT(nv_rpc_keepalive_check(&k, 1000000), NV_KEEPALIVE_WAIT); /* off */
    CHECK_INT(nv_rpc_keepalive_deadline(&k), -1);
    nv_rpc_keepalive_start(&k, 100, 3, 0);
    CHECK_INT(nv_rpc_keepalive_grace_ms(&k), 400);
    CHECK_INT(nv_rpc_keepalive_check(&k, 99), NV_KEEPALIVE_WAIT);
    CHECK_INT(nv_rpc_keepalive_check(&k, 100), NV_KEEPALIVE_SEND_PING);
    CHECK_INT(nv_rpc_keepalive_check(&k, 150), NV_KEEPALIVE_WAIT);
    CHECK_INT(nv_rpc_keepalive_deadline(&k), 200);
    /* any message restarts the count */
    nv_rpc_keepalive_received(&k, 150);
    CHECK_INT(nv_rpc_keepalive_check(&k, 249), NV_KEEPALIVE_WAIT);
    CHECK_INT(nv_rpc_keepalive_check(&k, 250), NV_KEEPALIVE_SEND_PING);
    CHECK_INT(nv_rpc_keepalive_check(&k, 350), NV_KEEPALIVE_SEND_PING);
    CHECK_INT(nv_rpc_keepalive_check(&k, 450), NV_KEEPALIVE_SEND_PING);
    CHECK_INT(nv_rpc_keepalive_check(&k, 549), NV_KEEPALIVE_WAIT);
    /* three pings unanswered, one more interval: dead, 400 ms after the last message */
    CHECK_INT(nv_rpc_keepalive_check(&k, 550), NV_KEEPALIVE_DEAD);
}

TEST(keepalive_packets)
{
    nv_buf b;
    nv_buf_init(&b, 0);
    CHECK_INT(nv_rpc_keepalive_packet(&b, NV_KEEPALIVE_PONG), 0);
    static const uint8_t want[] = {0, 0, 0, 28, 0x6b, 0x65, 0x65, 0x70, 0, 0, 0, 1, 0, 0, 0, 2,
                                   0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK_INT(b.len, sizeof want);
    CHECK_MEM(b.data, want, sizeof want);
    nv_buf_free(&b);
}

static int enc_lookup(nv_buf *b, const void *v)
{
    return nv_proto_enc_remote_domain_lookup_by_name_ret(b, v);
}

static const remote_domain_lookup_by_name_ret vm1 = {.dom = {.name = "vm1", .id = 7}};

/* One lookup against a scripted step; returns the call's result. */
static int one_lookup(const sd_step *step, int ka_ms, int timeout_ms, int ping_first, nv_err *e,
                      long long *took, size_t *pings, size_t *pongs)
{
    int fd;
    sdaemon *d = sd_pair(step, 1, ping_first ? SD_PING_FIRST : 0, &fd);
    nv_rpc_conn *c = nv_rpc_conn_new(fd, fd, e);
    if (ka_ms)
        nv_rpc_conn_keepalive(c, ka_ms, 3);
    nv_rpc_conn_set_timeout(c, timeout_ms);
    remote_domain_lookup_by_name_args a = {.name = "vm1"};
    remote_domain_lookup_by_name_ret r;
    long long t0 = ms_now();
    int rc = nv_remote_domain_lookup_by_name(c, &a, &r, e);
    *took = ms_now() - t0;
    if (rc == 0) {
        CHECK_STR(r.dom.name, "vm1");
        nv_proto_free_remote_domain_lookup_by_name_ret(&r);
    }
    nv_rpc_conn_keepalive_counts(c, NULL, pongs);
    nv_rpc_conn_free(c);
    close(fd);
    CHECK_INT(sd_stop(d), 0);
    *pings = sd_pings_received(d);
    if (pongs)
        *pongs = sd_pongs_received(d);
    sd_free(d);
    return rc;
}

TEST(keepalive_slow_call_completes)
{
    /* 700 ms of silence is far beyond the 400 ms of keepalive grace, but the
     * daemon answers every ping, so it is alive and the call completes */
    sd_step s = {.proc = REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, .act = SD_OK, .enc = enc_lookup, .ret = &vm1,
                 .ms = 700};
    nv_err e;
    long long took;
    size_t pings, pongs;
    CHECK_INT(one_lookup(&s, 100, -1, 0, &e, &took, &pings, &pongs), 0);
    CHECK(took >= 650);
    CHECK(pings >= 5);
}

TEST(keepalive_daemon_ping_answered)
{
    sd_step s = {.proc = REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, .act = SD_OK, .enc = enc_lookup, .ret = &vm1,
                 .ms = 100};
    nv_err e;
    long long took;
    size_t pings, pongs;
    /* keepalive not even started: the daemon's ping is still answered */
    CHECK_INT(one_lookup(&s, 0, -1, 1, &e, &took, &pings, &pongs), 0);
    CHECK_INT(pongs, 1);
}

TEST(keepalive_dead_daemon)
{
    sd_step s = {.proc = REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, .act = SD_SILENT, .no_pong = 1};
    nv_err e;
    long long took;
    size_t pings;
    CHECK_INT(one_lookup(&s, 100, -1, 0, &e, &took, &pings, NULL), -1);
    CHECK_INT(e.kind, NV_ERR_CONNECT);
    CHECK_STR(e.msg, "the daemon sent nothing for 400 ms and did not answer 3 keepalive pings "
                     "(waiting for DOMAIN_LOOKUP_BY_NAME): connection closed");
    CHECK(took >= 390 && took < 1500);
    CHECK_INT(pings, 3);
}

TEST(timeout_trickle)
{
    /* one byte every 20 ms: with a timer restarted by each byte the call
     * would last 20 minutes; --timeout counts from the send */
    sd_step s = {.proc = REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, .act = SD_TRICKLE, .ms = 20, .no_pong = 1};
    nv_err e;
    long long took;
    size_t pings;
    CHECK_INT(one_lookup(&s, 5000, 300, 0, &e, &took, &pings, NULL), -1);
    CHECK_STR(e.msg, "timed out after 300 ms waiting for DOMAIN_LOOKUP_BY_NAME");
    CHECK(took >= 290 && took < 1500);
}

TEST(keepalive_trickle)
{
    /* without --timeout, a trickle is silence to keepalive: only whole messages count */
    sd_step s = {.proc = REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, .act = SD_TRICKLE, .ms = 20, .no_pong = 1};
    nv_err e;
    long long took;
    size_t pings;
    CHECK_INT(one_lookup(&s, 100, -1, 0, &e, &took, &pings, NULL), -1);
    CHECK(strstr(e.msg, "did not answer 3 keepalive pings") != NULL);
    CHECK(took < 1500);
}

TEST(timeout_event_flood)
{
    /* an event every 10 ms keeps keepalive content, never the timeout; the
     * 500 ms interval leaves room for a loaded machine under valgrind */
    sd_step s = {.proc = REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, .act = SD_FLOOD, .ms = 10};
    nv_err e;
    long long took;
    size_t pings;
    CHECK_INT(one_lookup(&s, 500, 1500, 0, &e, &took, &pings, NULL), -1);
    CHECK_STR(e.msg, "timed out after 1500 ms waiting for DOMAIN_LOOKUP_BY_NAME");
    CHECK(took >= 1490 && took < 6000);
    CHECK_INT(pings, 0); /* never silent long enough to ping */
}
