#include "engine/volumes.h"

#include <stdio.h>

#include "engine/log.h"
#include "virt/volume.h"

void nv_volumes_apply(nv_conn *c, const nv_obj *pool, const nv_manifest_obj *mo, int dry_run,
                      nv_volume_counts *counts, nv_errlist *errs)
{
    for (size_t i = 0; i < mo->nvols; i++) {
        const nv_manifest_vol *v = &mo->vols[i];
        nv_err e;
        nv_err_clear(&e);
        nv_vol found = {0};
        int f = nv_vol_lookup(c, pool, v->name, &found, &e);
        if (f < 0) {
            nv_errlist_add(errs, "volume %s in pool %s: %s", v->name, pool->name, e.msg);
            counts->failed++;
            continue;
        }
        if (f == 1 && !v->present) {
            if (dry_run) {
                printf("delete volume %s in pool %s\n", v->name, pool->name);
            } else {
                nv_log_obj("pool", pool->uuid, "delete volume %s", v->name);
                if (nv_vol_delete(c, &found, &e) < 0) {
                    nv_errlist_add(errs, "volume %s in pool %s: %s", v->name, pool->name, e.msg);
                    counts->failed++;
                    nv_vol_clear(&found);
                    continue;
                }
            }
            counts->deleted++;
        } else if (f == 0 && v->present) {
            if (dry_run) {
                printf("create volume %s in pool %s\n", v->name, pool->name);
            } else {
                nv_log_obj("pool", pool->uuid, "create volume %s", v->name);
                if (nv_vol_create(c, pool, v->spec.xml, NULL, &e) < 0) {
                    nv_errlist_add(errs, "volume %s in pool %s (%s): %s", v->name, pool->name, v->spec.file, e.msg);
                    counts->failed++;
                    continue;
                }
            }
            counts->created++;
        } else {
            counts->unchanged++;
        }
        nv_vol_clear(&found);
    }
}
