#include "engine/warm.h"

#include <stdlib.h>
#include <string.h>

#include "engine/compare.h"

static int obj_uuid(const void *ctx, size_t pos, const void *key)
{
    return memcmp(((const nv_warm_obj *)ctx)[pos].uuid, key, 16) == 0;
}

nv_warm_obj *nv_warm_find(nv_warm *w, enum nv_kind kind, const uint8_t uuid[16])
{
    if (!w || !w->k[kind].n)
        return NULL; /* also: not listed */
    nv_warm_kind *wk = &w->k[kind];
    size_t at = nv_hmap_find(&wk->by_uuid, nv_hash(uuid, 16), obj_uuid, wk->objs, uuid);
    return at == NV_HMAP_NONE ? NULL : &wk->objs[at];
}

static int stopped(const atomic_int *stop)
{
    return stop && atomic_load(stop);
}

void nv_warm_send_lists(nv_conn *c, nv_warm *w)
{
    memset(w, 0, sizeof *w);
    nv_err e;
    for (int kind = 0; kind < NV_KIND_COUNT; kind++) {
        const nv_kind_ops *k = nv_kind_ops_get((enum nv_kind)kind);
        uint32_t *serial = w->list_serial[kind];
        unsigned char *sent = w->list_sent[kind];
        if (kind == NV_KIND_DOMAIN) {
            sent[0] = k->list_start(c, 0, &serial[0], &e) == 0;
        } else {
            sent[0] = k->list_start(c, k->list_active, &serial[0], &e) == 0;
            sent[1] = k->list_start(c, k->list_inactive, &serial[1], &e) == 0;
        }
    }
}

/* Burst 1's replies: every kind's lists, as the prefetch would send them. */
static void take_lists(nv_conn *c, nv_warm *w)
{
    nv_err e;
    for (int kind = 0; kind < NV_KIND_COUNT; kind++) {
        const nv_kind_ops *k = nv_kind_ops_get((enum nv_kind)kind);
        int ok = 1;
        for (int j = 0; j < 2; j++) {
            if (w->list_sent[kind][j])
                ok &= k->list_finish(c, w->list_serial[kind][j], &w->k[kind].lists[j], &e) == 0;
            else
                ok &= kind == NV_KIND_DOMAIN && j == 1;
            w->list_sent[kind][j] = 0;
        }
        w->k[kind].listed = ok;
    }
}

static int listed_uuid(const void *ctx, size_t pos, const void *key)
{
    return memcmp(((const nv_obj *const *)ctx)[pos]->uuid, key, 16) == 0;
}

/* The recorded objects of a listed kind that are in its lists, with the
 * handles (names) the XML calls need: borrowed, the lists own them. */
static int pick(const nv_record *record, enum nv_kind kind, nv_warm_kind *wk, nv_obj *handles)
{
    nv_err e;
    size_t nlisted = wk->lists[0].n + wk->lists[1].n, n = 0;
    const nv_obj **listed = calloc(nlisted + 1, sizeof *listed);
    nv_hmap index = {0};
    int rc = -1;
    if (!listed || nv_hmap_reserve(&index, nlisted, &e) < 0 || nv_hmap_reserve(&wk->by_uuid, record->n, &e) < 0)
        goto out;
    for (int j = 0; j < 2; j++)
        for (size_t i = 0; i < wk->lists[j].n; i++, n++)
            if (nv_hmap_put(&index, nv_hash((listed[n] = &wk->lists[j].v[i])->uuid, 16), n, &e) < 0)
                goto out;
    for (size_t r = 0; r < record->n; r++) {
        const nv_record_entry *en = &record->v[r];
        if (en->kind != kind)
            continue;
        uint64_t h = nv_hash(en->uuid, 16);
        size_t at = nv_hmap_find(&index, h, listed_uuid, listed, en->uuid);
        if (at == NV_HMAP_NONE)
            continue; /* gone: the prefetch asks, if it is still declared */
        memcpy(wk->objs[wk->n].uuid, en->uuid, 16);
        handles[wk->n] = *listed[at];
        if (nv_hmap_put(&wk->by_uuid, h, wk->n, &e) < 0)
            goto out;
        wk->n++;
    }
    rc = 0;
out:
    free(listed);
    nv_hmap_free(&index);
    return rc;
}

