#include "engine/plan.h"

#include <stdio.h>
#include <string.h>

#include "engine/compare.h"
#include "engine/defstore.h"
#include "engine/live.h"
#include "engine/units.h"
#include "engine/volumes.h"
#include "xml/canon.h"
#include "xml/diff.h"
#include "xml/doc.h"

typedef nv_prefetch_obj prefetch;

/* Whether a new definition differs from the one kept from the last apply,
 * with sizes in one unit (32768 KiB is 32 MiB); the differences go into
 * the report. 1 differs, 0 same, -1 cannot tell. */
static int plan_changes(const nv_xml_node *kept, const nv_spec *s, nv_report_obj *ro)
{
    nv_err e;
    nv_xml_node *a = nv_xml_clone(kept, &e);
    /* the manifest keeps definitions as text (nv_spec_drop_tree) */
    nv_xml_node *b = !a ? NULL : s->root ? nv_xml_clone(s->root, &e) : nv_xml_parse(s->xml, s->xml_len, s->file, &e);
    nv_xml_diff_list d = {0};
    int rc = -1;
    if (b && nv_units_normalise(a, &e) == 0 && nv_units_normalise(b, &e) == 0) {
        int eq = nv_xml_canon_equal(a, b, &nv_compare_order, &e);
        rc = eq < 0 ? -1 : !eq;
        if (rc == 1 && nv_xml_diff(a, b, &nv_compare_order, &d, &e) == 0)
            nv_report_changes(ro, &d);
    }
    nv_xml_diff_free(&d);
    nv_xml_free(a);
    nv_xml_free(b);
    return rc;
}

/* The dry run's verdict on a found object that the digests do not prove
 * unchanged. What the declaration changed comes from the definition kept
 * from the last apply, never from the daemon's XML (whose defaults and
 * expanded units would read as changes). Without a kept definition only the
 * define can tell: "compare". */
enum verdict { V_UNCHANGED, V_CHANGED, V_UNKNOWN };
static enum verdict plan_verdict(const nv_apply_opts *o, enum nv_kind kind, const nv_spec *s, const prefetch *pf,
                                 const nv_record_entry *en, int def_same, int xml_same, nv_report_obj *ro)
{
    int renamed = strcmp(pf->name, s->name) != 0;
    if (!en || !en->has_digests) {
        if (renamed)
            nv_report_note(ro, "renamed from '%s'", pf->name);
        else
            nv_report_note(ro, "nothing recorded: it is defined and compared when applied");
        return renamed ? V_CHANGED : V_UNKNOWN;
    }
    if (def_same) {
        nv_report_note(ro, "changed outside nixvirt since the last apply: the declared definition is restored");
        return V_CHANGED;
    }
    nv_err e;
    nv_xml_node *kept = o->defs ? nv_defstore_load(o->defs, kind, s->uuid, en->def_digest, &e) : NULL;
    if (!kept) {
        if (renamed)
            nv_report_note(ro, "renamed from '%s'", pf->name);
        else
            nv_report_note(ro, "no copy of the last definition applied: it is defined and compared when applied");
        return renamed ? V_CHANGED : V_UNKNOWN;
    }
    enum verdict v;
    int differs = plan_changes(kept, s, ro);
    if (differs < 0) {
        nv_report_note(ro, "it is defined and compared when applied");
        v = V_UNKNOWN;
    } else if (!differs) {
        /* the file's text changed, not what it declares */
        v = xml_same ? V_UNCHANGED : V_CHANGED;
        if (!xml_same)
            nv_report_note(ro, "changed outside nixvirt since the last apply: the declared definition is restored");
    } else {
        v = V_CHANGED;
        if (!xml_same)
            nv_report_note(ro, "also changed outside nixvirt since the last apply");
    }
    nv_xml_free(kept);
    return v;
}

/* restart = "never" on a running object whose definition changes: it says
 * that what runs differs from the definition until the next start. */
static void note_never(nv_report_obj *ro)
{
    static const char never[] = "restart never: it runs with its old definition until its next start";
    if (ro->note)
        nv_report_note(ro, "%s; %s", ro->note, never);
    else
        nv_report_note(ro, "%s", never);
}

/* restart = "live": the steps the run would apply to the running domain
 * (NV_ACT_LIVE), or why it restarts it instead (in the note). Returns 1 for
 * a restart. The define has not run, so this compares the daemon's XML with
 * what the definition sets. */
