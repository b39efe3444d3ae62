/* Pure parts of the transports: socket choice (with a fake filesystem),
 * the session directory, and the ssh argument vector per proxy mode. */
#include "check.h"
#include "rpc/sockets.h"
#include "rpc/ssh.h"
#include "rpc/transport.h"
#include "rpc/uri.h"

#include <stdlib.h>
#include <string.h>

/* A fake filesystem: a comma-separated list of existing paths and one of
 * installed daemons. */
struct fake_fs {
    const char *paths;
    const char *daemons;
};

static int in_list(const char *list, const char *item)
{
    size_t n = strlen(item);
    for (const char *p = list; p && *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, item, n) == 0)
            return 1;
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

static int fake_exists(void *ctx, const char *path)
{
    return in_list(((struct fake_fs *)ctx)->paths, path);
}

static int fake_daemon(void *ctx, const char *name)
{
    return in_list(((struct fake_fs *)ctx)->daemons, name);
}

#define SYS "/run/libvirt/"
#define SES "/run/user/1000/libvirt/"

static const struct sock_case {
    const char *uri;
    unsigned euid;
    int readonly;
    int autostart_env;
    const char *exists, *installed;
    /* expected; path NULL means an error containing `daemon` */
    const char *path, *daemon, *hint;
    enum nv_uri_mode mode;
    int session, autostart;
} sock_cases[] = {
    /* system, monolithic Debian-like host: nothing there, no modular daemon */
    {"qemu:///system", 0, 0, 1, "", "", SYS "libvirt-sock", "libvirtd", "libvirtd/virtqemud",
     NV_URI_MODE_LEGACY, 0, 0},
    /* nothing there, but virtqemud installed: direct */
    {"qemu:///system", 0, 0, 1, "", "virtqemud", SYS "virtqemud-sock", "virtqemud",
     "libvirtd/virtqemud", NV_URI_MODE_DIRECT, 0, 0},
    {"qemu:///system", 0, 0, 1, SYS "virtqemud-sock", "", SYS "virtqemud-sock", "virtqemud",
     "virtqemud", NV_URI_MODE_DIRECT, 0, 0},
    {"qemu:///system", 0, 0, 1, SYS "libvirt-sock", "virtqemud", SYS "libvirt-sock", "libvirtd",
     "libvirtd", NV_URI_MODE_LEGACY, 0, 0},
    {"qemu:///system", 0, 0, 1, SYS "libvirt-sock," SYS "virtqemud-sock", "", SYS "virtqemud-sock",
     "virtqemud", "virtqemud", NV_URI_MODE_DIRECT, 0, 0},
    {"qemu:///system", 1000, 1, 1, SYS "libvirt-sock-ro", "", SYS "libvirt-sock-ro", "libvirtd",
     "libvirtd", NV_URI_MODE_LEGACY, 0, 0},
    {"qemu:///system", 0, 1, 1, "", "virtqemud", SYS "virtqemud-sock-ro", "virtqemud",
     "libvirtd/virtqemud", NV_URI_MODE_DIRECT, 0, 0},
    {"qemu:///system?mode=legacy", 0, 0, 1, SYS "virtqemud-sock", "virtqemud", SYS "libvirt-sock",
     "libvirtd", "libvirtd", NV_URI_MODE_LEGACY, 0, 0},
    {"qemu:///system?mode=direct", 0, 0, 1, "", "", SYS "virtqemud-sock", "virtqemud",
     "virtqemud", NV_URI_MODE_DIRECT, 0, 0},
    {"lxc:///", 0, 0, 1, SYS "virtlxcd-sock", "", SYS "virtlxcd-sock", "virtlxcd", "virtlxcd",
     NV_URI_MODE_DIRECT, 0, 0},
    {"network:///system", 0, 0, 1, SYS "virtnetworkd-sock", "", SYS "virtnetworkd-sock",
     "virtnetworkd", "virtnetworkd", NV_URI_MODE_DIRECT, 0, 0},
    {"xen:///system", 0, 0, 1, "", "virtxend", SYS "virtxend-sock", "virtxend",
     "libvirtd/virtxend", NV_URI_MODE_DIRECT, 0, 0},
    /* session: per-user directory, no -ro, autostart */
    {"qemu:///session", 1000, 0, 1, "", "", SES "libvirt-sock", "libvirtd", "libvirtd/virtqemud",
     NV_URI_MODE_LEGACY, 1, 1},
    {"qemu:///session", 1000, 1, 1, "", "virtqemud", SES "virtqemud-sock", "virtqemud",
     "libvirtd/virtqemud", NV_URI_MODE_DIRECT, 1, 1},
    {"qemu:///session", 1000, 0, 0, SES "libvirt-sock", "", SES "libvirt-sock", "libvirtd",
     "libvirtd", NV_URI_MODE_LEGACY, 1, 0},
    /* root's /session goes to the system daemon */
    {"qemu:///session", 0, 0, 1, "", "", SYS "libvirt-sock", "libvirtd", "libvirtd/virtqemud",
     NV_URI_MODE_LEGACY, 0, 0},
    /* test driver: session for users, never a modular daemon */
    {"test:///default", 1000, 0, 1, "", "virtqemud", SES "libvirt-sock", "libvirtd", "libvirtd",
     NV_URI_MODE_LEGACY, 1, 1},
    {"test:///default", 0, 0, 1, "", "", SYS "libvirt-sock", "libvirtd", "libvirtd",
     NV_URI_MODE_LEGACY, 0, 0},
    {"test:///default?mode=direct", 0, 0, 1, "", "", NULL, "has no per-driver daemon", NULL, 0, 0,
     0},
    /* socket= wins, no autostart */
    {"qemu+unix:///session?socket=/tmp/s", 1000, 1, 1, "", "", "/tmp/s", "",
     "the libvirt daemon for it", NV_URI_MODE_AUTO, 1, 0},
    /* ssh: the remote socket, legacy, /var/run, no autostart */
    {"qemu+ssh://h/system", 0, 0, 1, SYS "virtqemud-sock", "virtqemud",
     "/var/run/libvirt/libvirt-sock", "libvirtd", "libvirtd", NV_URI_MODE_LEGACY, 0, 0},
    {"qemu+ssh://h/system", 0, 1, 1, "", "", "/var/run/libvirt/libvirt-sock-ro", "libvirtd",
     "libvirtd", NV_URI_MODE_LEGACY, 0, 0},
    {"qemu+ssh://h/session", 1000, 0, 1, "", "", SES "libvirt-sock", "libvirtd", "libvirtd",
     NV_URI_MODE_LEGACY, 1, 0},
    {"qemu+ssh://h/system?mode=direct", 0, 0, 1, "", "", NULL,
     "mode=direct cannot be used with the ssh transport", NULL, 0, 0, 0},
    {"qemu+ext:///system?command=/bin/cat", 0, 0, 1, "", "", NULL,
     "the ext transport does not use a unix socket", NULL, 0, 0, 0},
};

