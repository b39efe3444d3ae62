/* Transports: the byte stream to a daemon — a unix socket (with --wait and
 * session-daemon autostart) or an ssh / ext child process over pipes.
 * Socket choice is in sockets.c, the ssh command in ssh.c, fork/exec in
 * util/spawn.c. */
#include "rpc/transport.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rpc/sockets.h"
#include "rpc/ssh.h"
#include "util/file.h"
#include "util/spawn.h"
#include "util/time.h"

#define AUTOSTART_MIN_MS 10000    /* a freshly started daemon gets at least this long */
#define BACKLOG_RETRY_MS 5000     /* a full listen backlog is retried this long */
#define RETRY_SLEEP_MS 20

/* ---- small helpers ------------------------------------------------------ */

static int set_conn_err(nv_err *e, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int set_conn_err(nv_err *e, int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    nv_err_vset(e, NV_ERR_CONNECT, errnum, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- the stream --------------------------------------------------------- */

void nv_rpc_transport_init(nv_transport *t)
{
    t->rfd = -1;
    t->wfd = -1;
    t->pid = 0;
    t->errfd = -1;
    t->status = -1;
    t->desc[0] = '\0';
    t->errlen = 0;
}

/* Waits up to ms for the child; 1 once it is reaped (or is not ours). */
static int reap_within(nv_transport *t, long long ms)
{
    long long deadline = nv_time_now_ms() + ms;
    for (;;) {
        int st;
        pid_t r = waitpid(t->pid, &st, WNOHANG);
        if (r == t->pid) {
            t->status = st;
            t->pid = 0;
            return 1;
        }
        if (r < 0 && errno != EINTR) {
            t->pid = 0; /* ECHILD: someone else reaped it */
            return 1;
        }
        long long left = deadline - nv_time_now_ms();
        if (left <= 0)
            return 0;
        nv_time_sleep_ms(left < 10 ? left : 10);
    }
}

void nv_rpc_transport_close(nv_transport *t)
{
    /* Closing its stdin first lets ssh / nc see end of input and exit. */
    if (t->wfd >= 0 && t->wfd != t->rfd)
        close(t->wfd);
    if (t->rfd >= 0)
        close(t->rfd);
    t->rfd = t->wfd = -1;
    if (t->pid > 0 && !reap_within(t, 2000)) {
        kill(t->pid, SIGTERM);
        if (!reap_within(t, 1000)) {
            kill(t->pid, SIGKILL);
            int st;
            while (waitpid(t->pid, &st, 0) < 0 && errno == EINTR) {
            }
            t->status = st;
            t->pid = 0;
        }
    }
    /* Only now: a parting message on stderr must not kill the child with SIGPIPE. */
    if (t->errfd >= 0)
        close(t->errfd);
    t->errfd = -1;
}

int nv_rpc_transport_child_status(nv_transport *t, char *buf, size_t n)
{
    if (t->pid > 0) {
        int st;
        if (waitpid(t->pid, &st, WNOHANG) == t->pid) {
            t->status = st;
            t->pid = 0;
        }
    }
    if (t->pid != 0 || t->status == -1)
        return 0;
    if (WIFEXITED(t->status))
        snprintf(buf, n, "%s exited with status %d", t->desc, WEXITSTATUS(t->status));
    else if (WIFSIGNALED(t->status))
        snprintf(buf, n, "%s was killed by signal %d", t->desc, WTERMSIG(t->status));
    else
        snprintf(buf, n, "%s ended (status 0x%x)", t->desc, (unsigned)t->status);
    return 1;
}

int nv_rpc_transport_drain(nv_transport *t)
{
    if (t->errfd < 0)
        return -1;
    char chunk[4096];
    for (;;) {
        ssize_t r = read(t->errfd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (r <= 0)
            return -1;
        /* keep the tail: the last lines say what went wrong */
        size_t k = (size_t)r;
        const char *src = chunk;
        if (k >= sizeof t->errtail) {
            src += k - sizeof t->errtail;
            k = sizeof t->errtail;
            t->errlen = 0;
        } else if (t->errlen + k > sizeof t->errtail) {
            size_t drop = t->errlen + k - sizeof t->errtail;
            memmove(t->errtail, t->errtail + drop, t->errlen - drop);
            t->errlen -= drop;
        }
        memcpy(t->errtail + t->errlen, src, k);
        t->errlen += k;
    }
}

size_t nv_rpc_transport_stderr(nv_transport *t, char *buf, size_t n)
{
    if (n == 0)
        return 0;
    buf[0] = '\0';
    if (t->errfd < 0 && t->errlen == 0)
        return 0;
    nv_rpc_transport_drain(t);
    const char *raw = t->errtail;
    size_t len = t->errlen;
    t->errlen = 0; /* read once */
    /* one line: newlines become "; ", other control characters spaces */
    char line[2 * NV_TRANSPORT_ERR_TAIL + 1];
    size_t o = 0;
    int sep = 0; /* a line ended: "; " before the next text */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)raw[i];
        if (c == '\n' || c == '\r') {
            sep = o > 0;
            continue;
        }
        if (c < 0x20 || c == 0x7f)
            c = ' ';
        if (c == ' ' && (o == 0 || line[o - 1] == ' ' || sep))
            continue; /* no leading or doubled blanks */
        if (sep) {
            while (o > 0 && line[o - 1] == ' ')
                o--;
            line[o++] = ';';
            line[o++] = ' ';
            sep = 0;
        }
        line[o++] = (char)c;
    }
    while (o > 0 && line[o - 1] == ' ')
        o--;
    /* the last lines say what went wrong: keep the end, from a line start if one fits */
    size_t from = 0;
    if (o > n - 1) {
        from = o - (n - 1);
        for (size_t i = from; i + 1 < o; i++) {
            if (line[i] == ';' && line[i + 1] == ' ') {
                from = i + 2;
                break;
            }
        }
    }
    memcpy(buf, line + from, o - from);
    buf[o - from] = '\0';
    return o - from;
}

/* ---- unix sockets ------------------------------------------------------- */

/* One non-blocking connect attempt (a full backlog must not block us).
 * Returns 0 with a blocking fd in *out, or an errno value. */
static int unix_try(const char *path, int *out)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    size_t len = strlen(path);
    if (len >= sizeof sa.sun_path)
        return ENAMETOOLONG;
    memcpy(sa.sun_path, path, len);
    if (sa.sun_path[0] == '@')
        sa.sun_path[0] = '\0'; /* abstract, zero-padded to full length like libvirt */
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return errno;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int err = errno;
        if (err == EINPROGRESS) {
            struct pollfd p = {fd, POLLOUT, 0};
            int r = poll(&p, 1, 1000);
            socklen_t sl = sizeof err;
            if (r == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) == 0 && err == 0)
                goto connected;
            if (r == 0)
                err = EAGAIN;
        }
        close(fd);
        return err;
    }
