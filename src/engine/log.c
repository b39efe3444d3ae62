#include "engine/log.h"

#include <stdarg.h>
#include <stdio.h>

#include "engine/spec.h"

int nv_log_verbose;

void nv_log_obj(const char *kind, const uint8_t uuid[16], const char *fmt, ...)
{
    if (!nv_log_verbose)
        return;
    char u[NV_UUID_STR_LEN];
    nv_spec_uuid_format(uuid, u);
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s %s: ", kind, u);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void nv_log(const char *fmt, ...)
{
    if (!nv_log_verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}