TEST(transport_sock_choice_table)
{
    for (size_t i = 0; i < sizeof sock_cases / sizeof sock_cases[0]; i++) {
        const struct sock_case *c = &sock_cases[i];
        struct fake_fs fs = {c->exists, c->installed};
        nv_sock_probe probe = {fake_exists, fake_daemon, &fs};
        nv_sock_env env = {c->euid, "/run/user/1000/libvirt", c->autostart_env};
        nv_uri u;
        nv_err e;
        nv_err_clear(&e);
        if (nv_rpc_uri_parse(c->uri, &u, &e) < 0) {
            check_fail(__FILE__, __LINE__, "case %zu %s: %s", i, c->uri, e.msg);
            continue;
        }
        nv_sock_choice ch;
        int rc = nv_rpc_sock_choose(&u, c->readonly, &env, &probe, &ch, &e);
        if (!c->path) {
            if (rc != -1 || !strstr(e.msg, c->daemon))
                check_fail(__FILE__, __LINE__, "case %zu %s: want error \"%s\", got rc %d \"%s\"",
                           i, c->uri, c->daemon, rc, e.msg);
        } else if (rc != 0) {
            check_fail(__FILE__, __LINE__, "case %zu %s: error %s", i, c->uri, e.msg);
        } else if (strcmp(ch.path, c->path) || strcmp(ch.daemon, c->daemon) ||
                   strcmp(ch.hint, c->hint) || ch.mode != c->mode || ch.session != c->session ||
                   ch.autostart != c->autostart) {
            check_fail(__FILE__, __LINE__,
                       "case %zu %s: got path=%s daemon=%s hint=%s mode=%d session=%d "
                       "autostart=%d",
                       i, c->uri, ch.path, ch.daemon, ch.hint, ch.mode, ch.session, ch.autostart);
        }
        nv_rpc_uri_free(&u);
    }
}

