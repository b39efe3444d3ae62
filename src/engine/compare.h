/* Change detection: the daemon's inactive XML before and after a define,
 * compared in canonical form, with what each kind's daemon adds on its own
 * left out. */
#ifndef NV_ENGINE_COMPARE_H
#define NV_ENGINE_COMPARE_H

#include "engine/spec.h"
#include "xml/diff.h"
#include "util/error.h"
#include "virt/object.h"

/* libvirt's rule for its definitions: the children of the root's <devices>
 * have no order (the daemon may regroup them). */
extern const nv_xml_order nv_compare_order;

/* 1 changed, 0 unchanged, -1 error. With diff != NULL and a change, diff
 * (zero-initialised) gets the differences, sizes with their units in one
 * value (engine/units.h): "/domain/memory: 32 MiB → 48 MiB". The spec
 * (may be NULL) tells which daemon-filled pool fields to ignore: those the
 * definition does not mention. */
int nv_compare_defs(enum nv_kind kind, const nv_spec *spec, const char *before,
                    const char *after, nv_xml_diff_list *diff, nv_err *e);

/* A digest of the daemon's inactive XML that changes exactly when the
 * definition changes: the raw text, except for pools, whose size fields
 * move by themselves and are left out (as in nv_compare_defs). */
int nv_compare_digest(enum nv_kind kind, const nv_spec *spec, const char *xml, uint8_t out[32], nv_err *e);

#endif
