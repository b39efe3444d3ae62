#include "util/json.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (RFC 3629), or 0. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, cp = c & 0x07;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

void nv_json_str(nv_buf *b, const char *s)
{
    if (!s) {
        nv_buf_append_str(b, "null");
        return;
    }
    nv_buf_append_str(b, "\"");
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = utf8_len(p);
        if (n == 0) {
            nv_buf_append_str(b, "\\ufffd");
            p++;
        } else if (*p == '"' || *p == '\\') {
            nv_buf_printf(b, "\\%c", *p);
            p++;
        } else if (*p == '\n') {
            nv_buf_append_str(b, "\\n");
            p++;
        } else if (*p == '\t') {
            nv_buf_append_str(b, "\\t");
            p++;
        } else if (*p < 0x20 || *p == 0x7f) {
            nv_buf_printf(b, "\\u%04x", *p);
            p++;
        } else {
            nv_buf_append(b, p, n);
            p += n;
        }
    }
    nv_buf_append_str(b, "\"");
}
