#include "util/hex.h"

#include <string.h>

void nv_hex_write(const uint8_t *d, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
}

/* Lowercase hex digits' values, -1 for every other byte: a table, as a
 * record of 10k objects has 1.3 million digits to read; and nothing to set
 * up while another thread reads. */
#define X16 -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1
static const signed char lower_hex[256] = {
    X16, X16, X16,
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -1, -1, -1, -1, -1,                   /* 0x30 */
    X16, X16,
    -1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1,         /* 0x60 */
    X16, X16, X16, X16, X16, X16, X16, X16, X16,
};
#undef X16

int nv_hex_digest_parse(const char *s, uint8_t out[32])
{
    if (strlen(s) != 64)
        return -1;
    for (int i = 0; i < 32; i++) {
        int hi = lower_hex[(unsigned char)s[2 * i]], lo = lower_hex[(unsigned char)s[2 * i + 1]];
        if ((hi | lo) < 0)
            return -1;
        out[i] = (uint8_t)((unsigned)hi << 4 | (unsigned)lo);
    }
    return 0;
}
