#include "util/text.h"

#include <stdint.h>
#include <string.h>

/* Length of the UTF-8 sequence at p (at most n bytes available), or 0 if
 * it is malformed. *cp gets the code point. */
static size_t utf8_seq(const unsigned char *p, size_t n, unsigned long *cp)
{
    unsigned char c = p[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        *cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        *cp = c & 0x0f;
        if (c == 0xe0)
            lo = 0xa0; /* overlong */
        else if (c == 0xed)
            hi = 0x9f; /* surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        *cp = c & 0x07;
        if (c == 0xf0)
            lo = 0x90; /* overlong */
        else if (c == 0xf4)
            hi = 0x8f; /* above U+10FFFF */
    } else {
        return 0;
    }
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        *cp = *cp << 6 | (p[i] & 0x3f);
    }
    return len;
}

static int control(unsigned long cp)
{
    return (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || (cp >= 0x7f && cp <= 0x9f);
}

static int refuse(const char *file, size_t line, unsigned long cp, nv_err *e)
{
    if (cp == 0)
        return nv_err_set(e, NV_ERR_INPUT, "%s:%zu: not text: a NUL byte", file, line);
    return nv_err_set(e, NV_ERR_INPUT, "%s:%zu: not text: control character U+%04lX", file, line, cp);
}

int nv_text_check_latin1(const char *file, const char *data, size_t len, nv_err *e)
{
    const unsigned char *p = (const unsigned char *)data;
    size_t line = 1;
    for (size_t i = 0; i < len; i++) {
        if (control(p[i]))
            return refuse(file, line, p[i], e);
        if (p[i] == '\n')
            line++;
    }
    return 0;
}

/* Printable ASCII and tab: nothing to decode, nothing to count. */
static int plain(unsigned char c)
{
    return (c >= 0x20 && c < 0x7f) || c == '\t';
}

/* Eight bytes at a time: nonzero when one of them is below 0x20, is 0x7f
 * or has its high bit set (then they are looked at one by one). */
static uint64_t unusual8(const unsigned char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t low = (w - 0x20 * ones) & ~w;           /* a byte below 0x20 (or >= 0x80) */
    uint64_t del = ((w ^ 0x7f * ones) - ones) & ~(w ^ 0x7f * ones); /* a byte equal to 0x7f */
    return (low | del | w) & highs;
}

int nv_text_check(const char *file, const char *data, size_t len, nv_err *e)
{
    const unsigned char *p = (const unsigned char *)data;
    size_t line = 1;
    for (size_t i = 0; i < len;) {
        /* most of a definition is plain ASCII: skipped eight bytes at a time */
        while (i + 8 <= len && !unusual8(p + i))
            i += 8;
        while (i < len && plain(p[i]))
            i++;
        if (i == len)
            break;
        unsigned long cp;
        size_t l = utf8_seq(p + i, len - i, &cp);
        if (l == 0)
            return nv_err_set(e, NV_ERR_INPUT, "%s:%zu: not text: invalid UTF-8 (byte 0x%02x)", file, line, p[i]);
        if (control(cp))
            return refuse(file, line, cp, e);
        if (cp == '\n')
            line++;
        i += l;
    }
    return 0;
}
