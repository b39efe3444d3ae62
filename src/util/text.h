/* Is a file's content text? Every input file (keep list, manifest,
 * definitions, record) must be: a NUL byte would silently end a line or a
 * list early, and control or malformed bytes mean the wrong file was given. */
#ifndef NV_UTIL_TEXT_H
#define NV_UTIL_TEXT_H

#include <stddef.h>

#include "util/error.h"

/* 0 if data[0..len) is valid UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF) without control characters other than
 * tab, line feed and carriage return (C0, DEL and C1 are refused).
 * Otherwise an NV_ERR_INPUT "<file>:<line>: not text: <what>", -1. */
int nv_text_check(const char *file, const char *data, size_t len, nv_err *e);
/* The same for ISO-8859-1 (an XML file may declare it): every byte is a
 * character, and the same control characters are refused. */
int nv_text_check_latin1(const char *file, const char *data, size_t len, nv_err *e);

#endif
