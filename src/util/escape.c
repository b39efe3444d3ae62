#include "util/escape.h"

#include <stdio.h>
#include <string.h>

size_t nv_escape_ctrl(const char *s, size_t len, const char *newline, char *out, size_t n)
{
    size_t o = 0;
    if (n == 0)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[16];
        size_t k;
        if (c == '\n') {
            const char *nl = newline ? newline : "\\n";
            k = strnlen(nl, sizeof esc);
            memcpy(esc, nl, k);
        } else if (c == '\r') {
            k = 2, memcpy(esc, "\\r", 2);
        } else if (c == '\t') {
            k = 2, memcpy(esc, "\\t", 2);
        } else if (c < 0x20 || c == 0x7f) {
            k = (size_t)snprintf(esc, sizeof esc, "\\x%02x", c);
        } else if (c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 &&
                   (unsigned char)s[i + 1] <= 0x9f) {
            k = (size_t)snprintf(esc, sizeof esc, "\\xc2\\x%02x", (unsigned char)s[i + 1]);
            i++;
        } else {
            esc[0] = (char)c;
            k = 1;
        }
        if (o + k >= n)
            break;
        memcpy(out + o, esc, k);
        o += k;
    }
    out[o] = '\0';
    return o;
}

size_t nv_escape_vformat(char *out, size_t n, const char *newline, const char *fmt, va_list ap)
{
    char raw[1024];
    int len = vsnprintf(raw, sizeof raw, fmt, ap);
    size_t l = len < 0 ? 0 : (size_t)len < sizeof raw ? (size_t)len : sizeof raw - 1;
    return nv_escape_ctrl(raw, l, newline, out, n);
}
