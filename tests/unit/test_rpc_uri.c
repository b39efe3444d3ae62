/* URI parsing, client parameters, the connect-open name and the default URI.
 * The expected open names were checked against virsh 9.0's debug output
 * ("proceeding with name = ..."). */
#include "check.h"
#include "rpc/uri.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define U NV_URI_UNIX
#define S NV_URI_SSH
#define X NV_URI_EXT

static const struct ok_case {
    const char *text;
    const char *driver;
    enum nv_uri_transport transport;
    const char *user, *host;
    int port;
    const char *path;
    const char *open_name;
} ok_cases[] = {
    {"qemu:///system", "qemu", U, NULL, NULL, 0, "/system", "qemu:///system"},
    {"qemu:///session", "qemu", U, NULL, NULL, 0, "/session", "qemu:///session"},
    {"lxc:///system", "lxc", U, NULL, NULL, 0, "/system", "lxc:///system"},
    {"lxc:///", "lxc", U, NULL, NULL, 0, "/", "lxc:///"},
    {"test:///default", "test", U, NULL, NULL, 0, "/default", "test:///default"},
    {"network:///system", "network", U, NULL, NULL, 0, "/system", "network:///system"},
    {"qemu+unix:///system?socket=/run/x.sock", "qemu", U, NULL, NULL, 0, "/system",
     "qemu:///system"},
    {"qemu+ssh://user@host:2222/system?keyfile=/k&no_verify=1&netcat=/bin/nc&proxy=auto",
     "qemu", S, "user", "host", 2222, "/system", "qemu:///system"},
    {"qemu+ext:///system?command=/bin/foo", "qemu", X, NULL, NULL, 0, "/system",
     "qemu:///system"},
    {"qemu+ext:///system?command=/bin/true&foo=1", "qemu", X, NULL, NULL, 0, "/system",
     "qemu:///system?foo=1"},
    {"qemu+ssh://[::1]:22/system", "qemu", S, NULL, "::1", 22, "/system", "qemu:///system"},
    {"qemu+ssh://root@[fe80::1:2]/system", "qemu", S, "root", "fe80::1:2", 0, "/system",
     "qemu:///system"},
    {"qemu://host/system", "qemu", NV_URI_TLS, NULL, "host", 0, "/system", "qemu:///system"},
    {"test+tcp://localhost:5000/default", "test", NV_URI_TCP, NULL, "localhost", 5000,
     "/default", "test:///default"},
    {"qemu+libssh2://u@h/system?known_hosts=/k", "qemu", NV_URI_LIBSSH2, "u", "h", 0,
     "/system", "qemu:///system"},
    {"QEMU+SSH://h/system", "QEMU", S, NULL, "h", 0, "/system", "QEMU:///system"},
    {"qemu+UNIX:///system", "qemu", U, NULL, NULL, 0, "/system", "qemu:///system"},
    {"qemu+ssh://us%65r@h%6Fst/system", "qemu", S, "user", "host", 0, "/system",
     "qemu:///system"},
    {"qemu+unix:///system?socket=/tmp/x&foo=a%20b&authfile=z&Mode=legacy", "qemu", U, NULL,
     NULL, 0, "/system", "qemu:///system?foo=a%20b"},
    {"qemu+ssh://u@h:22/sys%3Atem?no_verify=1&x=1;y=2", "qemu", S, "u", "h", 22, "/sys:tem",
     "qemu:///sys%3Atem?x=1&y=2"},
    {"qemu+unix:///system?x=1;y=2&z=3", "qemu", U, NULL, NULL, 0, "/system",
     "qemu:///system?x=1%3By%3D2&z=3"},
    {"qemu+unix:///p#fr%20ag", "qemu", U, NULL, NULL, 0, "/p", "qemu:///p#fr%20ag"},
    {"qemu+unix:///system#a%23b", "qemu", U, NULL, NULL, 0, "/system", "qemu:///system#a%23b"},
    {"qemu+unix:///session?x=%7e%2F", "qemu", U, NULL, NULL, 0, "/session",
     "qemu:///session?x=~%2F"},
    {"qemu+unix://", "qemu", U, NULL, NULL, 0, "", "qemu://"},
    {"qemu+unix:/system", "qemu", U, NULL, NULL, 0, "/system", "qemu:///system"},
    {"qemu+unix:///system?a&b=&=c&&d=%41", "qemu", U, NULL, NULL, 0, "/system",
     "qemu:///system?a=&b=&d=A"},
    {"remote+unix:///system", "remote", U, NULL, NULL, 0, "/system", ""},
    {"qemu:///system?name=qemu:///custom", "qemu", U, NULL, NULL, 0, "/system",
     "qemu:///custom"},
    {"qemu+unix:///a%2Fb/c%3Fd", "qemu", U, NULL, NULL, 0, "/a/b/c?d", "qemu:///a/b/c%3Fd"},
    {"qemu+unix:///system?x=a+b", "qemu", U, NULL, NULL, 0, "/system", "qemu:///system?x=a%2Bb"},
    {"qemu+unix:///system?k=!*'()", "qemu", U, NULL, NULL, 0, "/system",
     "qemu:///system?k=%21%2A%27%28%29"},
    {"qemu+unix:///sy%20s", "qemu", U, NULL, NULL, 0, "/sy s", "qemu:///sy%20s"},
    {"qemu+unix:///s?", "qemu", U, NULL, NULL, 0, "/s", "qemu:///s"},
    {"qemu+unix:///s?&", "qemu", U, NULL, NULL, 0, "/s", "qemu:///s"},
    {"xen", "xen", U, NULL, NULL, 0, "/system", "xen:///system"},
    {"vbox://host:/session", "vbox", NV_URI_TLS, NULL, "host", 0, "/session", "vbox:///session"},
};

