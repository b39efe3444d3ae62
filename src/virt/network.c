/* Network procedures of libvirt's remote program. */
#include "virt/object.h"

#include <stdlib.h>
#include <string.h>

#include "rpc/connect.h"
#include "rpc/remote_calls.gen.h"

#define VIR_ERR_NO_NETWORK 43

static remote_nonnull_network handle(const nv_obj *o)
{
    remote_nonnull_network n;
    n.name = o->name;
    memcpy(n.uuid, o->uuid, 16);
    return n;
}

static int from_handle(nv_obj *out, const remote_nonnull_network *n, nv_err *e)
{
    return nv_obj_set(out, n->name, n->uuid, -1, e);
}

static int lookup_uuid_start(nv_conn *c, const uint8_t uuid[16], uint32_t *serial, nv_err *e)
{
    remote_network_lookup_by_uuid_args a;
    memcpy(a.uuid, uuid, 16);
    return nv_remote_network_lookup_by_uuid_start(c->rpc, &a, serial, e);
}

static int lookup_name_start(nv_conn *c, const char *name, uint32_t *serial, nv_err *e)
{
    remote_network_lookup_by_name_args a = {.name = (char *)name};
    return nv_remote_network_lookup_by_name_start(c->rpc, &a, serial, e);
}

/* lookups give 1 found (out set), 0 no such network, -1 error */
static int lookup_uuid_finish(nv_conn *c, uint32_t serial, nv_obj *out, nv_err *e)
{
    remote_network_lookup_by_uuid_ret r;
    if (nv_remote_network_lookup_by_uuid_finish(c->rpc, serial, &r, e) < 0)
        return nv_virt_not_found(&nv_network_ops, e) ? 0 : -1;
    int rc = from_handle(out, &r.net, e);
    nv_proto_free_remote_network_lookup_by_uuid_ret(&r);
    return rc < 0 ? -1 : 1;
}

static int lookup_name_finish(nv_conn *c, uint32_t serial, nv_obj *out, nv_err *e)
{
    remote_network_lookup_by_name_ret r;
    if (nv_remote_network_lookup_by_name_finish(c->rpc, serial, &r, e) < 0)
        return nv_virt_not_found(&nv_network_ops, e) ? 0 : -1;
    int rc = from_handle(out, &r.net, e);
    nv_proto_free_remote_network_lookup_by_name_ret(&r);
    return rc < 0 ? -1 : 1;
}

static int xml_start(nv_conn *c, const nv_obj *o, unsigned flags, uint32_t *serial, nv_err *e)
{
    remote_network_get_xml_desc_args a = {.net = handle(o), .flags = flags};
    return nv_remote_network_get_xml_desc_start(c->rpc, &a, serial, e);
}

static int xml_finish(nv_conn *c, uint32_t serial, char **xml, nv_err *e)
{
    remote_network_get_xml_desc_ret r;
    if (nv_remote_network_get_xml_desc_finish(c->rpc, serial, &r, e) < 0)
        return -1;
    *xml = r.xml;
    return 0;
}

static int is_active_start(nv_conn *c, const nv_obj *o, uint32_t *serial, nv_err *e)
{
    remote_network_is_active_args a = {.net = handle(o)};
    return nv_remote_network_is_active_start(c->rpc, &a, serial, e);
}

static int is_active_finish(nv_conn *c, uint32_t serial, nv_err *e)
{
    remote_network_is_active_ret r;
    if (nv_remote_network_is_active_finish(c->rpc, serial, &r, e) < 0)
        return -1;
    return r.active ? 1 : 0;
}

static int autostart_start(nv_conn *c, const nv_obj *o, uint32_t *serial, nv_err *e)
{
    remote_network_get_autostart_args a = {.net = handle(o)};
    return nv_remote_network_get_autostart_start(c->rpc, &a, serial, e);
}

static int autostart_finish(nv_conn *c, uint32_t serial, nv_err *e)
{
    remote_network_get_autostart_ret r;
    if (nv_remote_network_get_autostart_finish(c->rpc, serial, &r, e) < 0)
        return -1;
    return r.autostart ? 1 : 0;
}

