/* The connection as the layers above virt see it: an opaque handle. The
 * engine hands it to virt's operations and asks only whether it still
 * works; opening, the transport and RPC stay below (rpc/connect.h, used by
 * the CLI that opens it and by virt's own files). */
#ifndef NV_VIRT_CONN_H
#define NV_VIRT_CONN_H

#include "util/error.h"

typedef struct nv_conn nv_conn;

/* 1 once an error (a timeout, the daemon closed it, keepalive) has made the
 * connection unusable: every later call fails the same way. */
int nv_conn_broken(const nv_conn *c);

/* A broken connection dropped and opened again to the same URI with the
 * same options. On failure c stays broken and e says why. */
int nv_conn_reopen(nv_conn *c, nv_err *e);

#endif
