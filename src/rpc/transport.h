/* Transports: turn a parsed URI into a connected byte stream to a libvirt
 * daemon — a unix socket (with libvirt's socket choice and session-daemon
 * autostart), or an ssh / ext child process speaking over two pipes.
 *
 * The stream is handed on as a read fd and a write fd (the same fd for a
 * socket). Both are blocking and close-on-exec. nv_rpc_transport_close()
 * closes them and reaps the child.
 *
 * SIGPIPE: every function here that opens a stream sets SIGPIPE to SIG_IGN
 * for the whole process (once), so a daemon or ssh that goes away makes
 * write() fail with EPIPE instead of killing us. Children get the default
 * SIGPIPE back before exec.
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

/* ---- socket choice (pure) ----------------------------------------------- */

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

#define NV_ARGV_MAX 24
typedef struct nv_argv {
    int argc;
    char *argv[NV_ARGV_MAX + 1]; /* malloc'd strings, NULL-terminated */
} nv_argv;
void nv_rpc_argv_free(nv_argv *a);

/* The proxy libvirt uses on the remote host: proxy= if given; else netcat
 * when socket= is given, native for a session URI, auto otherwise. auto
 * becomes netcat when netcat= is given. */
enum nv_uri_proxy nv_rpc_ssh_proxy(const nv_uri *u, int session);

/* The shell command ssh runs remotely (one string, for a POSIX sh):
 *  native: sh -c 'virt-ssh-helper [-r] NAME'
 *  netcat: sh -c '... NC [-q0] -U SOCK' (-q0 when this nc needs it to exit
 *          at end of input)
 *  auto:   virt-ssh-helper when installed there, else the netcat form.
 * netcat defaults to "nc". native with netcat= is an error, as in libvirt.
 * sock may be NULL for native. */
int nv_rpc_ssh_remote_command(enum nv_uri_proxy proxy, const char *netcat, const char *sock,
                              const char *name, int readonly, nv_buf *out, nv_err *e);

/* The ssh argument vector libvirt's client uses:
 *   ssh [-p PORT] [-l USER] [-i KEYFILE] -T -e none [-o BatchMode=yes]
 *       [-o StrictHostKeyChecking=no] -- HOST REMOTE-COMMAND
 * (command= replaces "ssh"; BatchMode for no_tty=1, StrictHostKeyChecking=no
 * for no_verify=1; HOST defaults to localhost). remote_sock is the socket on
 * the remote host (needed unless the proxy is native), name the connect-open
 * name. */
int nv_rpc_ssh_argv(const nv_uri *u, int session, const char *remote_sock, const char *name,
                    int readonly, nv_argv *out, nv_err *e);

#endif