static int is_persistent(nv_conn *c, const nv_obj *o, nv_err *e)
{
    remote_network_is_persistent_args a = {.net = handle(o)};
    remote_network_is_persistent_ret r;
    if (nv_remote_network_is_persistent(c->rpc, &a, &r, e) < 0)
        return -1;
    return r.persistent ? 1 : 0;
}

static int define(nv_conn *c, const char *xml, nv_obj *out, nv_err *e)
{
    remote_network_define_xml_args a = {.xml = (char *)xml};
    remote_network_define_xml_ret r;
    if (nv_remote_network_define_xml(c->rpc, &a, &r, e) < 0)
        return -1;
    int rc = out ? from_handle(out, &r.net, e) : 0;
    nv_proto_free_remote_network_define_xml_ret(&r);
    return rc;
}

static int create(nv_conn *c, const nv_obj *o, nv_err *e)
{
    remote_network_create_args a = {.net = handle(o)};
    return nv_remote_network_create(c->rpc, &a, e);
}

static int destroy(nv_conn *c, const nv_obj *o, nv_err *e)
{
    remote_network_destroy_args a = {.net = handle(o)};
    return nv_remote_network_destroy(c->rpc, &a, e);
}

static int undefine(nv_conn *c, const nv_obj *o, nv_err *e)
{
    remote_network_undefine_args a = {.net = handle(o)};
    return nv_remote_network_undefine(c->rpc, &a, e);
}

static int set_autostart(nv_conn *c, const nv_obj *o, int on, nv_err *e)
{
    remote_network_set_autostart_args a = {.net = handle(o), .autostart = on ? 1 : 0};
    return nv_remote_network_set_autostart(c->rpc, &a, e);
}

static int list_start(nv_conn *c, unsigned flags, uint32_t *serial, nv_err *e)
{
    remote_connect_list_all_networks_args a = {.need_results = 1, .flags = flags};
    return nv_remote_connect_list_all_networks_start(c->rpc, &a, serial, e);
}

static int list_finish(nv_conn *c, uint32_t serial, nv_obj_list *out, nv_err *e)
{
    remote_connect_list_all_networks_ret r;
    out->n = 0;
    out->v = NULL;
    if (nv_remote_connect_list_all_networks_finish(c->rpc, serial, &r, e) < 0)
        return -1;
    out->v = calloc(r.nets.nets_len ? r.nets.nets_len : 1, sizeof *out->v);
    int rc = out->v ? 0 : nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    for (uint32_t i = 0; rc == 0 && i < r.nets.nets_len; i++, out->n++)
        rc = from_handle(&out->v[i], &r.nets.nets_val[i], e);
    nv_proto_free_remote_connect_list_all_networks_ret(&r);
    if (rc < 0)
        nv_obj_list_free(out);
    return rc;
}

const nv_kind_ops nv_network_ops = {
    .name = "network",
    .err_no_object = VIR_ERR_NO_NETWORK,
    .xml_inactive = 1u, /* VIR_NETWORK_XML_INACTIVE */
    .list_active = 2u, /* VIR_CONNECT_LIST_NETWORKS_ACTIVE */
    .list_inactive = 1u, /* VIR_CONNECT_LIST_NETWORKS_INACTIVE */
    .lookup_uuid_start = lookup_uuid_start,
    .lookup_uuid_finish = lookup_uuid_finish,
    .lookup_name_start = lookup_name_start,
    .lookup_name_finish = lookup_name_finish,
    .xml_start = xml_start,
    .xml_finish = xml_finish,
    .is_active_start = is_active_start,
    .is_active_finish = is_active_finish,
    .autostart_start = autostart_start,
    .autostart_finish = autostart_finish,
    .is_persistent = is_persistent,
    .define = define,
    .create = create,
    .destroy = destroy,
    .undefine = undefine,
    .set_autostart = set_autostart,
    .list_start = list_start,
    .list_finish = list_finish,
};
