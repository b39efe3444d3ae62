#include "engine/declare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/compare.h"
#include "engine/live.h"
#include "engine/log.h"
#include "engine/power.h"
#include "engine/report.h"
#include "engine/shutdown.h"

void nv_declare_result_free(nv_declare_result *r)
{
    free(r->after_xml);
    nv_xml_diff_free(&r->changes);
    nv_obj_clear(&r->obj);
    memset(r, 0, sizeof *r);
}

unsigned nv_declare_actions(const nv_declare_result *r)
{
    return (r->defined_new ? NV_ACT_DEFINE : 0) | (r->changed ? NV_ACT_REDEFINE : 0) | (r->live ? NV_ACT_LIVE : 0) |
           (r->unchanged ? NV_ACT_UNCHANGED : 0) | (r->stopped ? NV_ACT_STOP : 0) |
           (r->restarted ? NV_ACT_RESTART : r->started ? NV_ACT_START : 0) | (r->autostart_set ? NV_ACT_AUTOSTART : 0);
}

static int set_autostart(nv_conn *c, const nv_kind_ops *k, const nv_obj *o, int want,
                         nv_declare_result *res, nv_err *e)
{
    int cur = nv_obj_autostart(c, k, o, e);
    if (cur < 0)
        return -1;
    if (cur == want)
        return 0;
    nv_log_obj(k->name, o->uuid, "set autostart %s", want ? "on" : "off");
    if (k->set_autostart(c, o, want, e) < 0)
        return -1;
    res->autostart_set = 1;
    return 0;
}

/* One declare's doings, shared by its steps. */
typedef struct act {
    nv_conn *c;
    const nv_declare_req *req;
    const nv_kind_ops *k;
    nv_declare_result *res;
    nv_power_opts popts;
    nv_obj_list dependants; /* the domains a network's stop took down */
    int deps_done;          /* the dependants were started again, or stay stopped on purpose */
    int active, was_active; /* now, and as observed */
    int changed;
    const char *before;     /* the inactive XML observed, or NULL */
} act;

/* The daemon refused the new definition after the old object was undefined
 * for a rename: define the old one again and bring it back to the state it
 * had (with the domains its network's stop took down), so a definition the
 * daemon rejects changes nothing. e keeps the refusal; a failure to restore
 * is added to it. */
static void restore_renamed(act *a, int was_autostart, nv_err *e)
{
    const nv_kind_ops *k = a->k;
    nv_obj back = {0};
    nv_err re;
    nv_err_clear(&re);
    const char *step = "define";
    if (k->define(a->c, a->before, &back, &re) == 0) {
        nv_log_obj(k->name, back.uuid, "define refused: old definition '%s' restored", back.name);
        step = "set autostart";
        if (was_autostart && k->set_autostart(a->c, &back, 1, &re) < 0)
            goto fail;
        step = "start";
        if (!a->was_active || nv_power_activate(a->c, a->req->kind, &back, &re) == 0) {
            step = "restart its domains";
            if (nv_power_restart_some(a->c, a->dependants.v, a->dependants.n, a->req->defer, a->req->defer_ctx,
                                      &re) == 0)
                step = NULL;
        }
    }
fail:
    if (step) {
        size_t n = strlen(e->msg);
        snprintf(e->msg + n, sizeof e->msg - n, " (restoring the old definition failed: %s: %s)", step,
                 re.msg);
    }
    nv_obj_clear(&back);
}

/* A rename: the daemon only renames through undefine + define. The
 * undefine drops autostart: *was_autostart says to set it again. */
static int undefine_renamed(act *a, int *was_autostart, nv_err *e)
{
    nv_obj *o = &a->res->obj;
    if ((*was_autostart = nv_obj_autostart(a->c, a->k, o, e)) < 0)
        return -1;
    if (a->active) {
        if (nv_power_deactivate(a->c, a->req->kind, o, &a->popts, &a->dependants, e) < 0)
            return -1;
        a->active = 0;
        a->res->stopped = 1;
    }
    nv_log_obj(a->k->name, a->req->spec->uuid, "undefine (renamed from '%s' to '%s')", o->name, a->req->spec->name);
    if (a->k->undefine(a->c, o, e) < 0)
        return -1;
    a->changed = 1;
    return 0;
}

