#include "engine/apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/compare.h"
#include "engine/declare.h"
#include "engine/defstore.h"
#include "engine/log.h"
#include "engine/power.h"
#include "engine/plan.h"
#include "engine/prefetch.h"
#include "engine/remove.h"
#include "engine/status.h"
#include "engine/shutdown.h"
#include "engine/volumes.h"
#include "virt/domain.h"

typedef nv_prefetch_obj prefetch;

static const enum nv_kind remove_order[] = {NV_KIND_DOMAIN, NV_KIND_POOL, NV_KIND_NETWORK};
static const enum nv_kind declare_order[] = {NV_KIND_NETWORK, NV_KIND_POOL, NV_KIND_DOMAIN};

static void obj_label(const nv_spec *s, char *out, size_t n)
{
    snprintf(out, n, "%s %s (%s)", nv_spec_kind_name(s->kind), s->name, s->uuid_str);
}

/* "domain vm1 (uuid)" for messages, made only when one is written */
typedef struct label {
    char text[512];
} label;

static const char *label_of(const nv_spec *s, label *l)
{
    obj_label(s, l->text, sizeof l->text);
    return l->text;
}

static int stopped(const nv_apply_opts *o)
{
    return o->stop && *o->stop;
}

/* Every declared object gets an entry before anything changes, and the
 * record is saved: a run killed at any instant after this has recorded
 * every object it could have defined. (A full run enters them all anyway;
 * one never defined is dropped by a later run, since it does not exist.) */
static int claim_declared(const nv_manifest *m, nv_record *record, nv_record_saver *saver, nv_err *e)
{
    for (int kind = 0; kind < NV_KIND_COUNT; kind++) {
        const nv_manifest_kind *mk = &m->kinds[kind];
        for (size_t i = 0; mk->managed && i < mk->n; i++)
            if (!nv_record_find(record, (enum nv_kind)kind, mk->objs[i].spec.uuid) &&
                nv_record_put(record, (enum nv_kind)kind, mk->objs[i].spec.uuid, NULL, NULL, e) < 0)
                return -1;
    }
    if (nv_record_save_now(saver, record) < 0) {
        *e = saver->err;
        return -1;
    }
    return 0;
}

/* An object that broke the connection (a timeout, a daemon restart) has its
 * own error; the objects after it get a new connection. Tried once: a daemon
 * that is gone stays gone, and every later object says so. */
typedef struct reconnect {
    int gave_up;
    nv_err why;
} reconnect;

static int connected(nv_conn *c, reconnect *rc)
{
    if (!rc->gave_up && nv_conn_broken(c)) {
        nv_log("connect to the daemon again");
        if (nv_conn_reopen(c, &rc->why) < 0)
            rc->gave_up = 1;
    }
    return !rc->gave_up;
}

/* The declared domains, for a network's declare: those it stops are left
 * for their own declare to start, once (with a new definition if it changed),
 * instead of being started here and restarted there. */
typedef struct domains_ctx {
    const nv_manifest_kind *mk;
    nv_prefetch_kind *pk;
    nv_shutdown_batch *batch; /* the domains' stops, waited for together */
} domains_ctx;

static int defer_declared_domain(void *ctx, const nv_obj *dom)
{
    const domains_ctx *d = ctx;
    size_t i = nv_prefetch_declared(d->pk, d->mk, dom->uuid);
    if (i == NV_HMAP_NONE)
        return 0;
    d->pk->objs[i].stopped_by_purge = 1;
    return 1;
}

/* What the steps of one apply share. */
typedef struct run {
    nv_conn *c;
    nv_manifest *m;
    nv_prefetch *p;
    nv_record *record;
    const nv_apply_opts *o;
    nv_report *rep;
    nv_errlist *errs;
    reconnect rc;
    domains_ctx *doms;
} run;

