/* What the daemon has for one declared object, before the declare changes
 * anything (engine/declare.h acts on it). virtdeclare observes with its own
 * lookups (these functions); apply fills the same from its prefetch. */
#ifndef NV_ENGINE_OBSERVE_H
#define NV_ENGINE_OBSERVE_H

#include <stdint.h>

#include "engine/spec.h"
#include "virt/conn.h"
#include "virt/object.h"

/* A new object's define that went out ahead of its declare, in a batch
 * with others (nv_prefetch_define_new): its outcome stands in for the
 * declare's own define. */
typedef struct nv_predefined {
    nv_err *err; /* the daemon's refusal, or NULL: */
    nv_obj obj;  /* the object defined */
    char *xml;   /* its inactive XML right after, or NULL (fetched again) */
} nv_predefined;

typedef struct nv_observed {
    int found;   /* an object with the definition's UUID exists (a selected one always) */
    int active;
    nv_obj obj;  /* the object, when found: its name is the daemon's */
    char *xml;   /* its inactive XML, when found (not fetched for a selection) */
    int unchanged; /* digests prove the daemon has the declared definition: no define */
    const nv_predefined *predefined; /* not found and already defined in a batch, or NULL */
} nv_observed;

void nv_observe_clear(nv_observed *ob);

/* The object a definition replaces (same UUID) with its state and inactive
 * XML, in two round trips; refuses, before anything changes, a name that
 * another object has. */
int nv_observe_spec(nv_conn *c, enum nv_kind kind, const nv_spec *spec, nv_observed *ob, nv_err *e);

/* The object selected by UUID (when uuid is not NULL) or name, and its
 * state; an error when there is none. */
int nv_observe_select(nv_conn *c, enum nv_kind kind, const uint8_t *uuid, const char *name, nv_observed *ob,
                      nv_err *e);

/* Refuses the definition's name when another object has it (one lookup),
 * for a caller that knows the object by UUID only. */
int nv_observe_name_free(nv_conn *c, enum nv_kind kind, const nv_spec *spec, nv_err *e);

#endif
