#include "engine/report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/spec.h"
#include "util/grow.h"
#include "util/uuid.h"

static const char *const act_names[NV_ACT_COUNT] = {
    "remove", "define", "redefine", "compare", "unchanged", "stop",
    "start", "restart", "autostart", "create", "delete", "live",
};

const char *nv_act_name(unsigned act)
{
    for (int i = 0; i < NV_ACT_COUNT; i++)
        if (act == 1u << i)
            return act_names[i];
    return "?";
}

nv_report_obj *nv_report_add(nv_report *r, const char *kind, const char *name, const uint8_t *uuid)
{
    if (r->n == r->cap) {
        nv_report_obj **v = nv_grow(r->v, &r->cap, sizeof *v, 32);
        if (!v) {
            r->oom = 1;
            return NULL;
        }
        r->v = v;
    }
    nv_report_obj *o = calloc(1, sizeof *o);
    if (!o || !(o->name = strdup(name ? name : ""))) {
        free(o);
        r->oom = 1;
        return NULL;
    }
    o->kind = kind;
    if (uuid)
        nv_uuid_format(uuid, o->uuid);
    r->v[r->n++] = o;
    return o;
}

void nv_report_act(nv_report_obj *o, unsigned acts)
{
    if (o)
        o->actions |= acts;
}

static void set_text(char **dst, const char *fmt, va_list ap)
{
    char line[1024];
    vsnprintf(line, sizeof line, fmt, ap);
    free(*dst);
    *dst = strdup(line); /* NULL when out of memory: the text is only lost */
}

void nv_report_note(nv_report_obj *o, const char *fmt, ...)
{
    if (!o)
        return;
    va_list ap;
    va_start(ap, fmt);
    set_text(&o->note, fmt, ap);
    va_end(ap);
}

void nv_report_error(nv_report_obj *o, const char *fmt, ...)
{
    if (!o)
        return;
    va_list ap;
    va_start(ap, fmt);
    set_text(&o->error, fmt, ap);
    va_end(ap);
}

void nv_report_changes(nv_report_obj *o, nv_xml_diff_list *d)
{
    if (!o)
        return;
    nv_xml_diff_free(&o->changes);
    o->changes = *d;
    memset(d, 0, sizeof *d);
}

void nv_report_live(nv_report_obj *o, const char *what)
{
    if (!o)
        return;
    char **v = realloc(o->live, (o->nlive + 1) * sizeof *v);
    if (!v)
        return; /* the line is only lost */
    o->live = v;
    if ((v[o->nlive] = strdup(what)))
        o->nlive++;
}

void nv_report_free(nv_report *r)
{
    for (size_t i = 0; i < r->n; i++) {
        nv_report_obj *o = r->v[i];
        free(o->name);
        free(o->pool);
        free(o->note);
        free(o->error);
        for (size_t k = 0; k < o->nlive; k++)
            free(o->live[k]);
        free(o->live);
        nv_xml_diff_free(&o->changes);
        free(o);
    }
    free(r->v);
    memset(r, 0, sizeof *r);
}

void nv_report_count(const nv_report *r, nv_report_counts *c)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < r->n; i++) {
        const nv_report_obj *o = r->v[i];
        unsigned a = o->actions;
        c->failed += o->error != NULL;
        if (strcmp(o->kind, "volume") == 0) {
            c->vol_created += !!(a & NV_ACT_CREATE);
            c->vol_deleted += !!(a & NV_ACT_DELETE);
            continue;
        }
        c->removed += !!(a & NV_ACT_REMOVE);
        c->defined += !!(a & NV_ACT_DEFINE);
        c->changed += !!(a & NV_ACT_REDEFINE);
        c->compare += !!(a & NV_ACT_COMPARE);
        c->unchanged += !!(a & NV_ACT_UNCHANGED);
        c->stopped += !!(a & NV_ACT_STOP);
        c->started += !!(a & NV_ACT_START);
        c->restarted += !!(a & NV_ACT_RESTART);
    }
}
