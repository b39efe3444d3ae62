/* Error values carried up the layers: a kind and one human-readable line. */
#ifndef NV_UTIL_ERROR_H
#define NV_UTIL_ERROR_H

#include <stdarg.h>
#include <stddef.h>

enum nv_err_kind {
    NV_ERR_NONE = 0,
    NV_ERR_SYSTEM,   /* a system call failed (errno text is in msg) */
    NV_ERR_PROTOCOL, /* the peer sent something we cannot accept */
    NV_ERR_LIBVIRT,  /* the daemon answered with an error */
    NV_ERR_INPUT,    /* a definition, manifest or argument is invalid */
    NV_ERR_CONNECT,  /* the daemon could not be reached */
};

/* The rule for every function that takes a trailing `nv_err *e`: e is never
 * NULL (a caller that does not care passes a local nv_err).
 *
 * msg reads "context: context: cause". The cause (the message first set) is
 * kept whole when prefixes no longer fit: the contexts between the newest one
 * and the cause are cut first (to "..."), then the newest one itself. */
typedef struct nv_err {
    enum nv_err_kind kind;
    int code;       /* libvirt error code for NV_ERR_LIBVIRT, errno for SYSTEM */
    char msg[1024];
    /* where the cause starts in msg, valid while strlen(msg) == len (a
     * message written into msg directly counts as a cause) */
    unsigned short cause_at, len;
} nv_err;

void nv_err_clear(nv_err *e);
/* Sets e (if not NULL) and returns -1 so callers can `return nv_err_set(...)`. */
int nv_err_set(nv_err *e, enum nv_err_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* nv_err_set with a code (errno or libvirt's) and a va_list, for wrappers. */
int nv_err_vset(nv_err *e, enum nv_err_kind kind, int code, const char *fmt, va_list ap);
/* Like nv_err_set with kind SYSTEM, appending ": strerror(errnum)". */
int nv_err_sys(nv_err *e, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prepends "prefix: " to an existing message (adds context on the way up),
 * keeping the cause whole (see above). */
int nv_err_prefix(nv_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
