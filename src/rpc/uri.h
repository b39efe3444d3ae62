/* libvirt connection URIs: driver[+transport]://[user@][host][:port]/path[?query][#fragment]
 *
 * Parsing follows what libvirt's client accepts (RFC 3986 characters, percent-
 * decoding of user, host, path, query names and values, IPv6 hosts in
 * brackets), pulls out the parameters the client itself consumes (socket=,
 * keyfile=, mode=, ...) and computes the name sent to the daemon in the
 * connect-open call. Everything here is pure: no environment, no I/O. */
#ifndef NV_RPC_URI_H
#define NV_RPC_URI_H

#include <stddef.h>

#include "util/error.h"

#define NV_URI_MAX_LEN 4096    /* longest URI text accepted */
#define NV_URI_MAX_PARAMS 64   /* most query parameters accepted */

enum nv_uri_transport {
    NV_URI_UNIX = 0,  /* local socket; the default when no host is given */
    NV_URI_SSH,       /* ssh child process */
    NV_URI_EXT,       /* command= child process */
    NV_URI_TLS,       /* the default when a host is given; not supported */
    NV_URI_TCP,       /* not supported */
    NV_URI_LIBSSH,    /* not supported */
    NV_URI_LIBSSH2,   /* not supported */
};

enum nv_uri_mode {
    NV_URI_MODE_AUTO = 0, /* modular daemon if it is there, else libvirtd */
    NV_URI_MODE_LEGACY,   /* libvirtd (libvirt-sock) */
    NV_URI_MODE_DIRECT,   /* per-driver daemon (virtqemud-sock, ...) */
};

enum nv_uri_proxy {
    NV_URI_PROXY_DEFAULT = 0, /* not given: chosen per libvirt's rules */
    NV_URI_PROXY_AUTO,        /* virt-ssh-helper if installed remotely, else nc */
    NV_URI_PROXY_NETCAT,      /* nc -U <socket> */
    NV_URI_PROXY_NATIVE,      /* virt-ssh-helper <name> */
};

typedef struct nv_uri_param {
    char *name;  /* decoded */
    char *value; /* decoded; "" when the parameter had no '=' */
    int client;  /* consumed by the client (socket=, keyfile=, ...): not sent on */
} nv_uri_param;

typedef struct nv_uri {
    char *text;      /* the URI as parsed (after the "xen" alias) */
    char *scheme;    /* as written, e.g. "qemu+ssh" */
    char *driver;    /* scheme before '+', e.g. "qemu" */
    enum nv_uri_transport transport;
    int explicit_transport; /* "+transport" was written */
    char *user;      /* NULL when absent */
    char *host;      /* NULL when absent or empty; IPv6 without brackets */
    int port;        /* 0 when absent */
    char *path;      /* "" when absent */
    char *fragment;  /* NULL when absent */
    size_t nparams;
    nv_uri_param params[NV_URI_MAX_PARAMS];

    /* Client parameters (names matched case-insensitively, the last one wins).
     * They point into params[] and are NULL when absent. */
    const char *name;       /* name= : overrides the connect-open name */
    const char *command;    /* command= : ssh binary, or the ext program */
    const char *socket;     /* socket= : socket path (local, or remote for ssh) */
    const char *netcat;     /* netcat= : remote nc binary */
    const char *keyfile;    /* keyfile= : ssh -i */
    const char *auth;       /* auth= : preferred auth type (for connect.c) */
    const char *sshauth, *pkipath, *known_hosts, *known_hosts_verify, *tls_priority;
    enum nv_uri_mode mode;  /* mode= */
    enum nv_uri_proxy proxy; /* proxy= */
    int no_verify;          /* no_verify=N, N != 0 */
    int no_tty;             /* no_tty=N, N != 0 */
    int no_sanity;          /* no_sanity=N, N != 0 */
} nv_uri;

/* Parses text into u (which the caller frees with nv_rpc_uri_free even on
 * error). Fails with NV_ERR_INPUT and a message naming the problem. */
int nv_rpc_uri_parse(const char *text, nv_uri *u, nv_err *e);
void nv_rpc_uri_free(nv_uri *u);

/* The URI used when none is given: env_default (LIBVIRT_DEFAULT_URI) when
 * set and non-empty, else qemu:///system for euid 0 and qemu:///session for
 * others (what the daemon's qemu driver probes when libvirt sends an empty
 * name). libvirt.conf's uri_default is not read. */
const char *nv_rpc_uri_default(const char *env_default, unsigned euid);

/* Parses given, or when it is NULL or "" the default from the environment
 * (LIBVIRT_DEFAULT_URI, geteuid()). Errors name where the URI came from. */
int nv_rpc_uri_resolve(const char *given, nv_uri *u, nv_err *e);

/* The name for the connect-open call, as libvirt's client computes it: the
 * name= parameter if given; "" for the "remote" driver (the daemon probes);
 * otherwise driver:// + path + the parameters the client does not consume
 * (re-encoded) + fragment, e.g. "qemu+ssh://u@h:22/system?keyfile=k" gives
 * "qemu:///system". Returns a malloc'd string or NULL (out of memory). */
char *nv_rpc_uri_open_name(const nv_uri *u, nv_err *e);

/* Whether the per-user (session) daemon serves this URI: libvirt uses it for
 * a /session path, and for the test driver, unless running as root. */
int nv_rpc_uri_is_session(const nv_uri *u, unsigned euid);

/* "unix", "ssh", "ext", "tls", "tcp", "libssh", "libssh2". */
const char *nv_rpc_uri_transport_name(enum nv_uri_transport t);

#endif
