/* Transports: socket choice, unix connect (with --wait and session-daemon
 * autostart), and ssh / ext child processes over pipes. */
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
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/file.h"
#include "util/time.h"

extern char **environ;

#define CHILD_EXEC_REPORT_MS 5000 /* how long we wait to learn whether exec worked */
#define AUTOSTART_MIN_MS 10000    /* a freshly started daemon gets at least this long */
#define BACKLOG_RETRY_MS 5000     /* a full listen backlog is retried this long */
#define RETRY_SLEEP_MS 20

/* ---- small helpers ------------------------------------------------------ */

static void ignore_sigpipe(void)
{
    static int done;
    if (done)
        return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGPIPE, &sa, NULL);
    done = 1;
}

static int set_conn_err(nv_err *e, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int set_conn_err(nv_err *e, int errnum, const char *fmt, ...)
{
    if (!e)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    e->kind = NV_ERR_CONNECT;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    e->code = errnum;
    return -1;
}

static int is_exec_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* Looks name up like execvp (empty PATH entries are skipped, not "."). */
static int find_in_dirs(const char *name, const char *dirs, char *out, size_t n)
{
    const char *d = dirs;
    while (*d) {
        size_t len = strcspn(d, ":");
        if (len > 0) {
            int w = snprintf(out, n, "%.*s/%s", (int)len, d, name);
            if (w > 0 && (size_t)w < n && is_exec_file(out))
                return 0;
        }
        d += len;
        if (*d == ':')
            d++;
    }
    return -1;
}

static int find_program(const char *name, char *out, size_t n)
{
    if (strchr(name, '/')) {
        if (strlen(name) >= n)
            return -1;
        strcpy(out, name);
        return 0; /* exec reports whatever is wrong with it */
    }
    const char *path = getenv("PATH");
    return find_in_dirs(name, path ? path : "/usr/local/bin:/usr/bin:/bin", out, n);
}

int nv_rpc_find_daemon(const char *name, char *out, size_t n)
{
    /* libvirt's override: a directory holding the daemons, used alone. */
    const char *dir = getenv("VIRTD_PATH");
    if (!dir)
        dir = getenv("LIBVIRTD_PATH");
    if (dir && *dir) {
        int w = snprintf(out, n, "%s/%s", dir, name);
        return (w > 0 && (size_t)w < n && is_exec_file(out)) ? 0 : -1;
    }
    const char *path = getenv("PATH");
    if (path && find_in_dirs(name, path, out, n) == 0)
        return 0;
    /* Non-root users on Debian-like systems have no sbin in PATH. */
    return find_in_dirs(name, "/usr/sbin:/usr/local/sbin:/sbin", out, n);
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

/* ---- socket choice ------------------------------------------------------ */

/* Drivers that have a per-driver daemon virt<driver>d. */
static const char *const modular_drivers[] = {
    "qemu", "lxc",     "xen",     "vbox",     "bhyve",  "vz",        "ch",
    "network", "storage", "nodedev", "nwfilter", "secret", "interface",
};

static int has_modular_daemon(const char *driver)
{
    for (size_t i = 0; i < sizeof modular_drivers / sizeof modular_drivers[0]; i++)
        if (strcmp(driver, modular_drivers[i]) == 0)
            return 1;
    return 0;
}

static int copy_str(char *dst, size_t n, const char *src)
{
    size_t len = strlen(src);
    if (len >= n)
        return -1;
    memcpy(dst, src, len + 1);
    return 0;
}

int nv_rpc_session_dir(const char *xdg_runtime_dir, const char *xdg_cache_home,
                       const char *home, char *out, size_t n, nv_err *e)
{
    int w;
    if (xdg_runtime_dir && *xdg_runtime_dir)
        w = snprintf(out, n, "%s/libvirt", xdg_runtime_dir);
    else if (xdg_cache_home && *xdg_cache_home)
        w = snprintf(out, n, "%s/libvirt", xdg_cache_home);
    else if (home && *home)
        w = snprintf(out, n, "%s/.cache/libvirt", home);
    else
        return nv_err_set(e, NV_ERR_INPUT,
                          "cannot find the session daemon's directory: XDG_RUNTIME_DIR, "
                          "XDG_CACHE_HOME and HOME are all unset");
    if (w < 0 || (size_t)w >= n)
        return nv_err_set(e, NV_ERR_INPUT, "session daemon directory path is too long");
    return 0;
}

int nv_rpc_sock_choose(const nv_uri *u, int readonly, const nv_sock_env *env,
                       const nv_sock_probe *probe, nv_sock_choice *out, nv_err *e)
{
    memset(out, 0, sizeof *out);
    if (u->transport != NV_URI_UNIX && u->transport != NV_URI_SSH)
        return nv_err_set(e, NV_ERR_INPUT, "the %s transport does not use a unix socket",
                          nv_rpc_uri_transport_name(u->transport));
    int is_unix = u->transport == NV_URI_UNIX;
    out->session = nv_rpc_uri_is_session(u, env->euid);

    if (u->socket) {
        if (copy_str(out->path, sizeof out->path, u->socket) < 0)
            return nv_err_set(e, NV_ERR_INPUT, "socket= path is too long");
        out->mode = NV_URI_MODE_AUTO;
        copy_str(out->hint, sizeof out->hint, "the libvirt daemon for it");
        return 0; /* as in libvirt: no autostart for an explicit socket */
    }
    if (out->session && !env->session_dir)
        return nv_err_set(e, NV_ERR_INPUT,
                          "cannot find the session daemon's socket: XDG_RUNTIME_DIR, "
                          "XDG_CACHE_HOME and HOME are all unset (or give socket=)");
    out->autostart = out->session && is_unix && !u->host && env->autostart;

    /* libvirt names remote system sockets under /var/run for hosts without /run. */
    const char *base = out->session ? env->session_dir
                       : is_unix    ? "/run/libvirt"
                                    : "/var/run/libvirt";
    const char *suffix = (!out->session && readonly) ? "sock-ro" : "sock";
    char direct[32] = "";
    char direct_path[NV_SOCK_PATH_MAX] = "", legacy_path[NV_SOCK_PATH_MAX];
    if (has_modular_daemon(u->driver)) {
        snprintf(direct, sizeof direct, "virt%sd", u->driver);
        int w = snprintf(direct_path, sizeof direct_path, "%s/%s-%s", base, direct, suffix);
        if (w < 0 || (size_t)w >= sizeof direct_path)
            return nv_err_set(e, NV_ERR_INPUT, "socket path under %s is too long", base);
    }
    int w = snprintf(legacy_path, sizeof legacy_path, "%s/libvirt-%s", base, suffix);
    if (w < 0 || (size_t)w >= sizeof legacy_path)
        return nv_err_set(e, NV_ERR_INPUT, "socket path under %s is too long", base);

    enum nv_uri_mode mode = u->mode;
    int guessed = 0; /* no socket was there to tell us */
    if (mode == NV_URI_MODE_AUTO) {
        if (!is_unix)
            mode = NV_URI_MODE_LEGACY; /* virt-ssh-helper probes on the remote side */
        else if (direct[0] && probe->exists(probe->ctx, direct_path))
            mode = NV_URI_MODE_DIRECT;
        else if (probe->exists(probe->ctx, legacy_path))
            mode = NV_URI_MODE_LEGACY;
        else {
            guessed = 1;
            mode = (direct[0] && probe->daemon_installed(probe->ctx, direct))
                       ? NV_URI_MODE_DIRECT
                       : NV_URI_MODE_LEGACY;
        }
    }
    if (mode == NV_URI_MODE_DIRECT) {
        if (!is_unix)
            return nv_err_set(e, NV_ERR_INPUT,
                              "URI '%s': mode=direct cannot be used with the %s transport "
                              "(give socket= for the remote socket instead)",
                              u->text, nv_rpc_uri_transport_name(u->transport));
        if (!direct[0])
            return nv_err_set(e, NV_ERR_INPUT,
                              "URI '%s': mode=direct, but driver '%s' has no per-driver "
                              "daemon (use mode=legacy)", u->text, u->driver);
        memcpy(out->path, direct_path, sizeof out->path);
        copy_str(out->daemon, sizeof out->daemon, direct);
    } else {
        memcpy(out->path, legacy_path, sizeof out->path);
        copy_str(out->daemon, sizeof out->daemon, "libvirtd");
    }
    out->mode = mode;
    if (guessed && direct[0])
        snprintf(out->hint, sizeof out->hint, "libvirtd/%s", direct);
    else
        copy_str(out->hint, sizeof out->hint, out->daemon);
    return 0;
}

static int probe_exists(void *ctx, const char *path)
{
    (void)ctx;
    return access(path, F_OK) == 0;
}

static int probe_daemon(void *ctx, const char *name)
{
    (void)ctx;
    char buf[PATH_MAX];
    return nv_rpc_find_daemon(name, buf, sizeof buf) == 0;
}

const nv_sock_probe nv_rpc_sock_probe_real = {probe_exists, probe_daemon, NULL};

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
    ignore_sigpipe();
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

/* Highest fd a child may have inherited, computed before fork. */
static int max_fd(void)
{
    long m = sysconf(_SC_OPEN_MAX);
    if (m < 0 || m > 65536)
        m = 65536;
    return (int)m;
}

/* In a child: closes every fd >= 3 except keep (async-signal-safe). */
static void close_from_3(int keep, int maxfd)
{
#ifdef SYS_close_range
    int ok = 1;
    if (keep > 3)
        ok = syscall(SYS_close_range, 3u, (unsigned)keep - 1, 0u) == 0;
    if (ok)
        ok = syscall(SYS_close_range, keep >= 3 ? (unsigned)keep + 1 : 3u, ~0u, 0u) == 0;
    if (ok)
        return;
#endif
    for (int fd = 3; fd < maxfd; fd++)
        if (fd != keep)
            close(fd);
}

/* In a child: default SIGPIPE (we ignore it) and an empty signal mask. */
static void reset_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGPIPE, &sa, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* In a child: reports errno through the exec-status pipe and exits. */
static void child_fail(int fd)
{
    int err = errno;
    ssize_t w = write(fd, &err, sizeof err);
    (void)w;
    _exit(127);
}

/* Reads the exec-status pipe: 0 when exec happened (EOF), else the child's
 * errno. A child that neither execs nor fails within the limit counts as
 * started. */
static int exec_result(int fd)
{
    int err = 0;
    size_t got = 0;
    long long deadline = nv_time_now_ms() + CHILD_EXEC_REPORT_MS;
    while (got < sizeof err) {
        long long left = deadline - nv_time_now_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return 0;
        ssize_t n = read(fd, (char *)&err + got, sizeof err - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;
        got += (size_t)n;
    }
    return err ? err : EIO;
}

int nv_rpc_transport_spawn(char *const argv[], nv_transport *t, nv_err *e)
{
    ignore_sigpipe();
    nv_rpc_transport_init(t);
    char path[PATH_MAX];
    if (find_program(argv[0], path, sizeof path) < 0)
        return set_conn_err(e, ENOENT, "cannot run %s: %s (not found in PATH)", argv[0], strerror(ENOENT));

    int in[2] = {-1, -1}, out[2] = {-1, -1}, ep[2] = {-1, -1}, er[2] = {-1, -1};
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0 ||
        pipe2(er, O_CLOEXEC) < 0) {
        int err = errno;
        for (int i = 0; i < 2; i++) {
            if (in[i] >= 0)
                close(in[i]);
            if (out[i] >= 0)
                close(out[i]);
            if (ep[i] >= 0)
                close(ep[i]);
            if (er[i] >= 0)
                close(er[i]);
        }
        return set_conn_err(e, err, "cannot run %s: pipe: %s", argv[0], strerror(err));
    }
    int maxfd = max_fd();
    pid_t pid = fork();
    if (pid == 0) {
        /* Move our ends above 2 first so the dup2s below cannot clobber them
         * (our stdio may have been closed, making a pipe fd 0, 1 or 2). */
        int r = fcntl(in[0], F_DUPFD_CLOEXEC, 3);
        int w = fcntl(out[1], F_DUPFD_CLOEXEC, 3);
        int ew = fcntl(er[1], F_DUPFD_CLOEXEC, 3);
        int rep = fcntl(ep[1], F_DUPFD_CLOEXEC, 3);
        if (rep < 0)
            child_fail(ep[1]); /* still open (close-on-exec): the parent hears why */
        if (r < 0 || w < 0 || ew < 0 || dup2(r, 0) < 0 || dup2(w, 1) < 0 || dup2(ew, 2) < 0)
            child_fail(rep);
        reset_signals();
        close_from_3(rep, maxfd);
        execve(path, argv, environ);
        child_fail(rep);
    }
    int err = errno;
    close(in[0]);
    close(out[1]);
    close(ep[1]);
    close(er[1]);
    if (pid < 0) {
        close(in[1]);
        close(out[0]);
        close(ep[0]);
        close(er[0]);
        return set_conn_err(e, err, "cannot run %s: fork: %s", argv[0], strerror(err));
    }
    err = exec_result(ep[0]);
    close(ep[0]);
    if (err) {
        close(in[1]);
        close(out[0]);
        close(er[0]);
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
        return set_conn_err(e, err, "cannot run %s: %s", path, strerror(err));
    }
    int fl = fcntl(er[0], F_GETFL);
    if (fl >= 0)
        fcntl(er[0], F_SETFL, fl | O_NONBLOCK);
    t->wfd = in[1];
    t->rfd = out[0];
    t->errfd = er[0];
    t->pid = pid;
    set_desc(t, argv[0]);
    return 0;
}

/* Starts `path --timeout=120` as a daemon: its own session, stdio on
 * /dev/null, cwd /, and a double fork so init reaps it, not us. */
static int spawn_detached(const char *path, nv_err *e)
{
    char *argv[] = {(char *)path, (char *)"--timeout=120", NULL};
    int ep[2];
    if (pipe2(ep, O_CLOEXEC) < 0)
        return set_conn_err(e, errno, "cannot start %s: pipe: %s", path, strerror(errno));
    int maxfd = max_fd();
    pid_t pid = fork();
    if (pid == 0) {
        close(ep[0]);
        if (setsid() < 0)
            child_fail(ep[1]);
        pid_t g = fork();
        if (g < 0)
            child_fail(ep[1]);
        if (g > 0)
            _exit(0);
        int nul = open("/dev/null", O_RDWR);
        if (nul < 0)
            child_fail(ep[1]);
        int rep = fcntl(ep[1], F_DUPFD_CLOEXEC, 3);
        if (rep < 0)
            child_fail(ep[1]);
        if (dup2(nul, 0) < 0 || dup2(nul, 1) < 0 || dup2(nul, 2) < 0)
            child_fail(rep);
        if (chdir("/") < 0)
            child_fail(rep);
        reset_signals();
        close_from_3(rep, maxfd);
        execve(path, argv, environ);
        child_fail(rep);
    }
    int err = errno;
    close(ep[1]);
    if (pid < 0) {
        close(ep[0]);
        return set_conn_err(e, err, "cannot start %s: fork: %s", path, strerror(err));
    }
    /* The middle process exits right after its fork. */
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    err = exec_result(ep[0]);
    close(ep[0]);
    if (err)
        return set_conn_err(e, err, "cannot start %s: %s", path, strerror(err));
    return 0;
}

int nv_rpc_transport_autostart(const char *daemon_path, const char *lock_dir,
                               const char *sock, const char *hint, int wait_ms,
                               nv_transport *t, nv_err *e)
{
    ignore_sigpipe();
    nv_rpc_transport_init(t);
    long long start = nv_time_now_ms();
    long long deadline = start + (wait_ms > AUTOSTART_MIN_MS ? wait_ms : AUTOSTART_MIN_MS);

    if (nv_mkdir_p(lock_dir, 0700, e) < 0) {
        nv_err_prefix(e, "cannot start %s", daemon_path);
        if (e)
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
            if (spawn_detached(daemon_path, e) < 0)
                break;
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

/* ---- ssh ---------------------------------------------------------------- */

void nv_rpc_argv_free(nv_argv *a)
{
    for (int i = 0; i < a->argc; i++)
        free(a->argv[i]);
    memset(a, 0, sizeof *a);
}

static int argv_add(nv_argv *a, const char *s, nv_err *e)
{
    if (a->argc >= NV_ARGV_MAX)
        return nv_err_set(e, NV_ERR_INPUT, "too many arguments");
    if (!(a->argv[a->argc] = strdup(s)))
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    a->argc++;
    a->argv[a->argc] = NULL;
    return 0;
}

enum nv_uri_proxy nv_rpc_ssh_proxy(const nv_uri *u, int session)
{
    enum nv_uri_proxy p = u->proxy;
    if (p == NV_URI_PROXY_DEFAULT) {
        /* virt-ssh-helper cannot take a socket path; a remote session socket
         * path cannot be known here, so the helper must find it. */
        if (u->socket)
            p = NV_URI_PROXY_NETCAT;
        else if (session)
            p = NV_URI_PROXY_NATIVE;
        else
            p = NV_URI_PROXY_AUTO;
    }
    if (p == NV_URI_PROXY_AUTO && u->netcat)
        p = NV_URI_PROXY_NETCAT; /* naming a netcat means wanting it */
    return p;
}

/* Appends s quoted for a POSIX shell: bare when it only has safe characters,
 * else in single quotes with each ' written as '\''. */
static void shell_quote(nv_buf *b, const char *s)
{
    int bare = *s != '\0';
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              strchr("_-./:@%+=,", c))) {
            bare = 0;
            break;
        }
    }
    if (bare) {
        nv_buf_append_str(b, s);
        return;
    }
    nv_buf_append_str(b, "'");
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            nv_buf_append_str(b, "'\\''");
        else
            nv_buf_append(b, p, 1);
    }
    nv_buf_append_str(b, "'");
}

