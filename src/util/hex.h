/* Hexadecimal digits, the one parser of them (UUIDs, percent-encoding,
 * digests). */
#ifndef NV_UTIL_HEX_H
#define NV_UTIL_HEX_H

/* The value of hex digit c (either case), or -1. */
int nv_hex_digit(int c);

#endif