/* A reply: its digest, and the XML only when that is not the record's. */
static void take_xml(enum nv_kind kind, char *xml, const nv_record *record, nv_warm_obj *wo)
{
    wo->known = wo->found = 1;
    wo->xml = xml;
    if (kind == NV_KIND_POOL)
        return; /* its digest depends on the definition (engine/compare.c) */
    nv_err e;
    wo->has_digest = nv_compare_digest(kind, NULL, xml, wo->xml_digest, &e) == 0;
    const nv_record_entry *en = nv_record_find(record, kind, wo->uuid);
    if (wo->has_digest && en && en->has_digests && memcmp(en->xml_digest, wo->xml_digest, 32) == 0) {
        free(wo->xml);
        wo->xml = NULL;
    }
}

/* Burst 2: the inactive XML of every recorded object found in the lists,
 * sent ahead of the replies collected by at most NV_WARM_WINDOW. */
static void take_objects(nv_conn *c, const nv_record *record, nv_warm *w, const atomic_int *stop)
{
    nv_obj *handles[NV_KIND_COUNT] = {0};
    uint32_t *serial[NV_KIND_COUNT] = {0};
    size_t sent[NV_KIND_COUNT] = {0}, taken[NV_KIND_COUNT] = {0};
    int failed = 0; /* a call could not be sent: send no more */
    nv_err e;
    for (int kind = 0; kind < NV_KIND_COUNT; kind++) {
        nv_warm_kind *wk = &w->k[kind];
        if (!wk->listed)
            continue;
        handles[kind] = calloc(record->n + 1, sizeof *handles[kind]);
        serial[kind] = calloc(record->n + 1, sizeof *serial[kind]);
        wk->objs = calloc(record->n + 1, sizeof *wk->objs);
        if (!handles[kind] || !serial[kind] || !wk->objs || pick(record, (enum nv_kind)kind, wk, handles[kind]) < 0)
            wk->n = 0;
    }
    /* kinds one after the other; every reply sent for is collected, even
     * once stopped */
    size_t inflight = 0;
    int sk = 0, tk = 0; /* the kinds being sent and collected */
    for (;;) {
        while (!failed && !stopped(stop) && inflight < NV_WARM_WINDOW && sk < NV_KIND_COUNT) {
            nv_warm_kind *wk = &w->k[sk];
            if (sent[sk] == wk->n) {
                sk++;
                continue;
            }
            const nv_kind_ops *k = nv_kind_ops_get((enum nv_kind)sk);
            if (k->xml_start(c, &handles[sk][sent[sk]], k->xml_inactive, &serial[sk][sent[sk]], &e) < 0) {
                failed = 1;
                break;
            }
            sent[sk]++;
            inflight++;
        }
        while (tk < NV_KIND_COUNT && taken[tk] == sent[tk] && (tk < sk || failed || stopped(stop)))
            tk++;
        if (tk == NV_KIND_COUNT || taken[tk] == sent[tk])
            break;
        const nv_kind_ops *k = nv_kind_ops_get((enum nv_kind)tk);
        nv_warm_obj *wo = &w->k[tk].objs[taken[tk]];
        char *xml = NULL;
        if (k->xml_finish(c, serial[tk][taken[tk]], &xml, &e) == 0)
            take_xml((enum nv_kind)tk, xml, record, wo);
        else
            wo->known = nv_virt_not_found(k, &e); /* found stays 0 */
        taken[tk]++;
        inflight--;
    }
    for (int kind = 0; kind < NV_KIND_COUNT; kind++) {
        free(handles[kind]);
        free(serial[kind]);
    }
}

void nv_warm_run(nv_conn *c, const nv_record *record, nv_warm *w, const atomic_int *stop)
{
    take_lists(c, w); /* collected even when stopped: every reply sent for is */
    if (!stopped(stop) && record)
        take_objects(c, record, w, stop);
}

void nv_warm_free(nv_warm *w)
{
    for (int kind = 0; kind < NV_KIND_COUNT; kind++) {
        nv_warm_kind *wk = &w->k[kind];
        nv_obj_list_free(&wk->lists[0]);
        nv_obj_list_free(&wk->lists[1]);
        for (size_t i = 0; wk->objs && i < wk->n; i++)
            free(wk->objs[i].xml);
        free(wk->objs);
        nv_hmap_free(&wk->by_uuid);
    }
    memset(w, 0, sizeof *w);
}
