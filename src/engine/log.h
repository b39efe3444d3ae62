/* Step-by-step reporting on stderr (-v), in the form
 * "<type> <uuid>: <what happened>". */
#ifndef NV_ENGINE_LOG_H
#define NV_ENGINE_LOG_H

#include <stdint.h>

#include "xml/diff.h"

extern int nv_log_verbose;

void nv_log_obj(const char *kind, const uint8_t uuid[16], const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void nv_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Always shown: "nixvirt: warning: ..." (something went wrong that
 * changes no outcome). */
void nv_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* With -v: one line per difference. */
void nv_log_diff(const nv_xml_diff_list *d);

#endif
