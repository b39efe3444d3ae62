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

#endif
