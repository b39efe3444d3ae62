/* Running programs: lookup, fork/exec with the exec error reported back,
 * detached daemons. */
#include "util/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/time.h"

extern char **environ;

#define CHILD_EXEC_REPORT_MS 5000 /* how long we wait to learn whether exec worked */

static int spawn_err(nv_err *e, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int spawn_err(nv_err *e, int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    nv_err_vset(e, NV_ERR_SYSTEM, errnum, fmt, ap);
    va_end(ap);
    return -1;
}

int nv_spawn_is_exec(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* Looks name up like execvp (empty PATH entries are skipped, not "."). */
int nv_spawn_find_in(const char *name, const char *dirs, char *out, size_t n)
{
    const char *d = dirs;
    while (*d) {
        size_t len = strcspn(d, ":");
        if (len > 0) {
            int w = snprintf(out, n, "%.*s/%s", (int)len, d, name);
            if (w > 0 && (size_t)w < n && nv_spawn_is_exec(out))
                return 0;
        }
        d += len;
        if (*d == ':')
            d++;
    }
    return -1;
}

int nv_spawn_find(const char *name, char *out, size_t n)
{
    if (strchr(name, '/')) {
        if (strlen(name) >= n)
            return -1;
        strcpy(out, name);
        return 0; /* exec reports whatever is wrong with it */
    }
    const char *path = getenv("PATH");
    return nv_spawn_find_in(name, path ? path : "/usr/local/bin:/usr/bin:/bin", out, n);
}

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

/* The child's last step, its standard fds in place: clean signals and fds,
 * exec; a failure is reported on rep (close-on-exec, so EOF means exec'd). */
static void child_exec(int rep, int maxfd, const char *path, char *const argv[])
{
    reset_signals();
    close_from_3(rep, maxfd);
    execve(path, argv, environ);
    child_fail(rep);
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

int nv_spawn_piped(char *const argv[], nv_spawn_child *c, nv_err *e)
{
    char path[PATH_MAX];
    if (nv_spawn_find(argv[0], path, sizeof path) < 0)
        return spawn_err(e, ENOENT, "cannot run %s: %s (not found in PATH)", argv[0], strerror(ENOENT));

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
        return spawn_err(e, err, "cannot run %s: pipe: %s", argv[0], strerror(err));
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
        child_exec(rep, maxfd, path, argv);
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
        return spawn_err(e, err, "cannot run %s: fork: %s", argv[0], strerror(err));
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
        return spawn_err(e, err, "cannot run %s: %s", path, strerror(err));
    }
    int fl = fcntl(er[0], F_GETFL);
    if (fl >= 0)
        fcntl(er[0], F_SETFL, fl | O_NONBLOCK);
    c->in = in[1];
    c->out = out[0];
    c->err = er[0];
    c->pid = pid;
    return 0;
}

int nv_spawn_detached(const char *path, char *const argv[], nv_err *e)
{
    int ep[2];
    if (pipe2(ep, O_CLOEXEC) < 0)
        return spawn_err(e, errno, "cannot start %s: pipe: %s", path, strerror(errno));
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
        child_exec(rep, maxfd, path, argv);
    }
    int err = errno;
    close(ep[1]);
    if (pid < 0) {
        close(ep[0]);
        return spawn_err(e, err, "cannot start %s: fork: %s", path, strerror(err));
    }
    /* The middle process exits right after its fork. */
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    err = exec_result(ep[0]);
    close(ep[0]);
    if (err)
        return spawn_err(e, err, "cannot start %s: %s", path, strerror(err));
    return 0;
}