TEST(uri_parse_ok_table)
{
    for (size_t i = 0; i < sizeof ok_cases / sizeof ok_cases[0]; i++) {
        const struct ok_case *c = &ok_cases[i];
        nv_uri u;
        nv_err e;
        nv_err_clear(&e);
        if (nv_rpc_uri_parse(c->text, &u, &e) != 0) {
            check_fail(__FILE__, __LINE__, "%s: unexpected error: %s", c->text, e.msg);
            nv_rpc_uri_free(&u);
            continue;
        }
        if (strcmp(u.driver, c->driver) != 0 || u.transport != c->transport ||
            u.port != c->port || strcmp(u.path, c->path) != 0 ||
            (c->user ? !u.user || strcmp(u.user, c->user) : u.user != NULL) ||
            (c->host ? !u.host || strcmp(u.host, c->host) : u.host != NULL))
            check_fail(__FILE__, __LINE__,
                       "%s: got driver=%s transport=%s user=%s host=%s port=%d path=%s", c->text,
                       u.driver, nv_rpc_uri_transport_name(u.transport),
                       u.user ? u.user : "(null)", u.host ? u.host : "(null)", u.port, u.path);
        char *name = nv_rpc_uri_open_name(&u, &e);
        if (!name || strcmp(name, c->open_name) != 0)
            check_fail(__FILE__, __LINE__, "%s: open name \"%s\", want \"%s\"", c->text,
                       name ? name : "(null)", c->open_name);
        free(name);
        nv_rpc_uri_free(&u);
    }
}

static const struct bad_case {
    const char *text;
    const char *msg; /* expected substring of the error */
} bad_cases[] = {
    {"", "empty URI"},
    {"qemu", "does not include a driver name"},
    {"/system", "does not include a driver name"},
    {"+ssh://h/system", "does not include a driver name"},
    {"qemu+foo:///system", "transport 'foo' not recognised"},
    {"qemu+:///system", "transport '' not recognised"},
    {"qemu+unix://host/system", "the unix transport cannot reach remote host 'host'"},
    {"qemu://system", "invalid URI qemu://system (maybe you want qemu:///system)"},
    {"qemu://session/", "maybe you want qemu:///session"},
    {"qemu:///a%zz", "invalid percent-encoding '%zz' at position 9 in the path"},
    {"qemu:///%", "incomplete percent-encoding"},
    {"qemu:///a%00", "%00 is not allowed"},
    {"qemu:///a b", "contains a space at position 9"},
    {"qemu:///system\n", "byte 0x0a at position 14"},
    {"qemu:///sys\xc3\xa9", "byte 0xc3"},
    {"qemu:///sys[tem", "character '[' is not allowed in the path"},
    {"qemu:///system?q=[x]", "character '[' is not allowed in the query"},
    {"qemu:///system?q=1#a^b", "character '^' is not allowed in the fragment"},
    {"qemu+ssh://h:99999/system", "port 99999 is out of range"},
    {"qemu+ssh://h:0/system", "port 0 is out of range"},
    {"qemu+ssh://h:2x/system", "invalid port '2x'"},
    {"qemu+ssh://:22/system", "gives a port but no host"},
    {"qemu+ssh://u:pw@h/system", "passwords in URIs are not supported"},
    {"qemu+ssh://a@b@h/system", "more than one '@'"},
    {"qemu+ssh://@h/system", "empty user name"},
    {"qemu+ssh://[::1/system", "missing ']'"},
    {"qemu+ssh://[zz]/system", "'[zz]' is not an IPv6 address"},
    {"qemu+ssh://[::1]x/system", "unexpected 'x' after the IPv6 address"},
    {"qemu+ssh://h]/system", "brackets are only allowed around an IPv6 address"},
    {"qemu+ext:///system", "the ext transport needs command="},
    {"qemu+ssh://h/system?command=", "command= is empty"},
    {"qemu:///system?socket=", "socket= is empty"},
    {"qemu:///system?mode=fast", "unknown mode 'fast' (use auto, legacy or direct)"},
    {"qemu:///system?mode=Direct", "unknown mode 'Direct'"},
    {"qemu+ssh://h/system?proxy=magic", "unknown proxy 'magic'"},
    {"qemu+ssh://h/system?no_verify=yes", "no_verify='yes' is not a number"},
    {"qemu+ssh://h/system?no_tty=", "no_tty='' is not a number"},
    {"qemu:system", "the path must start with '/' (did you mean qemu:///system?)"},
};

