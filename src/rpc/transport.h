/* Transports: turn a parsed URI into a connected byte stream to a libvirt
 * daemon — a unix socket (with libvirt's socket choice and session-daemon
 * autostart), or an ssh / ext child process speaking over two pipes.
 *
 * The stream is handed on as a read fd and a write fd (the same fd for a
 * socket). Both are blocking and close-on-exec. nv_rpc_transport_close()
 * closes them and reaps the child.
 *
 * SIGPIPE: the program ignores it (main does, once), so a daemon or ssh that
 * goes away makes write() fail with EPIPE instead of killing us. Children
 * get the default SIGPIPE back before exec (util/spawn.c).
 *
 * A child's stderr goes to a pipe that is drained whenever the connection
 * waits (nv_rpc_transport_drain, run by the call layer's poll loop), keeping
 * its last NV_TRANSPORT_ERR_TAIL bytes for messages
 * (nv_rpc_transport_stderr): ssh's warnings and the remote virt-ssh-helper's
 * complaint when the daemon closes the connection do not reach the terminal
 * on success, and a child that writes more than a pipe holds (ssh -vvv, a
 * long banner) cannot block. ssh asks for passwords and host-key
 * confirmation on /dev/tty, which stays the terminal. */
#ifndef NV_RPC_TRANSPORT_H
#define NV_RPC_TRANSPORT_H

#include <stddef.h>
#include <sys/types.h>

#include "rpc/uri.h"
#include "util/buf.h"
#include "util/error.h"

/* ---- the stream --------------------------------------------------------- */

#define NV_TRANSPORT_ERR_TAIL 4096

typedef struct nv_transport {
    int rfd;         /* read the daemon's bytes here */
    int wfd;         /* write ours here; == rfd for a socket */
    pid_t pid;       /* ssh/ext child, 0 for a socket or once reaped */
    int errfd;       /* non-blocking read end of the child's stderr, or -1 */
    int status;      /* waitpid status once reaped, else -1 */
    char desc[300];  /* for messages: "/run/libvirt/libvirt-sock", "ssh host", ... */
    char errtail[NV_TRANSPORT_ERR_TAIL]; /* the last bytes of its stderr */
    size_t errlen;
} nv_transport;

/* Reads what the child has written to stderr (never blocks), keeping the
 * tail. 0, or -1 once the pipe is at its end (stop polling it). */
int nv_rpc_transport_drain(nv_transport *t);

void nv_rpc_transport_init(nv_transport *t);

/* Closes the fds and, for a child, waits for it to exit: up to 2 s after
 * closing its stdin, then SIGTERM and 1 s, then SIGKILL. Safe to call twice
 * and on an initialised, unopened transport. */
void nv_rpc_transport_close(nv_transport *t);

/* After the stream failed: if the child has exited, writes e.g. "ssh exited
 * with status 255" into buf and returns 1 (reaping it); returns 0 when there is
 * no child or it is still running. Never blocks. */
int nv_rpc_transport_child_status(nv_transport *t, char *buf, size_t n);

typedef struct nv_transport_opts {
    int readonly; /* read-only socket (*-sock-ro), virt-ssh-helper -r */
    int wait_ms;  /* unix: retry a missing / refusing socket this long (--wait) */
    int socket_only; /* a local socket that takes the connection now, or an error: no
                      * ssh/ext child, no session daemon started, no waiting */
} nv_transport_opts;

/* Opens the stream for u: unix (socket choice, autostart of a session
 * daemon), ssh, ext. tls, tcp, libssh and libssh2 fail with
 * "transport 'tls' is not supported yet". Errors are NV_ERR_CONNECT (or
 * NV_ERR_INPUT for a URI that cannot work). */
int nv_rpc_transport_open(const nv_uri *u, const nv_transport_opts *o, nv_transport *t,
                          nv_err *e);

/* What the child has written to stderr since the last call (never blocks):
 * of its last NV_TRANSPORT_ERR_TAIL bytes, the last n - 1 at most, lines
 * joined with "; ", surrounding blanks dropped. Returns the length; 0
 * (buf "") when there is nothing or no child pipe. */
size_t nv_rpc_transport_stderr(nv_transport *t, char *buf, size_t n);

/* ---- unix sockets ------------------------------------------------------- */

/* Connects to path. wait_ms > 0 retries while the socket is missing or
 * refuses (daemon still starting) until the deadline (--wait). Errors name the
 * path and say what to do; hint names the daemon ("libvirtd/virtqemud"). A
 * leading '@' means an abstract socket, as in libvirt. */
int nv_rpc_transport_unix(const char *path, const char *hint, int wait_ms, nv_transport *t,
                          nv_err *e);

/* Session autostart, as libvirt does it: under the lock
 * <lock_dir>/<daemon>.lock, connect to sock; if it is missing or refuses,
 * start `daemon_path --timeout=120` detached (own session, stdio on
 * /dev/null, reparented to init) once and keep trying until max(wait_ms, 10 s)
 * have passed. lock_dir is created (0700) if needed. */
int nv_rpc_transport_autostart(const char *daemon_path, const char *lock_dir,
                               const char *sock, const char *hint, int wait_ms,
                               nv_transport *t, nv_err *e);

/* ---- child processes ---------------------------------------------------- */

/* Runs argv (argv[0] searched in $PATH when it has no '/') with its stdin and
 * stdout on two pipes: t->wfd writes to its stdin, t->rfd reads its stdout.
 * Fails with the exec error if the program cannot be run. */
int nv_rpc_transport_spawn(char *const argv[], nv_transport *t, nv_err *e);

#endif
