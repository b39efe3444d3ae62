#include "util/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void nv_err_clear(nv_err *e)
{
    e->kind = NV_ERR_NONE;
    e->code = 0;
    e->msg[0] = '\0';
    e->cause_at = e->len = 0;
}

/* A new cause: the whole message. */
static void mark_cause(nv_err *e)
{
    e->cause_at = 0;
    e->len = (unsigned short)strlen(e->msg);
}

int nv_err_vset(nv_err *e, enum nv_err_kind kind, int code, const char *fmt, va_list ap)
{
    e->kind = kind;
    e->code = code;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    mark_cause(e);
    return -1;
}

int nv_err_set(nv_err *e, enum nv_err_kind kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    nv_err_vset(e, kind, 0, fmt, ap);
    va_end(ap);
    return -1;
}

int nv_err_sys(nv_err *e, int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    e->kind = NV_ERR_SYSTEM;
    e->code = errnum;
    int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof e->msg)
        snprintf(e->msg + n, sizeof e->msg - (size_t)n, ": %s", strerror(errnum));
    mark_cause(e);
    return -1;
}

int nv_err_prefix(nv_err *e, const char *fmt, ...)
{
    char prefix[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);

    char old[sizeof e->msg];
    size_t len = strlen(e->msg);
    memcpy(old, e->msg, len + 1);
    size_t cause = (e->len == len && e->cause_at <= len) ? e->cause_at : 0;
    size_t cause_len = len - cause, plen = strlen(prefix);
    size_t room = sizeof e->msg - 1;
    static const char gap[] = "...: "; /* stands for contexts cut out */
    size_t glen = sizeof gap - 1;

    size_t keep = cause; /* old contexts kept, from the start (the outer ones) */
    const char *mid = "";
    if (plen + 2 + len > room) {
        mid = gap;
        keep = room >= plen + 2 + glen + cause_len ? room - plen - 2 - glen - cause_len : 0;
        if (keep > cause)
            keep = cause;
        if (plen + 2 + keep + glen + cause_len > room) {
            /* even the newest context does not fit beside the cause: shorten it */
            keep = 0;
            mid = "";
            if (room < 2 + 3 + cause_len)
                return -1; /* the cause fills the buffer: it stays as it is */
            plen = room - 2 - 3 - cause_len;
            memcpy(prefix + plen, "...", 4);
            plen += 3;
        }
    }
    int w = snprintf(e->msg, sizeof e->msg, "%.*s: %.*s%s%s", (int)plen, prefix, (int)keep, old,
                     mid, old + cause);
    (void)w;
    e->cause_at = (unsigned short)(plen + 2 + keep + strlen(mid));
    e->len = (unsigned short)strlen(e->msg);
    return -1;
}
