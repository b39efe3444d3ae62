/* UUID text: libvirt's parsing rules, the canonical lowercase form. */
#include "util/uuid.h"

#include <stddef.h>

#include "util/hex.h"

/* The whitespace libvirt skips around a UUID (glib's ASCII set: no \v). */
static int uuid_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

int nv_uuid_parse(const char *text, uint8_t uuid[NV_UUID_LEN])
{
    const char *p = text;
    while (uuid_space(*p))
        p++;
    for (size_t i = 0; i < NV_UUID_LEN;) {
        if (*p == '-' || *p == ' ') {
            p++;
            continue;
        }
        int hi = nv_hex_digit(*p);
        if (hi < 0)
            return -1;
        int lo = nv_hex_digit(p[1]);
        if (lo < 0)
            return -1;
        uuid[i++] = (uint8_t)(hi << 4 | lo);
        p += 2;
    }
    while (uuid_space(*p))
        p++;
    return *p ? -1 : 0;
}

void nv_uuid_format(const uint8_t u[NV_UUID_LEN], char out[NV_UUID_STR_LEN])
{
    static const char digits[] = "0123456789abcdef";
    char *o = out;
    for (int i = 0; i < NV_UUID_LEN; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = digits[u[i] >> 4];
        *o++ = digits[u[i] & 15];
    }
    *o = '\0';
}
