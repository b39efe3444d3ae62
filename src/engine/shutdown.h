/* Stopping several domains together: each is asked to shut down (ACPI) as
 * soon as it is added, and all are waited for at once, so N domains with a
 * 60 s timeout take about 60 s, not N × 60 s. A domain still running at its
 * own deadline is powered off; one that refuses the request at once too.
 * Domains to be restarted are started again once they are off. */
#ifndef NV_ENGINE_SHUTDOWN_H
#define NV_ENGINE_SHUTDOWN_H

#include "virt/conn.h"
#include "virt/object.h"

typedef struct nv_shutdown_item {
    nv_obj obj;
    long long deadline_ms; /* CLOCK_MONOTONIC; 0 = power off at once */
    unsigned timeout;      /* seconds, for the log */
    int start_after;       /* start it again once it is off */
    int off;               /* it is off */
    int started;           /* start_after and it was started */
    int failed;            /* err says what failed */
    nv_err err;
} nv_shutdown_item;

typedef struct nv_shutdown_batch {
    nv_shutdown_item *v;
    size_t n;
} nv_shutdown_batch;

/* Adds o and asks it to shut down (timeout seconds, then power off; 0 =
 * power off when the batch is finished). -1 only when o could not be added
 * (out of memory, the connection failed). */
int nv_shutdown_add(nv_conn *c, nv_shutdown_batch *b, const nv_obj *o, unsigned timeout, int start_after, nv_err *e);

/* Waits for every domain of the batch, powers off those past their
 * deadline, starts those that asked for it. Each item's outcome is in its
 * fields; returns the number of items that failed. */
int nv_shutdown_finish(nv_conn *c, nv_shutdown_batch *b);

void nv_shutdown_free(nv_shutdown_batch *b);

#endif
