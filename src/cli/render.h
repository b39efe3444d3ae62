/* Showing a report (engine/report.h): the plan of a dry run, the summary
 * line, and the --json document. */
#ifndef NV_CLI_RENDER_H
#define NV_CLI_RENDER_H

#include <stdio.h>

#include "engine/report.h"
#include "util/errlist.h"

/* One line per planned action, "<action> <kind> <name> (<uuid>)", with
 * the changed paths of a redefine under it, indented. */
void nv_cli_render_plan(FILE *f, const nv_report *r);

/* "nixvirt: [plan: ]2 defined, 1 changed, 3 started, 1 restarted,
 * 0 stopped, 1 removed, 104 unchanged[, 2 to compare], 5 volumes created,
 * 1 deleted" */
void nv_cli_render_summary(FILE *f, const char *prog, int dry_run, const nv_report *r);

/* The --json document: one object on f,
 *   {"command": "apply", "dry_run": false, "ok": true,
 *    "objects": [{"kind", "name", "uuid", ("pool",) "actions": [...],
 *                 "conditional_actions": [...], "note", "changes":
 *                 [{"path", "change", "before", "after"}], "error"}],
 *    "summary": {"defined", ..., "volumes_created", "volumes_deleted",
 *                "failed"},
 *    "errors": ["..."]}
 * ok is false when errs holds anything. */
void nv_cli_render_json(FILE *f, const char *command, int dry_run, const nv_report *r, const nv_errlist *errs);

#endif
