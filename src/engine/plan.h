/* The dry run's plan: what an apply would do to one declared object, told
 * from the prefetch, the record and the definitions kept from the last
 * apply, with no call that changes anything. */
#ifndef NV_ENGINE_PLAN_H
#define NV_ENGINE_PLAN_H

#include "engine/apply.h"
#include "engine/prefetch.h"

/* The object's actions (and notes, and changes) into ro. def_same and
 * xml_same: the record's digests match the declared definition and the
 * daemon's XML. */
void nv_plan_object(const nv_apply_opts *o, enum nv_kind kind, const nv_manifest_obj *mo, const nv_prefetch_obj *pf,
                    const nv_record_entry *en, int def_same, int xml_same, nv_report_obj *ro);

/* What becomes of a declared pool's volumes. */
void nv_plan_volumes(nv_conn *c, const nv_manifest_obj *mo, const nv_prefetch_obj *pf, nv_report *rep,
                     nv_errlist *errs);

#endif
