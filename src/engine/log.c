#include "engine/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/status.h"
#include "util/buf.h"
#include "util/escape.h"
#include "util/uuid.h"

int nv_log_verbose;

/* Log lines carry names and XML from the daemon and from files: their
 * control characters are escaped (util/escape.h), so a hostile daemon cannot
 * forge lines or drive the terminal. */
static void emit(const char *prefix, const char *fmt, va_list ap)
{
    char line[4096];
    nv_escape_vformat(line, sizeof line, NULL, fmt, ap);
    nv_status_clear();
    fprintf(stderr, "%s%s\n", prefix, line);
    nv_status_redraw();
}

void nv_log_obj(const char *kind, const uint8_t uuid[16], const char *fmt, ...)
{
    if (!nv_log_verbose && !nv_status_on)
        return;
    char u[NV_UUID_STR_LEN], what[4096];
    nv_uuid_format(uuid, u);
    va_list ap;
    va_start(ap, fmt);
    nv_escape_vformat(what, sizeof what, NULL, fmt, ap);
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
    emit("", fmt, ap);
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
        int ok = nv_xml_diff_format(&d->v[i], &line) == 0;
        size_t n = line.len * 4 + 1;
        char *safe = ok ? malloc(n) : NULL;
        if (safe) {
            nv_escape_ctrl(nv_buf_cstr(&line), line.len, NULL, safe, n);
            fprintf(stderr, "%s\n", safe);
        }
        free(safe);
        nv_buf_free(&line);
    }
    nv_status_redraw();
}

void nv_log_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit("nixvirt: warning: ", fmt, ap);
    va_end(ap);
}