connected:;
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
        int err = errno;
        close(fd);
        return err;
    }
    *out = fd;
    return 0;
}

/* The daemon may still be starting: the socket is not there yet, or is there
 * but nobody listens. */
static int starting_up(int err)
{
    return err == ENOENT || err == ECONNREFUSED;
}

static int transient(int err)
{
    return err == EAGAIN || err == EINTR;
}

static int unix_error(nv_err *e, const char *path, const char *hint, int err, long long waited)
{
    char after[64] = "";
    if (waited > 0)
        snprintf(after, sizeof after, " after waiting %lld.%lld s", waited / 1000,
                 (waited % 1000) / 100);
    if (!hint || !*hint)
        hint = "libvirtd/virtqemud";
    switch (err) {
    case ENOENT:
        return set_conn_err(e, err, "cannot connect to %s: no such file%s (is %s running?)",
                            path, after, hint);
    case ECONNREFUSED:
        return set_conn_err(e, err,
                            "cannot connect to %s: connection refused%s (the socket exists but "
                            "no daemon is listening; is %s running?)", path, after, hint);
    case EACCES:
    case EPERM: {
        struct stat st;
        unsigned uid = (unsigned)geteuid();
        if (stat(path, &st) == 0)
            return set_conn_err(e, err,
                                "cannot connect to %s: permission denied for uid %u (the socket "
                                "belongs to uid %u, gid %u, mode %03o; run as root, join its "
                                "group, or use a session URI such as qemu:///session)",
                                path, uid, (unsigned)st.st_uid, (unsigned)st.st_gid,
                                (unsigned)(st.st_mode & 0777));
        return set_conn_err(e, err,
                            "cannot connect to %s: permission denied for uid %u (a directory on "
                            "the path is not accessible; run as root or use a session URI such "
                            "as qemu:///session)", path, uid);
    }
    case EAGAIN:
        return set_conn_err(e, err,
                            "cannot connect to %s: the daemon is not accepting connections "
                            "(its backlog is full)%s", path, after);
    case ENAMETOOLONG:
        return set_conn_err(e, err,
                            "cannot connect to %s: the path is longer than %zu bytes, the limit "
                            "for a unix socket", path, sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
    default:
        return set_conn_err(e, err, "cannot connect to %s: %s%s", path, strerror(err), after);
    }
}

/* Retries while the daemon is starting (until wait_deadline) or the backlog
 * is full (a little longer). Returns 0 or the last errno. */
static int unix_connect_until(const char *path, long long start, long long wait_ms, int *fd)
{
    long long wait_deadline = start + wait_ms;
    long long busy_deadline = start + (wait_ms > BACKLOG_RETRY_MS ? wait_ms : BACKLOG_RETRY_MS);
    for (;;) {
        int err = unix_try(path, fd);
        if (err == 0)
            return 0;
        long long deadline;
        if (starting_up(err))
            deadline = wait_deadline;
        else if (transient(err))
            deadline = busy_deadline;
        else
            return err;
        long long left = deadline - nv_time_now_ms();
        if (left <= 0)
            return err;
        nv_time_sleep_ms(left < RETRY_SLEEP_MS ? left : RETRY_SLEEP_MS);
    }
}

/* Copies s into t->desc, cutting it short if needed. */
static void set_desc(nv_transport *t, const char *s)
{
    size_t n = strnlen(s, sizeof t->desc - 1);
    memcpy(t->desc, s, n);
    t->desc[n] = '\0';
}

static void set_socket(nv_transport *t, int fd, const char *path)
{
    t->rfd = t->wfd = fd;
    t->pid = 0;
    t->status = -1;
    set_desc(t, path);
}

int nv_rpc_transport_unix(const char *path, const char *hint, int wait_ms, nv_transport *t,
                          nv_err *e)
{
    nv_rpc_transport_init(t);
    long long start = nv_time_now_ms();
    int fd;
    int err = unix_connect_until(path, start, wait_ms > 0 ? wait_ms : 0, &fd);
    if (err)
        return unix_error(e, path, hint, err, wait_ms > 0 ? nv_time_now_ms() - start : 0);
    set_socket(t, fd, path);
    return 0;
}

/* ---- child processes ---------------------------------------------------- */

int nv_rpc_transport_spawn(char *const argv[], nv_transport *t, nv_err *e)
{
    nv_rpc_transport_init(t);
    nv_spawn_child c;
    if (nv_spawn_piped(argv, &c, e) < 0) {
        e->kind = NV_ERR_CONNECT;
        return -1;
    }
    t->wfd = c.in;
    t->rfd = c.out;
    t->errfd = c.err;
    t->pid = c.pid;
    set_desc(t, argv[0]);
    return 0;
}

int nv_rpc_transport_autostart(const char *daemon_path, const char *lock_dir,
                               const char *sock, const char *hint, int wait_ms,
                               nv_transport *t, nv_err *e)
{
    nv_rpc_transport_init(t);
    long long start = nv_time_now_ms();
    long long deadline = start + (wait_ms > AUTOSTART_MIN_MS ? wait_ms : AUTOSTART_MIN_MS);

    if (nv_mkdir_p(lock_dir, 0700, e) < 0) {
        nv_err_prefix(e, "cannot start %s", daemon_path);
        e->kind = NV_ERR_CONNECT;
        return -1;
    }
    const char *base = strrchr(daemon_path, '/');
    base = base ? base + 1 : daemon_path;
    char lockpath[PATH_MAX];
    int w = snprintf(lockpath, sizeof lockpath, "%s/%s.lock", lock_dir, base);
    if (w < 0 || (size_t)w >= sizeof lockpath)
        return set_conn_err(e, ENAMETOOLONG, "lock path under %s is too long", lock_dir);
    /* The same lock libvirt's clients take, so only one of us starts it. */
    int lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lockfd < 0)
        return set_conn_err(e, errno, "cannot create lock %s: %s", lockpath, strerror(errno));
    for (;;) {
        struct flock fl;
        memset(&fl, 0, sizeof fl);
        fl.l_type = F_WRLCK;
        fl.l_whence = SEEK_SET;
        fl.l_start = 0;
        fl.l_len = 1;
        if (fcntl(lockfd, F_SETLK, &fl) == 0)
            break;
        int err = errno;
        if (err != EAGAIN && err != EACCES && err != EINTR) {
            close(lockfd);
            return set_conn_err(e, err, "cannot lock %s: %s", lockpath, strerror(err));
        }
        if (nv_time_now_ms() >= deadline) {
            close(lockfd);
            return set_conn_err(e, err,
                                "timed out waiting for the lock %s (another client is starting "
                                "%s)", lockpath, base);
        }
        nv_time_sleep_ms(RETRY_SLEEP_MS);
    }

    int rc = -1, launched = 0, fd = -1, err;
    for (;;) {
        err = unix_try(sock, &fd);
        if (err == 0) {
            set_socket(t, fd, sock);
            rc = 0;
            break;
        }
        if (!starting_up(err) && !transient(err)) {
            unix_error(e, sock, hint, err, 0);
            break;
        }
        if (!launched && starting_up(err)) {
            char *argv[] = {(char *)daemon_path, (char *)"--timeout=120", NULL};
            if (nv_spawn_detached(daemon_path, argv, e) < 0) {
                e->kind = NV_ERR_CONNECT;
                break;
            }
            launched = 1;
        }
        if (nv_time_now_ms() >= deadline) {
            if (launched)
                set_conn_err(e, err,
                             "started %s, but %s did not accept connections within %lld s (%s)",
                             daemon_path, sock, (deadline - start) / 1000, strerror(err));
            else
                unix_error(e, sock, hint, err, nv_time_now_ms() - start);
            break;
        }
        nv_time_sleep_ms(RETRY_SLEEP_MS);
    }
    unlink(lockpath); /* as libvirt does */
    close(lockfd);
    return rc;
}