/* The define, or the outcome of the one a batch sent. */
static int define(act *a, const nv_observed *ob, nv_obj *defined, nv_err *e)
{
    const nv_predefined *pre = ob->predefined;
    if (!pre)
        return a->k->define(a->c, a->req->spec->xml, defined, e);
    if (pre->err) {
        *e = *pre->err;
        return -1;
    }
    return nv_obj_set(defined, pre->obj.name, pre->obj.uuid, pre->obj.id, e);
}

/* The daemon's inactive XML after the define (the batch's, when it has it). */
static int fetch_after(act *a, const nv_observed *ob, nv_err *e)
{
    nv_declare_result *res = a->res;
    if (ob->predefined && ob->predefined->xml) {
        if (!(res->after_xml = strdup(ob->predefined->xml)))
            return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
        return 0;
    }
    nv_err_clear(e);
    res->after_xml = nv_obj_xml(a->c, a->k, &res->obj, a->k->xml_inactive, e);
    return res->after_xml ? 0 : -1;
}

/* Whether the definition changed: the daemon's XML before and after. */
static int judge(act *a, int found, nv_err *e)
{
    nv_declare_result *res = a->res;
    const nv_spec *spec = a->req->spec;
    if (!found) {
        res->defined_new = 1;
    } else if (!a->changed) {
        a->changed = nv_compare_defs(a->req->kind, spec, a->before, res->after_xml, &res->changes, e);
        if (a->changed < 0)
            return -1;
        if (a->changed) {
            nv_log_obj(a->k->name, spec->uuid, "changed");
            if (a->req->show_diff)
                nv_log_diff(&res->changes);
        } else {
            nv_log_obj(a->k->name, spec->uuid, "unchanged");
        }
    } else {
        nv_log_obj(a->k->name, spec->uuid, "changed");
    }
    res->changed = found && a->changed;
    res->unchanged = found && !a->changed;
    return 0;
}

/* Defines the spec (after undefining the old object for a rename), and
 * tells whether that changed anything. */
static int define_spec(act *a, const nv_observed *ob, nv_err *e)
{
    const nv_spec *spec = a->req->spec;
    for (size_t i = 0; i < spec->nmacs; i++)
        nv_log_obj(a->k->name, spec->uuid, "assign MAC %s (interface %u)", spec->macs[i].address,
                   (unsigned)spec->macs[i].index);
    int renamed = ob->found && strcmp(a->res->obj.name, spec->name) != 0, was_autostart = 0;
    if (renamed && undefine_renamed(a, &was_autostart, e) < 0)
        return -1;
    nv_log_obj(a->k->name, spec->uuid, ob->found ? "redefine" : "define new");
    nv_obj defined = {0};
    if (define(a, ob, &defined, e) < 0) {
        if (renamed) {
            restore_renamed(a, was_autostart, e);
            a->deps_done = 1;
        }
        return -1;
    }
    if (was_autostart) {
        nv_log_obj(a->k->name, spec->uuid, "set autostart on (as before the rename)");
        if (a->k->set_autostart(a->c, &defined, 1, e) < 0) {
            nv_obj_clear(&defined);
            return -1;
        }
    }
    nv_obj_clear(&a->res->obj);
    a->res->obj = defined;
    if (fetch_after(a, ob, e) < 0)
        return -1;
    return judge(a, ob->found, e);
}

/* Whether the running object restarts to stay running (or gets its
 * changes live instead). */
static int restart_wanted(act *a, int want)
{
    const nv_declare_req *req = a->req;
    nv_declare_result *res = a->res;
    int restart = a->active && want &&
                  (req->restart == NV_RESTART_ALWAYS ||
                   ((req->restart == NV_RESTART_IFCHANGED || req->restart == NV_RESTART_LIVE) && a->changed));
    if (restart && req->restart == NV_RESTART_LIVE && req->kind == NV_KIND_DOMAIN && a->before && res->after_xml &&
        nv_live_change(a->c, &res->obj, a->before, res->after_xml) == 1) {
        restart = 0;
        res->live = 1;
    }
    if (a->active && want && a->changed && req->restart == NV_RESTART_NEVER)
        nv_log_obj(a->k->name, res->obj.uuid, "changed, not restarted (restart never)");
    return restart;
}

