/* Applying a changed domain definition to the running domain instead of
 * restarting it (restart policy "live").
 *
 * A plan compares the old and the new definition: devices (<interface>,
 * <disk>, <hostdev>, <filesystem>) added or removed become attach/detach,
 * an interface's link state or bandwidth and a cdrom/floppy's media become
 * update-device, <currentMemory> under an unchanged maximum becomes the
 * balloon, a raised <vcpu current> under an unchanged maximum becomes
 * setVcpus. Anything else that differs (the machine type, fewer vCPUs, a
 * changed disk, a controller libvirt added for a new device) makes the plan
 * say why a restart is needed instead. Device addresses do not count: the
 * daemon places devices anew on every define (one added moves the others),
 * and devices are sent without one, to go where the running domain has room. */
#ifndef NV_ENGINE_LIVE_H
#define NV_ENGINE_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "virt/conn.h"
#include "virt/object.h"
#include "xml/doc.h"

enum nv_live_op { NV_LIVE_DETACH, NV_LIVE_ATTACH, NV_LIVE_UPDATE, NV_LIVE_MEMORY, NV_LIVE_VCPUS };

typedef struct nv_live_step {
    enum nv_live_op op;
    char *what;     /* "attach interface 52:54:00:12:34:56", for -v and the plan */
    char *key;      /* devices: the kind and identity ("interface 52:54:…") */
    char *xml;      /* devices: the device's XML */
    uint64_t value; /* KiB for memory, a count for vCPUs */
} nv_live_step;

typedef struct nv_live_plan {
    nv_live_step *v;
    size_t n;
    char restart[256]; /* non-empty: not everything can be applied live, and why */
} nv_live_plan;

/* Plans the change from `before` (the daemon's inactive XML) to `after`.
 * strict: `after` is the daemon's XML after the define, so anything it
 * lacks was removed; otherwise `after` is the declared definition (a
 * dry run, before the define) and only what it sets counts, as in the
 * plan's list of changes. */
int nv_live_plan_make(const nv_xml_node *before, const nv_xml_node *after, int strict, nv_live_plan *p, nv_err *e);
void nv_live_plan_free(nv_live_plan *p);

/* Runs the plan's steps on the running domain o with AFFECT_LIVE: detaches
 * first (waiting, bounded, for the guest to release each device), then
 * attaches, updates, memory and vCPUs. Each step is logged (-v). -1 with e
 * naming the step that failed; the caller restarts then. */
int nv_live_apply(nv_conn *c, const nv_obj *o, const nv_live_plan *p, nv_err *e);

/* restart = "live" for a running domain whose definition changed from
 * before_xml to after_xml (the daemon's inactive XMLs around the define):
 * plans, logs the plan, applies it. 1 when everything was applied live;
 * 0 when it needs a restart (why is logged, and a failed step too). */
int nv_live_change(nv_conn *c, const nv_obj *o, const char *before_xml, const char *after_xml);

#endif