/* ---- opening a URI ------------------------------------------------------ */

static void gather_env(nv_sock_env *env, char *dir, size_t n)
{
    env->euid = (unsigned)geteuid();
    env->session_dir = nv_rpc_session_dir(getenv("XDG_RUNTIME_DIR"), getenv("XDG_CACHE_HOME"),
                                          getenv("HOME"), dir, n, &(nv_err){0}) == 0
                           ? dir
                           : NULL;
    const char *as = getenv("LIBVIRT_AUTOSTART");
    env->autostart = !(as && strcmp(as, "0") == 0);
}

static int open_unix(const nv_uri *u, const nv_transport_opts *o, nv_transport *t, nv_err *e)
{
    char dir[NV_SOCK_PATH_MAX];
    nv_sock_env env;
    gather_env(&env, dir, sizeof dir);
    nv_sock_choice c;
    if (nv_rpc_sock_choose(u, o->readonly, &env, &nv_rpc_sock_probe_real, &c, e) < 0)
        return -1;
    if (o->socket_only) {
        int fd, err = unix_try(c.path, &fd);
        if (err)
            return set_conn_err(e, err, "cannot connect to %s: %s", c.path, strerror(err));
        set_socket(t, fd, c.path);
        return 0;
    }
    if (!c.autostart)
        return nv_rpc_transport_unix(c.path, c.hint, o->wait_ms, t, e);

    /* Look for the daemon binary only once the socket is known to be down. */
    int fd;
    int err = unix_try(c.path, &fd);
    if (err == 0) {
        set_socket(t, fd, c.path);
        return 0;
    }
    if (!starting_up(err))
        return nv_rpc_transport_unix(c.path, c.hint, o->wait_ms, t, e);
    char dpath[PATH_MAX];
    if (nv_rpc_find_daemon(c.daemon, dpath, sizeof dpath) < 0)
        return set_conn_err(e, err,
                            "cannot connect to %s: %s, and cannot start %s: not found in "
                            "$PATH or /usr/sbin (set VIRTD_PATH to its directory, or start it "
                            "yourself)", c.path, err == ENOENT ? "no such file" : "connection refused",
                            c.daemon);
    return nv_rpc_transport_autostart(dpath, env.session_dir, c.path, c.hint, o->wait_ms, t, e);
}