int nv_rpc_ssh_remote_command(enum nv_uri_proxy proxy, const char *netcat, const char *sock,
                              const char *name, int readonly, nv_buf *out, nv_err *e)
{
    if (proxy == NV_URI_PROXY_DEFAULT)
        proxy = NV_URI_PROXY_AUTO;
    if (proxy == NV_URI_PROXY_NATIVE && netcat)
        return nv_err_set(e, NV_ERR_INPUT, "netcat= cannot be used with proxy=native");
    if (proxy != NV_URI_PROXY_NATIVE && (!sock || !*sock))
        return nv_err_set(e, NV_ERR_INPUT, "the netcat proxy needs the remote socket path");
    const char *nc = netcat ? netcat : "nc";

    nv_buf inner, helper, ncmd;
    nv_buf_init(&inner, 4 * NV_URI_MAX_LEN + 1024);
    nv_buf_init(&helper, 2 * NV_URI_MAX_LEN + 1024);
    nv_buf_init(&ncmd, 4 * NV_URI_MAX_LEN + 1024);

    nv_buf_append_str(&helper, readonly ? "virt-ssh-helper -r " : "virt-ssh-helper ");
    shell_quote(&helper, name ? name : "");

    if (proxy != NV_URI_PROXY_NATIVE) {
        /* Debian's OpenBSD nc waits forever after end of input unless given -q0;
         * it is the one that complains that -q needs an argument. */
        nv_buf_append_str(&ncmd, "ARG=; if ");
        shell_quote(&ncmd, nc);
        nv_buf_append_str(&ncmd, " -q 2>&1 | grep -q \"requires an argument\"; then ARG=-q0; "
                                 "fi; exec ");
        shell_quote(&ncmd, nc);
        nv_buf_append_str(&ncmd, " $ARG -U ");
        shell_quote(&ncmd, sock);
    }

    switch (proxy) {
    case NV_URI_PROXY_NATIVE:
        nv_buf_append_str(&inner, "exec ");
        nv_buf_append_str(&inner, nv_buf_cstr(&helper));
        break;
    case NV_URI_PROXY_NETCAT:
        nv_buf_append_str(&inner, nv_buf_cstr(&ncmd));
        break;
    default:
        nv_buf_append_str(&inner, "if command -v virt-ssh-helper >/dev/null 2>&1; then exec ");
        nv_buf_append_str(&inner, nv_buf_cstr(&helper));
        nv_buf_append_str(&inner, "; fi; ");
        nv_buf_append_str(&inner, nv_buf_cstr(&ncmd));
        break;
    }
    /* ssh hands the command to the remote login shell, which runs sh -c. */
    nv_buf_append_str(out, "sh -c ");
    shell_quote(out, nv_buf_cstr(&inner));
    int failed = inner.failed || helper.failed || ncmd.failed || out->failed;
    nv_buf_free(&inner);
    nv_buf_free(&helper);
    nv_buf_free(&ncmd);
    if (failed)
        return nv_err_set(e, NV_ERR_INPUT, "ssh remote command is too long");
    return 0;
}

