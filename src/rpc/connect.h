/* An open libvirt connection: transport + RPC calls + the handshake that
 * libvirt's own client makes (auth list, polkit, connect open). */
#ifndef NV_RPC_CONNECT_H
#define NV_RPC_CONNECT_H

#include "rpc/call.h"
#include "rpc/transport.h"
#include "rpc/uri.h"
#include "util/error.h"

typedef struct nv_conn {
    nv_uri uri;
    nv_transport transport;
    nv_rpc_conn *rpc;
    char *open_name;  /* the name sent in CONNECT_OPEN, e.g. "qemu:///system" */
    int session;      /* the URI is a session (per-user) connection */
    int auth;         /* the scheme the handshake used: REMOTE_AUTH_NONE or _POLKIT */
    int keepalive;    /* the daemon speaks the keepalive protocol: it is running */
    unsigned wait_seconds, timeout_seconds;
    int readonly;     /* as opened: nv_connect_reopen opens the same way */
    int socket_only;  /* nv_connect_opts */
    void (*opened)(int fd, void *ctx);
    void *opened_ctx;
} nv_conn;

typedef struct nv_connect_opts {
    unsigned wait_seconds;    /* --wait: keep retrying the socket this long */
    unsigned timeout_seconds; /* --timeout: bound on each call; 0 none */
    int readonly;
    /* Only a local socket that takes the connection at once (no ssh/ext
     * child, no session daemon started, wait_seconds ignored): for a
     * connection opened speculatively, beside other work. */
    int socket_only;
    /* When set: called with the stream's descriptor as soon as it is open,
     * before the handshake (shutdown() on it ends a blocked handshake). */
    void (*opened)(int fd, void *ctx);
    void *opened_ctx;
} nv_connect_opts;

/* Resolves uri (NULL: LIBVIRT_DEFAULT_URI or the default), connects,
 * authenticates (none or polkit), asks whether the daemon speaks keepalive
 * (in the same round trip as the driver's open) and, if so, keeps it with
 * libvirt's defaults: a PING after 5 s of silence, dead after 5 unanswered.
 * Over a unix socket keepalive runs from the first call (every libvirt
 * daemon answers pings before authentication); over ssh/ext only once the
 * daemon said so (ssh may wait for a password first). */
nv_conn *nv_connect_open(const char *uri, const nv_connect_opts *o, nv_err *e);

/* After the connection broke (a timeout, the daemon closed it, keepalive):
 * drops it and opens a new one to the same URI with the same options. On
 * failure c stays broken and e says why. */
int nv_connect_reopen(nv_conn *c, nv_err *e);

/* For an error of a connection over an ssh/ext child (not a daemon error):
 * prefixes what the child says, e.g. "ssh to h exited with status 255 (ssh:
 * connect to host h port 22: Connection refused): the daemon closed the
 * connection". Waits up to 0.5 s for a child whose output ended to exit.
 * nv_connect_open does this itself; callers use it for errors of later calls. */
void nv_connect_explain(nv_conn *c, nv_err *e);

/* Sends CONNECT_CLOSE (best effort) and frees everything. NULL is ignored. */
void nv_connect_close(nv_conn *c);

/* Names the auth scheme numbers of REMOTE_PROC_AUTH_LIST. */
const char *nv_connect_auth_name(int type);

#endif