/* The declared domains that a network's removal stops must not look running. */
static void mark_network_users(run *r, const nv_obj *net, nv_err *e)
{
    nv_prefetch_kind *dp = &r->p->k[NV_KIND_DOMAIN];
    nv_obj_list users = {0};
    if (nv_power_network_users(r->c, net, &users, e) == 0) {
        for (size_t i = 0; i < users.n; i++) {
            size_t d = nv_prefetch_declared(dp, &r->m->kinds[NV_KIND_DOMAIN], users.v[i].uuid);
            if (d != NV_HMAP_NONE)
                dp->objs[d].stopped_by_purge = 1;
        }
    }
    nv_obj_list_free(&users);
}

/* The i-th object of the kind's list, when it is no longer declared and
 * the kind's purge takes it: removed (or, in a dry run, planned). */
static void remove_one(run *r, enum nv_kind kind, size_t i, nv_err *e)
{
    const nv_kind_ops *k = nv_kind_ops_get(kind);
    const nv_manifest_kind *mk = &r->m->kinds[kind];
    const nv_prefetch_kind *pk = &r->p->k[kind];
    const nv_obj *obj = &pk->all.v[i];
    if (nv_prefetch_declared(pk, mk, obj->uuid) != NV_HMAP_NONE)
        return;
    nv_record_entry *en = nv_record_find(r->record, kind, obj->uuid);
    if (mk->purge == NV_PURGE_MANAGED && !en)
        return; /* not ours: made by hand or by another tool */
    char u[NV_UUID_STR_LEN];
    nv_uuid_format(obj->uuid, u);
    nv_report_obj *ro = nv_report_add(r->rep, k->name, obj->name, obj->uuid);
    if (r->o->dry_run) {
        nv_report_act(ro, NV_ACT_REMOVE);
        return;
    }
    if (!connected(r->c, &r->rc)) {
        nv_errlist_add(r->errs, "%s %s (%s): not removed: cannot connect to the daemon again: %s", k->name,
                       obj->name, u, r->rc.why.msg);
        nv_report_error(ro, "not removed: cannot connect to the daemon again: %s", r->rc.why.msg);
        return;
    }
    if (kind == NV_KIND_NETWORK && r->p->k[NV_KIND_DOMAIN].listed && pk->all_active[i])
        mark_network_users(r, obj, e);
    nv_status_step_of(k->name, obj->name, "remove (no longer declared)");
    if (nv_remove_object(r->c, kind, obj, e) < 0) {
        nv_errlist_add(r->errs, "%s %s (%s): cannot remove: %s", k->name, obj->name, u, e->msg);
        nv_report_error(ro, "cannot remove: %s", e->msg);
        return; /* stays in the record: retried next time */
    }
    nv_report_act(ro, NV_ACT_REMOVE);
    if (en)
        nv_record_remove(r->record, en);
    if (r->o->saver)
        nv_record_save_soon(r->o->saver, r->record);
}

/* Entries of the kind for objects that are gone (removed by hand, or never
 * defined because the daemon refused them) and no longer declared. */
static void forget_gone(nv_record *record, enum nv_kind kind, const nv_prefetch_kind *pk, const nv_manifest_kind *mk)
{
    for (size_t i = 0; i < record->n;) {
        nv_record_entry *en = &record->v[i];
        if (en->kind == kind && nv_prefetch_find(pk, en->uuid) == NV_HMAP_NONE &&
            nv_prefetch_declared(pk, mk, en->uuid) == NV_HMAP_NONE) {
            nv_record_remove(record, en);
        } else {
            i++;
        }
    }
}

static void remove_undeclared(run *r)
{
    for (size_t ri = 0; ri < 3; ri++) {
        enum nv_kind kind = remove_order[ri];
        const nv_manifest_kind *mk = &r->m->kinds[kind];
        if (!mk->managed || mk->purge == NV_PURGE_NONE)
            continue;
        const nv_prefetch_kind *pk = &r->p->k[kind];
        size_t n = pk->all.n; /* listed up front, with the states */
        nv_err e;
        nv_err_clear(&e);
        for (size_t i = 0; i < n && !stopped(r->o); i++)
            remove_one(r, kind, i, &e);
        forget_gone(r->record, kind, pk, mk);
    }
}

