/* The volumes an apply manifest lists for a pool: create the missing ones
 * that should be present, delete the ones marked present="false". Existing
 * volumes are never redefined (that would destroy their data). */
#ifndef NV_ENGINE_VOLUMES_H
#define NV_ENGINE_VOLUMES_H

#include "engine/manifest.h"
#include "rpc/connect.h"
#include "util/errlist.h"
#include "virt/object.h"

typedef struct nv_volume_counts {
    int created, deleted, unchanged, failed;
} nv_volume_counts;

/* The pool must be active. Failures are added to errs, per volume. With
 * dry_run, prints the plan on stdout and changes nothing. */
void nv_volumes_apply(nv_conn *c, const nv_obj *pool, const nv_manifest_obj *mo, int dry_run,
                      nv_volume_counts *counts, nv_errlist *errs);

#endif
