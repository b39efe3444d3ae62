#include "engine/observe.h"

#include <stdlib.h>
#include <string.h>

#include "util/uuid.h"

void nv_observe_clear(nv_observed *ob)
{
    nv_obj_clear(&ob->obj);
    free(ob->xml);
    memset(ob, 0, sizeof *ob);
}

/* A lookup by the spec's name found (f == 1) `named`: it is a clash when it
 * is another object. Sets e and returns 1 then. */
static int name_clash(const nv_kind_ops *k, const nv_spec *spec, int f, const nv_obj *named, nv_err *e)
{
    if (f != 1 || memcmp(named->uuid, spec->uuid, 16) == 0)
        return 0;
    char other[NV_UUID_STR_LEN];
    nv_uuid_format(named->uuid, other);
    nv_err_set(e, NV_ERR_INPUT, "%s:%lu: a %s named '%s' already exists with UUID %s (the definition has UUID %s)",
               spec->file, spec->name_line, k->name, spec->name, other, spec->uuid_str);
    return 1;
}

/* Finds the object a definition replaces (same UUID) and refuses, before
 * anything changes, a name already taken by another object. One round trip. */
static int find_existing(nv_conn *c, const nv_kind_ops *k, const nv_spec *spec, nv_obj *existing,
                         int *found, nv_err *e)
{
    uint32_t s_uuid, s_name;
    if (k->lookup_uuid_start(c, spec->uuid, &s_uuid, e) < 0 ||
        k->lookup_name_start(c, spec->name, &s_name, e) < 0)
        return -1;
    nv_obj by_name = {0};
    int f_uuid = k->lookup_uuid_finish(c, s_uuid, existing, e);
    nv_err e2;
    nv_err_clear(&e2);
    int f_name = k->lookup_name_finish(c, s_name, &by_name, &e2);
    if (f_uuid < 0)
        goto fail;
    if (f_name < 0) {
        *e = e2;
        goto fail;
    }
    if (name_clash(k, spec, f_name, &by_name, e))
        goto fail;
    nv_obj_clear(&by_name);
    *found = f_uuid == 1;
    return 0;
fail:
    nv_obj_clear(&by_name);
    if (f_uuid == 1)
        nv_obj_clear(existing);
    return -1;
}

/* is-active and the inactive XML of an existing object, in one round trip */
static int fetch_state(nv_conn *c, const nv_kind_ops *k, const nv_obj *o, int *active, char **xml, nv_err *e)
{
    uint32_t s_act, s_xml = 0;
    if (k->is_active_start(c, o, &s_act, e) < 0)
        return -1;
    if (xml && k->xml_start(c, o, k->xml_inactive, &s_xml, e) < 0)
        return -1;
    *active = k->is_active_finish(c, s_act, e);
    if (*active < 0)
        return -1;
    if (xml && k->xml_finish(c, s_xml, xml, e) < 0)
        return -1;
    return 0;
}

int nv_observe_spec(nv_conn *c, enum nv_kind kind, const nv_spec *spec, nv_observed *ob, nv_err *e)
{
    const nv_kind_ops *k = nv_kind_ops_get(kind);
    memset(ob, 0, sizeof *ob);
    if (find_existing(c, k, spec, &ob->obj, &ob->found, e) < 0)
        return -1;
    if (ob->found && fetch_state(c, k, &ob->obj, &ob->active, &ob->xml, e) < 0)
        return -1;
    return 0;
}

int nv_observe_select(nv_conn *c, enum nv_kind kind, const uint8_t *uuid, const char *name, nv_observed *ob,
                      nv_err *e)
{
    const nv_kind_ops *k = nv_kind_ops_get(kind);
    memset(ob, 0, sizeof *ob);
    int f = uuid ? nv_obj_lookup_uuid(c, k, uuid, &ob->obj, e) : nv_obj_lookup_name(c, k, name, &ob->obj, e);
    if (f < 0)
        return -1;
    if (f == 0) {
        if (uuid) {
            char u[NV_UUID_STR_LEN];
            nv_uuid_format(uuid, u);
            return nv_err_set(e, NV_ERR_INPUT, "no %s with UUID %s", k->name, u);
        }
        return nv_err_set(e, NV_ERR_INPUT, "no %s named '%s'", k->name, name);
    }
    ob->found = 1;
    return fetch_state(c, k, &ob->obj, &ob->active, NULL, e);
}

int nv_observe_name_free(nv_conn *c, enum nv_kind kind, const nv_spec *spec, nv_err *e)
{
    const nv_kind_ops *k = nv_kind_ops_get(kind);
    nv_obj other = {0};
    int f = nv_obj_lookup_name(c, k, spec->name, &other, e);
    if (f < 0)
        return -1;
    int clash = name_clash(k, spec, f, &other, e);
    nv_obj_clear(&other);
    return clash ? -1 : 0;
}