/* A domain its network stopped whose own declare failed before starting
 * it: started again as it is (old definition if the new one was refused). */
static void start_again(nv_conn *c, const nv_spec *s, nv_err *e)
{
    if (nv_conn_broken(c))
        return;
    nv_obj o = {.name = (char *)s->name, .id = -1};
    memcpy(o.uuid, s->uuid, 16);
    nv_err se;
    nv_err_clear(&se);
    int active = nv_obj_is_active(c, &nv_domain_ops, &o, &se);
    if (active == 0) {
        nv_log_obj("domain", s->uuid, "activate (was running before its network stopped)");
        if (nv_domain_ops.create(c, &o, &se) == 0)
            return;
    } else if (active == 1) {
        return;
    }
    size_t n = strlen(e->msg);
    snprintf(e->msg + n, sizeof e->msg - n, "; it was running before its network stopped and cannot start again: %s",
             se.msg);
}

/* One declared object's apply, as its steps see it. */
typedef struct one {
    const run *r;
    enum nv_kind kind;
    const nv_manifest_obj *mo;
    const nv_spec *s;
    prefetch *pf;
    const nv_prefetch_kind *own; /* the lists of its kind */
    nv_report_obj *ro;
    nv_record_entry *en;    /* its record entry, until the record changes */
    uint8_t def_digest[32]; /* of the declared definition */
    int def_same;           /* the declared definition is the one applied last */
    int xml_same;           /* the daemon still has what that apply left */
    int seen_active;        /* active as the declare observed it */
} one;

static void obj_error(const one *x, const char *msg)
{
    label l;
    nv_errlist_add(x->r->errs, "%s: %s", label_of(x->s, &l), msg);
    nv_report_error(x->ro, "%s", msg);
}

/* The record's digests against the declared definition and the daemon's
 * XML (the prefetch took both as the replies came). */
static void check_digests(one *x)
{
    const prefetch *pf = x->pf;
    memcpy(x->def_digest, pf->def_digest, 32);
    const nv_record_entry *en = x->en = nv_record_find(x->r->record, x->kind, x->s->uuid);
    /* the XML digest covers the name: equal digests mean the name is the declared one */
    x->def_same = pf->unchanged || (en && en->has_digests && memcmp(en->def_digest, x->def_digest, 32) == 0);
    x->xml_same = pf->unchanged || (pf->found && en && en->has_digests && (x->def_same || x->r->o->dry_run) &&
                                    pf->has_xml_digest && memcmp(en->xml_digest, pf->xml_digest, 32) == 0);
}

static void declare_req(const one *x, nv_declare_req *req)
{
    const nv_manifest_obj *mo = x->mo;
    *req = (nv_declare_req){.kind = x->kind, .spec = x->s, .state = mo->state, .restart = mo->restart,
                            .shutdown_timeout = mo->shutdown_timeout, .show_diff = 1};
    if (x->kind == NV_KIND_DOMAIN)
        req->batch = x->r->doms->batch;
    if (x->kind == NV_KIND_NETWORK && x->r->doms->pk) {
        req->defer = defer_declared_domain;
        req->defer_ctx = x->r->doms;
    }
    /* a domain stopped only because a removed network went away comes back */
    if (x->pf->stopped_by_purge && req->state == NV_STATE_KEEP)
        req->state = NV_STATE_ACTIVE;
}

/* What the prefetch saw, as the declare's observation. The lists know every
 * name: only a new name that an object has is looked up (a clash refused). */
