#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nv_buf_init(nv_buf *b, size_t limit)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->limit = limit ? limit : NV_BUF_DEFAULT_LIMIT;
    b->failed = 0;
}

void nv_buf_free(nv_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void nv_buf_reset(nv_buf *b)
{
    b->len = 0;
    b->failed = 0;
}

void nv_buf_truncate(nv_buf *b, size_t len)
{
    if (len < b->len)
        b->len = len;
    b->failed = 0;
}

int nv_buf_reserve(nv_buf *b, size_t extra)
{
    if (b->failed)
        return -1;
    /* +1 keeps room for the hidden NUL of nv_buf_cstr */
    if (extra > b->limit - b->len) {
        b->failed = 1;
        return -1;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    uint8_t *p = realloc(b->data, cap);
    if (!p) {
        b->failed = 1;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

int nv_buf_append(nv_buf *b, const void *p, size_t n)
{
    if (nv_buf_reserve(b, n) < 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

int nv_buf_append_str(nv_buf *b, const char *s)
{
    return nv_buf_append(b, s, strlen(s));
}

int nv_buf_printf(nv_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || nv_buf_reserve(b, (size_t)n) < 0) {
        b->failed = 1;
        return -1;
    }
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

const char *nv_buf_cstr(nv_buf *b)
{
    if (nv_buf_reserve(b, 0) < 0)
        return NULL;
    b->data[b->len] = '\0';
    return (const char *)b->data;
}

char *nv_buf_steal(nv_buf *b)
{
    if (nv_buf_reserve(b, 0) < 0)
        return NULL;
    b->data[b->len] = '\0';
    char *s = (char *)b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}
