/* Pieces every command shares: connecting with --connect/--wait, printing
 * errors the way libvirt users expect. */
#ifndef NV_CLI_COMMON_H
#define NV_CLI_COMMON_H

#include <stddef.h>

#include "rpc/connect.h"
#include "util/error.h"

/* Prints "<prog>: libvirt error: <msg>" for daemon errors and
 * "<prog>: <msg>" otherwise. */
void nv_cli_report(const char *prog, const nv_err *e);

/* Opens uri (NULL: default) with --wait and --timeout seconds (0: none);
 * reports failures. */
nv_conn *nv_cli_connect(const char *prog, const char *uri, unsigned wait_seconds,
                        unsigned timeout_seconds);

/* Parses --timeout's value: whole seconds, at least 1. Writes the usage
 * error into err. */
/* nv_cli_connect that also hands the failure to the caller (for --json). */
nv_conn *nv_cli_connect_e(const char *prog, const char *uri, unsigned wait_seconds, unsigned timeout_seconds,
                          nv_err *out);

/* Whether to show engine/status.h's line: stderr is a terminal and TERM is
 * not "dumb". */
int nv_cli_status_wanted(void);

int nv_cli_timeout(const char *value, unsigned *out, char *err, size_t n);

/* The record file of the connection uri (engine/record.h's nv_record_path
 * with the URI resolved and its session-ness decided) into out[n]. */
int nv_cli_record_path(const char *uri, const char *state_dir, char *out, size_t n, nv_err *e);

/* The same wording in every command for a missing required argument:
 * "the following arguments are required: --connect, MANIFEST". Takes
 * pairs (name, value) ended by NULL; a NULL value is missing. Returns 1
 * and writes err when one is missing, else 0. */
int nv_cli_missing(char *err, size_t n, ...);

/* Parses a whole number of seconds for option `opt` ("wait",
 * "shutdown-timeout"); NULL value: *out is left alone. Writes the usage
 * error into err: "argument --wait: invalid number of seconds: 'x'". */
int nv_cli_seconds(const char *opt, const char *value, unsigned *out, char *err, size_t n);

#endif
