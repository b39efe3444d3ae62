#include "virt/object.h"

#include <stdlib.h>
#include <string.h>

void nv_obj_clear(nv_obj *o)
{
    free(o->name);
    memset(o, 0, sizeof *o);
}

int nv_obj_set(nv_obj *o, const char *name, const uint8_t uuid[16], int32_t id, nv_err *e)
{
    char *n = strdup(name ? name : "");
    if (!n)
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    free(o->name);
    o->name = n;
    memcpy(o->uuid, uuid, 16);
    o->id = id;
    return 0;
}

void nv_obj_list_free(nv_obj_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        nv_obj_clear(&l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

const nv_kind_ops *nv_kind_ops_get(enum nv_kind k)
{
    switch (k) {
    case NV_KIND_DOMAIN: return &nv_domain_ops;
    case NV_KIND_NETWORK: return &nv_network_ops;
    case NV_KIND_POOL: return &nv_pool_ops;
    }
    return NULL;
}

int nv_virt_not_found(const nv_kind_ops *k, const nv_err *e)
{
    return e && e->kind == NV_ERR_LIBVIRT && e->code == k->err_no_object;
}

int nv_obj_lookup_uuid(nv_conn *c, const nv_kind_ops *k, const uint8_t uuid[16], nv_obj *out, nv_err *e)
{
    uint32_t s;
    if (k->lookup_uuid_start(c, uuid, &s, e) < 0)
        return -1;
    return k->lookup_uuid_finish(c, s, out, e);
}

int nv_obj_lookup_name(nv_conn *c, const nv_kind_ops *k, const char *name, nv_obj *out, nv_err *e)
{
    uint32_t s;
    if (k->lookup_name_start(c, name, &s, e) < 0)
        return -1;
    return k->lookup_name_finish(c, s, out, e);
}

char *nv_obj_xml(nv_conn *c, const nv_kind_ops *k, const nv_obj *o, unsigned flags, nv_err *e)
{
    uint32_t s;
    char *xml = NULL;
    if (k->xml_start(c, o, flags, &s, e) < 0 || k->xml_finish(c, s, &xml, e) < 0)
        return NULL;
    return xml;
}

int nv_obj_is_active(nv_conn *c, const nv_kind_ops *k, const nv_obj *o, nv_err *e)
{
    uint32_t s;
    if (k->is_active_start(c, o, &s, e) < 0)
        return -1;
    return k->is_active_finish(c, s, e);
}

int nv_obj_autostart(nv_conn *c, const nv_kind_ops *k, const nv_obj *o, nv_err *e)
{
    uint32_t s;
    if (k->autostart_start(c, o, &s, e) < 0)
        return -1;
    return k->autostart_finish(c, s, e);
}

int nv_obj_list_all(nv_conn *c, const nv_kind_ops *k, unsigned flags, nv_obj_list *out, nv_err *e)
{
    uint32_t s;
    out->n = 0;
    out->v = NULL;
    if (k->list_start(c, flags, &s, e) < 0)
        return -1;
    return k->list_finish(c, s, out, e);
}
