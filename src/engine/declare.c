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

static unsigned long name_line(const nv_spec *spec)
{
    return spec->name_line;
}

/* A lookup by the spec's name found (f == 1) `named`: it is a clash when it
 * is another object. Sets e and returns 1 then. */
static int name_clash(const nv_kind_ops *k, const nv_spec *spec, int f, const nv_obj *named, nv_err *e)
{
    if (f != 1 || memcmp(named->uuid, spec->uuid, 16) == 0)
        return 0;
    char other[NV_UUID_STR_LEN];
    nv_uuid_format(named->uuid, other);
    nv_err_set(e, NV_ERR_INPUT, "%s:%lu: a %s named '%s' already exists with UUID %s (the definition has UUID %s)",
               spec->file, name_line(spec), k->name, spec->name, other, spec->uuid_str);
    return 1;
}

/* Finds the object a definition replaces (same UUID) and refuses, before
 * anything changes, a name already taken by another object. One round trip. */
static int find_existing(nv_conn *c, const nv_kind_ops *k, const nv_spec *spec, nv_obj *existing,
                         int *found, nv_err *e)
{
    uint32_t s_uuid, s_name;
    if (k->lookup_uuid_start(c, spec->uuid, &s_uuid, e) < 0 ||
        k->lookup_name_start(c, spec->name, &s_name, e) < 0)
        return -1;
    nv_obj by_name = {0};
    int f_uuid = k->lookup_finish(c, s_uuid, existing, e);
    nv_err e2;
    nv_err_clear(&e2);
    int f_name = k->lookup_finish(c, s_name, &by_name, &e2);
    if (f_uuid < 0)
        goto fail;
    if (f_name < 0) {
        *e = e2;
        goto fail;
    }
    if (name_clash(k, spec, f_name, &by_name, e))
        goto fail;
    nv_obj_clear(&by_name);
    *found = f_uuid == 1;
    return 0;
fail:
    nv_obj_clear(&by_name);
    if (f_uuid == 1)
        nv_obj_clear(existing);
    return -1;
}

static int check_name_free(nv_conn *c, const nv_kind_ops *k, const nv_spec *spec, nv_err *e)
{
    nv_obj other = {0};
    int f = nv_obj_lookup_name(c, k, spec->name, &other, e);
    if (f < 0)
        return -1;
    int clash = name_clash(k, spec, f, &other, e);
    nv_obj_clear(&other);
    return clash ? -1 : 0;
}