static int observe(one *x, int unchanged, nv_observed *ob, nv_err *e)
{
    prefetch *pf = x->pf;
    const nv_spec *s = x->s;
    const char *name = pf->name ? pf->name : s->name; /* no name: unchanged, so the declared one */
    memset(ob, 0, sizeof *ob);
    ob->found = pf->found;
    ob->active = x->seen_active = pf->found && pf->active && !pf->stopped_by_purge;
    ob->unchanged = unchanged;
    ob->predefined = pf->predefined && !pf->found ? &pf->pre : NULL;
    if (pf->found && nv_obj_set(&ob->obj, name, s->uuid, -1, e) < 0)
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    /* its XML moves to the declare (none kept when unchanged) */
    ob->xml = pf->xml;
    pf->xml = NULL;
    if ((!pf->found || strcmp(name, s->name) != 0) && nv_prefetch_find_name(x->own, s->name) != NV_HMAP_NONE)
        return nv_observe_name_free(x->r->c, x->kind, s, e);
    return 0;
}

/* What was done counts even when a later step failed (defined, not
 * started); a domain its network's restart stopped and that starts again
 * was restarted. */
static void report_declared(const one *x, nv_declare_result *res)
{
    int was_running = x->pf->found && x->pf->active && x->pf->stopped_by_purge;
    unsigned acts = nv_declare_actions(res);
    if ((acts & NV_ACT_START) && was_running)
        acts = (acts & ~NV_ACT_START) | NV_ACT_RESTART;
    nv_report_act(x->ro, acts);
    nv_report_changes(x->ro, &res->changes);
}

/* The record keeps the digests of what was applied (and the definition a
 * copy, for dry runs). */
static void record_applied(const one *x, const nv_declare_result *res)
{
    const nv_apply_opts *o = x->r->o;
    const nv_spec *s = x->s;
    uint8_t after_digest[32];
    nv_err de;
    /* no define: the daemon's XML is the one the prefetch took the digest of */
    int known = res->unchanged && x->xml_same && x->pf->has_xml_digest;
    if (known)
        memcpy(after_digest, x->pf->xml_digest, 32);
    if (known || (res->after_xml && nv_compare_digest(x->kind, s, res->after_xml, after_digest, &de) == 0)) {
        nv_record_put(x->r->record, x->kind, s->uuid, x->def_digest, after_digest, &de);
        /* kept for the next dry run; only written when it is new */
        if (o->defs && (!x->def_same || !nv_defstore_has(o->defs, x->kind, s->uuid)) &&
            nv_defstore_save(o->defs, x->kind, s, x->def_digest, &de) < 0) {
            label l;
            nv_log_warn("%s: cannot keep a copy of its definition for dry runs: %s", label_of(s, &l), de.msg);
        }
    } else {
        nv_record_put(x->r->record, x->kind, s->uuid, NULL, NULL, &de);
    }
}

static void declare_failed(const one *x, const nv_declare_req *req, nv_err *e)
{
    if (x->kind == NV_KIND_DOMAIN && x->pf->stopped_by_purge && req->state == NV_STATE_ACTIVE)
        start_again(x->r->c, x->s, e);
    obj_error(x, e->msg);
    nv_err de;
    nv_record_put(x->r->record, x->kind, x->s->uuid, NULL, NULL, &de); /* full check next time */
}

/* A declared pool's volumes: an inactive pool is started for them and
 * stopped again. */
static int apply_volumes(const one *x, const nv_declare_result *res, nv_err *e)
{
    /* the declare just set its state: no need to ask the daemon */
    int active = res->started || (x->seen_active && !res->stopped);
    int started_here = 0, rc = 0;
    if (active == 0) {
        nv_log_obj("pool", x->s->uuid, "activate (to manage its volumes)");
        if (nv_pool_ops.create(x->r->c, &res->obj, e) == 0)
            active = started_here = 1;
    }
    if (active != 1) {
        label l;
        nv_errlist_add(x->r->errs, "%s: cannot start it to manage its volumes: %s", label_of(x->s, &l), e->msg);
        nv_report_error(x->ro, "cannot start it to manage its volumes: %s", e->msg);
        return -1;
    }
    /* what was fetched holds while the pool is the same one, active all along */
    int same = x->seen_active && res->unchanged;
    if (nv_volumes_apply(x->r->c, &res->obj, x->mo, same ? x->pf->vols : NULL, 0, x->r->rep, x->r->errs))
        rc = -1;
    if (started_here) {
        nv_log_obj("pool", x->s->uuid, "deactivate (its declared state)");
        if (nv_pool_ops.destroy(x->r->c, &res->obj, e) < 0) {
            obj_error(x, e->msg);
            rc = -1;
        }
    }
    return rc;
}

