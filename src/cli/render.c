#include "cli/render.h"

#include <string.h>

#include "util/buf.h"

/* the order actions happen in */
static const unsigned shown[] = {NV_ACT_REMOVE, NV_ACT_DEFINE, NV_ACT_REDEFINE, NV_ACT_COMPARE, NV_ACT_STOP,
                                 NV_ACT_START, NV_ACT_RESTART, NV_ACT_CREATE, NV_ACT_DELETE};

static void plan_line(FILE *f, const nv_report_obj *o, unsigned act, int maybe)
{
    if (strcmp(o->kind, "volume") == 0)
        fprintf(f, "%s volume %s in pool %s", nv_act_name(act), o->name, o->pool ? o->pool : "?");
    else
        fprintf(f, "%s %s %s (%s)", nv_act_name(act), o->kind, o->name, o->uuid);
    if (maybe && act == NV_ACT_RESTART)
        fputs(" (only if the define shows a change)", f);
    else if ((maybe || act == NV_ACT_COMPARE || act == NV_ACT_REDEFINE) && o->note)
        fprintf(f, " (%s)", o->note);
    fputc('\n', f);
}

void nv_cli_render_plan(FILE *f, const nv_report *r)
{
    for (size_t i = 0; i < r->n; i++) {
        const nv_report_obj *o = r->v[i];
        for (size_t k = 0; k < sizeof shown / sizeof *shown; k++) {
            if (o->actions & shown[k])
                plan_line(f, o, shown[k], 0);
            else if (o->maybe & shown[k])
                plan_line(f, o, shown[k], 1);
            if (shown[k] == NV_ACT_REDEFINE && (o->actions & NV_ACT_REDEFINE)) {
                for (size_t c = 0; c < o->changes.n; c++) {
                    nv_buf line;
                    nv_buf_init(&line, 0);
                    if (nv_xml_diff_format(&o->changes.v[c], &line) == 0)
                        fprintf(f, "  %s\n", nv_buf_cstr(&line));
                    nv_buf_free(&line);
                }
            }
        }
    }
}

void nv_cli_render_summary(FILE *f, const char *prog, int dry_run, const nv_report *r)
{
    nv_report_counts c;
    nv_report_count(r, &c);
    fprintf(f, "%s: %s%d defined, %d changed, %d started, %d restarted, %d stopped, %d removed, %d unchanged", prog,
            dry_run ? "plan: " : "", c.defined, c.changed, c.started, c.restarted, c.stopped, c.removed,
            c.unchanged);
    if (c.compare)
        fprintf(f, ", %d to compare", c.compare);
    fprintf(f, ", %d volume%s created, %d deleted\n", c.vol_created, c.vol_created == 1 ? "" : "s", c.vol_deleted);
}