/* Stops the object now, or leaves its stop (and start) to the batch. */
static int stop(act *a, int want, nv_err *e)
{
    const nv_declare_req *req = a->req;
    nv_declare_result *res = a->res;
    if (req->batch && req->kind == NV_KIND_DOMAIN && req->shutdown_timeout) {
        /* stays "active" here: the batch stops it, and starts it again */
        if (nv_shutdown_add(a->c, req->batch, &res->obj, req->shutdown_timeout, want, e) < 0)
            return -1;
        res->batched = 1;
        if (want)
            res->started = res->restarted = 1;
        else
            res->stopped = 1;
        return 0;
    }
    if (nv_power_deactivate(a->c, req->kind, &res->obj, &a->popts, &a->dependants, e) < 0)
        return -1;
    a->active = 0;
    res->stopped = 1;
    return 0;
}

static int start(act *a, nv_err *e)
{
    nv_declare_result *res = a->res;
    if (nv_power_activate(a->c, a->req->kind, &res->obj, e) < 0)
        return -1;
    res->started = 1;
    if (res->stopped) {
        res->stopped = 0;
        res->restarted = 1;
    }
    return 0;
}

/* The domains a network's stop took down start again with it, or stay
 * stopped with it. */
static int settle_dependants(act *a, int want, nv_err *e)
{
    if (!a->dependants.n)
        return 0;
    a->deps_done = 1;
    if (!want) {
        for (size_t i = 0; i < a->dependants.n; i++)
            nv_log_obj("domain", a->dependants.v[i].uuid, "stays stopped: network %s is inactive",
                       a->res->obj.name);
        return 0;
    }
    nv_err de;
    nv_err_clear(&de);
    if (nv_power_restart_some(a->c, a->dependants.v, a->dependants.n, a->req->defer, a->req->defer_ctx, &de) > 0) {
        *e = de;
        return -1;
    }
    return 0;
}

static int reach_state(act *a, nv_err *e)
{
    const nv_declare_req *req = a->req;
    /* Without --state the object stays as found (a new one stays off). */
    int want = req->state == NV_STATE_KEEP ? a->was_active : req->state == NV_STATE_ACTIVE;
    int restart = restart_wanted(a, want);
    if (a->active && (!want || restart) && stop(a, want, e) < 0)
        return -1;
    if (!a->active && want && start(a, e) < 0)
        return -1;
    if (settle_dependants(a, want, e) < 0)
        return -1;
    if (req->autostart && req->state != NV_STATE_KEEP &&
        set_autostart(a->c, a->k, &a->res->obj, req->state == NV_STATE_ACTIVE, a->res, e) < 0)
        return -1;
    return 0;
}

int nv_declare_act(nv_conn *c, const nv_declare_req *req, nv_observed *ob, nv_declare_result *res, nv_err *e)
{
    memset(res, 0, sizeof *res);
    act a = {.c = c, .req = req, .k = nv_kind_ops_get(req->kind), .res = res,
             .popts = {.shutdown_timeout = req->shutdown_timeout},
             .active = ob->active, .was_active = ob->active, .before = ob->xml};
    res->obj = ob->obj;
    memset(&ob->obj, 0, sizeof ob->obj);
    int rc = 0;
    if (req->spec && ob->unchanged && ob->found) {
        nv_log_obj(a.k->name, req->spec->uuid, "unchanged");
        res->unchanged = 1;
        res->after_xml = ob->xml; /* the define would change nothing */
        ob->xml = NULL;
        a.before = NULL;
    } else if (req->spec) {
        rc = define_spec(&a, ob, e);
    }
    if (rc == 0)
        rc = reach_state(&a, e);
    /* whatever failed after a network stopped its domains, they start again */
    if (rc < 0 && a.dependants.n && !a.deps_done)
        nv_power_restart_some(c, a.dependants.v, a.dependants.n, req->defer, req->defer_ctx, e);
    nv_obj_list_free(&a.dependants);
    return rc;
}

int nv_declare(nv_conn *c, const nv_declare_req *req, nv_declare_result *res, nv_err *e)
{
    nv_observed ob;
    int rc = req->spec ? nv_observe_spec(c, req->kind, req->spec, &ob, e)
                       : nv_observe_select(c, req->kind, req->sel_uuid, req->sel_name, &ob, e);
    if (rc == 0) {
        rc = nv_declare_act(c, req, &ob, res, e);
    } else {
        /* what was found, for the caller's report */
        memset(res, 0, sizeof *res);
        res->obj = ob.obj;
        memset(&ob.obj, 0, sizeof ob.obj);
    }
    nv_observe_clear(&ob);
    return rc;
}
