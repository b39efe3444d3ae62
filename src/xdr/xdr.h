/* XDR (RFC 4506) primitives.
 *
 * Encoding appends big-endian words to an nv_buf; a refused growth or a
 * value that breaks its declared maximum sets the buffer's sticky `failed`
 * flag, so a sequence of puts can be checked once at the end.
 *
 * Decoding reads from a (pointer, length, position) cursor. The first
 * failure (truncation, a length over its maximum or over the bytes left,
 * non-zero padding, a bad discriminant) is sticky: every later get fails
 * too, outputs are zeroed, and `why` keeps the first reason. Nothing is
 * allocated before its length has been checked against both its maximum and
 * the bytes remaining. */
#ifndef NV_XDR_XDR_H
#define NV_XDR_XDR_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* Bytes of padding after n bytes of opaque data. */
#define NV_XDR_PAD(n) ((4 - ((n) & 3)) & 3)

/* ---- encoding --------------------------------------------------------- */

/* All return 0, or -1 with b->failed set. */
int nv_xdr_put_u32(nv_buf *b, uint32_t v);
int nv_xdr_put_i32(nv_buf *b, int32_t v);
int nv_xdr_put_u64(nv_buf *b, uint64_t v);
int nv_xdr_put_i64(nv_buf *b, int64_t v);
int nv_xdr_put_bool(nv_buf *b, int v);    /* any non-zero is TRUE */
int nv_xdr_put_enum(nv_buf *b, int32_t v);
/* n zero bytes of padding (n < 4). */
int nv_xdr_put_pad(nv_buf *b, size_t n);
/* Fixed-length opaque: n bytes plus padding. */
int nv_xdr_put_fopaque(nv_buf *b, const void *p, size_t n);
/* Variable-length opaque: length word, bytes, padding. Fails if n > max. */
int nv_xdr_put_opaque(nv_buf *b, const void *p, size_t n, uint32_t max);
/* String: like opaque with strlen(s). Fails if s is NULL or too long. */
int nv_xdr_put_string(nv_buf *b, const char *s, uint32_t max);
/* Optional-data discriminant: 1 when the value follows, 0 when absent. */
int nv_xdr_put_optional(nv_buf *b, int present);
/* Variable-length array count. Fails if n > max. */
int nv_xdr_put_array_len(nv_buf *b, size_t n, uint32_t max);

/* ---- decoding --------------------------------------------------------- */

typedef struct nv_xdr_dec {
    const uint8_t *p;
    size_t len;
    size_t pos;
    int failed;       /* sticky */
    const char *why;  /* first failure, a static string; NULL while ok */
} nv_xdr_dec;

void nv_xdr_dec_init(nv_xdr_dec *d, const void *p, size_t len);
/* Bytes not yet consumed (0 once failed). */
size_t nv_xdr_dec_remaining(const nv_xdr_dec *d);
/* Marks the cursor failed with a reason (first reason wins); returns -1. */
int nv_xdr_dec_fail(nv_xdr_dec *d, const char *why);
/* 0 if the cursor is ok and every byte was consumed, else -1 (and failed). */
int nv_xdr_dec_finish(nv_xdr_dec *d);

/* All return 0, or -1 with the cursor failed and *out zeroed. */
int nv_xdr_get_u32(nv_xdr_dec *d, uint32_t *out);
int nv_xdr_get_i32(nv_xdr_dec *d, int32_t *out);
int nv_xdr_get_u64(nv_xdr_dec *d, uint64_t *out);
int nv_xdr_get_i64(nv_xdr_dec *d, int64_t *out);
/* Only 0 and 1 are accepted, as RFC 4506 defines bool. */
int nv_xdr_get_bool(nv_xdr_dec *d, int *out);
/* Any value: the caller decides what an unknown enumerator means. */
int nv_xdr_get_enum(nv_xdr_dec *d, int32_t *out);
/* Consumes n (< 4) padding bytes, which must be zero. */
int nv_xdr_get_pad(nv_xdr_dec *d, size_t n);
/* Fixed-length opaque into out[0..n). */
int nv_xdr_get_fopaque(nv_xdr_dec *d, void *out, size_t n);
/* Variable-length opaque: *out is malloc'd (NULL when the length is 0). */
int nv_xdr_get_opaque(nv_xdr_dec *d, uint8_t **out, uint32_t *len, uint32_t max);
/* String: *out is malloc'd and NUL-terminated. A NUL byte inside the
 * string is refused, since C users would silently see a shorter string. */
int nv_xdr_get_string(nv_xdr_dec *d, char **out, uint32_t max);
/* Optional-data discriminant: *present is 0 or 1; anything else fails. */
int nv_xdr_get_optional(nv_xdr_dec *d, int *present);
/* Array count: fails if *n > max or if n elements of at least elem_min
 * bytes each cannot fit in what remains (elem_min 0 is treated as 1). */
int nv_xdr_get_array_len(nv_xdr_dec *d, uint32_t *n, uint32_t max, size_t elem_min);

#endif