TEST(uri_parse_errors_table)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        nv_uri u;
        nv_err e;
        nv_err_clear(&e);
        int rc = nv_rpc_uri_parse(bad_cases[i].text, &u, &e);
        if (rc != -1)
            check_fail(__FILE__, __LINE__, "\"%s\": parsed but should fail", bad_cases[i].text);
        else if (!strstr(e.msg, bad_cases[i].msg))
            check_fail(__FILE__, __LINE__, "\"%s\": error \"%s\" lacks \"%s\"", bad_cases[i].text,
                       e.msg, bad_cases[i].msg);
        else if (e.kind != NV_ERR_INPUT)
            check_fail(__FILE__, __LINE__, "\"%s\": kind %d", bad_cases[i].text, e.kind);
        nv_rpc_uri_free(&u);
    }
}

TEST(uri_parse_error_null_and_limits)
{
    nv_uri u;
    nv_err e;
    CHECK_INT(nv_rpc_uri_parse(NULL, &u, &e), -1);
    CHECK(strstr(e.msg, "empty URI") != NULL);
    nv_rpc_uri_free(&u);

    /* Longer than NV_URI_MAX_LEN: refused before anything is copied. */
    char *big = malloc(NV_URI_MAX_LEN + 64);
    strcpy(big, "qemu:///");
    memset(big + 8, 'a', NV_URI_MAX_LEN + 50);
    big[NV_URI_MAX_LEN + 58] = '\0';
    CHECK_INT(nv_rpc_uri_parse(big, &u, &e), -1);
    CHECK(strstr(e.msg, "longer than 4096 bytes") != NULL);
    nv_rpc_uri_free(&u);
    free(big);

    /* Exactly at the limit is fine. */
    big = malloc(NV_URI_MAX_LEN + 1);
    strcpy(big, "qemu:///");
    memset(big + 8, 'b', NV_URI_MAX_LEN - 8);
    big[NV_URI_MAX_LEN] = '\0';
    CHECK_INT(nv_rpc_uri_parse(big, &u, &e), 0);
    CHECK_INT(strlen(u.path), NV_URI_MAX_LEN - 7);
    nv_rpc_uri_free(&u);
    free(big);

    /* 64 parameters are accepted, 65 are not. */
    char q[1024] = "qemu:///system?";
    for (int i = 0; i < NV_URI_MAX_PARAMS; i++)
        snprintf(q + strlen(q), sizeof q - strlen(q), "%sp%d=1", i ? "&" : "", i);
    CHECK_INT(nv_rpc_uri_parse(q, &u, &e), 0);
    CHECK_INT(u.nparams, NV_URI_MAX_PARAMS);
    nv_rpc_uri_free(&u);
    strcat(q, "&one=more");
    CHECK_INT(nv_rpc_uri_parse(q, &u, &e), -1);
    CHECK(strstr(e.msg, "more than 64 query parameters") != NULL);
    nv_rpc_uri_free(&u);
}

