/* libvirt's keepalive protocol (program 0x6b656570, version 1): messages of
 * type VIR_NET_MESSAGE with an empty body, PING (1) and PONG (2). Either side
 * may ping; a PING is answered with a PONG.
 *
 * This is the timing alone, as libvirt's client does it: every complete
 * message from the daemon (a PONG, a reply, an event) proves it alive and
 * restarts the interval. After an interval without one, a PING is due; after
 * `count` PINGs without any message, the daemon is dead: interval *
 * (count + 1) of silence (30 s with libvirt's defaults). Partial messages do
 * not count. Times are milliseconds on any monotonic clock; the caller
 * sends the pings and answers the daemon's. */
#ifndef NV_RPC_KEEPALIVE_H
#define NV_RPC_KEEPALIVE_H

#include <stdint.h>

#include "util/buf.h"

#define NV_KEEPALIVE_PROGRAM 0x6b656570u
#define NV_KEEPALIVE_VERSION 1u
#define NV_KEEPALIVE_PING 1
#define NV_KEEPALIVE_PONG 2
/* libvirt's defaults (virsh, libvirtd.conf) */
#define NV_KEEPALIVE_INTERVAL_MS 5000
#define NV_KEEPALIVE_COUNT 5
/* VIR_DRV_FEATURE_PROGRAM_KEEPALIVE: CONNECT_SUPPORTS_FEATURE with it makes
 * the daemon start pinging us, and says whether it answers pings. */
#define NV_KEEPALIVE_FEATURE 10

typedef struct nv_rpc_keepalive {
    int interval_ms;    /* 0: off */
    unsigned count;     /* pings without an answer before the daemon is dead */
    unsigned unanswered;
    long long next;     /* when the next ping (or the verdict) is due */
} nv_rpc_keepalive;

enum nv_keepalive_due { NV_KEEPALIVE_WAIT, NV_KEEPALIVE_SEND_PING, NV_KEEPALIVE_DEAD };

/* Off until started. */
void nv_rpc_keepalive_init(nv_rpc_keepalive *k);
void nv_rpc_keepalive_start(nv_rpc_keepalive *k, int interval_ms, unsigned count, long long now);
int nv_rpc_keepalive_on(const nv_rpc_keepalive *k);
/* A complete message arrived from the daemon. */
void nv_rpc_keepalive_received(nv_rpc_keepalive *k, long long now);
/* What is due at now; SEND_PING also schedules the next check. */
enum nv_keepalive_due nv_rpc_keepalive_check(nv_rpc_keepalive *k, long long now);
/* When nv_rpc_keepalive_check must run next; -1 when off. */
long long nv_rpc_keepalive_deadline(const nv_rpc_keepalive *k);
/* Silence that makes the daemon dead: interval * (count + 1). */
long long nv_rpc_keepalive_grace_ms(const nv_rpc_keepalive *k);

/* Appends a whole PING or PONG packet to out. 0 or -1 (out of memory). */
int nv_rpc_keepalive_packet(nv_buf *out, int proc);
/* 1 when the header is a keepalive message (any procedure). */
int nv_rpc_keepalive_is(uint32_t prog, uint32_t vers, int32_t type);

#endif
