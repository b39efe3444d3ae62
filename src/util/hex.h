/* Hexadecimal digits, the one parser of them (UUIDs, percent-encoding,
 * digests). */
#ifndef NV_UTIL_HEX_H
#define NV_UTIL_HEX_H

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

#endif
