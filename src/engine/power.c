#include "engine/power.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/log.h"
#include "engine/shutdown.h"
#include "virt/domain.h"
#include "xml/doc.h"
#include "xml/path.h"

int nv_power_activate(nv_conn *c, enum nv_kind kind, const nv_obj *o, nv_err *e)
{
    const nv_kind_ops *k = nv_kind_ops_get(kind);
    nv_log_obj(k->name, o->uuid, "activate");
    return k->create(c, o, e);
}

int nv_power_stop_domain(nv_conn *c, const nv_obj *o, unsigned timeout, nv_err *e)
{
    nv_shutdown_batch b = {0};
    int rc = nv_shutdown_add(c, &b, o, timeout, 0, e);
    if (nv_shutdown_finish(c, &b) > 0 && rc == 0) {
        *e = b.v[0].err;
        rc = -1;
    }
    nv_shutdown_free(&b);
    return rc;
}

static int uses_network(const nv_xml_node *dom, const char *net_name, const char *bridge)
{
    const nv_xml_node *devices = nv_xml_child(dom, "devices");
    if (!devices)
        return 0;
    for (const nv_xml_node *i = nv_xml_child(devices, "interface"); i; i = nv_xml_next(i, "interface")) {
        const char *type = nv_xml_attr(i, "type");
        const nv_xml_node *src = nv_xml_child(i, "source");
        if (!type || !src)
            continue;
        const char *v;
        if (strcmp(type, "network") == 0 && (v = nv_xml_attr(src, "network")) && strcmp(v, net_name) == 0)
            return 1;
        if (strcmp(type, "bridge") == 0 && bridge && (v = nv_xml_attr(src, "bridge")) && strcmp(v, bridge) == 0)
            return 1;
    }
    return 0;
}

/* Of the running domains, those using the network move into out (out->v
 * has room for all): their live XML in one round trip. */
static int pick_users(nv_conn *c, const nv_obj *net, const char *bridge, nv_obj_list *running, nv_obj_list *out,
                      nv_err *e)
{
    uint32_t *serials = calloc(running->n ? running->n : 1, sizeof *serials);
    if (!serials)
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    size_t sent = 0;
    for (; sent < running->n; sent++)
        if (nv_domain_ops.xml_start(c, &running->v[sent], 0, &serials[sent], e) < 0)
            break;
    int failed = sent < running->n;
    for (size_t i = 0; i < sent; i++) {
        char *xml = NULL;
        nv_err de;
        nv_err_clear(&de);
        if (nv_domain_ops.xml_finish(c, serials[i], &xml, &de) < 0) {
            /* a domain that stopped meanwhile no longer matters */
            if (de.kind != NV_ERR_LIBVIRT && !failed) {
                *e = de;
                failed = 1;
            }
            continue;
        }
        nv_xml_node *d = nv_xml_parse(xml, strlen(xml), "domain XML", &de);
        free(xml);
        if (!d)
            continue;
        if (uses_network(d, net->name, bridge)) {
            out->v[out->n] = running->v[i];
            memset(&running->v[i], 0, sizeof running->v[i]);
            out->n++;
        }
        nv_xml_free(d);
    }
    free(serials);
    return failed ? -1 : 0;
}

int nv_power_network_users(nv_conn *c, const nv_obj *net, nv_obj_list *out, nv_err *e)
{
    out->v = NULL;
    out->n = 0;
    char *net_xml = nv_obj_xml(c, &nv_network_ops, net, 0, e);
    if (!net_xml)
        return -1;
    nv_xml_node *nroot = nv_xml_parse(net_xml, strlen(net_xml), "network XML", e);
    free(net_xml);
    if (!nroot)
        return -1;
    const char *bridge = nv_xml_find_value(nroot, "bridge/@name");

    nv_obj_list running = {0};
    int rc = -1;
    if (nv_obj_list_all(c, &nv_domain_ops, nv_domain_ops.list_active, &running, e) < 0)
        goto out;
    out->v = calloc(running.n ? running.n : 1, sizeof *out->v);
    if (!out->v) {
        nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
        goto out;
    }
    rc = pick_users(c, net, bridge, &running, out, e);
out:
    nv_obj_list_free(&running);
    nv_xml_free(nroot);
    if (rc < 0)
        nv_obj_list_free(out);
    return rc;
}

/* Appends "; <more>" to e->msg (as much as fits). */
static void add_to_err(nv_err *e, const char *more)
{
    size_t n = strlen(e->msg);
    snprintf(e->msg + n, sizeof e->msg - n, "%s%s", n ? "; " : "", more);
}

