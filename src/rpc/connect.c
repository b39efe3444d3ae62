#include "rpc/connect.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
    if (nv_rpc_call(c->rpc, REMOTE_PROC_AUTH_LIST, NULL, &list, e) < 0) {
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
        if (nv_rpc_call(c->rpc, REMOTE_PROC_AUTH_POLKIT, NULL, &pk, e) < 0)
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
            struct timespec ts = {0, 10 * 1000000L};
            nanosleep(&ts, NULL);
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

nv_conn *nv_connect_open(const char *uri, const nv_connect_opts *o, nv_err *e)
{
    nv_conn *c = calloc(1, sizeof *c);
    if (!c) {
        nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
        return NULL;
    }
    nv_rpc_transport_init(&c->transport);
    if (nv_rpc_uri_resolve(uri, &c->uri, e) < 0)
        goto fail;
    c->session = nv_rpc_uri_is_session(&c->uri, (unsigned)geteuid());
    c->open_name = nv_rpc_uri_open_name(&c->uri, e);
    if (!c->open_name)
        goto fail;

    nv_transport_opts to = {0};
    if (o) {
        to.readonly = o->readonly;
        to.wait_ms = o->wait_seconds > 2000000 ? 2000000000 : (int)o->wait_seconds * 1000;
    }
    if (nv_rpc_transport_open(&c->uri, &to, &c->transport, e) < 0)
        goto fail;
    c->rpc = nv_rpc_conn_new(c->transport.rfd, c->transport.wfd, e);
    if (!c->rpc)
        goto fail;
    if (authenticate(c, e) < 0)
        goto fail;

    remote_connect_open_args oa = {.name = &c->open_name, .flags = o && o->readonly ? 1u : 0u};
    if (nv_rpc_call(c->rpc, REMOTE_PROC_CONNECT_OPEN, &oa, NULL, e) < 0) {
        nv_err_prefix(e, "cannot open %s", c->open_name);
        goto fail;
    }
    return c;

fail:
    nv_connect_explain(c, e);
    nv_rpc_conn_free(c->rpc);
    c->rpc = NULL;
    nv_connect_close(c);
    return NULL;
}

void nv_connect_close(nv_conn *c)
{
    if (!c)
        return;
    if (c->rpc) {
        if (!nv_rpc_conn_broken(c->rpc)) {
            nv_err ignore;
            nv_rpc_conn_set_timeout(c->rpc, 5000);
            nv_rpc_call(c->rpc, REMOTE_PROC_CONNECT_CLOSE, NULL, NULL, &ignore);
        }
        nv_rpc_conn_free(c->rpc);
    }
    if (c->transport.rfd >= 0 || c->transport.pid > 0)
        nv_rpc_transport_close(&c->transport);
    free(c->open_name);
    nv_rpc_uri_free(&c->uri);
    free(c);
}