static int plan_live(const nv_spec *s, const prefetch *pf, nv_report_obj *ro)
{
    nv_err e;
    nv_err_clear(&e);
    nv_live_plan p = {0};
    char why[400] = "";
    int restart = 1;
    nv_xml_node *cur = nv_xml_parse(pf->xml, strlen(pf->xml), "daemon XML", &e);
    /* the manifest keeps definitions as text (nv_spec_drop_tree) */
    nv_xml_node *def = !cur || s->root ? NULL : nv_xml_parse(s->xml, s->xml_len, s->file, &e);
    if (!cur || !(s->root || def) || nv_live_plan_make(cur, s->root ? s->root : def, 0, &p, &e) < 0) {
        snprintf(why, sizeof why, "not live: %s", e.msg);
    } else if (p.restart[0]) {
        snprintf(why, sizeof why, "not live: %s", p.restart);
    } else if (p.n == 0) {
        /* what differs is what the definition leaves out: the define tells */
        if (ro)
            ro->maybe |= NV_ACT_RESTART;
        restart = 0;
    } else {
        nv_report_act(ro, NV_ACT_LIVE);
        for (size_t i = 0; i < p.n; i++)
            nv_report_live(ro, p.v[i].what);
        restart = 0;
    }
    if (why[0] && ro) {
        if (ro->note)
            nv_report_note(ro, "%s; %s", ro->note, why);
        else
            nv_report_note(ro, "%s", why);
    }
    nv_live_plan_free(&p);
    nv_xml_free(def);
    nv_xml_free(cur);
    return restart;
}

void nv_plan_object(const nv_apply_opts *o, enum nv_kind kind, const nv_manifest_obj *mo, const prefetch *pf,
                    const nv_record_entry *en, int def_same, int xml_same, nv_report_obj *ro)
{
    int active = pf->found && pf->active && !pf->stopped_by_purge;
    int want = mo->state == NV_STATE_KEEP ? (pf->found && pf->active) : mo->state == NV_STATE_ACTIVE;
    int restart = 0;
    enum verdict v = !pf->found              ? V_CHANGED
                     : def_same && xml_same ? V_UNCHANGED
                                            : plan_verdict(o, kind, &mo->spec, pf, en, def_same, xml_same, ro);
    if (!pf->found) {
        nv_report_act(ro, NV_ACT_DEFINE);
    } else if (v == V_UNCHANGED) {
        nv_report_act(ro, NV_ACT_UNCHANGED);
        restart = active && want && mo->restart == NV_RESTART_ALWAYS;
    } else if (v == V_UNKNOWN) {
        nv_report_act(ro, NV_ACT_COMPARE);
        restart = active && want && mo->restart == NV_RESTART_ALWAYS;
        if (active && want && (mo->restart == NV_RESTART_IFCHANGED || mo->restart == NV_RESTART_LIVE) && ro)
            ro->maybe |= NV_ACT_RESTART;
    } else {
        nv_report_act(ro, NV_ACT_REDEFINE);
        restart = active && want && mo->restart != NV_RESTART_NEVER;
        if (restart && mo->restart == NV_RESTART_LIVE && kind == NV_KIND_DOMAIN)
            restart = plan_live(&mo->spec, pf, ro);
        if (active && want && mo->restart == NV_RESTART_NEVER && ro)
            note_never(ro);
    }
    if (restart)
        nv_report_act(ro, NV_ACT_RESTART);
    else if (active && !want)
        nv_report_act(ro, NV_ACT_STOP);
    else if (!active && want)
        nv_report_act(ro, NV_ACT_START);
}

void nv_plan_volumes(nv_conn *c, const nv_manifest_obj *mo, const nv_prefetch_obj *pf, nv_report *rep,
                     nv_errlist *errs)
{
    const nv_spec *s = &mo->spec;
    nv_obj pool = {.name = (char *)s->name, .id = -1};
    memcpy(pool.uuid, s->uuid, 16);
    if (pf->found && pf->active) {
        nv_volumes_apply(c, &pool, mo, pf->vols, 1, rep, errs);
    } else if (!pf->found) {
        /* a new pool has no volumes the daemon knows of yet */
        for (size_t i = 0; i < mo->nvols; i++)
            if (mo->vols[i].present)
                nv_report_act(nv_volumes_entry(rep, s->name, mo->vols[i].name), NV_ACT_CREATE);
    } else {
        /* an inactive pool does not list its volumes */
        for (size_t i = 0; i < mo->nvols; i++) {
            nv_report_obj *vo = nv_volumes_entry(rep, s->name, mo->vols[i].name);
            if (vo)
                vo->maybe = mo->vols[i].present ? NV_ACT_CREATE : NV_ACT_DELETE;
            nv_report_note(vo, "if %s", mo->vols[i].present ? "missing" : "present");
        }
    }
}
