#include "rpc/connect.h"

#include "rpc/keepalive.h"
#include "rpc/remote_calls.gen.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/time.h"

const char *nv_connect_auth_name(int type)
{
    switch (type) {
    case REMOTE_AUTH_NONE: return "none";
    case REMOTE_AUTH_SASL: return "sasl";
    case REMOTE_AUTH_POLKIT: return "polkit";
    default: return "unknown";
    }
}

/* libvirt's daemon lists the schemes it accepts on this socket; we can do
 * "none" and "polkit" (for polkit the daemon checks our peer credentials). */
static int authenticate(nv_conn *c, nv_err *e)
{
    remote_auth_list_ret list;
    if (nv_remote_auth_list(c->rpc, &list, e) < 0) {
        /* a stream that broke is not an authentication problem: keep its message */
        if (e && (e->kind == NV_ERR_LIBVIRT || e->kind == NV_ERR_PROTOCOL))
            nv_err_prefix(e, "authentication");
        return -1;
    }
    int none = list.types.types_len == 0, polkit = 0, other = -1;
    for (uint32_t i = 0; i < list.types.types_len; i++) {
        int t = list.types.types_val[i];
        if (t == REMOTE_AUTH_NONE)
            none = 1;
        else if (t == REMOTE_AUTH_POLKIT)
            polkit = 1;
        else if (other < 0)
            other = t;
    }
    nv_proto_free_remote_auth_list_ret(&list);
    c->auth = REMOTE_AUTH_NONE;
    if (none)
        return 0;
    if (polkit) {
        remote_auth_polkit_ret pk;
        if (nv_remote_auth_polkit(c->rpc, &pk, e) < 0)
            return nv_err_prefix(e, "polkit authentication failed");
        nv_proto_free_remote_auth_polkit_ret(&pk);
        c->auth = REMOTE_AUTH_POLKIT;
        return 0;
    }
    return nv_err_set(e, NV_ERR_CONNECT,
                      "the daemon at %s requires authentication scheme '%s', which is not supported "
                      "(supported: none, polkit)",
                      c->uri.text ? c->uri.text : "?", nv_connect_auth_name(other));
}

void nv_connect_explain(nv_conn *c, nv_err *e)
{
    if (!c || !e || e->kind == NV_ERR_LIBVIRT || e->kind == NV_ERR_INPUT)
        return;
    nv_transport *t = &c->transport;
    if (t->pid <= 0 && t->errfd < 0 && t->status == -1)
        return; /* a socket */
    /* Its end of output can reach us before it has exited: give it a moment. */
    char why[320] = "", said[600];
    int ended = 0;
    for (int i = 0; i < 50 && !ended; i++) {
        ended = nv_rpc_transport_child_status(t, why, sizeof why) > 0;
        if (!ended && t->pid > 0) {
            nv_time_sleep_ms(10);
        } else if (!ended) {
            break;
        }
    }
    nv_rpc_transport_stderr(t, said, sizeof said);
    if (ended && said[0])
        nv_err_prefix(e, "%s (%s)", why, said);
    else if (ended)
        nv_err_prefix(e, "%s", why);
    else if (said[0])
        nv_err_prefix(e, "%s (%s)", t->desc, said);
}

static int drain_stderr(void *t)
{
    return nv_rpc_transport_drain(t);
}

