#include "engine/shutdown.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/log.h"
#include "engine/status.h"
#include "util/time.h"
#include "virt/domain.h"

#define VIR_ERR_OPERATION_INVALID 55
#define POLL_MS 200

int nv_shutdown_add(nv_conn *c, nv_shutdown_batch *b, const nv_obj *o, unsigned timeout, int start_after, nv_err *e)
{
    nv_shutdown_item *grown = realloc(b->v, (b->n + 1) * sizeof *grown);
    if (!grown)
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    b->v = grown;
    nv_shutdown_item *it = &b->v[b->n];
    memset(it, 0, sizeof *it);
    if (nv_obj_set(&it->obj, o->name, o->uuid, o->id, e) < 0)
        return -1;
    it->start_after = start_after;
    b->n++;
    if (timeout == 0)
        return 0;
    nv_log_obj("domain", o->uuid, "shut down (up to %u s)", timeout);
    nv_err se;
    nv_err_clear(&se);
    if (nv_domain_shutdown(c, o, NV_DOMAIN_SHUTDOWN_ACPI, &se) < 0) {
        if (se.kind != NV_ERR_LIBVIRT) {
            *e = se;
            return -1; /* the item stays: finish reports the connection's failure */
        }
        nv_log_obj("domain", o->uuid, "shutdown refused (%s): power off", se.msg);
        return 0;
    }
    it->deadline_ms = nv_time_now_ms() + (long long)timeout * 1000;
    it->timeout = timeout;
    return 0;
}

static void power_off(nv_conn *c, nv_shutdown_item *it, int timed_out)
{
    if (timed_out)
        nv_log_obj("domain", it->obj.uuid, "still running after %u s: power off", it->timeout);
    nv_log_obj("domain", it->obj.uuid, "deactivate");
    if (nv_domain_ops.destroy(c, &it->obj, &it->err) == 0) {
        it->off = 1;
        return;
    }
    /* it stopped by itself between our check and the destroy */
    nv_err e2;
    if (it->err.kind == NV_ERR_LIBVIRT && it->err.code == VIR_ERR_OPERATION_INVALID &&
        nv_obj_is_active(c, &nv_domain_ops, &it->obj, &e2) == 0) {
        it->off = 1;
        return;
    }
    it->failed = 1;
}

static int waited_for(const nv_shutdown_item *it)
{
    return !it->off && !it->failed && it->deadline_ms;
}

/* One round trip: is-active for every item still waited for. Returns how
 * many are still running. */
static int poll_active(nv_conn *c, nv_shutdown_batch *b, uint32_t *serials, unsigned char *sent)
{
    int running = 0;
    for (size_t i = 0; i < b->n; i++) {
        nv_shutdown_item *it = &b->v[i];
        sent[i] = waited_for(it) && nv_domain_ops.is_active_start(c, &it->obj, &serials[i], &it->err) == 0;
        if (waited_for(it) && !sent[i])
            it->failed = 1;
    }
    for (size_t i = 0; i < b->n; i++) {
        nv_shutdown_item *it = &b->v[i];
        if (!sent[i])
            continue;
        int act = nv_domain_ops.is_active_finish(c, serials[i], &it->err);
        if (act == 0 || (act < 0 && nv_virt_not_found(&nv_domain_ops, &it->err)))
            it->off = 1; /* a transient domain is gone once off */
        else if (act < 0)
            it->failed = 1;
        else
            running++;
    }
    return running;
}

/* The status line (a terminal only): who is waited for, for how long. */
static void show_wait(const nv_shutdown_batch *b, long long now)
{
    size_t n = 0;
    const nv_shutdown_item *one = NULL;
    long long longest = 0;
    for (size_t i = 0; i < b->n; i++)
        if (waited_for(&b->v[i])) {
            n++;
            one = &b->v[i];
            long long waited = now - (b->v[i].deadline_ms - (long long)b->v[i].timeout * 1000);
            if (waited > longest)
                longest = waited;
        }
    if (n == 1)
        nv_status_step_of("domain", one->obj.name, "waiting for ACPI shutdown (%lld s of %u)", longest / 1000,
                          one->timeout);
    else if (n > 1)
        nv_status_step("waiting for ACPI shutdown of %zu domains (%lld s)", n, longest / 1000);
}

int nv_shutdown_finish(nv_conn *c, nv_shutdown_batch *b)
{
    uint32_t *serials = calloc(b->n + 1, sizeof *serials);
    unsigned char *sent = calloc(b->n + 1, 1);
    if (!serials || !sent) {
        free(serials);
        free(sent);
        for (size_t i = 0; i < b->n; i++) {
            nv_err_set(&b->v[i].err, NV_ERR_SYSTEM, "out of memory");
            b->v[i].failed = 1;
        }
        return (int)b->n;
    }
    /* those that get no time (timeout 0, a refused shutdown) go first */
    for (size_t i = 0; i < b->n; i++)
        if (!b->v[i].deadline_ms)
            power_off(c, &b->v[i], 0);
    while (poll_active(c, b, serials, sent) > 0) {
        long long now = nv_time_now_ms(), next = 0;
        show_wait(b, now);
        for (size_t i = 0; i < b->n; i++) {
            nv_shutdown_item *it = &b->v[i];
            if (!waited_for(it))
                continue;
            if (now >= it->deadline_ms) {
                it->deadline_ms = 0;
                power_off(c, it, 1);
            } else if (!next || it->deadline_ms < next) {
                next = it->deadline_ms;
            }
        }
        if (next) {
            long long ms = next - now < POLL_MS ? next - now : POLL_MS;
            nv_time_sleep_ms(ms);
        }
    }
    free(serials);
    free(sent);
    int failures = 0;
    for (size_t i = 0; i < b->n; i++) {
        nv_shutdown_item *it = &b->v[i];
        if (it->off && it->start_after) {
            nv_log_obj("domain", it->obj.uuid, "activate");
            if (nv_domain_ops.create(c, &it->obj, &it->err) == 0)
                it->started = 1;
            else
                it->failed = 1;
        }
        failures += it->failed;
    }
    return failures;
}

void nv_shutdown_free(nv_shutdown_batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        nv_obj_clear(&b->v[i].obj);
    free(b->v);
    memset(b, 0, sizeof *b);
}
