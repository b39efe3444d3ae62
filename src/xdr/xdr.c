#include "xdr/xdr.h"

#include <stdlib.h>
#include <string.h>

static const uint8_t zeros[4];

/* ---- encoding --------------------------------------------------------- */

int nv_xdr_put_u32(nv_buf *b, uint32_t v)
{
    uint8_t w[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
    return nv_buf_append(b, w, sizeof w);
}

int nv_xdr_put_i32(nv_buf *b, int32_t v)
{
    return nv_xdr_put_u32(b, (uint32_t)v);
}

int nv_xdr_put_u64(nv_buf *b, uint64_t v)
{
    if (nv_xdr_put_u32(b, (uint32_t)(v >> 32)) < 0)
        return -1;
    return nv_xdr_put_u32(b, (uint32_t)v);
}

int nv_xdr_put_i64(nv_buf *b, int64_t v)
{
    return nv_xdr_put_u64(b, (uint64_t)v);
}

int nv_xdr_put_bool(nv_buf *b, int v)
{
    return nv_xdr_put_u32(b, v ? 1 : 0);
}

int nv_xdr_put_enum(nv_buf *b, int32_t v)
{
    return nv_xdr_put_i32(b, v);
}

int nv_xdr_put_pad(nv_buf *b, size_t n)
{
    if (n > 3) {
        b->failed = 1;
        return -1;
    }
    return nv_buf_append(b, zeros, n);
}

int nv_xdr_put_fopaque(nv_buf *b, const void *p, size_t n)
{
    if (n && !p) {
        b->failed = 1;
        return -1;
    }
    if (nv_buf_append(b, p, n) < 0)
        return -1;
    return nv_xdr_put_pad(b, NV_XDR_PAD(n));
}

int nv_xdr_put_opaque(nv_buf *b, const void *p, size_t n, uint32_t max)
{
    if (n > max) {
        b->failed = 1;
        return -1;
    }
    if (nv_xdr_put_u32(b, (uint32_t)n) < 0)
        return -1;
    return nv_xdr_put_fopaque(b, p, n);
}

int nv_xdr_put_string(nv_buf *b, const char *s, uint32_t max)
{
    if (!s) {
        b->failed = 1;
        return -1;
    }
    return nv_xdr_put_opaque(b, s, strlen(s), max);
}

int nv_xdr_put_optional(nv_buf *b, int present)
{
    return nv_xdr_put_u32(b, present ? 1 : 0);
}

int nv_xdr_put_array_len(nv_buf *b, size_t n, uint32_t max)
{
    if (n > max) {
        b->failed = 1;
        return -1;
    }
    return nv_xdr_put_u32(b, (uint32_t)n);
}

/* ---- decoding --------------------------------------------------------- */

void nv_xdr_dec_init(nv_xdr_dec *d, const void *p, size_t len)
{
    d->p = p;
    d->len = p ? len : 0;
    d->pos = 0;
    d->failed = 0;
    d->why = NULL;
}

size_t nv_xdr_dec_remaining(const nv_xdr_dec *d)
{
    return d->failed ? 0 : d->len - d->pos;
}

int nv_xdr_dec_fail(nv_xdr_dec *d, const char *why)
{
    if (!d->failed) {
        d->failed = 1;
        d->why = why;
    }
    return -1;
}

int nv_xdr_dec_finish(nv_xdr_dec *d)
{
    if (d->failed)
        return -1;
    if (d->pos != d->len)
        return nv_xdr_dec_fail(d, "unexpected data after the end of the message");
    return 0;
}

/* Returns a pointer to the next n bytes and consumes them, or NULL. */
static const uint8_t *take(nv_xdr_dec *d, size_t n)
{
    if (d->failed)
        return NULL;
    if (n > d->len - d->pos) {
        nv_xdr_dec_fail(d, "message truncated");
        return NULL;
    }
    const uint8_t *q = d->p + d->pos;
    d->pos += n;
    return q;
}

int nv_xdr_get_u32(nv_xdr_dec *d, uint32_t *out)
{
    const uint8_t *q = take(d, 4);
    if (!q) {
        *out = 0;
        return -1;
    }
    *out = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | (uint32_t)q[3];
    return 0;
}

int nv_xdr_get_i32(nv_xdr_dec *d, int32_t *out)
{
    uint32_t u;
    int r = nv_xdr_get_u32(d, &u);
    /* two's complement conversion without implementation-defined casts */
    *out = u <= INT32_MAX ? (int32_t)u : (int32_t)(u - 0x80000000u) + INT32_MIN;
    return r;
}

int nv_xdr_get_u64(nv_xdr_dec *d, uint64_t *out)
{
    uint32_t hi, lo;
    if (nv_xdr_get_u32(d, &hi) < 0 || nv_xdr_get_u32(d, &lo) < 0) {
        *out = 0;
        return -1;
    }
    *out = (uint64_t)hi << 32 | lo;
    return 0;
}

int nv_xdr_get_i64(nv_xdr_dec *d, int64_t *out)
{
    uint64_t u;
    int r = nv_xdr_get_u64(d, &u);
    *out = u <= INT64_MAX ? (int64_t)u : (int64_t)(u - 0x8000000000000000u) + INT64_MIN;
    return r;
}

int nv_xdr_get_bool(nv_xdr_dec *d, int *out)
{
    uint32_t u;
    *out = 0;
    if (nv_xdr_get_u32(d, &u) < 0)
        return -1;
    if (u > 1)
        return nv_xdr_dec_fail(d, "boolean is neither 0 nor 1");
    *out = (int)u;
    return 0;
}

int nv_xdr_get_enum(nv_xdr_dec *d, int32_t *out)
{
    return nv_xdr_get_i32(d, out);
}

int nv_xdr_get_pad(nv_xdr_dec *d, size_t n)
{
    if (n > 3)
        return nv_xdr_dec_fail(d, "bad padding length");
    const uint8_t *q = take(d, n);
    if (!q)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (q[i])
            return nv_xdr_dec_fail(d, "non-zero padding");
    return 0;
}

int nv_xdr_get_fopaque(nv_xdr_dec *d, void *out, size_t n)
{
    /* check data and padding together so nothing is copied from a short read */
    if (!d->failed && (n > d->len - d->pos || NV_XDR_PAD(n) > d->len - d->pos - n))
        nv_xdr_dec_fail(d, "message truncated");
    const uint8_t *q = take(d, n);
    if (!q || nv_xdr_get_pad(d, NV_XDR_PAD(n)) < 0) {
        if (n)
            memset(out, 0, n);
        return -1;
    }
    if (n)
        memcpy(out, q, n);
    return 0;
}

/* Reads a length word and checks it against max and the bytes left
 * (including padding), so callers may allocate len bytes safely. */
static int get_len(nv_xdr_dec *d, uint32_t *len, uint32_t max)
{
    if (nv_xdr_get_u32(d, len) < 0)
        return -1;
    if (*len > max) {
        *len = 0;
        return nv_xdr_dec_fail(d, "length exceeds its maximum");
    }
    size_t left = d->len - d->pos;
    if (*len > left || NV_XDR_PAD(*len) > left - *len) {
        *len = 0;
        return nv_xdr_dec_fail(d, "length exceeds the rest of the message");
    }
    return 0;
}

int nv_xdr_get_opaque(nv_xdr_dec *d, uint8_t **out, uint32_t *len, uint32_t max)
{
    *out = NULL;
    if (get_len(d, len, max) < 0)
        return -1;
    if (*len == 0)
        return 0;
    uint8_t *p = malloc(*len);
    if (!p) {
        *len = 0;
        return nv_xdr_dec_fail(d, "out of memory");
    }
    if (nv_xdr_get_fopaque(d, p, *len) < 0) {
        free(p);
        *len = 0;
        return -1;
    }
    *out = p;
    return 0;
}

int nv_xdr_get_string(nv_xdr_dec *d, char **out, uint32_t max)
{
    uint32_t len;
    *out = NULL;
    if (get_len(d, &len, max) < 0)
        return -1;
    char *s = malloc((size_t)len + 1);
    if (!s)
        return nv_xdr_dec_fail(d, "out of memory");
    if (nv_xdr_get_fopaque(d, s, len) < 0) {
        free(s);
        return -1;
    }
    if (memchr(s, '\0', len)) {
        free(s);
        return nv_xdr_dec_fail(d, "string contains a NUL byte");
    }
    s[len] = '\0';
    *out = s;
    return 0;
}

int nv_xdr_get_optional(nv_xdr_dec *d, int *present)
{
    uint32_t u;
    *present = 0;
    if (nv_xdr_get_u32(d, &u) < 0)
        return -1;
    if (u > 1)
        return nv_xdr_dec_fail(d, "optional-data discriminant is neither 0 nor 1");
    *present = (int)u;
    return 0;
}

int nv_xdr_get_array_len(nv_xdr_dec *d, uint32_t *n, uint32_t max, size_t elem_min)
{
    if (nv_xdr_get_u32(d, n) < 0)
        return -1;
    if (*n > max) {
        *n = 0;
        return nv_xdr_dec_fail(d, "array length exceeds its maximum");
    }
    if (elem_min == 0)
        elem_min = 1;
    /* division avoids overflow of n * elem_min */
    if (*n > (d->len - d->pos) / elem_min) {
        *n = 0;
        return nv_xdr_dec_fail(d, "array length exceeds the rest of the message");
    }
    return 0;
}
