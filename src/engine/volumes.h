/* The volumes an apply manifest lists for a pool: create the missing ones
 * that should be present, delete the ones marked present="false". Existing
 * volumes are never redefined (that would destroy their data). */
#ifndef NV_ENGINE_VOLUMES_H
#define NV_ENGINE_VOLUMES_H

#include "engine/manifest.h"
#include "engine/report.h"
#include "virt/conn.h"
#include "util/errlist.h"
#include "virt/object.h"

/* The pool must be active. Each volume created or deleted gets an entry in
 * rep; failures are added to errs and to the volume's entry. With dry_run,
 * only the plan is made. Returns the number of failures. known (may be
 * NULL): per volume 1 exists / 0 does not / -1 unknown, as fetched up front;
 * a volume already as declared is not looked up again. */
int nv_volumes_apply(nv_conn *c, const nv_obj *pool, const nv_manifest_obj *mo, const signed char *known,
                     int dry_run, nv_report *rep, nv_errlist *errs);

/* A report entry for volume `name` of `pool`. */
nv_report_obj *nv_volumes_entry(nv_report *rep, const char *pool, const char *name);

#endif
