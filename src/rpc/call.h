/* Calls over a libvirt RPC connection: serial numbers, matching replies to
 * calls, several calls in flight at once.
 *
 * The connection works over a read fd and a write fd (the same fd for a
 * socket, two pipes for an ssh child); it does not own them. One poll loop
 * reads, writes and keeps time: while a call is being written, replies that
 * arrive are read and kept, so a peer that answers before it has read
 * everything cannot deadlock us.
 *
 * Sending queues a call; queued calls go out together when a reply is
 * waited for, or once NV_RPC_SEND_BATCH bytes wait: a burst of calls costs
 * a few writes, not one each. So a caller that sends must wait for a reply
 * before it blocks on anything else (a sleep), or the daemon sees nothing.
 *
 * Whether the daemon is alive is decided by libvirt's keepalive protocol
 * (rpc/keepalive.h) once nv_rpc_conn_keepalive has started it: the daemon's
 * PINGs are always answered with PONGs, and after an interval without any
 * message we send our own PINGs; too many unanswered ones break the
 * connection. A long call of a live daemon (a domain whose start hook takes
 * minutes) therefore completes. Separately, an optional timeout
 * (nv_rpc_conn_set_timeout, --timeout) bounds each call from the moment it is
 * sent until its reply, however many bytes or events trickle in meanwhile.
 *
 * Messages that are not replies (events, keepalive, stream data) are
 * counted and dropped (a PING after its PONG is queued). A reply to a serial that is not in flight, a reply
 * whose program / version / procedure differs from its call's, or any
 * framing error is a protocol error.
 *
 * Errors: a daemon error reply gives NV_ERR_LIBVIRT with the libvirt error
 * code in e->code and the daemon's message in e->msg (see
 * nv_rpc_error_format), and the connection stays usable. Everything else
 * (the daemon closed the connection, a timeout, a protocol error, a write
 * error) breaks the connection: every later function fails with the same
 * error. SIGPIPE: a socket is written with MSG_NOSIGNAL; a pipe needs the
 * program to ignore SIGPIPE (main does, once, before anything else). */
#ifndef NV_RPC_CALL_H
#define NV_RPC_CALL_H

#include <stddef.h>
#include <stdint.h>

#include "rpc/message.h"
#include "rpc/proto.gen.h"
#include "util/error.h"

/* Most calls in flight at once, and most bytes of replies that have
 * arrived but not been collected. Beyond either, send / read fails. */
#define NV_RPC_INFLIGHT_MAX 65536
#define NV_RPC_PENDING_BYTES_MAX ((size_t)256 * 1024 * 1024)
/* Queued calls are written once this many bytes wait (else with the next wait). */
#define NV_RPC_SEND_BATCH ((size_t)64 * 1024)

typedef struct nv_rpc_conn nv_rpc_conn;

/* A connection over rfd / wfd (not closed by nv_rpc_conn_free), without a
 * timeout and without keepalive. NULL on out of memory. */
nv_rpc_conn *nv_rpc_conn_new(int rfd, int wfd, nv_err *e);
/* Frees the connection and any replies not collected. NULL is ignored. */
void nv_rpc_conn_free(nv_rpc_conn *c);
/* Bound on each call sent from now on, in milliseconds from the moment it is
 * sent until its reply has arrived; negative: none. A call that exceeds it
 * fails with "timed out after 600 s waiting for DOMAIN_CREATE" (or "sending
 * ...") and breaks the connection (its reply could still come). */
void nv_rpc_conn_set_timeout(nv_rpc_conn *c, int timeout_ms);
int nv_rpc_conn_timeout(const nv_rpc_conn *c);
/* Starts keepalive: a PING after interval_ms without a message from the
 * daemon, dead after count unanswered ones (libvirt: 5000, 5). Only for a
 * daemon that said it speaks the protocol (CONNECT_SUPPORTS_FEATURE). */
void nv_rpc_conn_keepalive(nv_rpc_conn *c, int interval_ms, unsigned count);
/* While the connection waits, fd is watched too and fn(ctx) runs when it is
 * readable (a transport child's stderr, which must never fill up); fn
 * returns -1 once fd is at its end. fd -1 stops watching. */
void nv_rpc_conn_watch(nv_rpc_conn *c, int fd, int (*fn)(void *ctx), void *ctx);
/* Keepalive PINGs and PONGs queued so far; for tests. */
void nv_rpc_conn_keepalive_counts(const nv_rpc_conn *c, size_t *pings, size_t *pongs);
/* 1 once a connection error has made the connection unusable. */
int nv_rpc_conn_broken(const nv_rpc_conn *c);
/* Marks the connection unusable: every later call fails with *why. */
void nv_rpc_conn_fail(nv_rpc_conn *c, const nv_err *why);
/* Messages dropped so far (events, keepalive, streams); for tests. */
size_t nv_rpc_conn_ignored(const nv_rpc_conn *c);
/* Calls sent whose reply has not been collected. */
size_t nv_rpc_conn_inflight(const nv_rpc_conn *c);
/* The most calls that were ever in flight at once (tests of windows). */
size_t nv_rpc_conn_inflight_peak(const nv_rpc_conn *c);

/* ---- replies ---------------------------------------------------------------- */

/* A reply: the whole packet and where its body is. */
typedef struct nv_rpc_reply {
    virNetMessageHeader hdr;
    uint8_t *pkt;          /* malloc'd packet; owned */
    size_t len;
    const uint8_t *body;   /* into pkt */
    size_t body_len;
} nv_rpc_reply;

void nv_rpc_reply_free(nv_rpc_reply *r);

/* Waits for the reply to serial (which must be in flight); replies to other
 * calls that arrive meanwhile are kept for later. */
int nv_rpc_wait(nv_rpc_conn *c, uint32_t serial, nv_rpc_reply *out, nv_err *e);

/* Waits for the reply to any call in flight and returns the one that
 * arrived first (out->hdr.serial says which). Fails when nothing is in
 * flight. */
int nv_rpc_wait_any(nv_rpc_conn *c, nv_rpc_reply *out, nv_err *e);

/* Calls of the remote program are made, and replies collected with
 * nv_rpc_wait / nv_rpc_wait_any are decoded, with the typed functions that
 * proto/gen.py generates for each of its procedures: rpc/remote_calls.gen.h. */

#endif