/* Declares the object with what the prefetch saw, and records the outcome. */
static int declare_object(one *x, nv_err *e)
{
    nv_declare_req req;
    declare_req(x, &req);
    nv_declare_result res = {0};
    nv_observed ob;
    int rc = observe(x, x->def_same && x->xml_same, &ob, e);
    if (rc == 0)
        rc = nv_declare_act(x->r->c, &req, &ob, &res, e);
    nv_observe_clear(&ob);
    report_declared(x, &res);
    if (rc == 0)
        record_applied(x, &res);
    else
        declare_failed(x, &req, e);
    if (rc == 0 && x->kind == NV_KIND_POOL && x->mo->nvols)
        rc = apply_volumes(x, &res, e);
    nv_declare_result_free(&res);
    return rc;
}

static int apply_object(const run *r, enum nv_kind kind, const nv_manifest_obj *mo, prefetch *pf,
                        const nv_prefetch_kind *own)
{
    one x = {.r = r, .kind = kind, .mo = mo, .s = &mo->spec, .pf = pf, .own = own};
    nv_err e;
    nv_err_clear(&e);
    x.ro = nv_report_add(r->rep, nv_kind_ops_get(kind)->name, x.s->name, x.s->uuid);
    check_digests(&x);
    if (pf->found && !(x.def_same && x.xml_same) && nv_prefetch_name(pf, &e) < 0) {
        obj_error(&x, e.msg);
        return -1;
    }
    if (r->o->dry_run) {
        nv_plan_object(r->o, kind, mo, pf, x.en, x.def_same, x.xml_same, x.ro);
        if (kind == NV_KIND_POOL && mo->nvols)
            nv_plan_volumes(r->c, mo, pf, r->rep, r->errs);
        return 0;
    }
    /* register it before acting: a run cut short still knows it is ours */
    if (!x.en && nv_record_put(r->record, kind, x.s->uuid, NULL, NULL, &e) < 0) {
        obj_error(&x, e.msg);
        return -1;
    }
    return declare_object(&x, &e);
}

/* Waits for the domains asked to shut down, together; starts those being
 * restarted. A failure is reported for its domain, whose record entry then
 * loses its digests so that the next run checks it fully. */
static void finish_stops(nv_conn *c, nv_shutdown_batch *b, nv_record *record, nv_report *rep, nv_errlist *errs)
{
    if (!b->n)
        return;
    nv_shutdown_finish(c, b);
    for (size_t i = 0; i < b->n; i++) {
        const nv_shutdown_item *it = &b->v[i];
        if (!it->failed)
            continue;
        char u[NV_UUID_STR_LEN];
        nv_uuid_format(it->obj.uuid, u);
        const char *what = !it->off ? "cannot stop it" : "cannot start it again";
        nv_errlist_add(errs, "domain %s (%s): %s: %s", it->obj.name, u, what, it->err.msg);
        for (size_t r = 0; r < rep->n; r++) {
            nv_report_obj *ro = rep->v[r];
            if (strcmp(ro->kind, "domain") != 0 || strcmp(ro->uuid, u) != 0)
                continue;
            /* what did not happen is not reported as done */
            ro->actions &= ~(unsigned)(it->start_after && !it->started ? NV_ACT_RESTART : 0);
            ro->actions &= ~(unsigned)(!it->start_after && !it->off ? NV_ACT_STOP : 0);
            if (it->start_after && it->off && !it->started)
                ro->actions |= NV_ACT_STOP;
            nv_report_error(ro, "%s: %s", what, it->err.msg);
        }
        nv_err de;
        nv_record_put(record, NV_KIND_DOMAIN, it->obj.uuid, NULL, NULL, &de);
    }
}