TEST(transport_sock_choice_needs_session_dir)
{
    struct fake_fs fs = {"", ""};
    nv_sock_probe probe = {fake_exists, fake_daemon, &fs};
    nv_sock_env env = {1000, NULL, 1};
    nv_uri u;
    nv_err e;
    nv_sock_choice ch;
    CHECK_INT(nv_rpc_uri_parse("qemu:///session", &u, &e), 0);
    CHECK_INT(nv_rpc_sock_choose(&u, 0, &env, &probe, &ch, &e), -1);
    CHECK(strstr(e.msg, "XDG_RUNTIME_DIR") != NULL);
    nv_rpc_uri_free(&u);
    /* The system socket does not need it. */
    CHECK_INT(nv_rpc_uri_parse("qemu:///system", &u, &e), 0);
    CHECK_INT(nv_rpc_sock_choose(&u, 0, &env, &probe, &ch, &e), 0);
    CHECK_STR(ch.path, "/run/libvirt/libvirt-sock");
    nv_rpc_uri_free(&u);
}

TEST(transport_session_dir)
{
    char buf[256];
    nv_err e;
    CHECK_INT(nv_rpc_session_dir("/run/user/1000", "/c", "/home/u", buf, sizeof buf, &e), 0);
    CHECK_STR(buf, "/run/user/1000/libvirt");
    CHECK_INT(nv_rpc_session_dir("", "/c", "/home/u", buf, sizeof buf, &e), 0);
    CHECK_STR(buf, "/c/libvirt");
    CHECK_INT(nv_rpc_session_dir(NULL, "", "/home/u", buf, sizeof buf, &e), 0);
    CHECK_STR(buf, "/home/u/.cache/libvirt");
    CHECK_INT(nv_rpc_session_dir(NULL, NULL, NULL, buf, sizeof buf, &e), -1);
    CHECK(strstr(e.msg, "HOME are all unset") != NULL);
    CHECK_INT(nv_rpc_session_dir("/a/very/long/runtime/dir", NULL, NULL, buf, 10, &e), -1);
    CHECK(strstr(e.msg, "too long") != NULL);
}

/* ---- ssh ---------------------------------------------------------------- */

#define AUTO_CMD                                                                              \
    "sh -c 'if command -v virt-ssh-helper >/dev/null 2>&1; then exec virt-ssh-helper "        \
    "qemu:///system; fi; ARG=; if nc -q 2>&1 | grep -q \"requires an argument\"; then "      \
    "ARG=-q0; fi; exec nc $ARG -U /var/run/libvirt/libvirt-sock'"

static void check_argv(const char *file, int line, const nv_argv *a, const char *const *want)
{
    int n = 0;
    while (want[n])
        n++;
    if (a->argc != n) {
        check_fail(file, line, "argc %d, want %d", a->argc, n);
        for (int i = 0; i < a->argc; i++)
            check_fail(file, line, "  argv[%d] = %s", i, a->argv[i]);
        return;
    }
    for (int i = 0; i < n; i++)
        if (strcmp(a->argv[i], want[i]) != 0)
            check_fail(file, line, "argv[%d] = \"%s\", want \"%s\"", i, a->argv[i], want[i]);
    if (a->argv[n] != NULL)
        check_fail(file, line, "argv not NULL-terminated");
}

/* Builds the argv for uri the way open does (socket choice for non-native). */
static int build_ssh(const char *uri, int session, int readonly, const char *remote_sock,
                     nv_argv *av, nv_err *e)
{
    nv_uri u;
    if (nv_rpc_uri_parse(uri, &u, e) < 0) {
        nv_rpc_uri_free(&u);
        return -1;
    }
    char *name = nv_rpc_uri_open_name(&u, e);
    int rc = nv_rpc_ssh_argv(&u, session, remote_sock, name, readonly, av, e);
    free(name);
    nv_rpc_uri_free(&u);
    return rc;
}

TEST(transport_ssh_argv_auto)
{
    nv_argv av;
    nv_err e;
    CHECK_INT(build_ssh("qemu+ssh://user@host:2222/system?keyfile=/k&no_verify=1&no_tty=1", 0, 0,
                        "/var/run/libvirt/libvirt-sock", &av, &e),
              0);
    static const char *const want[] = {
        "ssh", "-p", "2222", "-l", "user", "-i", "/k", "-T", "-e", "none", "-o", "BatchMode=yes",
        "-o", "StrictHostKeyChecking=no", "--", "host", AUTO_CMD, NULL};
    check_argv(__FILE__, __LINE__, &av, want);
    nv_rpc_argv_free(&av);

    /* Minimal: no port, user, key or options; IPv6 host without brackets. */
    CHECK_INT(build_ssh("qemu+ssh://[::1]/system", 0, 0, "/var/run/libvirt/libvirt-sock", &av,
                        &e),
              0);
    static const char *const want2[] = {"ssh", "-T", "-e", "none", "--", "::1", AUTO_CMD, NULL};
    check_argv(__FILE__, __LINE__, &av, want2);
    nv_rpc_argv_free(&av);

    /* No host: localhost; command= replaces the ssh binary. */
    CHECK_INT(build_ssh("qemu+ssh:///system?command=/opt/ssh", 0, 0,
                        "/var/run/libvirt/libvirt-sock", &av, &e),
              0);
    static const char *const want3[] = {"/opt/ssh", "-T", "-e", "none", "--", "localhost",
                                        AUTO_CMD, NULL};
    check_argv(__FILE__, __LINE__, &av, want3);
    nv_rpc_argv_free(&av);
}

