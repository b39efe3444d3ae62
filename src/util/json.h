/* Writing JSON strings: quoted, escaped, and always valid UTF-8 (a byte
 * that is not part of a valid UTF-8 sequence becomes U+FFFD), whatever a
 * daemon or a file put in a name or a message. */
#ifndef NV_UTIL_JSON_H
#define NV_UTIL_JSON_H

#include "util/buf.h"

/* Appends s as a JSON string, or null for NULL. */
void nv_json_str(nv_buf *b, const char *s);

#endif