static int open_ssh(const nv_uri *u, const nv_transport_opts *o, nv_transport *t, nv_err *e)
{
    char dir[NV_SOCK_PATH_MAX];
    nv_sock_env env;
    gather_env(&env, dir, sizeof dir);
    env.autostart = 0;
    int session = nv_rpc_uri_is_session(u, env.euid);
    nv_sock_choice c;
    const char *sock = NULL;
    if (nv_rpc_ssh_proxy(u, session) != NV_URI_PROXY_NATIVE) {
        /* The remote socket is named by the local rules, as libvirt does. */
        if (nv_rpc_sock_choose(u, o->readonly, &env, &nv_rpc_sock_probe_real, &c, e) < 0)
            return -1;
        sock = c.path;
    }
    char *name = nv_rpc_uri_open_name(u, e);
    if (!name)
        return -1;
    nv_argv av;
    int rc = nv_rpc_ssh_argv(u, session, sock, name, o->readonly, &av, e);
    free(name);
    if (rc < 0)
        return -1;
    rc = nv_rpc_transport_spawn(av.argv, t, e);
    nv_rpc_argv_free(&av);
    if (rc < 0)
        return -1;
    snprintf(t->desc, sizeof t->desc, "ssh to %s", u->host ? u->host : "localhost");
    return 0;
}

