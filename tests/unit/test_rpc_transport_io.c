/* Transports against real sockets and processes: a unix listener made here,
 * --wait, permission errors, session autostart with a fake daemon, ext with
 * /bin/cat, ssh with a fake ssh, and the remote proxy command run by sh. */
#include "check.h"
#include "sdaemon.h"
#include "rpc/connect.h"
#include "rpc/ssh.h"
#include "rpc/transport.h"
#include "rpc/uri.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------ */

static long long ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nap(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static char *make_tmpdir(char *buf, size_t n)
{
    snprintf(buf, n, "/tmp/nv-transport-XXXXXX");
    return mkdtemp(buf);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(p);
}

static void rm_rf(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int listen_unix(const char *path, int do_listen)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    if (path[0] == '@')
        sa.sun_path[0] = '\0'; /* abstract, padded to full length as libvirt does */
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || (do_listen && listen(fd, 8) < 0)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Reads until EOF, the buffer is full or timeout_ms pass; NUL-terminates. */
static size_t read_all(int fd, char *buf, size_t cap, int timeout_ms)
{
    size_t got = 0;
    long long deadline = ms_now() + timeout_ms;
    while (got + 1 < cap) {
        long long left = deadline - ms_now();
        if (left <= 0)
            break;
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, (int)left) <= 0)
            break;
        ssize_t n = read(fd, buf + got, cap - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    return got;
}

static int write_script(const char *path, const char *body)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(body, f);
    fclose(f);
    return chmod(path, 0755);
}

/* ---- unix --------------------------------------------------------------- */

TEST(transport_unix_connect_and_exchange)
{
    char dir[64], path[128];
    CHECK(make_tmpdir(dir, sizeof dir) != NULL);
    snprintf(path, sizeof path, "%s/sock", dir);
    int lfd = listen_unix(path, 1);
    CHECK(lfd >= 0);

    nv_transport t;
    nv_err e;
    nv_err_clear(&e);
    CHECK_INT(nv_rpc_transport_unix(path, NULL, 0, &t, &e), 0);
    CHECK(t.rfd >= 0 && t.rfd == t.wfd);
    CHECK_INT(t.pid, 0);
    CHECK_STR(t.desc, path);
    CHECK((fcntl(t.rfd, F_GETFL) & O_NONBLOCK) == 0);
    CHECK((fcntl(t.rfd, F_GETFD) & FD_CLOEXEC) != 0);

    int s = accept(lfd, NULL, NULL);
    CHECK(s >= 0);
    char buf[8] = "";
    CHECK_INT(write(t.wfd, "ping", 4), 4);
    CHECK_INT(read(s, buf, 4), 4);
    CHECK_MEM(buf, "ping", 4);
    CHECK_INT(write(s, "pong", 4), 4);
    CHECK_INT(read(t.rfd, buf, 4), 4);
    CHECK_MEM(buf, "pong", 4);

    nv_rpc_transport_close(&t);
    CHECK_INT(t.rfd, -1);
    CHECK_INT(read(s, buf, 1), 0); /* the daemon sees us go */
    nv_rpc_transport_close(&t);    /* twice is harmless */
    close(s);
    close(lfd);
    rm_rf(dir);
}

TEST(transport_unix_missing_socket_message)
{
    char dir[64], path[128], want[400];
    CHECK(make_tmpdir(dir, sizeof dir) != NULL);
    snprintf(path, sizeof path, "%s/nope", dir);
    nv_transport t;
    nv_err e;
    CHECK_INT(nv_rpc_transport_unix(path, NULL, 0, &t, &e), -1);
    snprintf(want, sizeof want,
             "cannot connect to %s: no such file (is libvirtd/virtqemud running?)", path);
    CHECK_STR(e.msg, want);
    CHECK_INT(e.kind, NV_ERR_CONNECT);
    CHECK_INT(e.code, ENOENT);
    CHECK_INT(t.rfd, -1);
    rm_rf(dir);
}

TEST(transport_unix_refused_message)
{
    char dir[64], path[128], want[400];
    CHECK(make_tmpdir(dir, sizeof dir) != NULL);
    snprintf(path, sizeof path, "%s/sock", dir);
    int fd = listen_unix(path, 0); /* bound, nobody listening */
    CHECK(fd >= 0);
    nv_transport t;
    nv_err e;
    CHECK_INT(nv_rpc_transport_unix(path, "virtqemud", 0, &t, &e), -1);
    snprintf(want, sizeof want,
             "cannot connect to %s: connection refused (the socket exists but no daemon is "
             "listening; is virtqemud running?)", path);
    CHECK_STR(e.msg, want);
    CHECK_INT(e.code, ECONNREFUSED);
    close(fd);
    rm_rf(dir);
}

TEST(transport_unix_permission_message)
{
    char dir[64], path[128], msg[1024] = "";
    CHECK(make_tmpdir(dir, sizeof dir) != NULL);
    CHECK_INT(chmod(dir, 0755), 0);
    snprintf(path, sizeof path, "%s/sock", dir);
    int lfd = listen_unix(path, 1);
    CHECK(lfd >= 0);
    CHECK_INT(chmod(path, 0600), 0);

    unsigned uid;
    if (geteuid() == 0) {
        /* root passes every permission check: ask as nobody, in a child. */
        printf("  (running as root: the permission check runs in a child as uid 65534)\n");
        uid = 65534;
        int p[2];
        CHECK_INT(pipe(p), 0);
        pid_t pid = fork();
        if (pid == 0) {
            close(p[0]);
            if (setgid(65534) < 0 || setuid(65534) < 0)
                _exit(2);
            nv_transport t;
            nv_err e;
            int rc = nv_rpc_transport_unix(path, NULL, 0, &t, &e);
            ssize_t w = write(p[1], e.msg, strlen(e.msg));
            (void)w;
            _exit(rc == -1 && e.code == EACCES ? 0 : 1);
        }
        close(p[1]);
        read_all(p[0], msg, sizeof msg, 5000);
        close(p[0]);
        int st = 0;
        waitpid(pid, &st, 0);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    } else {
        uid = (unsigned)geteuid();
        CHECK_INT(chmod(path, 0), 0);
        nv_transport t;
        nv_err e;
        CHECK_INT(nv_rpc_transport_unix(path, NULL, 0, &t, &e), -1);
        CHECK_INT(e.code, EACCES);
        snprintf(msg, sizeof msg, "%s", e.msg);
    }
    char want[300];
    snprintf(want, sizeof want, "cannot connect to %s: permission denied for uid %u", path, uid);
    if (strncmp(msg, want, strlen(want)) != 0)
        check_fail(__FILE__, __LINE__, "message \"%s\" does not start with \"%s\"", msg, want);
    CHECK(strstr(msg, "qemu:///session") != NULL);
    close(lfd);
    rm_rf(dir);
}

TEST(transport_unix_wait_times_out_naming_socket)
{
    char dir[64], path[128];
    CHECK(make_tmpdir(dir, sizeof dir) != NULL);
    snprintf(path, sizeof path, "%s/late", dir);
    nv_transport t;
    nv_err e;
    long long start = ms_now();
    CHECK_INT(nv_rpc_transport_unix(path, "libvirtd", 300, &t, &e), -1);
    long long took = ms_now() - start;
    CHECK(took >= 300 && took < 2000);
    CHECK(strstr(e.msg, path) != NULL);
    CHECK(strstr(e.msg, "no such file after waiting 0.") != NULL);
    CHECK(strstr(e.msg, "(is libvirtd running?)") != NULL);
    rm_rf(dir);
}

TEST(transport_unix_wait_succeeds_when_daemon_comes_up)
{
    char dir[64], path[128];
    CHECK(make_tmpdir(dir, sizeof dir) != NULL);
    snprintf(path, sizeof path, "%s/late", dir);
    pid_t pid = fork();
    if (pid == 0) {
        nap(200);
        int lfd = listen_unix(path, 1);
        if (lfd < 0)
            _exit(1);
        struct pollfd p = {lfd, POLLIN, 0};
        if (poll(&p, 1, 5000) != 1)
            _exit(2);
        int s = accept(lfd, NULL, NULL);
        char c;
        _exit(s >= 0 && read(s, &c, 1) == 1 && c == 'x' ? 0 : 3);
    }
    nv_transport t;
    nv_err e;
    nv_err_clear(&e);
    CHECK_INT(nv_rpc_transport_unix(path, NULL, 5000, &t, &e), 0);
    if (t.wfd >= 0)
        CHECK_INT(write(t.wfd, "x", 1), 1);
    nv_rpc_transport_close(&t);
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    rm_rf(dir);
}

TEST(transport_unix_long_path_and_abstract)
{
    char path[200];
    memset(path, 'x', sizeof path - 1);
    path[0] = '/';
    path[sizeof path - 1] = '\0';
    nv_transport t;
    nv_err e;
    CHECK_INT(nv_rpc_transport_unix(path, NULL, 0, &t, &e), -1);
    CHECK(strstr(e.msg, "the path is longer than 107 bytes") != NULL);
    CHECK_INT(e.code, ENAMETOOLONG);

    char abs[64];
    snprintf(abs, sizeof abs, "@nv-transport-test-%d", (int)getpid());
    int lfd = listen_unix(abs, 1);
    CHECK(lfd >= 0);
    nv_err_clear(&e);
    CHECK_INT(nv_rpc_transport_unix(abs, NULL, 0, &t, &e), 0);
    int s = accept(lfd, NULL, NULL);
    CHECK(s >= 0);
    nv_rpc_transport_close(&t);
    close(s);
    close(lfd);
}

TEST(transport_open_unix_socket_param)
{
    char dir[64], path[128], uri[300];
    CHECK(make_tmpdir(dir, sizeof dir) != NULL);
    snprintf(path, sizeof path, "%s/sock", dir);
    int lfd = listen_unix(path, 1);
    CHECK(lfd >= 0);
    snprintf(uri, sizeof uri, "qemu+unix:///system?socket=%s", path);
    nv_uri u;
    nv_err e;
    nv_err_clear(&e);
    CHECK_INT(nv_rpc_uri_parse(uri, &u, &e), 0);
    nv_transport t;
    CHECK_INT(nv_rpc_transport_open(&u, NULL, &t, &e), 0);
    CHECK_STR(t.desc, path);
    nv_rpc_transport_close(&t);
    nv_rpc_uri_free(&u);
    close(lfd);

    /* Once the listener is gone, the error names the socket. */
    unlink(path);
    CHECK_INT(nv_rpc_uri_parse(uri, &u, &e), 0);
    nv_transport_opts o = {0};
    CHECK_INT(nv_rpc_transport_open(&u, &o, &t, &e), -1);
    char want[300];
    snprintf(want, sizeof want,
             "cannot connect to %s: no such file (is the libvirt daemon for it running?)", path);
    CHECK_STR(e.msg, want);
    nv_rpc_uri_free(&u);
    rm_rf(dir);
}

TEST(transport_open_unsupported_transports)
{
    static const struct {
        const char *uri, *msg;
    } cases[] = {
        {"qemu://host/system",
         "transport 'tls' is not supported yet (a URI with a host and no +transport means TLS; "
         "for ssh use qemu+ssh://host/system)"},
        {"qemu+tls://u@host:16514/system",
         "transport 'tls' is not supported yet (use qemu+ssh://u@host/system)"},
        {"qemu+tcp://[::1]:16509/system",
         "transport 'tcp' is not supported yet (use qemu+ssh://[::1]/system)"},
        {"qemu+libssh://h/system", "transport 'libssh' is not supported yet (use qemu+ssh://h/system)"},
        {"qemu+libssh2://h/system",
         "transport 'libssh2' is not supported yet (use qemu+ssh://h/system)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nv_uri u;
        nv_err e;
        CHECK_INT(nv_rpc_uri_parse(cases[i].uri, &u, &e), 0);
        nv_transport t;
        CHECK_INT(nv_rpc_transport_open(&u, NULL, &t, &e), -1);
        CHECK_STR(e.msg, cases[i].msg);
        CHECK_INT(t.rfd, -1);
        nv_rpc_uri_free(&u);
    }
}

/* ---- autostart ---------------------------------------------------------- */

TEST(transport_autostart_spawns_detached_daemon)
{
    char dir[64], rt[128], sock[160], marker[128], daemon[128], script[1024], lock[200];
    CHECK(make_tmpdir(dir, sizeof dir) != NULL);
    snprintf(rt, sizeof rt, "%s/rt", dir);
    snprintf(sock, sizeof sock, "%s/libvirt-sock", rt);
    snprintf(marker, sizeof marker, "%s/marker", dir);
    snprintf(daemon, sizeof daemon, "%s/fake-daemon", dir);
    snprintf(lock, sizeof lock, "%s/fake-daemon.lock", rt);
    /* Records its arguments, stdio, cwd and session id. */
    snprintf(script, sizeof script,
             "#!/bin/sh\n"
             "{ printf '%%s\\n' \"$@\"; readlink /proc/self/fd/0; readlink /proc/self/fd/2;"
             " pwd; cut -d' ' -f6 /proc/$$/stat; } > %s.tmp\n"
             "mv %s.tmp %s\n",
             marker, marker, marker);
    CHECK_INT(write_script(daemon, script), 0);

    /* Stands in for the daemon's socket: appears once the daemon has run. */
    pid_t helper = fork();
    if (helper == 0) {
        long long deadline = ms_now() + 5000;
        while (access(marker, F_OK) != 0 && ms_now() < deadline)
            nap(10);
        int lfd = listen_unix(sock, 1);
        if (lfd < 0)
            _exit(1);
        struct pollfd p = {lfd, POLLIN, 0};
        if (poll(&p, 1, 5000) != 1)
            _exit(2);
        int s = accept(lfd, NULL, NULL);
        char c;
        _exit(s >= 0 && read(s, &c, 1) == 0 ? 0 : 3);
    }

    nv_transport t;
    nv_err e;
    nv_err_clear(&e);
    int rc = nv_rpc_transport_autostart(daemon, rt, sock, NULL, 0, &t, &e);
    CHECK_INT(rc, 0);
    if (rc != 0)
        check_fail(__FILE__, __LINE__, "%s", e.msg);
    CHECK_STR(t.desc, sock);
    nv_rpc_transport_close(&t);
    int st = 0;
    waitpid(helper, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);

    char buf[512] = "";
    int fd = open(marker, O_RDONLY);
    CHECK(fd >= 0);
    if (fd >= 0) {
        read_all(fd, buf, sizeof buf, 1000);
        close(fd);
    }
    char want[64];
    snprintf(want, sizeof want, "--timeout=120\n/dev/null\n/dev/null\n/\n");
    CHECK(strncmp(buf, want, strlen(want)) == 0);
    long sid = strtol(buf + strlen(want), NULL, 10);
    CHECK(sid > 0 && sid != (long)getsid(0)); /* its own session */

    struct stat sb;
    CHECK_INT(stat(rt, &sb), 0);
    CHECK_INT(sb.st_mode & 0777, 0700);
    CHECK(access(lock, F_OK) != 0); /* lock file removed, as libvirt does */
    rm_rf(dir);
}

TEST(transport_autostart_running_daemon_is_not_spawned)
{
    char dir[64], sock[128];
    CHECK(make_tmpdir(dir, sizeof dir) != NULL);
    snprintf(sock, sizeof sock, "%s/libvirt-sock", dir);
    int lfd = listen_unix(sock, 1);
    CHECK(lfd >= 0);
    nv_transport t;
    nv_err e;
    nv_err_clear(&e);
    /* The daemon path does not exist: success shows it was never run. */
    CHECK_INT(nv_rpc_transport_autostart("/nonexistent/virtqemud", dir, sock, NULL, 0, &t, &e), 0);
    nv_rpc_transport_close(&t);
    close(lfd);
    rm_rf(dir);
}

TEST(transport_autostart_exec_failure)
{
    char dir[64], sock[128], daemon[128];
    CHECK(make_tmpdir(dir, sizeof dir) != NULL);
    snprintf(sock, sizeof sock, "%s/libvirt-sock", dir);
    snprintf(daemon, sizeof daemon, "%s/not-executable", dir);
    CHECK_INT(write_script(daemon, "#!/bin/sh\n"), 0);
    CHECK_INT(chmod(daemon, 0644), 0);
    nv_transport t;
    nv_err e;
    long long start = ms_now();
    CHECK_INT(nv_rpc_transport_autostart(daemon, dir, sock, NULL, 0, &t, &e), -1);
    CHECK(ms_now() - start < 3000);
    char want[300];
    snprintf(want, sizeof want, "cannot start %s: Permission denied", daemon);
    CHECK_STR(e.msg, want);
    rm_rf(dir);
}

/* The whole unix path of nv_rpc_transport_open for qemu:///session: session
 * directory from XDG_RUNTIME_DIR, modular daemon found via VIRTD_PATH,
 * autostart. Runs in a child as uid 65534 when we are root (root never uses
 * the session daemon). */
TEST(transport_open_session_autostarts_modular_daemon)
{
    char dir[64], rt[128], bin[128], daemon[160], marker[160], sock[200], script[512];
    CHECK(make_tmpdir(dir, sizeof dir) != NULL);
    CHECK_INT(chmod(dir, 0755), 0);
    snprintf(rt, sizeof rt, "%s/rt", dir);
    snprintf(bin, sizeof bin, "%s/sbin", dir);
    snprintf(daemon, sizeof daemon, "%s/virtqemud", bin);
    snprintf(marker, sizeof marker, "%s/marker", rt);
    snprintf(sock, sizeof sock, "%s/libvirt/virtqemud-sock", rt);
    CHECK_INT(mkdir(rt, 0700), 0);
    CHECK_INT(mkdir(bin, 0755), 0);
    snprintf(script, sizeof script, "#!/bin/sh\necho \"$@\" > %s.tmp && mv %s.tmp %s\n", marker,
             marker, marker);
    CHECK_INT(write_script(daemon, script), 0);
    int as_nobody = geteuid() == 0;
    if (as_nobody) {
        printf("  (running as root: the session connection runs in a child as uid 65534)\n");
        CHECK_INT(chown(rt, 65534, 65534), 0);
    }

    int p[2];
    CHECK_INT(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        if (as_nobody && (setgid(65534) < 0 || setuid(65534) < 0))
            _exit(2);
        setenv("XDG_RUNTIME_DIR", rt, 1);
        setenv("VIRTD_PATH", bin, 1);
        unsetenv("LIBVIRT_AUTOSTART");
        pid_t helper = fork();
        if (helper == 0) { /* the "daemon's" socket, once it has run */
            long long deadline = ms_now() + 5000;
            while (access(marker, F_OK) != 0 && ms_now() < deadline)
                nap(10);
            int lfd = listen_unix(sock, 1);
            struct pollfd pf = {lfd, POLLIN, 0};
            if (lfd < 0 || poll(&pf, 1, 5000) != 1)
                _exit(1);
            int s = accept(lfd, NULL, NULL);
            char c;
            _exit(s >= 0 && read(s, &c, 1) == 0 ? 0 : 1);
        }
        nv_uri u;
        nv_err e;
        nv_err_clear(&e);
        nv_transport t;
        int rc = nv_rpc_uri_parse("qemu:///session", &u, &e);
        if (rc == 0)
            rc = nv_rpc_transport_open(&u, NULL, &t, &e);
        char msg[1200];
        snprintf(msg, sizeof msg, "%s", rc == 0 ? t.desc : e.msg);
        if (rc == 0)
            nv_rpc_transport_close(&t);
        ssize_t w = write(p[1], msg, strlen(msg));
        (void)w;
        int st = 0;
        waitpid(helper, &st, 0);
        _exit(rc == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1);
    }
    close(p[1]);
    char msg[1200];
    read_all(p[0], msg, sizeof msg, 15000);
    close(p[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK_STR(msg, sock); /* connected to the modular session socket */
    char buf[64] = "";
    int fd = open(marker, O_RDONLY);
    CHECK(fd >= 0);
    if (fd >= 0) {
        read_all(fd, buf, sizeof buf, 1000);
        close(fd);
    }
    CHECK_STR(buf, "--timeout=120\n");
    rm_rf(dir);
}

/* socket_only (the early connection of apply): a socket that is there
 * connects; one that is not fails at once, with no daemon started and no
 * waiting; ssh and ext are refused without running anything. */
TEST(transport_socket_only_never_waits_or_starts)
{
    char dir[64], rt[128], bin[128], daemon[160], marker[160], sock[200], script[512], uri[300];
    CHECK(make_tmpdir(dir, sizeof dir) != NULL);
    snprintf(rt, sizeof rt, "%s/rt", dir);
    snprintf(bin, sizeof bin, "%s/sbin", dir);
    snprintf(daemon, sizeof daemon, "%s/libvirtd", bin);
    snprintf(marker, sizeof marker, "%s/marker", dir);
    snprintf(sock, sizeof sock, "%s/sock", dir);
    CHECK_INT(mkdir(rt, 0700), 0);
    CHECK_INT(mkdir(bin, 0755), 0);
    snprintf(script, sizeof script, "#!/bin/sh\necho \"$@\" > %s\n", marker);
    CHECK_INT(write_script(daemon, script), 0);

    nv_uri u;
    nv_err e;
    nv_err_clear(&e);
    nv_transport t;
    nv_transport_opts o = {.wait_ms = 5000, .socket_only = 1};
    /* there: connected */
    int lfd = listen_unix(sock, 1);
    CHECK(lfd >= 0);
    snprintf(uri, sizeof uri, "qemu+unix:///system?socket=%s", sock);
    CHECK_INT(nv_rpc_uri_parse(uri, &u, &e), 0);
    CHECK_INT(nv_rpc_transport_open(&u, &o, &t, &e), 0);
    CHECK_STR(t.desc, sock);
    nv_rpc_transport_close(&t);
    close(lfd);
    unlink(sock);
    /* gone: an error at once, though --wait would retry for 5 s */
    long long t0 = ms_now();
    CHECK_INT(nv_rpc_transport_open(&u, &o, &t, &e), -1);
    CHECK(ms_now() - t0 < 2000);
    CHECK(strstr(e.msg, sock) != NULL);
    nv_rpc_uri_free(&u);

    /* a session URI whose daemon could be started: not started */
    pid_t pid = fork();
    if (pid == 0) {
        if (geteuid() == 0 && (chown(rt, 65534, 65534) < 0 || setgid(65534) < 0 || setuid(65534) < 0))
            _exit(2);
        setenv("XDG_RUNTIME_DIR", rt, 1);
        setenv("VIRTD_PATH", bin, 1);
        unsetenv("LIBVIRT_AUTOSTART");
        nv_uri su;
        nv_err se;
        nv_transport st;
        int rc = nv_rpc_uri_parse("qemu:///session", &su, &se);
        _exit(rc == 0 && nv_rpc_transport_open(&su, &o, &st, &se) == -1 ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    nap(200); /* a daemon started in the background would have written by now */
    CHECK(access(marker, F_OK) != 0);

    /* not a socket: refused before anything runs */
    snprintf(uri, sizeof uri, "qemu+ext:///system?command=%s", daemon);
    CHECK_INT(nv_rpc_uri_parse(uri, &u, &e), 0);
    CHECK_INT(nv_rpc_transport_open(&u, &o, &t, &e), -1);
    CHECK_STR(e.msg, "not a local socket");
    nv_rpc_uri_free(&u);
    nap(200);
    CHECK(access(marker, F_OK) != 0);
    rm_rf(dir);
}

/* ---- child processes ---------------------------------------------------- */

TEST(transport_ext_cat_round_trip)
{
    nv_uri u;
    nv_err e;
    nv_err_clear(&e);
    CHECK_INT(nv_rpc_uri_parse("qemu+ext:///system?command=/bin/cat", &u, &e), 0);
    nv_transport t;
    CHECK_INT(nv_rpc_transport_open(&u, NULL, &t, &e), 0);
    CHECK(t.pid > 0);
    CHECK(t.rfd >= 0 && t.wfd >= 0 && t.rfd != t.wfd);
    CHECK_STR(t.desc, "/bin/cat");
    char msg[5000];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (char)('a' + i % 26);
    CHECK_INT(write(t.wfd, msg, sizeof msg), (long long)sizeof msg);
    char back[sizeof msg + 1];
    size_t got = 0;
    while (got < sizeof msg) {
        ssize_t n = read(t.rfd, back + got, sizeof msg - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    CHECK_INT(got, sizeof msg);
    CHECK_MEM(back, msg, sizeof msg);
    pid_t pid = t.pid;
    nv_rpc_transport_close(&t);
    CHECK_INT(t.pid, 0);
    CHECK(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0);
    CHECK(waitpid(pid, NULL, WNOHANG) == -1 && errno == ECHILD); /* reaped */
    nv_rpc_uri_free(&u);
}

TEST(transport_ext_and_spawn_errors)
{
    nv_uri u;
    nv_err e;
    CHECK_INT(nv_rpc_uri_parse("qemu+ext:///system?command=/nonexistent/prog", &u, &e), 0);
    nv_transport t;
    CHECK_INT(nv_rpc_transport_open(&u, NULL, &t, &e), -1);
    CHECK_STR(e.msg, "ext transport: cannot run /nonexistent/prog: No such file or directory");
    CHECK_INT(t.pid, 0);
    CHECK_INT(t.rfd, -1);
    nv_rpc_uri_free(&u);

    char *argv[] = {(char *)"nv-no-such-program-xyz", NULL};
    CHECK_INT(nv_rpc_transport_spawn(argv, &t, &e), -1);
    CHECK_STR(e.msg, "cannot run nv-no-such-program-xyz: No such file or directory (not found in PATH)");
}

TEST(transport_child_status_and_close_escalation)
{
    nv_transport t;
    nv_err e;
    char *argv[] = {(char *)"/bin/sh", (char *)"-c", (char *)"exit 3", NULL};
    CHECK_INT(nv_rpc_transport_spawn(argv, &t, &e), 0);
    char buf[64];
    read_all(t.rfd, buf, sizeof buf, 2000); /* EOF when it exits */
    char why[200] = "";
    long long deadline = ms_now() + 2000;
    while (!nv_rpc_transport_child_status(&t, why, sizeof why) && ms_now() < deadline)
        nap(10);
    CHECK_STR(why, "/bin/sh exited with status 3");
    nv_rpc_transport_close(&t);

    /* A child that ignores end of input gets SIGTERM after 2 s. */
    char *slow[] = {(char *)"sleep", (char *)"30", NULL};
    CHECK_INT(nv_rpc_transport_spawn(slow, &t, &e), 0);
    CHECK_INT(nv_rpc_transport_child_status(&t, why, sizeof why), 0); /* still running */
    long long start = ms_now();
    nv_rpc_transport_close(&t);
    long long took = ms_now() - start;
    CHECK(took >= 1900 && took < 4000);
    CHECK(WIFSIGNALED(t.status) && WTERMSIG(t.status) == SIGTERM);
}

/* A child's stderr is kept for messages, not shown. */
TEST(transport_child_stderr_is_captured)
{
    nv_transport t;
    nv_err e;
    char *argv[] = {(char *)"/bin/sh", (char *)"-c",
                    (char *)"echo ' warn ' >&2; printf 'err\ttwo\r\n\n' >&2; exit 2", NULL};
    CHECK_INT(nv_rpc_transport_spawn(argv, &t, &e), 0);
    CHECK(t.errfd >= 0);
    char buf[64], why[200] = "";
    read_all(t.rfd, buf, sizeof buf, 2000);
    long long deadline = ms_now() + 2000;
    while (!nv_rpc_transport_child_status(&t, why, sizeof why) && ms_now() < deadline)
        nap(10);
    CHECK_STR(why, "/bin/sh exited with status 2");
    char said[128];
    CHECK_INT(nv_rpc_transport_stderr(&t, said, sizeof said), 13);
    CHECK_STR(said, "warn; err two");
    CHECK_INT(nv_rpc_transport_stderr(&t, said, sizeof said), 0); /* read once */
    nv_rpc_transport_close(&t);
    CHECK_INT(t.errfd, -1);
    CHECK_INT(nv_rpc_transport_stderr(&t, said, sizeof said), 0);

    /* much more than is kept: the tail survives, cut to the buffer */
    char *chatty[] = {(char *)"/bin/sh", (char *)"-c",
                      (char *)"i=0; while [ $i -lt 2000 ]; do echo \"line $i\" >&2; i=$((i+1)); done",
                      NULL};
    CHECK_INT(nv_rpc_transport_spawn(chatty, &t, &e), 0);
    read_all(t.rfd, buf, sizeof buf, 5000);
    deadline = ms_now() + 5000;
    while (!nv_rpc_transport_child_status(&t, why, sizeof why) && ms_now() < deadline)
        nap(10);
    char big[2048];
    size_t n = nv_rpc_transport_stderr(&t, big, sizeof big);
    CHECK(n > 100 && n < sizeof big);
    size_t tail = strlen("; line 1998; line 1999");
    CHECK(n >= tail && strcmp(big + n - tail, "; line 1998; line 1999") == 0);
    CHECK(strstr(big, "line 1000;") == NULL);
    nv_rpc_transport_close(&t);

    /* a small buffer, and a socket has none */
    char *one[] = {(char *)"/bin/sh", (char *)"-c", (char *)"echo abcdefghij >&2", NULL};
    CHECK_INT(nv_rpc_transport_spawn(one, &t, &e), 0);
    read_all(t.rfd, buf, sizeof buf, 2000);
    deadline = ms_now() + 2000;
    while (!nv_rpc_transport_child_status(&t, why, sizeof why) && ms_now() < deadline)
        nap(10);
    char small[5];
    CHECK_INT(nv_rpc_transport_stderr(&t, small, sizeof small), 4);
    CHECK_STR(small, "ghij"); /* the end of what it said */
    nv_rpc_transport_close(&t);
    nv_rpc_transport_init(&t);
    CHECK_INT(nv_rpc_transport_stderr(&t, small, sizeof small), 0);
    CHECK_STR(small, "");
}

/* nv_connect_open names the child and what it said when the stream ends. */
TEST(transport_connect_open_explains_dead_child)
{
    char dir[64], script[128], uri[300];
    CHECK(make_tmpdir(dir, sizeof dir) != NULL);
    snprintf(script, sizeof script, "%s/dies", dir);
    CHECK_INT(write_script(script, "#!/bin/sh\necho 'Permission denied (publickey).' >&2\nexit 255\n"),
              0);
    snprintf(uri, sizeof uri, "qemu+ext:///system?command=%s", script);
    nv_err e;
    nv_err_clear(&e);
    CHECK(nv_connect_open(uri, NULL, &e) == NULL);
    CHECK_INT(e.kind, NV_ERR_CONNECT);
    char want[400];
    snprintf(want, sizeof want,
             "%s exited with status 255 (Permission denied (publickey).): the daemon closed the "
             "connection", script);
    CHECK_STR(e.msg, want);
    rm_rf(dir);
}

TEST(transport_write_to_dead_child_is_epipe)
{
    nv_transport t;
    nv_err e;
    char *argv[] = {(char *)"/bin/true", NULL};
    CHECK_INT(nv_rpc_transport_spawn(argv, &t, &e), 0);
    /* Wait for the exit itself: coreutils closes stdout before exiting. */
    char why[200] = "";
    long long deadline = ms_now() + 2000;
    while (!nv_rpc_transport_child_status(&t, why, sizeof why) && ms_now() < deadline)
        nap(10);
    CHECK_STR(why, "/bin/true exited with status 0");
    /* SIGPIPE is ignored, so this returns EPIPE instead of killing the tests. */
    ssize_t n = write(t.wfd, "x", 1);
    if (!(n == -1 && errno == EPIPE))
        check_fail(__FILE__, __LINE__, "write gave %zd, errno %d", n, errno);
    nv_rpc_transport_close(&t);
}

/* ---- ssh ---------------------------------------------------------------- */

static const char echo_args[] = "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n";

TEST(transport_ssh_runs_ssh_with_libvirt_arguments)
{
    char dir[64], fake[128], uri[400], out[4096];
    CHECK(make_tmpdir(dir, sizeof dir) != NULL);
    snprintf(fake, sizeof fake, "%s/fake-ssh", dir);
    CHECK_INT(write_script(fake, echo_args), 0);

    snprintf(uri, sizeof uri,
             "qemu+ssh://u@h:2222/system?command=%s&proxy=native&no_tty=1&keyfile=/k%%20x", fake);
    nv_uri u;
    nv_err e;
    nv_err_clear(&e);
    CHECK_INT(nv_rpc_uri_parse(uri, &u, &e), 0);
    nv_transport t;
    nv_transport_opts o = {.readonly = 1};
    CHECK_INT(nv_rpc_transport_open(&u, &o, &t, &e), 0);
    CHECK_STR(t.desc, "ssh to h");
    read_all(t.rfd, out, sizeof out, 3000);
    CHECK_STR(out, "-p\n2222\n-l\nu\n-i\n/k x\n-T\n-e\nnone\n-o\nBatchMode=yes\n--\nh\n"
                   "sh -c 'exec virt-ssh-helper -r qemu:///system'\n");
    nv_rpc_transport_close(&t);
    CHECK(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0);
    nv_rpc_uri_free(&u);

    /* The default proxy for a system URI: helper, else nc on libvirt-sock. */
    snprintf(uri, sizeof uri, "qemu+ssh://h/system?command=%s", fake);
    CHECK_INT(nv_rpc_uri_parse(uri, &u, &e), 0);
    CHECK_INT(nv_rpc_transport_open(&u, NULL, &t, &e), 0);
    read_all(t.rfd, out, sizeof out, 3000);
    CHECK(strstr(out, "then exec virt-ssh-helper qemu:///system; fi;") != NULL);
    CHECK(strstr(out, "-U /var/run/libvirt/libvirt-sock'\n") != NULL);
    nv_rpc_transport_close(&t);
    nv_rpc_uri_free(&u);
    rm_rf(dir);
}

/* Runs the remote command as the remote login shell would. */
static void run_remote(const char *cmd, char *out, size_t n)
{
    char *argv[] = {(char *)"/bin/sh", (char *)"-c", (char *)cmd, NULL};
    nv_transport t;
    nv_err e;
    out[0] = '\0';
    if (nv_rpc_transport_spawn(argv, &t, &e) < 0) {
        check_fail(__FILE__, __LINE__, "%s", e.msg);
        return;
    }
    close(t.wfd); /* nothing to send */
    t.wfd = -1;
    read_all(t.rfd, out, n, 5000);
    nv_rpc_transport_close(&t);
}

TEST(transport_ssh_remote_command_runs_under_sh)
{
    char dir[64], bin[128], nc[160], nc_quiet[160], helper[160];
    CHECK(make_tmpdir(dir, sizeof dir) != NULL);
    snprintf(bin, sizeof bin, "%s/bin", dir);
    CHECK_INT(mkdir(bin, 0755), 0);
    /* An OpenBSD-like nc that needs -q0, one without -q, and the helper. */
    snprintf(nc, sizeof nc, "%s/my nc", dir);
    CHECK_INT(write_script(nc, "#!/bin/sh\n"
                               "if [ \"$#\" = 1 ] && [ \"$1\" = -q ]; then\n"
                               "  echo 'nc: option requires an argument -- q' >&2; exit 1; fi\n"
                               "for a in \"$@\"; do printf 'nc:%s\\n' \"$a\"; done\n"),
              0);
    snprintf(nc_quiet, sizeof nc_quiet, "%s/nc'q", dir);
    CHECK_INT(write_script(nc_quiet, "#!/bin/sh\n"
                                     "if [ \"$#\" = 1 ]; then exit 1; fi\n"
                                     "for a in \"$@\"; do printf 'nc:%s\\n' \"$a\"; done\n"),
              0);
    /* A PATH with sh and grep but no virt-ssh-helper (the host may have one). */
    char bare[128], link[200];
    snprintf(bare, sizeof bare, "%s/bare", dir);
    CHECK_INT(mkdir(bare, 0755), 0);
    snprintf(link, sizeof link, "%s/sh", bare);
    CHECK_INT(symlink("/bin/sh", link), 0);
    snprintf(link, sizeof link, "%s/grep", bare);
    CHECK_INT(symlink(access("/bin/grep", X_OK) == 0 ? "/bin/grep" : "/usr/bin/grep", link), 0);
    snprintf(helper, sizeof helper, "%s/virt-ssh-helper", bin);
    CHECK_INT(write_script(helper, "#!/bin/sh\n"
                                   "for a in \"$@\"; do printf 'helper:%s\\n' \"$a\"; done\n"),
              0);

    nv_buf b;
    nv_err e;
    char out[2048];
    nv_buf_init(&b, 0);
    CHECK_INT(nv_rpc_ssh_remote_command(NV_URI_PROXY_NETCAT, nc, "/tmp/my sock", "qemu:///system",
                                        0, &b, &e),
              0);
    run_remote(nv_buf_cstr(&b), out, sizeof out);
    CHECK_STR(out, "nc:-q0\nnc:-U\nnc:/tmp/my sock\n");

    nv_buf_reset(&b);
    CHECK_INT(nv_rpc_ssh_remote_command(NV_URI_PROXY_NETCAT, nc_quiet, "/s;rm -rf x", "n", 0, &b,
                                        &e),
              0);
    run_remote(nv_buf_cstr(&b), out, sizeof out);
    CHECK_STR(out, "nc:-U\nnc:/s;rm -rf x\n");

    /* auto: the helper when the remote PATH has it, else nc. */
    const char *old = getenv("PATH");
    char *saved = strdup(old ? old : "/usr/bin:/bin");
    char path[300];
    snprintf(path, sizeof path, "%s:%s", bin, bare);
    setenv("PATH", path, 1);
    nv_buf_reset(&b);
    CHECK_INT(nv_rpc_ssh_remote_command(NV_URI_PROXY_AUTO, nc, "/s", "qemu:///system?x=a%20b'",
                                        1, &b, &e),
              0);
    run_remote(nv_buf_cstr(&b), out, sizeof out);
    CHECK_STR(out, "helper:-r\nhelper:qemu:///system?x=a%20b'\n");
    nv_buf_reset(&b);
    CHECK_INT(nv_rpc_ssh_remote_command(NV_URI_PROXY_NATIVE, NULL, NULL, "qemu:///session", 0,
                                        &b, &e),
              0);
    run_remote(nv_buf_cstr(&b), out, sizeof out);
    CHECK_STR(out, "helper:qemu:///session\n");

    setenv("PATH", bare, 1);
    nv_buf_reset(&b);
    CHECK_INT(nv_rpc_ssh_remote_command(NV_URI_PROXY_AUTO, nc, "/s", "qemu:///system", 0, &b, &e),
              0);
    run_remote(nv_buf_cstr(&b), out, sizeof out);
    CHECK_STR(out, "nc:-q0\nnc:-U\nnc:/s\n");
    setenv("PATH", saved, 1);
    free(saved);
    nv_buf_free(&b);
    rm_rf(dir);
}

/* A child that writes far more to stderr than a pipe holds (ssh -vvv) before
 * it carries the stream: stderr is drained while we wait, so nothing blocks,
 * and its last words are kept. */
TEST(transport_chatty_child_does_not_block)
{
    sdaemon *d = sd_listen(NULL, 0, 0);
    const char *sock = strstr(sd_uri(d), "socket=") + 7;
    char dir[64], script[128], body[512], uri[300];
    CHECK(make_tmpdir(dir, sizeof dir) != NULL);
    snprintf(script, sizeof script, "%s/chatty", dir);
    snprintf(body, sizeof body,
             "#!/bin/sh\nhead -c 300000 /dev/zero | tr '\\0' v >&2\necho >&2\necho 'debug3: last words' >&2\n"
             "exec nc -U %s\n", sock);
    CHECK_INT(write_script(script, body), 0);
    snprintf(uri, sizeof uri, "qemu+ext:///system?command=%s", script);
    nv_err e;
    nv_connect_opts o = {.timeout_seconds = 10}; /* a child that blocks fails instead of hanging */
    long long t0 = ms_now();
    nv_conn *c = nv_connect_open(uri, &o, &e);
    CHECK(c != NULL);
    if (!c)
        fprintf(stderr, "  %s\n", e.msg);
    CHECK(ms_now() - t0 < 5000);
    if (c) {
        char said[256];
        nv_rpc_transport_stderr(&c->transport, said, sizeof said);
        CHECK_STR(said, "debug3: last words");
        nv_connect_close(c);
    }
    CHECK_INT(sd_stop(d), 0);
    sd_free(d);
    unlink(script);
    rmdir(dir);
}