TEST(uri_client_params)
{
    nv_uri u;
    nv_err e;
    CHECK_INT(nv_rpc_uri_parse("qemu+ssh://u@h/system?keyfile=%2Fhome%2Fu%2F.ssh%2Fid%20x"
                               "&no_verify=1&no_tty=0&netcat=/opt/nc&proxy=netcat&mode=legacy"
                               "&SOCKET=/a&socket=/b&command=/opt/ssh&auth=polkit&extra=1",
                               &u, &e),
              0);
    CHECK_STR(u.keyfile, "/home/u/.ssh/id x");
    CHECK_INT(u.no_verify, 1);
    CHECK_INT(u.no_tty, 0);
    CHECK_STR(u.netcat, "/opt/nc");
    CHECK_INT(u.proxy, NV_URI_PROXY_NETCAT);
    CHECK_INT(u.mode, NV_URI_MODE_LEGACY);
    CHECK_STR(u.socket, "/b"); /* last one wins, names are case-insensitive */
    CHECK_STR(u.command, "/opt/ssh");
    CHECK_STR(u.auth, "polkit");
    CHECK(u.name == NULL);
    CHECK(u.explicit_transport);
    /* Only "extra" is passed on. */
    int passed = 0;
    for (size_t i = 0; i < u.nparams; i++)
        if (!u.params[i].client) {
            passed++;
            CHECK_STR(u.params[i].name, "extra");
        }
    CHECK_INT(passed, 1);
    char *name = nv_rpc_uri_open_name(&u, &e);
    CHECK_STR(name, "qemu:///system?extra=1");
    free(name);
    nv_rpc_uri_free(&u);

    CHECK_INT(nv_rpc_uri_parse("qemu:///system?mode=direct&proxy=native&no_verify=-3", &u, &e),
              0);
    CHECK_INT(u.mode, NV_URI_MODE_DIRECT);
    CHECK_INT(u.proxy, NV_URI_PROXY_NATIVE);
    CHECK_INT(u.no_verify, 1);
    CHECK(!u.explicit_transport);
    nv_rpc_uri_free(&u);

    CHECK_INT(nv_rpc_uri_parse("qemu:///system", &u, &e), 0);
    CHECK_INT(u.mode, NV_URI_MODE_AUTO);
    CHECK_INT(u.proxy, NV_URI_PROXY_DEFAULT);
    CHECK(u.socket == NULL && u.keyfile == NULL && u.fragment == NULL);
    CHECK_INT(u.nparams, 0);
    nv_rpc_uri_free(&u);
}

TEST(uri_default_rules)
{
    CHECK_STR(nv_rpc_uri_default(NULL, 0), "qemu:///system");
    CHECK_STR(nv_rpc_uri_default(NULL, 1000), "qemu:///session");
    CHECK_STR(nv_rpc_uri_default("", 1000), "qemu:///session");
    CHECK_STR(nv_rpc_uri_default("test:///default", 0), "test:///default");
}

TEST(uri_resolve_uses_env)
{
    const char *old = getenv("LIBVIRT_DEFAULT_URI");
    char *saved = old ? strdup(old) : NULL;
    nv_uri u;
    nv_err e;

    setenv("LIBVIRT_DEFAULT_URI", "lxc:///system", 1);
    CHECK_INT(nv_rpc_uri_resolve(NULL, &u, &e), 0);
    CHECK_STR(u.text, "lxc:///system");
    nv_rpc_uri_free(&u);
    CHECK_INT(nv_rpc_uri_resolve("", &u, &e), 0);
    CHECK_STR(u.driver, "lxc");
    nv_rpc_uri_free(&u);
    /* A given URI wins over the environment. */
    CHECK_INT(nv_rpc_uri_resolve("test:///default", &u, &e), 0);
    CHECK_STR(u.driver, "test");
    nv_rpc_uri_free(&u);

    setenv("LIBVIRT_DEFAULT_URI", "bogus", 1);
    CHECK_INT(nv_rpc_uri_resolve(NULL, &u, &e), -1);
    CHECK(strncmp(e.msg, "LIBVIRT_DEFAULT_URI: URI 'bogus' does not include", 49) == 0);
    nv_rpc_uri_free(&u);

    unsetenv("LIBVIRT_DEFAULT_URI");
    CHECK_INT(nv_rpc_uri_resolve(NULL, &u, &e), 0);
    CHECK(strcmp(u.text, "qemu:///system") == 0 || strcmp(u.text, "qemu:///session") == 0);
    nv_rpc_uri_free(&u);

    if (saved) {
        setenv("LIBVIRT_DEFAULT_URI", saved, 1);
        free(saved);
    }
}

TEST(uri_session_rule)
{
    static const struct {
        const char *text;
        unsigned euid;
        int session;
    } cases[] = {
        {"qemu:///session", 1000, 1}, {"qemu:///session", 0, 0}, {"qemu:///system", 1000, 0},
        {"test:///default", 1000, 1}, {"test:///default", 0, 0}, {"test+unix:///default", 1, 1},
        {"lxc:///", 1000, 0},         {"qemu+ssh://h/session", 1000, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nv_uri u;
        nv_err e;
        CHECK_INT(nv_rpc_uri_parse(cases[i].text, &u, &e), 0);
        if (nv_rpc_uri_is_session(&u, cases[i].euid) != cases[i].session)
            check_fail(__FILE__, __LINE__, "%s euid %u: session should be %d", cases[i].text,
                       cases[i].euid, cases[i].session);
        nv_rpc_uri_free(&u);
    }
}

TEST(uri_transport_names)
{
    CHECK_STR(nv_rpc_uri_transport_name(NV_URI_UNIX), "unix");
    CHECK_STR(nv_rpc_uri_transport_name(NV_URI_LIBSSH2), "libssh2");
    CHECK_STR(nv_rpc_uri_transport_name((enum nv_uri_transport)99), "?");
}
