/* Storage volume procedures of libvirt's remote program. */
#include "virt/volume.h"

#include <stdlib.h>
#include <string.h>

#include "rpc/connect.h"
#include "virt/kinds.gen.h"

#define VIR_ERR_NO_STORAGE_VOL 50

static remote_nonnull_storage_vol handle(const nv_vol *v)
{
    remote_nonnull_storage_vol h = {.pool = v->pool, .name = v->name, .key = v->key};
    return h;
}

void nv_vol_clear(nv_vol *v)
{
    free(v->pool);
    free(v->name);
    free(v->key);
    memset(v, 0, sizeof *v);
}

void nv_vol_list_free(nv_vol_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        nv_vol_clear(&l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* Takes the strings of a decoded handle (the caller must not free them). */
static void take(nv_vol *out, remote_nonnull_storage_vol *h)
{
    out->pool = h->pool;
    out->name = h->name;
    out->key = h->key;
    h->pool = h->name = h->key = NULL;
}

int nv_vol_lookup_start(nv_conn *c, const nv_obj *pool, const char *name, uint32_t *serial, nv_err *e)
{
    remote_storage_vol_lookup_by_name_args a = {.pool = nv_pool_handle(pool), .name = (char *)name};
    return nv_remote_storage_vol_lookup_by_name_start(c->rpc, &a, serial, e);
}

int nv_vol_lookup_finish(nv_conn *c, uint32_t serial, nv_vol *out, nv_err *e)
{
    remote_storage_vol_lookup_by_name_ret r;
    if (nv_remote_storage_vol_lookup_by_name_finish(c->rpc, serial, &r, e) < 0)
        return (e->kind == NV_ERR_LIBVIRT && e->code == VIR_ERR_NO_STORAGE_VOL) ? 0 : -1;
    take(out, &r.vol);
    return 1;
}

int nv_vol_lookup(nv_conn *c, const nv_obj *pool, const char *name, nv_vol *out, nv_err *e)
{
    uint32_t s;
    if (nv_vol_lookup_start(c, pool, name, &s, e) < 0)
        return -1;
    return nv_vol_lookup_finish(c, s, out, e);
}

int nv_vol_create(nv_conn *c, const nv_obj *pool, const char *xml, nv_vol *out, nv_err *e)
{
    remote_storage_vol_create_xml_args a = {.pool = nv_pool_handle(pool), .xml = (char *)xml, .flags = 0};
    remote_storage_vol_create_xml_ret r;
    if (nv_remote_storage_vol_create_xml(c->rpc, &a, &r, e) < 0)
        return -1;
    if (out)
        take(out, &r.vol);
    nv_proto_free_remote_storage_vol_create_xml_ret(&r);
    return 0;
}

int nv_vol_delete(nv_conn *c, const nv_vol *v, nv_err *e)
{
    remote_storage_vol_delete_args a = {.vol = handle(v), .flags = 0};
    return nv_remote_storage_vol_delete(c->rpc, &a, e);
}

int nv_vol_xml_start(nv_conn *c, const nv_vol *v, uint32_t *serial, nv_err *e)
{
    remote_storage_vol_get_xml_desc_args a = {.vol = handle(v), .flags = 0};
    return nv_remote_storage_vol_get_xml_desc_start(c->rpc, &a, serial, e);
}

int nv_vol_xml_finish(nv_conn *c, uint32_t serial, char **xml, nv_err *e)
{
    remote_storage_vol_get_xml_desc_ret r;
    if (nv_remote_storage_vol_get_xml_desc_finish(c->rpc, serial, &r, e) < 0)
        return -1;
    *xml = r.xml; /* ownership moves to the caller */
    return 0;
}

char *nv_vol_xml(nv_conn *c, const nv_vol *v, nv_err *e)
{
    uint32_t serial;
    char *xml = NULL;
    if (nv_vol_xml_start(c, v, &serial, e) < 0 || nv_vol_xml_finish(c, serial, &xml, e) < 0)
        return NULL;
    return xml;
}

int nv_vol_list_all_start(nv_conn *c, const nv_obj *pool, uint32_t *serial, nv_err *e)
{
    remote_storage_pool_list_all_volumes_args a = {.pool = nv_pool_handle(pool), .need_results = 1, .flags = 0};
    return nv_remote_storage_pool_list_all_volumes_start(c->rpc, &a, serial, e);
}

int nv_vol_list_all_finish(nv_conn *c, uint32_t serial, nv_vol_list *out, nv_err *e)
{
    remote_storage_pool_list_all_volumes_ret r;
    if (nv_remote_storage_pool_list_all_volumes_finish(c->rpc, serial, &r, e) < 0)
        return -1;
    out->n = 0;
    out->v = calloc(r.vols.vols_len ? r.vols.vols_len : 1, sizeof *out->v);
    if (!out->v) {
        nv_proto_free_remote_storage_pool_list_all_volumes_ret(&r);
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    }
    for (uint32_t i = 0; i < r.vols.vols_len; i++, out->n++)
        take(&out->v[i], &r.vols.vols_val[i]);
    nv_proto_free_remote_storage_pool_list_all_volumes_ret(&r);
    return 0;
}

int nv_vol_list_all(nv_conn *c, const nv_obj *pool, nv_vol_list *out, nv_err *e)
{
    uint32_t serial;
    if (nv_vol_list_all_start(c, pool, &serial, e) < 0)
        return -1;
    return nv_vol_list_all_finish(c, serial, out, e);
}
