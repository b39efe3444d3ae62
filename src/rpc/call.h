/* Calls over a libvirt RPC connection: serial numbers, matching replies to
 * calls, several calls in flight at once.
 *
 * The connection works over a read fd and a write fd (the same fd for a
 * socket, two pipes for an ssh child); it does not own them. One poll loop
 * reads, writes and keeps time: while a call is being written, replies that
 * arrive are read and kept, so a peer that answers before it has read
 * everything cannot deadlock us.
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

/* ---- any program, encoded by the caller ------------------------------- */

/* A reply: the whole packet and where its body is. */
typedef struct nv_rpc_reply {
    virNetMessageHeader hdr;
    uint8_t *pkt;          /* malloc'd packet; owned */
    size_t len;
    const uint8_t *body;   /* into pkt */
    size_t body_len;
} nv_rpc_reply;

void nv_rpc_reply_free(nv_rpc_reply *r);

/* Encodes a CALL (body from enc(buf, args); enc NULL for an empty body),
 * writes it, and records it as in flight. *serial gets its serial. */
int nv_rpc_send(nv_rpc_conn *c, uint32_t prog, uint32_t vers, int32_t proc,
                int (*enc)(nv_buf *, const void *), const void *args, uint32_t *serial,
                nv_err *e);

/* Waits for the reply to serial (which must be in flight); replies to other
 * calls that arrive meanwhile are kept for later. */
int nv_rpc_wait(nv_rpc_conn *c, uint32_t serial, nv_rpc_reply *out, nv_err *e);

/* Waits for the reply to any call in flight and returns the one that
 * arrived first (out->hdr.serial says which). Fails when nothing is in
 * flight. */
int nv_rpc_wait_any(nv_rpc_conn *c, nv_rpc_reply *out, nv_err *e);

/* Status VIR_NET_OK: decodes the body with dec (NULL: must be empty) into
 * ret, checking that every byte is used. VIR_NET_ERROR: decodes the
 * remote_error into e (NV_ERR_LIBVIRT). On failure ret needs no freeing. */
int nv_rpc_reply_decode(const nv_rpc_reply *r, int (*dec)(nv_xdr_dec *, void *),
                        void (*free_fn)(void *), void *ret, nv_err *e);

/* ---- the remote program, typed by proto/remote.x ------------------------ */

/* Sends REMOTE_PROC_* proc with its args struct (NULL when the procedure
 * has none). */
int nv_rpc_call_start(nv_rpc_conn *c, int32_t proc, const void *args, uint32_t *serial,
                      nv_err *e);

/* Decodes a reply of the remote program into its ret struct (the type named
 * after r->hdr.proc, e.g. remote_domain_lookup_by_name_ret); ret may be NULL
 * to discard it, and is ignored for procedures without a result. On success
 * the caller frees ret with the matching nv_proto_free_*; on failure ret is
 * zeroed. */
int nv_rpc_reply_ret(const nv_rpc_reply *r, void *ret, nv_err *e);

/* nv_rpc_wait + nv_rpc_reply_ret. */
int nv_rpc_call_finish(nv_rpc_conn *c, uint32_t serial, void *ret, nv_err *e);

/* One blocking call: start + finish. Example:
 *     remote_domain_lookup_by_name_args a = { .name = "vm1" };
 *     remote_domain_lookup_by_name_ret r;
 *     if (nv_rpc_call(c, REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, &a, &r, e) < 0)
 *         return -1;   // e->code == 42 (VIR_ERR_NO_DOMAIN) if there is none
 *     ... r.dom ...
 *     nv_proto_free_remote_domain_lookup_by_name_ret(&r); */
int nv_rpc_call(nv_rpc_conn *c, int32_t proc, const void *args, void *ret, nv_err *e);

#endif