/* is-active and the inactive XML of an existing object, in one round trip */
static int fetch_state(nv_conn *c, const nv_kind_ops *k, const nv_obj *o, int *active, char **xml, nv_err *e)
{
    uint32_t s_act, s_xml = 0;
    if (k->is_active_start(c, o, &s_act, e) < 0)
        return -1;
    if (xml && k->xml_start(c, o, k->xml_inactive, &s_xml, e) < 0)
        return -1;
    *active = k->is_active_finish(c, s_act, e);
    if (*active < 0)
        return -1;
    if (xml && k->xml_finish(c, s_xml, xml, e) < 0)
        return -1;
    return 0;
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

/* The daemon refused the new definition after the old object was undefined
 * for a rename: define the old one again and bring it back to the state it
 * had (with the domains its network's stop took down), so a definition the
 * daemon rejects changes nothing. e keeps the refusal; a failure to restore
 * is added to it. */
static void restore_renamed(nv_conn *c, enum nv_kind kind, const char *old_xml, int was_active,
                            int was_autostart, const nv_obj_list *dependants, const nv_declare_req *req,
                            nv_err *e)
{
    const nv_kind_ops *k = nv_kind_ops_get(kind);
    nv_obj back = {0};
    nv_err re;
    nv_err_clear(&re);
    const char *step = "define";
    if (k->define(c, old_xml, &back, &re) == 0) {
        nv_log_obj(k->name, back.uuid, "define refused: old definition '%s' restored", back.name);
        step = "set autostart";
        if (was_autostart && k->set_autostart(c, &back, 1, &re) < 0)
            goto fail;
        step = "start";
        if (!was_active || nv_power_activate(c, kind, &back, &re) == 0) {
            step = "restart its domains";
            if (nv_power_restart_some(c, dependants->v, dependants->n, req->defer, req->defer_ctx, &re) == 0)
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

int nv_declare(nv_conn *c, const nv_declare_req *req, nv_declare_result *res, nv_err *e)
{
    const nv_kind_ops *k = nv_kind_ops_get(req->kind);
    const nv_spec *spec = req->spec;
    nv_power_opts popts = {.shutdown_timeout = req->shutdown_timeout};
    nv_obj_list dependants = {0};
    char *before = NULL;
    int rc = -1, found = 0, active = 0, was_active = 0, changed = 0;
    int deps_done = 0; /* the dependants were started again, or stay stopped on purpose */
    memset(res, 0, sizeof *res);

    if (spec) {
        nv_obj existing = {0};
        if (req->prefetched) {
            found = req->pre_found;
            if (found) {
                if (nv_obj_set(&res->obj, req->pre_name, spec->uuid, -1, e) < 0 ||
                    !(before = strdup(req->pre_xml))) {
                    nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
                    goto out;
                }
                active = was_active = req->pre_active;
            }
            /* the name can only be taken by another object if it is not ours */
            if ((!found || strcmp(req->pre_name, spec->name) != 0) && !req->name_free &&
                check_name_free(c, k, spec, e) < 0)
                goto out;
        } else {
            if (find_existing(c, k, spec, &existing, &found, e) < 0)
                goto out;
            if (found) {
                res->obj = existing;
                if (fetch_state(c, k, &res->obj, &active, &before, e) < 0)
                    goto out;
                was_active = active;
            }
        }
        if (req->skip_define && found) {
            nv_log_obj(k->name, spec->uuid, "unchanged");
            res->unchanged = 1;
            res->after_xml = before;
            before = NULL;
            goto state;
        }
        for (size_t i = 0; i < spec->nmacs; i++)
            nv_log_obj(k->name, spec->uuid, "assign MAC %s (interface %u)", spec->macs[i].address,
                       (unsigned)spec->macs[i].index);

        int renamed = 0, was_autostart = 0;
        if (found && strcmp(res->obj.name, spec->name) != 0) {
            /* the undefine drops autostart: the renamed object keeps it */
            if ((was_autostart = nv_obj_autostart(c, k, &res->obj, e)) < 0)
                goto out;
            /* a rename: the daemon only renames through undefine + define */
            if (active) {
                if (nv_power_deactivate(c, req->kind, &res->obj, &popts, &dependants, e) < 0)
                    goto out;
                active = 0;
                res->stopped = 1;
            }
            nv_log_obj(k->name, spec->uuid, "undefine (renamed from '%s' to '%s')", res->obj.name, spec->name);
            if (k->undefine(c, &res->obj, e) < 0)
                goto out;
            changed = 1;
            renamed = 1;
        }
        nv_log_obj(k->name, spec->uuid, found ? "redefine" : "define new");
        nv_obj defined = {0};
        if (req->predefined && !found) {
            if (req->predefine_err) {
                *e = *req->predefine_err;
                goto out;
            }
            if (nv_obj_set(&defined, req->predefined_obj->name, req->predefined_obj->uuid, req->predefined_obj->id,
                           e) < 0)
                goto out;
        } else if (k->define(c, spec->xml, &defined, e) < 0) {
            if (renamed) {
                restore_renamed(c, req->kind, before, was_active, was_autostart, &dependants, req, e);
                deps_done = 1;
            }
            goto out;
        }
        if (was_autostart) {
            nv_log_obj(k->name, spec->uuid, "set autostart on (as before the rename)");
            if (k->set_autostart(c, &defined, 1, e) < 0) {
                nv_obj_clear(&defined);
                goto out;
            }
        }
        nv_obj_clear(&res->obj);
        res->obj = defined;
        if (req->predefined && !found && req->predefined_xml) {
            if (!(res->after_xml = strdup(req->predefined_xml))) {
                nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
                goto out;
            }
        } else if (nv_err_clear(e), (res->after_xml = nv_obj_xml(c, k, &res->obj, k->xml_inactive, e)) == NULL) {
            goto out;
        }
        if (!found) {
            res->defined_new = 1;
        } else if (!changed) {
            changed = nv_compare_defs(req->kind, spec, before, res->after_xml, &res->changes, e);
            if (changed < 0)
                goto out;
            if (changed) {
                nv_log_obj(k->name, spec->uuid, "changed");
                if (req->show_diff)
                    nv_log_diff(&res->changes);
            } else {
                nv_log_obj(k->name, spec->uuid, "unchanged");
            }
        } else {
            nv_log_obj(k->name, spec->uuid, "changed");
        }
        res->changed = found && changed;
        res->unchanged = found && !changed;
    } else {
        int f = req->sel_uuid ? nv_obj_lookup_uuid(c, k, req->sel_uuid, &res->obj, e)
                              : nv_obj_lookup_name(c, k, req->sel_name, &res->obj, e);
        if (f < 0)
            goto out;
        if (f == 0) {
            if (req->sel_uuid) {
                char u[NV_UUID_STR_LEN];
                nv_uuid_format(req->sel_uuid, u);
                nv_err_set(e, NV_ERR_INPUT, "no %s with UUID %s", k->name, u);
            } else {
                nv_err_set(e, NV_ERR_INPUT, "no %s named '%s'", k->name, req->sel_name);
            }
            goto out;
        }
        found = 1;
        if (fetch_state(c, k, &res->obj, &active, NULL, e) < 0)
            goto out;
        was_active = active;
    }

state:;
    /* Without --state the object stays as found (a new one stays off). */
    int want = req->state == NV_STATE_KEEP ? was_active : req->state == NV_STATE_ACTIVE;
    int restart = active && want &&
                  (req->restart == NV_RESTART_ALWAYS ||
                   ((req->restart == NV_RESTART_IFCHANGED || req->restart == NV_RESTART_LIVE) && changed));
    if (restart && req->restart == NV_RESTART_LIVE && req->kind == NV_KIND_DOMAIN && before && res->after_xml &&
        nv_live_change(c, &res->obj, before, res->after_xml) == 1) {
        restart = 0;
        res->live = 1;
    }
    if (active && want && changed && req->restart == NV_RESTART_NEVER)
        nv_log_obj(k->name, res->obj.uuid, "changed, not restarted (restart never)");
    if (active && (!want || restart) && req->batch && req->kind == NV_KIND_DOMAIN && req->shutdown_timeout) {
        /* stays "active" here: the batch stops it, and starts it again */
        if (nv_shutdown_add(c, req->batch, &res->obj, req->shutdown_timeout, want, e) < 0)
            goto out;
        res->batched = 1;
        if (want)
            res->started = res->restarted = 1;
        else
            res->stopped = 1;
    } else if (active && (!want || restart)) {
        if (nv_power_deactivate(c, req->kind, &res->obj, &popts, &dependants, e) < 0)
            goto out;
        active = 0;
        res->stopped = 1;
    }
    if (!active && want) {
        if (nv_power_activate(c, req->kind, &res->obj, e) < 0)
            goto out;
        res->started = 1;
        if (res->stopped) {
            res->stopped = 0;
            res->restarted = 1;
        }
    }
    if (dependants.n) {
        deps_done = 1;
        if (want) {
            nv_err de;
            nv_err_clear(&de);
            if (nv_power_restart_some(c, dependants.v, dependants.n, req->defer, req->defer_ctx, &de) > 0) {
                *e = de;
                goto out;
            }
        } else {
            for (size_t i = 0; i < dependants.n; i++)
                nv_log_obj("domain", dependants.v[i].uuid, "stays stopped: network %s is inactive", res->obj.name);
        }
    }
    if (req->autostart && req->state != NV_STATE_KEEP &&
        set_autostart(c, k, &res->obj, req->state == NV_STATE_ACTIVE, res, e) < 0)
        goto out;
    rc = 0;
out:
    /* whatever failed after a network stopped its domains, they start again */
    if (rc < 0 && dependants.n && !deps_done)
        nv_power_restart_some(c, dependants.v, dependants.n, req->defer, req->defer_ctx, e);
    free(before);
    nv_obj_list_free(&dependants);
    return rc;
}
