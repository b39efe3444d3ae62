/* Declaring one domain, network or pool: define it from a definition (or
 * select an existing one), detect whether the definition changed, and
 * bring it to the wanted state without restarting what did not change. */
#ifndef NV_ENGINE_DECLARE_H
#define NV_ENGINE_DECLARE_H

#include "engine/observe.h"
#include "engine/power.h"
#include "engine/spec.h"
#include "virt/conn.h"
#include "virt/object.h"
#include "xml/diff.h"

/* LIVE: like IFCHANGED, but a domain whose changes can all be applied to
 * it running (engine/live.h) gets them that way instead of a restart. */
enum nv_restart { NV_RESTART_IFCHANGED, NV_RESTART_ALWAYS, NV_RESTART_NEVER, NV_RESTART_LIVE };
enum nv_state { NV_STATE_KEEP = -1, NV_STATE_INACTIVE = 0, NV_STATE_ACTIVE = 1 };

typedef struct nv_declare_req {
    enum nv_kind kind;
    const nv_spec *spec;       /* --define; or NULL and one of: */
    const uint8_t *sel_uuid;   /* --uuid (16 bytes) */
    const char *sel_name;      /* --name */
    enum nv_state state;
    enum nv_restart restart;
    int autostart;             /* --auto: set autostart to match state */
    unsigned shutdown_timeout; /* domains: seconds of ACPI shutdown before power off */
    int show_diff;             /* print what changed (with -v) */

    /* domains: a stop or restart with a shutdown timeout joins this batch
     * (asked to shut down now, waited for with the others, started again by
     * nv_shutdown_finish) instead of being waited for here */
    struct nv_shutdown_batch *batch;

    /* a network's domains that the caller starts itself (see nv_power_defer_fn) */
    nv_power_defer_fn defer;
    void *defer_ctx;
} nv_declare_req;

typedef struct nv_declare_result {
    int defined_new;  /* did not exist before */
    int changed;      /* existed, and its definition changed */
    int unchanged;    /* existed, definition identical */
    int started;      /* was activated (including a restart) */
    int stopped;      /* was deactivated (and not activated again) */
    int restarted;    /* deactivated and activated again */
    int live;         /* the change was applied to the running domain */
    int batched;      /* its stop (and start) is left to req->batch */
    int autostart_set;
    char *after_xml;  /* the daemon's inactive XML after the define (NULL if none) */
    nv_xml_diff_list changes; /* changed: how the daemon's definition changed */
    nv_obj obj;       /* the object, once known */
} nv_declare_result;

void nv_declare_result_free(nv_declare_result *r);

/* What was done, as engine/report.h action bits. */
unsigned nv_declare_actions(const nv_declare_result *r);

/* Brings the object observed (engine/observe.h) to what req declares:
 * defines it if needed, tells whether its definition changed, brings it to
 * the wanted state, sets autostart. Takes over ob's object handle (and its
 * XML when unchanged); nv_observe_clear frees what is left. On error e names
 * the step. The object may have been partly brought along (e.g. defined but
 * not started): a re-run converges. */
int nv_declare_act(nv_conn *c, const nv_declare_req *req, nv_observed *ob, nv_declare_result *res, nv_err *e);

/* virtdeclare: observes with lookups (by req->spec's UUID and name, or the
 * selection), then acts. */
int nv_declare(nv_conn *c, const nv_declare_req *req, nv_declare_result *res, nv_err *e);

#endif
