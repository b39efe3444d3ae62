/* virtpurge's keep list: a text file naming one definition file per line
 * (surrounding blanks ignored, blank lines skipped but counted for the line
 * numbers). Every listed definition is read and checked; each error names
 * the definition and the list's line. The result is the set of kept UUIDs. */
#ifndef NV_ENGINE_KEEP_H
#define NV_ENGINE_KEEP_H

#include <stddef.h>
#include <stdint.h>

#include "engine/spec.h"
#include "util/errlist.h"
#include "util/hmap.h"

typedef struct nv_keep {
    uint8_t (*uuids)[16];
    size_t n, cap;
    nv_hmap set; /* over uuids: membership in constant time */
} nv_keep;

/* Reads the list (a regular text file) and every definition it names, of
 * the given kind. Errors go to errs; returns -1 if there were any. */
int nv_keep_load(const char *list, enum nv_spec_kind kind, nv_keep *k, nv_errlist *errs);
/* The same from memory (data[len] must be '\0'; data is modified). */
int nv_keep_parse(const char *list, char *data, size_t len, enum nv_spec_kind kind, nv_keep *k, nv_errlist *errs);
int nv_keep_has(const nv_keep *k, const uint8_t uuid[16]);
void nv_keep_free(nv_keep *k);

#endif