int nv_power_restart_some(nv_conn *c, const nv_obj *doms, size_t n, nv_power_defer_fn defer, void *ctx,
                          nv_err *e)
{
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        if (defer && defer(ctx, &doms[i])) {
            nv_log_obj("domain", doms[i].uuid, "stays stopped until it is declared");
            continue;
        }
        nv_err de;
        nv_err_clear(&de);
        nv_log_obj("domain", doms[i].uuid, "activate (was running before its network stopped)");
        if (nv_domain_ops.create(c, &doms[i], &de) < 0) {
            char line[sizeof de.msg + 300];
            snprintf(line, sizeof line, "cannot start domain %s again: %s", doms[i].name, de.msg);
            if (failures == 0 && e->kind == NV_ERR_NONE) {
                nv_err_clear(e);
                e->kind = de.kind;
            }
            add_to_err(e, line);
            failures++;
        }
    }
    return failures;
}

/* A network's users, all asked to shut down and then waited for together;
 * *stopped: how many are off, moved to the front of users (they are what
 * a failure starts again). */
static int stop_users(nv_conn *c, const nv_obj *net, nv_obj_list *users, unsigned timeout, size_t *stopped,
                      nv_err *e)
{
    nv_shutdown_batch batch = {0};
    int rc = 0;
    for (size_t i = 0; i < users->n && rc == 0; i++) {
        nv_log_obj("network", net->uuid, "stop dependant domain %s", users->v[i].name);
        rc = nv_shutdown_add(c, &batch, &users->v[i], timeout, 0, e);
    }
    if (nv_shutdown_finish(c, &batch) > 0 && rc == 0) {
        for (size_t i = 0; i < batch.n && rc == 0; i++)
            if (batch.v[i].failed) {
                *e = batch.v[i].err;
                nv_err_prefix(e, "cannot stop domain %s, which uses network %s", batch.v[i].obj.name, net->name);
                rc = -1;
            }
    }
    /* batch.v[i] is users->v[i] */
    *stopped = 0;
    for (size_t i = 0; i < batch.n; i++)
        if (batch.v[i].off) {
            nv_obj t = users->v[*stopped];
            users->v[(*stopped)++] = users->v[i];
            users->v[i] = t;
        }
    nv_shutdown_free(&batch);
    return rc;
}

/* A network stopped with its users: they are handed over to the caller,
 * who starts them again (or, out of memory, started again here). */
static int hand_over(nv_conn *c, nv_obj_list *users, nv_obj_list *dependants, nv_err *e)
{
    nv_obj *grown = realloc(dependants->v, (dependants->n + users->n + 1) * sizeof *grown);
    if (!grown) {
        nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
        nv_power_restart_some(c, users->v, users->n, NULL, NULL, e);
        nv_obj_list_free(users);
        return -1;
    }
    dependants->v = grown;
    for (size_t i = 0; i < users->n; i++)
        dependants->v[dependants->n++] = users->v[i];
    free(users->v);
    return 0;
}

int nv_power_deactivate(nv_conn *c, enum nv_kind kind, const nv_obj *o, const nv_power_opts *p,
                        nv_obj_list *dependants, nv_err *e)
{
    unsigned timeout = p ? p->shutdown_timeout : 0;
    if (kind == NV_KIND_DOMAIN)
        return nv_power_stop_domain(c, o, timeout, e);
    const nv_kind_ops *k = nv_kind_ops_get(kind);
    if (kind != NV_KIND_NETWORK || !dependants) {
        nv_log_obj(k->name, o->uuid, "deactivate");
        return k->destroy(c, o, e);
    }
    nv_obj_list users;
    if (nv_power_network_users(c, o, &users, e) < 0)
        return nv_err_prefix(e, "cannot find the domains using network %s", o->name);
    size_t stopped = 0;
    int rc = stop_users(c, o, &users, timeout, &stopped, e);
    if (rc == 0) {
        nv_log_obj(k->name, o->uuid, "deactivate");
        rc = k->destroy(c, o, e);
    }
    if (rc < 0) {
        /* the network stays up: what was stopped for it starts again */
        nv_power_restart_some(c, users.v, stopped, NULL, NULL, e);
        nv_obj_list_free(&users);
        return -1;
    }
    return hand_over(c, &users, dependants, e);
}

int nv_power_restart_dependants(nv_conn *c, const nv_obj_list *dependants, nv_err *e)
{
    return nv_power_restart_some(c, dependants->v, dependants->n, NULL, NULL, e);
}
