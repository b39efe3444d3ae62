/* The type-erased side of rpc/call.h, for src/rpc alone.
 *
 * Arguments and results travel as void pointers here, so a wrong struct
 * would be encoded from, or decoded into, silently. Everything outside
 * src/rpc calls the typed wrappers of rpc/remote_calls.gen.h instead, which
 * proto/gen.py generates over these functions for every procedure of
 * proto/remote.x (proto/test_gen.py checks that nothing else includes this
 * header). */
#ifndef NV_RPC_CALL_UNTYPED_H
#define NV_RPC_CALL_UNTYPED_H

#include "rpc/call.h"

/* ---- any program, encoded by the caller ------------------------------- */

/* Encodes a CALL (body from enc(buf, args); enc NULL for an empty body),
 * queues it (see rpc/call.h), and records it as in flight. *serial gets its
 * serial. */
int nv_rpc_send(nv_rpc_conn *c, uint32_t prog, uint32_t vers, int32_t proc,
                int (*enc)(nv_buf *, const void *), const void *args, uint32_t *serial,
                nv_err *e);

/* Status VIR_NET_OK: decodes the body with dec (NULL: must be empty) into
 * ret, checking that every byte is used. VIR_NET_ERROR: decodes the
 * remote_error into e (NV_ERR_LIBVIRT). On failure ret needs no freeing. */
int nv_rpc_reply_decode(const nv_rpc_reply *r, int (*dec)(nv_xdr_dec *, void *),
                        void (*free_fn)(void *), void *ret, nv_err *e);

/* The program and procedure of the call in flight with this serial: 1, or
 * 0 when there is none. */
int nv_rpc_call_proc(const nv_rpc_conn *c, uint32_t serial, uint32_t *prog, int32_t *proc);

/* "DOMAIN_CREATE" for REMOTE_PROC_DOMAIN_CREATE, as messages name calls;
 * buf (n bytes) holds the text for a procedure proto/remote.x lacks. */
const char *nv_rpc_proc_label(uint32_t prog, int32_t proc, char *buf, size_t n);

/* ---- the remote program, by procedure number (rpc/call_untyped.c) --------- */

/* Sends REMOTE_PROC_* proc with its args struct (NULL when the procedure
 * has none). */
int nv_rpc_call_start(nv_rpc_conn *c, int32_t proc, const void *args, uint32_t *serial,
                      nv_err *e);

/* Decodes r, a reply to procedure proc of the remote program, into proc's
 * ret struct (e.g. remote_domain_lookup_by_name_ret); ret may be NULL to
 * discard it, and is ignored for procedures without a result. A reply to
 * another procedure is refused (NV_ERR_INPUT). On success the caller frees
 * ret with the matching nv_proto_free_*; on failure ret is zeroed. */
int nv_rpc_reply_ret(const nv_rpc_reply *r, int32_t proc, void *ret, nv_err *e);

/* nv_rpc_wait + nv_rpc_reply_ret. A serial whose call is not of procedure
 * proc is refused (NV_ERR_INPUT) and stays in flight. */
int nv_rpc_call_finish(nv_rpc_conn *c, int32_t proc, uint32_t serial, void *ret, nv_err *e);

/* One blocking call: start + finish. */
int nv_rpc_call(nv_rpc_conn *c, int32_t proc, const void *args, void *ret, nv_err *e);

#endif