TEST(transport_ssh_argv_native)
{
    nv_argv av;
    nv_err e;
    CHECK_INT(build_ssh("qemu+ssh://h/system?proxy=native", 0, 1, NULL, &av, &e), 0);
    static const char *const want[] = {"ssh", "-T", "-e", "none", "--", "h",
                                       "sh -c 'exec virt-ssh-helper -r qemu:///system'", NULL};
    check_argv(__FILE__, __LINE__, &av, want);
    nv_rpc_argv_free(&av);

    /* A session URI defaults to native; parameters passed on are quoted. */
    CHECK_INT(build_ssh("qemu+ssh://h/session?x=a%20b", 1, 0, NULL, &av, &e), 0);
    static const char *const want2[] = {
        "ssh", "-T", "-e", "none", "--", "h",
        "sh -c 'exec virt-ssh-helper '\\''qemu:///session?x=a%20b'\\'''", NULL};
    check_argv(__FILE__, __LINE__, &av, want2);
    nv_rpc_argv_free(&av);

    CHECK_INT(build_ssh("qemu+ssh://h/system?proxy=native&netcat=nc", 0, 0, NULL, &av, &e), -1);
    CHECK(strstr(e.msg, "netcat= cannot be used with proxy=native") != NULL);
}

TEST(transport_ssh_argv_netcat)
{
    nv_argv av;
    nv_err e;
    /* socket= selects netcat by default; awkward names are quoted twice. */
    CHECK_INT(build_ssh("qemu+ssh://h/system?socket=/tmp/my%20sock&netcat=/opt/my%20nc", 0, 0,
                        "/tmp/my sock", &av, &e),
              0);
    static const char *const want[] = {
        "ssh", "-T", "-e", "none", "--", "h",
        "sh -c 'ARG=; if '\\''/opt/my nc'\\'' -q 2>&1 | grep -q \"requires an argument\"; then "
        "ARG=-q0; fi; exec '\\''/opt/my nc'\\'' $ARG -U '\\''/tmp/my sock'\\'''",
        NULL};
    check_argv(__FILE__, __LINE__, &av, want);
    nv_rpc_argv_free(&av);

    /* netcat= with the auto proxy means netcat. */
    CHECK_INT(build_ssh("qemu+ssh://h/system?netcat=ncat", 0, 0, "/var/run/libvirt/libvirt-sock",
                        &av, &e),
              0);
    CHECK(strncmp(av.argv[av.argc - 1], "sh -c 'ARG=; if ncat -q", 23) == 0);
    nv_rpc_argv_free(&av);

    /* The netcat proxy cannot work without a socket path. */
    CHECK_INT(build_ssh("qemu+ssh://h/system?proxy=netcat", 0, 0, NULL, &av, &e), -1);
    CHECK(strstr(e.msg, "needs the remote socket path") != NULL);
}

TEST(transport_ssh_proxy_defaults)
{
    static const struct {
        const char *uri;
        int session;
        enum nv_uri_proxy want;
    } cases[] = {
        {"qemu+ssh://h/system", 0, NV_URI_PROXY_AUTO},
        {"qemu+ssh://h/session", 1, NV_URI_PROXY_NATIVE},
        {"qemu+ssh://h/session?socket=/s", 1, NV_URI_PROXY_NETCAT},
        {"qemu+ssh://h/system?netcat=nc", 0, NV_URI_PROXY_NETCAT},
        {"qemu+ssh://h/system?proxy=auto&netcat=nc", 0, NV_URI_PROXY_NETCAT},
        {"qemu+ssh://h/system?proxy=native", 0, NV_URI_PROXY_NATIVE},
        {"qemu+ssh://h/session?proxy=auto", 1, NV_URI_PROXY_AUTO},
        {"qemu+ssh://h/system?socket=/s&proxy=native", 0, NV_URI_PROXY_NATIVE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nv_uri u;
        nv_err e;
        CHECK_INT(nv_rpc_uri_parse(cases[i].uri, &u, &e), 0);
        if (nv_rpc_ssh_proxy(&u, cases[i].session) != cases[i].want)
            check_fail(__FILE__, __LINE__, "%s: proxy %d, want %d", cases[i].uri,
                       nv_rpc_ssh_proxy(&u, cases[i].session), cases[i].want);
        nv_rpc_uri_free(&u);
    }
}
