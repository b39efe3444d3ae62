/* Socket choice (pure but for the injected probe): which daemon socket a
 * unix or ssh URI means, as libvirt's remote_sockets.c decides it. */
#ifndef NV_RPC_SOCKETS_H
#define NV_RPC_SOCKETS_H

#include <stddef.h>

#include "rpc/uri.h"
#include "util/error.h"

#define NV_SOCK_PATH_MAX 4096

/* What the filesystem looks like; injected so the choice can be tested. */
typedef struct nv_sock_probe {
    int (*exists)(void *ctx, const char *path);          /* 1 if path exists */
    int (*daemon_installed)(void *ctx, const char *name); /* 1 if e.g. "virtqemud" is found */
    void *ctx;
} nv_sock_probe;

/* The real probe: access(F_OK), and nv_rpc_find_daemon(). */
extern const nv_sock_probe nv_rpc_sock_probe_real;

typedef struct nv_sock_env {
    unsigned euid;
    const char *session_dir; /* from nv_rpc_session_dir(); NULL if it could not be found */
    int autostart;           /* LIBVIRT_AUTOSTART is not "0" */
} nv_sock_env;

typedef struct nv_sock_choice {
    char path[NV_SOCK_PATH_MAX];
    char daemon[32];  /* program serving it: "virtqemud", "libvirtd"; "" for socket= */
    char hint[64];    /* for "(is <hint> running?)" */
    enum nv_uri_mode mode; /* LEGACY or DIRECT as decided; AUTO for socket= */
    int session;      /* per-user daemon */
    int autostart;    /* start `daemon` if the socket is missing */
} nv_sock_choice;

/* Picks the daemon socket for a unix URI (or, for an ssh URI, the socket on
 * the remote host that nc connects to), following libvirt:
 *  - socket= wins;
 *  - system sockets are /run/libvirt/<name>-sock (-sock-ro when readonly;
 *    /var/run/libvirt for ssh, as libvirt does for remote hosts), session
 *    sockets <session_dir>/<name>-sock;
 *  - <name> is virt<driver>d (direct) or libvirt (legacy). Drivers without a
 *    modular daemon (test, remote, ...) always use libvirtd;
 *  - mode=auto over unix: direct if the modular socket exists, else legacy if
 *    libvirt-sock exists, else direct if the modular daemon is installed, else
 *    legacy (libvirt decides that last case at build time). Over ssh: legacy;
 *  - mode=direct over ssh is an error, as in libvirt;
 *  - autostart: session, unix, no host, env->autostart. */
int nv_rpc_sock_choose(const nv_uri *u, int readonly, const nv_sock_env *env,
                       const nv_sock_probe *probe, nv_sock_choice *out, nv_err *e);

/* The session daemon's directory, as libvirt/glib compute it:
 * $XDG_RUNTIME_DIR/libvirt, else $XDG_CACHE_HOME/libvirt, else
 * $HOME/.cache/libvirt (empty variables count as unset). Fails when none is
 * set (no passwd lookup in a static binary). */
int nv_rpc_session_dir(const char *xdg_runtime_dir, const char *xdg_cache_home,
                       const char *home, char *out, size_t n, nv_err *e);

/* Finds a daemon binary: in $VIRTD_PATH (a directory; else $LIBVIRTD_PATH),
 * then $PATH, then /usr/sbin, /usr/local/sbin, /sbin. 0 and the path in out,
 * or -1. */
int nv_rpc_find_daemon(const char *name, char *out, size_t n);

#endif
