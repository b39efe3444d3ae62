#include "cli/render.h"

#include <string.h>

#include "util/buf.h"
#include "util/escape.h"
#include "util/json.h"

/* the order actions happen in */
static const unsigned shown[] = {NV_ACT_REMOVE,  NV_ACT_DEFINE,  NV_ACT_REDEFINE, NV_ACT_COMPARE, NV_ACT_STOP,
                                 NV_ACT_START,   NV_ACT_RESTART, NV_ACT_LIVE,     NV_ACT_CREATE,  NV_ACT_DELETE};

static void plan_line(FILE *f, const nv_report_obj *o, unsigned act, int maybe)
{
    /* names come from files and the daemon: no control characters reach the terminal */
    char name[600], pool[600];
    nv_escape_ctrl(o->name, strlen(o->name), "\\n", name, sizeof name);
    nv_escape_ctrl(o->pool ? o->pool : "?", strlen(o->pool ? o->pool : "?"), "\\n", pool, sizeof pool);
    if (strcmp(o->kind, "volume") == 0)
        fprintf(f, "%s volume %s in pool %s", nv_act_name(act), name, pool);
    else
        fprintf(f, "%s %s %s (%s)", nv_act_name(act), o->kind, name, o->uuid);
    if (maybe && act == NV_ACT_RESTART)
        fputs(o->nlive || (o->actions & NV_ACT_LIVE) ? " (only if a step fails or the define shows a change that "
                                                       "cannot be applied live)"
                                                     : " (only if the define shows a change)",
              f);
    else if (act == NV_ACT_LIVE)
        fputs(" (applied to the running domain, no restart)", f);
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
            if (shown[k] == NV_ACT_LIVE && (o->actions & NV_ACT_LIVE))
                for (size_t l = 0; l < o->nlive; l++)
                    fprintf(f, "  live: %s\n", o->live[l]);
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

static const char *const change_kinds[] = {"changed", "added", "removed", "reordered"};

static void json_acts(nv_buf *b, unsigned acts)
{
    nv_buf_append_str(b, "[");
    int first = 1;
    for (unsigned bit = 0; bit < NV_ACT_COUNT; bit++) {
        if (!(acts & (1u << bit)))
            continue;
        nv_buf_append_str(b, first ? "" : ", ");
        nv_json_str(b, nv_act_name(1u << bit));
        first = 0;
    }
    nv_buf_append_str(b, "]");
}

static void json_obj(nv_buf *b, const nv_report_obj *o)
{
    nv_buf_append_str(b, "    {\"kind\": ");
    nv_json_str(b, o->kind);
    nv_buf_append_str(b, ", \"name\": ");
    nv_json_str(b, o->name);
    nv_buf_append_str(b, ", \"uuid\": ");
    nv_json_str(b, o->uuid[0] ? o->uuid : NULL);
    if (o->pool) {
        nv_buf_append_str(b, ", \"pool\": ");
        nv_json_str(b, o->pool);
    }
    nv_buf_append_str(b, ",\n     \"actions\": ");
    json_acts(b, o->actions);
    nv_buf_append_str(b, ", \"conditional_actions\": ");
    json_acts(b, o->maybe & ~o->actions);
    nv_buf_append_str(b, ", \"note\": ");
    nv_json_str(b, o->note);
    nv_buf_append_str(b, ",\n     \"changes\": [");
    for (size_t i = 0; i < o->changes.n; i++) {
        const nv_xml_diff_entry *d = &o->changes.v[i];
        nv_buf_append_str(b, i ? ",\n       {\"path\": " : "\n       {\"path\": ");
        nv_json_str(b, d->path);
        nv_buf_append_str(b, ", \"change\": ");
        nv_json_str(b, (unsigned)d->kind < 4 ? change_kinds[d->kind] : "changed");
        nv_buf_append_str(b, ", \"before\": ");
        nv_json_str(b, d->before);
        nv_buf_append_str(b, ", \"after\": ");
        nv_json_str(b, d->after);
        nv_buf_append_str(b, "}");
    }
    nv_buf_append_str(b, "],\n     \"error\": ");
    nv_json_str(b, o->error);
    nv_buf_append_str(b, "}");
}

void nv_cli_render_json(FILE *f, const char *command, int dry_run, const nv_report *r, const nv_errlist *errs)
{
    nv_report_counts c;
    nv_report_count(r, &c);
    size_t nerr = errs ? errs->n : 0;
    nv_buf b;
    nv_buf_init(&b, 0);
    nv_buf_append_str(&b, "{\"command\": ");
    nv_json_str(&b, command);
    nv_buf_printf(&b, ", \"dry_run\": %s, \"ok\": %s,\n  \"objects\": [", dry_run ? "true" : "false",
                  nerr || c.failed ? "false" : "true");
    for (size_t i = 0; i < r->n; i++) {
        nv_buf_append_str(&b, i ? ",\n" : "\n");
        json_obj(&b, r->v[i]);
    }
    nv_buf_printf(&b,
                  "],\n  \"summary\": {\"defined\": %d, \"changed\": %d, \"started\": %d, \"restarted\": %d, "
                  "\"stopped\": %d, \"removed\": %d, \"unchanged\": %d, \"to_compare\": %d, "
                  "\"volumes_created\": %d, \"volumes_deleted\": %d, \"failed\": %d},\n  \"errors\": [",
                  c.defined, c.changed, c.started, c.restarted, c.stopped, c.removed, c.unchanged, c.compare,
                  c.vol_created, c.vol_deleted, c.failed);
    size_t stored = nerr < 1000 ? nerr : 1000; /* errlist keeps the first 1000 lines */
    for (size_t i = 0; i < stored; i++) {
        nv_buf_append_str(&b, i ? ", " : "");
        nv_json_str(&b, errs->v[i]);
    }
    if (nerr > stored)
        nv_buf_printf(&b, ", \"... and %zu more\"", nerr - stored);
    nv_buf_append_str(&b, "]}\n");
    if (b.failed || r->oom) {
        /* still one valid document, saying what happened */
        fputs("{\"ok\": false, \"errors\": [\"out of memory while writing the report\"]}\n", f);
    } else {
        fwrite(b.data, 1, b.len, f);
    }
    fflush(f);
    nv_buf_free(&b);
}
