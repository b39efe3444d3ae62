/* The ssh command line and the remote shell command libvirt's client uses. */
#include "rpc/ssh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
