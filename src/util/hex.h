/* Hexadecimal digits, the one parser of them (UUIDs, percent-encoding,
 * digests). */
#ifndef NV_UTIL_HEX_H
#define NV_UTIL_HEX_H

#include <stddef.h>
#include <stdint.h>

/* The value of hex digit c (either case), or -1. Inline: the record's
 * digests alone are 128 digits a line. */
static inline int nv_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* n bytes as 2n lowercase digits (no NUL). */
void nv_hex_write(const uint8_t *d, size_t n, char *out);
/* A SHA-256 digest as the record and the manifest spell it: exactly 64
 * lowercase digits (what sha256sum and Nix's hashString print). 0, or -1. */
int nv_hex_digest_parse(const char *s, uint8_t out[32]);

#endif
