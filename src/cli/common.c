#include "cli/common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/record.h"
#include "rpc/uri.h"
#include "util/seconds.h"

void nv_cli_report(const char *prog, const nv_err *e)
{
    if (e->kind == NV_ERR_LIBVIRT)
        fprintf(stderr, "%s: libvirt error: %s\n", prog, e->msg);
    else
        fprintf(stderr, "%s: %s\n", prog, e->msg);
}

int nv_cli_status_wanted(void)
{
    const char *term = getenv("TERM");
    return isatty(STDERR_FILENO) && !(term && strcmp(term, "dumb") == 0);
}

int nv_cli_timeout(const char *value, unsigned *out, char *err, size_t n)
{
    if (!value)
        return 0;
    if (nv_parse_seconds(value, out) < 0 || *out == 0) {
        snprintf(err, n, "argument --timeout: invalid number of seconds: '%s' (1 or more)", value);
        return -1;
    }
    return 0;
}

nv_conn *nv_cli_connect_e(const char *prog, const char *uri, unsigned wait_seconds, unsigned timeout_seconds,
                          nv_err *out)
{
    nv_err e;
    nv_err_clear(&e);
    nv_connect_opts o = {.wait_seconds = wait_seconds, .timeout_seconds = timeout_seconds};
    nv_conn *c = nv_connect_open(uri, &o, &e);
    if (!c) {
        nv_cli_report(prog, &e);
        if (out)
            *out = e;
    }
    return c;
}

nv_conn *nv_cli_connect(const char *prog, const char *uri, unsigned wait_seconds,
                        unsigned timeout_seconds)
{
    return nv_cli_connect_e(prog, uri, wait_seconds, timeout_seconds, NULL);
}

int nv_cli_missing(char *err, size_t n, ...)
{
    va_list ap;
    va_start(ap, n);
    size_t len = (size_t)snprintf(err, n, "the following arguments are required:");
    int missing = 0;
    for (const char *name; (name = va_arg(ap, const char *));) {
        const void *value = va_arg(ap, const void *);
        if (value)
            continue;
        if (len < n)
            len += (size_t)snprintf(err + len, n - len, "%s %s", missing ? "," : "", name);
        missing = 1;
    }
    va_end(ap);
    return missing;
}

int nv_cli_seconds(const char *opt, const char *value, unsigned *out, char *err, size_t n)
{
    if (value && nv_parse_seconds(value, out) < 0) {
        snprintf(err, n, "argument --%s: invalid number of seconds: '%s'", opt, value);
        return -1;
    }
    return 0;
}

int nv_cli_record_path(const char *uri, const char *state_dir, char *out, size_t n, nv_err *e)
{
    nv_uri u;
    if (nv_rpc_uri_resolve(uri, &u, e) < 0)
        return -1;
    int rc = nv_record_path(state_dir, u.text, nv_rpc_uri_is_session(&u, (unsigned)geteuid()), out, n, e);
    nv_rpc_uri_free(&u);
    return rc;
}