/* "qemu+ssh://user@host/path", to suggest instead of tls/tcp (the port of a
 * TCP/TLS URI is libvirtd's, not sshd's, so it is left out). */
static void ssh_suggestion(const nv_uri *u, char *buf, size_t n)
{
    const char *h = u->host ? u->host : "HOST";
    int v6 = strchr(h, ':') != NULL;
    snprintf(buf, n, "%s+ssh://%s%s%s%s%s%s", u->driver, u->user ? u->user : "",
             u->user ? "@" : "", v6 ? "[" : "", h, v6 ? "]" : "", u->path);
}

int nv_rpc_transport_open(const nv_uri *u, const nv_transport_opts *o, nv_transport *t,
                          nv_err *e)
{
    static const nv_transport_opts defaults = {0, 0, 0};
    if (!o)
        o = &defaults;
    nv_rpc_transport_init(t);
    if (o->socket_only && u->transport != NV_URI_UNIX)
        return nv_err_set(e, NV_ERR_CONNECT, "not a local socket");
    switch (u->transport) {
    case NV_URI_UNIX:
        return open_unix(u, o, t, e);
    case NV_URI_SSH:
        return open_ssh(u, o, t, e);
    case NV_URI_EXT: {
        char *argv[] = {(char *)u->command, NULL};
        if (nv_rpc_transport_spawn(argv, t, e) < 0)
            return nv_err_prefix(e, "ext transport");
        return 0;
    }
    default: {
        char alt[NV_URI_MAX_LEN + 64];
        ssh_suggestion(u, alt, sizeof alt);
        if (u->transport == NV_URI_TLS && !u->explicit_transport)
            return nv_err_set(e, NV_ERR_INPUT,
                              "transport 'tls' is not supported yet (a URI with a host and no "
                              "+transport means TLS; for ssh use %s)", alt);
        return nv_err_set(e, NV_ERR_INPUT, "transport '%s' is not supported yet (use %s)",
                          nv_rpc_uri_transport_name(u->transport), alt);
    }
    }
}
