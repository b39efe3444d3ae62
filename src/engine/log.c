#include "engine/log.h"

#include <stdarg.h>
#include <stdio.h>

#include "engine/status.h"
#include "util/buf.h"
#include "util/uuid.h"

int nv_log_verbose;

void nv_log_obj(const char *kind, const uint8_t uuid[16], const char *fmt, ...)
{
    if (!nv_log_verbose && !nv_status_on)
        return;
    char u[NV_UUID_STR_LEN], what[512];
    nv_uuid_format(uuid, u);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    /* the step shown on the status line is what -v reports */
    nv_status_step("%s", what);
    if (!nv_log_verbose)
        return;
    nv_status_clear();
    fprintf(stderr, "%s %s: %s\n", kind, u, what);
    nv_status_redraw();
}

void nv_log(const char *fmt, ...)
{
    if (!nv_log_verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    nv_status_clear();
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    nv_status_redraw();
    va_end(ap);
}

void nv_log_diff(const nv_xml_diff_list *d)
{
    if (!nv_log_verbose)
        return;
    nv_status_clear();
    for (size_t i = 0; i < d->n; i++) {
        nv_buf line;
        nv_buf_init(&line, 0);
        if (nv_xml_diff_format(&d->v[i], &line) == 0)
            fprintf(stderr, "%s\n", nv_buf_cstr(&line));
        nv_buf_free(&line);
    }
    nv_status_redraw();
}

void nv_log_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    nv_status_clear();
    fputs("nixvirt: warning: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    nv_status_redraw();
}