/* The current state, and (before anything changes) the record's claim on
 * every declared object. -1 when nothing may change (errs says why). */
static int prepare(run *r)
{
    nv_err e;
    nv_err_clear(&e);
    if (nv_prefetch_run(r->c, r->m, r->record, r->o->warm, r->p, &e) < 0) {
        nv_errlist_add(r->errs, "%s", e.msg);
        return -1; /* without knowing the current state nothing is safe */
    }
    nv_err_clear(&e);
    if (!r->o->dry_run && r->o->saver && claim_declared(r->m, r->record, r->o->saver, &e) < 0) {
        nv_errlist_add(r->errs, "cannot save the record of declared objects, so nothing was changed: %s", e.msg);
        return -1;
    }
    return 0;
}

static void not_applied(run *r, enum nv_kind kind, const nv_spec *s)
{
    char label[512];
    obj_label(s, label, sizeof label);
    nv_errlist_add(r->errs, "%s: not applied: cannot connect to the daemon again: %s", label, r->rc.why.msg);
    nv_report_error(nv_report_add(r->rep, nv_kind_ops_get(kind)->name, s->name, s->uuid),
                    "not applied: cannot connect to the daemon again: %s", r->rc.why.msg);
}

/* The kind's declared objects, in manifest order. -1 when the run was stopped. */
static int declare_kind(run *r, enum nv_kind kind)
{
    const nv_manifest_kind *mk = &r->m->kinds[kind];
    nv_prefetch_kind *pk = &r->p->k[kind];
    /* new domains: their defines go out together, each declare then uses its outcome */
    if (kind == NV_KIND_DOMAIN && !r->o->dry_run && !stopped(r->o) && connected(r->c, &r->rc))
        nv_prefetch_define_new(r->c, mk, pk);
    for (size_t i = 0; i < mk->n; i++) {
        if (stopped(r->o))
            return -1;
        nv_status_object(nv_kind_ops_get(kind)->name, mk->objs[i].spec.name);
        if (!connected(r->c, &r->rc)) {
            not_applied(r, kind, &mk->objs[i].spec);
            continue;
        }
        apply_object(r, kind, &mk->objs[i], &pk->objs[i], pk);
        if (r->o->saver && !r->o->dry_run)
            nv_record_save_soon(r->o->saver, r->record);
    }
    return 0;
}

int nv_apply(nv_conn *c, nv_manifest *m, nv_record *record, const nv_apply_opts *o, nv_report *rep,
             nv_errlist *errs)
{
    size_t before = errs->n;
    nv_prefetch p;
    memset(&p, 0, sizeof p);
    nv_shutdown_batch batch = {0};
    run r = {.c = c, .m = m, .p = &p, .record = record, .o = o, .rep = rep, .errs = errs};

    size_t total = 0;
    for (int kind = 0; kind < NV_KIND_COUNT; kind++)
        total += m->kinds[kind].managed ? m->kinds[kind].n : 0;
    nv_status_begin(total);
    nv_status_step("reading the current state of %zu object%s", total, total == 1 ? "" : "s");
    if (prepare(&r) == 0) {
        remove_undeclared(&r);
        domains_ctx doms = {&m->kinds[NV_KIND_DOMAIN], p.k[NV_KIND_DOMAIN].listed ? &p.k[NV_KIND_DOMAIN] : NULL,
                            &batch};
        r.doms = &doms;
        for (size_t d = 0; d < 3; d++)
            if (m->kinds[declare_order[d]].managed && declare_kind(&r, declare_order[d]) < 0)
                break;
    }
    /* also when the run was cut short: what was asked to stop is stopped, and restarted
     * (the status line shows the wait) */
    finish_stops(c, &batch, record, rep, errs);
    nv_status_end();
    nv_shutdown_free(&batch);
    nv_prefetch_free(&p);
    return (int)(errs->n - before);
}
