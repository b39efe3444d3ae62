#include "cli/common.h"

#include <stdio.h>

void nv_cli_report(const char *prog, const nv_err *e)
{
    if (e->kind == NV_ERR_LIBVIRT)
        fprintf(stderr, "%s: libvirt error: %s\n", prog, e->msg);
    else
        fprintf(stderr, "%s: %s\n", prog, e->msg);
}

nv_conn *nv_cli_connect(const char *prog, const char *uri, unsigned wait_seconds)
{
    nv_err e;
    nv_err_clear(&e);
    nv_connect_opts o = {.wait_seconds = wait_seconds};
    nv_conn *c = nv_connect_open(uri, &o, &e);
    if (!c)
        nv_cli_report(prog, &e);
    return c;
}
