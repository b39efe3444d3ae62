/* Pieces every command shares: connecting with --connect/--wait, printing
 * errors the way libvirt users expect. */
#ifndef NV_CLI_COMMON_H
#define NV_CLI_COMMON_H

#include "rpc/connect.h"
#include "util/error.h"

/* Prints "<prog>: libvirt error: <msg>" for daemon errors and
 * "<prog>: <msg>" otherwise. */
void nv_cli_report(const char *prog, const nv_err *e);

/* Opens uri (NULL: default) with --wait seconds; reports failures. */
nv_conn *nv_cli_connect(const char *prog, const char *uri, unsigned wait_seconds);

#endif
