/* A growable byte buffer with a hard size limit: every growth is checked
 * against the limit before memory is requested. */
#ifndef NV_UTIL_BUF_H
#define NV_UTIL_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct nv_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t limit;   /* maximum len; 0 means NV_BUF_DEFAULT_LIMIT */
    int failed;     /* sticky: set when a growth was refused or malloc failed */
} nv_buf;

#define NV_BUF_DEFAULT_LIMIT ((size_t)32 * 1024 * 1024)

void nv_buf_init(nv_buf *b, size_t limit);
void nv_buf_free(nv_buf *b);
void nv_buf_reset(nv_buf *b);              /* len = 0, keeps memory */
void nv_buf_truncate(nv_buf *b, size_t len); /* back to len (<= b->len), not failed */
int nv_buf_reserve(nv_buf *b, size_t extra); /* 0 or -1 (sets failed) */
int nv_buf_append(nv_buf *b, const void *p, size_t n);
/* nv_buf_append with its common case (room in the buffer) inline, for the
 * writers that append many short pieces (xml/write, xml/stream); inline
 * everywhere it would cost 11 KiB of the program. */
static inline int nv_buf_put(nv_buf *b, const void *p, size_t n)
{
    if (!b->failed && n < b->cap - b->len && n <= b->limit - b->len) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
        return 0;
    }
    return nv_buf_append(b, p, n);
}
int nv_buf_append_str(nv_buf *b, const char *s);
int nv_buf_printf(nv_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns a NUL-terminated string view of the contents (appends a hidden NUL). */
const char *nv_buf_cstr(nv_buf *b);
/* Hands the NUL-terminated contents to the caller; the buffer is emptied. */
char *nv_buf_steal(nv_buf *b);

#endif
