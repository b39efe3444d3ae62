/* `nixvirt apply`: make a connection match a whole manifest.
 *   1. (caller) the manifest and every definition are valid;
 *   2. remove undeclared objects per purge mode: domains, pools, networks;
 *   3. declare networks, then pools with their volumes, then domains, each
 *      with virtdeclare's change detection and restart policy;
 *   4. record what was declared (digests let the next run skip defines),
 *      durably as it goes (see nv_apply_opts.saver).
 * A failure on one object does not stop the others. */
#ifndef NV_ENGINE_APPLY_H
#define NV_ENGINE_APPLY_H

#include <signal.h>

#include "engine/defstore.h"
#include "engine/manifest.h"
#include "engine/record.h"
#include "engine/report.h"
#include "engine/warm.h"
#include "virt/conn.h"
#include "util/errlist.h"

typedef struct nv_apply_opts {
    int dry_run;
    /* When set (not in a dry run): before anything changes, every declared
     * object is entered in the record and the record saved, so that however
     * the run ends, the record names everything it defined; then it is saved
     * again as objects are done (at most NV_RECORD_SAVE_INTERVAL_MS behind). */
    nv_record_saver *saver;
    /* When set and non-zero (a signal arrived): stop after the current
     * object, leaving the rest as it is. */
    volatile sig_atomic_t *stop;
    nv_defstore *defs; /* where the last definitions applied are kept; NULL: nowhere */
    nv_warm *warm;     /* asked for early from the same record (engine/warm.h); NULL: none */
} nv_apply_opts;

/* What was done (or planned) goes into rep, one entry per object acted on
 * or checked; failures are added to errs, each naming its object, and to
 * the object's entry. record is updated in place (the caller saves it).
 * Returns the number of failures. */
int nv_apply(nv_conn *c, nv_manifest *m, nv_record *record, const nv_apply_opts *o,
             nv_report *rep, nv_errlist *errs);

#endif
