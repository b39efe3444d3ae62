/* UUIDs: 16 bytes, and their text. */
#ifndef NV_UTIL_UUID_H
#define NV_UTIL_UUID_H

#include <stdint.h>

#define NV_UUID_LEN 16
#define NV_UUID_STR_LEN 37 /* 36 characters and the NUL */

/* UUID text as libvirt accepts it: 32 hex digits (either case) in pairs,
 * '-' or ' ' allowed before any pair, surrounding whitespace allowed.
 * 0 on success, -1 if invalid. */
int nv_uuid_parse(const char *text, uint8_t uuid[NV_UUID_LEN]);

/* Lowercase 8-4-4-4-12. */
void nv_uuid_format(const uint8_t uuid[NV_UUID_LEN], char out[NV_UUID_STR_LEN]);

#endif
