/* The text and JSON forms of a report: the summary line's counts, the plan's
 * lines, and a JSON document that stays valid whatever the names hold. */
#include "check.h"
#include "cli/render.h"
#include "engine/volumes.h"

#include <stdio.h>
#include <stdlib.h>

static char *render(void (*fn)(FILE *, const nv_report *, const nv_errlist *), const nv_report *r,
                    const nv_errlist *errs)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    fn(f, r, errs);
    fclose(f);
    return buf;
}

static void summary(FILE *f, const nv_report *r, const nv_errlist *errs)
{
    (void)errs;
    nv_cli_render_summary(f, "nixvirt", 1, r);
}

static void plan(FILE *f, const nv_report *r, const nv_errlist *errs)
{
    (void)errs;
    nv_cli_render_plan(f, r);
}

static void json(FILE *f, const nv_report *r, const nv_errlist *errs)
{
    nv_cli_render_json(f, "apply", 0, r, errs);
}

TEST(render_summary_plan_json)
{
    nv_report r = {0};
    uint8_t u[16] = {0xab};
    nv_report_obj *o = nv_report_add(&r, "domain", "vm\"3\n", u);
    nv_report_act(o, NV_ACT_REDEFINE | NV_ACT_RESTART);
    nv_report_obj *c = nv_report_add(&r, "network", "n", u);
    nv_report_act(c, NV_ACT_COMPARE);
    if (c)
        c->maybe = NV_ACT_RESTART;
    nv_report_note(c, "nothing recorded");
    nv_report_obj *v = nv_volumes_entry(&r, "p", "v.qcow2");
    nv_report_act(v, NV_ACT_CREATE);
    char *s = render(summary, &r, NULL);
    CHECK_STR(s, "nixvirt: plan: 0 defined, 1 changed, 0 started, 1 restarted, 0 stopped, 0 removed, 0 unchanged, "
                 "1 to compare, 1 volume created, 0 deleted\n");
    free(s);
    s = render(plan, &r, NULL);
    CHECK_STR(s, "redefine domain vm\"3\\n (ab000000-0000-0000-0000-000000000000)\n"
                 "restart domain vm\"3\\n (ab000000-0000-0000-0000-000000000000)\n"
                 "compare network n (ab000000-0000-0000-0000-000000000000) (nothing recorded)\n"
                 "restart network n (ab000000-0000-0000-0000-000000000000) (only if the define shows a change)\n"
                 "create volume v.qcow2 in pool p\n");
    free(s);
    nv_errlist errs = {0};
    nv_errlist_add(&errs, "domain x: bad \x01 thing");
    s = render(json, &r, &errs);
    CHECK(s && strstr(s, "\"name\": \"vm\\\"3\\n\"") != NULL);
    CHECK(s && strstr(s, "\"actions\": [\"redefine\", \"restart\"]") != NULL);
    CHECK(s && strstr(s, "\"conditional_actions\": [\"restart\"]") != NULL);
    CHECK(s && strstr(s, "\"pool\": \"p\"") != NULL);
    CHECK(s && strstr(s, "\"ok\": false") != NULL);
    CHECK(s && strstr(s, "\"errors\": [\"domain x: bad \\u0001 thing\"]") != NULL);
    CHECK(s && strstr(s, "\"volumes_created\": 1") != NULL);
    free(s);
    nv_errlist_free(&errs);
    nv_report_free(&r);
}
