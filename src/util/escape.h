/* Text from a peer made safe for a terminal and the journal: control
 * characters written as escapes, so a daemon cannot move the cursor, change
 * colours, rewrite the line (CR) or forge log lines (LF). */
#ifndef NV_UTIL_ESCAPE_H
#define NV_UTIL_ESCAPE_H

#include <stdarg.h>
#include <stddef.h>

/* Copies len bytes of s into out (n bytes, always NUL-terminated):
 * LF as newline (NULL: \n), CR and TAB as \r \t, other C0 controls, DEL and the UTF-8 encoded
 * C1 controls (U+0080..U+009F, e.g. the 8-bit CSI) as \xHH per byte.
 * Everything else, UTF-8 included, is kept. An escape is never cut in half.
 * Returns the length written. */
size_t nv_escape_ctrl(const char *s, size_t len, const char *newline, char *out, size_t n);

/* vsnprintf (of at most 1 KiB), then nv_escape_ctrl into out: for lines
 * whose arguments came from a peer. out wants 4 bytes per formatted byte. */
size_t nv_escape_vformat(char *out, size_t n, const char *newline, const char *fmt, va_list ap);

#endif