/* Transport, authentication, keepalive and open, into c (uri resolved). */
static int open_stream(nv_conn *c, nv_err *e)
{
    nv_transport_opts to = {0};
    to.readonly = c->readonly;
    to.wait_ms = c->wait_seconds > 2000000 ? 2000000000 : (int)c->wait_seconds * 1000;
    to.socket_only = c->socket_only;
    if (nv_rpc_transport_open(&c->uri, &to, &c->transport, e) < 0)
        return -1;
    if (c->opened)
        c->opened(c->transport.rfd, c->opened_ctx);
    c->rpc = nv_rpc_conn_new(c->transport.rfd, c->transport.wfd, e);
    if (!c->rpc)
        return -1;
    if (c->transport.errfd >= 0)
        nv_rpc_conn_watch(c->rpc, c->transport.errfd, drain_stderr, &c->transport);
    /* A libvirt daemon answers pings from the moment it accepts a connection
     * (before any authentication), so over a socket a daemon that accepts and
     * then says nothing is found dead in the handshake too. Not over ssh:
     * there the first reply may wait for a password typed at the terminal. */
    if (c->transport.pid == 0)
        nv_rpc_conn_keepalive(c->rpc, NV_KEEPALIVE_INTERVAL_MS, NV_KEEPALIVE_COUNT);
    if (c->timeout_seconds)
        nv_rpc_conn_set_timeout(c->rpc, c->timeout_seconds > 2000000 ? 2000000000
                                                                      : (int)c->timeout_seconds * 1000);
    if (authenticate(c, e) < 0)
        return -1;

    /* Both go out together: keepalive costs no round trip. The daemon
     * answers this feature before any driver is open, and starts pinging. */
    remote_connect_supports_feature_args fa = {.feature = NV_KEEPALIVE_FEATURE};
    remote_connect_supports_feature_ret fr = {0};
    remote_connect_open_args oa = {.name = &c->open_name, .flags = c->readonly ? 1u : 0u};
    uint32_t s_feat, s_open;
    if (nv_remote_connect_supports_feature_start(c->rpc, &fa, &s_feat, e) < 0 ||
        nv_remote_connect_open_start(c->rpc, &oa, &s_open, e) < 0)
        return -1;
    nv_err fe;
    nv_err_clear(&fe);
    if (nv_remote_connect_supports_feature_finish(c->rpc, s_feat, &fr, &fe) < 0 &&
        fe.kind != NV_ERR_LIBVIRT) {
        *e = fe; /* the stream broke; a refusal only means no keepalive */
        return -1;
    }
    c->keepalive = fr.supported == 1;
    nv_rpc_conn_keepalive(c->rpc, c->keepalive ? NV_KEEPALIVE_INTERVAL_MS : 0, NV_KEEPALIVE_COUNT);
    if (nv_remote_connect_open_finish(c->rpc, s_open, e) < 0)
        return nv_err_prefix(e, "cannot open %s", c->open_name);
    return 0;
}

nv_conn *nv_connect_open(const char *uri, const nv_connect_opts *o, nv_err *e)
{
    nv_conn *c = calloc(1, sizeof *c);
    if (!c) {
        nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
        return NULL;
    }
    nv_rpc_transport_init(&c->transport);
    if (o) {
        c->readonly = o->readonly;
        c->socket_only = o->socket_only;
        c->opened = o->opened;
        c->opened_ctx = o->opened_ctx;
        c->wait_seconds = o->wait_seconds;
        c->timeout_seconds = o->timeout_seconds;
    }
    if (nv_rpc_uri_resolve(uri, &c->uri, e) < 0)
        goto fail;
    c->session = nv_rpc_uri_is_session(&c->uri, (unsigned)geteuid());
    c->open_name = nv_rpc_uri_open_name(&c->uri, e);
    if (!c->open_name)
        goto fail;
    if (open_stream(c, e) < 0)
        goto fail;
    return c;

fail:
    nv_connect_explain(c, e);
    nv_rpc_conn_free(c->rpc);
    c->rpc = NULL;
    nv_connect_close(c);
    return NULL;
}

int nv_connect_reopen(nv_conn *c, nv_err *e)
{
    /* the old stream is broken: no CONNECT_CLOSE on it */
    nv_rpc_conn_free(c->rpc);
    c->rpc = NULL;
    if (c->transport.rfd >= 0 || c->transport.pid > 0)
        nv_rpc_transport_close(&c->transport);
    nv_rpc_transport_init(&c->transport);
    c->keepalive = 0;
    if (open_stream(c, e) == 0)
        return 0;
    nv_connect_explain(c, e);
    if (!c->rpc)
        c->rpc = nv_rpc_conn_new(-1, -1, &(nv_err){0});
    /* every later call fails at once, with this reason */
    if (c->rpc)
        nv_rpc_conn_fail(c->rpc, e);
    return -1;
}

void nv_connect_close(nv_conn *c)
{
    if (!c)
        return;
    if (c->rpc) {
        if (!nv_rpc_conn_broken(c->rpc)) {
            nv_err ignore;
            int t = nv_rpc_conn_timeout(c->rpc);
            if (t < 0 || t > 5000)
                nv_rpc_conn_set_timeout(c->rpc, 5000);
            nv_remote_connect_close(c->rpc, &ignore);
        }
        nv_rpc_conn_free(c->rpc);
    }
    if (c->transport.rfd >= 0 || c->transport.pid > 0)
        nv_rpc_transport_close(&c->transport);
    free(c->open_name);
    nv_rpc_uri_free(&c->uri);
    free(c);
}