int nv_rpc_ssh_argv(const nv_uri *u, int session, const char *remote_sock, const char *name,
                    int readonly, nv_argv *out, nv_err *e)
{
    memset(out, 0, sizeof *out);
    nv_buf cmd;
    nv_buf_init(&cmd, 16 * NV_URI_MAX_LEN);
    if (nv_rpc_ssh_remote_command(nv_rpc_ssh_proxy(u, session), u->netcat, remote_sock, name,
                                  readonly, &cmd, e) < 0) {
        nv_buf_free(&cmd);
        return -1;
    }
    char port[16];
    snprintf(port, sizeof port, "%d", u->port);
    int bad = argv_add(out, u->command ? u->command : "ssh", e) < 0 ||
              (u->port && (argv_add(out, "-p", e) < 0 || argv_add(out, port, e) < 0)) ||
              (u->user && (argv_add(out, "-l", e) < 0 || argv_add(out, u->user, e) < 0)) ||
              (u->keyfile && (argv_add(out, "-i", e) < 0 || argv_add(out, u->keyfile, e) < 0)) ||
              argv_add(out, "-T", e) < 0 || argv_add(out, "-e", e) < 0 ||
              argv_add(out, "none", e) < 0 ||
              (u->no_tty && (argv_add(out, "-o", e) < 0 || argv_add(out, "BatchMode=yes", e) < 0)) ||
              (u->no_verify &&
               (argv_add(out, "-o", e) < 0 || argv_add(out, "StrictHostKeyChecking=no", e) < 0)) ||
              argv_add(out, "--", e) < 0 || argv_add(out, u->host ? u->host : "localhost", e) < 0 ||
              argv_add(out, nv_buf_cstr(&cmd), e) < 0;
    nv_buf_free(&cmd);
    if (bad) {
        nv_rpc_argv_free(out);
        return -1;
    }
    return 0;
}

/* ---- opening a URI ------------------------------------------------------ */

static void gather_env(nv_sock_env *env, char *dir, size_t n)
{
    env->euid = (unsigned)geteuid();
    env->session_dir = nv_rpc_session_dir(getenv("XDG_RUNTIME_DIR"), getenv("XDG_CACHE_HOME"),
                                          getenv("HOME"), dir, n, NULL) == 0
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
    static const nv_transport_opts defaults = {0, 0};
    if (!o)
        o = &defaults;
    ignore_sigpipe();
    nv_rpc_transport_init(t);
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
