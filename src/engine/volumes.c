#include "engine/volumes.h"

#include <stdlib.h>
#include <string.h>

#include "engine/log.h"
#include "virt/volume.h"

nv_report_obj *nv_volumes_entry(nv_report *rep, const char *pool, const char *name)
{
    nv_report_obj *o = nv_report_add(rep, "volume", name, NULL);
    if (o && !(o->pool = strdup(pool)))
        rep->oom = 1;
    return o;
}

int nv_volumes_apply(nv_conn *c, const nv_obj *pool, const nv_manifest_obj *mo, const signed char *known,
                     int dry_run, nv_report *rep, nv_errlist *errs)
{
    int failed = 0;
    for (size_t i = 0; i < mo->nvols; i++) {
        const nv_manifest_vol *v = &mo->vols[i];
        if (known && known[i] >= 0 && known[i] == v->present)
            continue; /* already as declared (fetched up front): no lookup */
        nv_err e;
        nv_err_clear(&e);
        nv_vol found = {0};
        int f = nv_vol_lookup(c, pool, v->name, &found, &e);
        if (f < 0) {
            nv_errlist_add(errs, "volume %s in pool %s: %s", v->name, pool->name, e.msg);
            nv_report_error(nv_volumes_entry(rep, pool->name, v->name), "%s", e.msg);
            failed++;
            continue;
        }
        if (f == 1 && !v->present) {
            nv_report_obj *ro = nv_volumes_entry(rep, pool->name, v->name);
            if (!dry_run)
                nv_log_obj("pool", pool->uuid, "delete volume %s", v->name);
            if (dry_run || nv_vol_delete(c, &found, &e) == 0) {
                nv_report_act(ro, NV_ACT_DELETE);
            } else {
                nv_errlist_add(errs, "volume %s in pool %s: %s", v->name, pool->name, e.msg);
                nv_report_error(ro, "%s", e.msg);
                failed++;
            }
        } else if (f == 0 && v->present) {
            nv_report_obj *ro = nv_volumes_entry(rep, pool->name, v->name);
            if (!dry_run)
                nv_log_obj("pool", pool->uuid, "create volume %s", v->name);
            if (dry_run || nv_vol_create(c, pool, v->spec.xml, NULL, &e) == 0) {
                nv_report_act(ro, NV_ACT_CREATE);
            } else {
                nv_errlist_add(errs, "volume %s in pool %s (%s): %s", v->name, pool->name, v->spec.file, e.msg);
                nv_report_error(ro, "%s", e.msg);
                failed++;
            }
        }
        nv_vol_clear(&found);
    }
    return failed;
}
