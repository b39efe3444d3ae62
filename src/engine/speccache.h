/* What apply learned from reading each domain and network definition, kept
 * next to the record for the next run: a definition file whose bytes are
 * those an earlier run of this nixvirt version read and checked is not
 * parsed again. Its kind, UUID, name and the digest of the text it gives
 * come from here; the text itself is made (from the bytes, which are kept)
 * only when it is needed: a new object, a changed definition, drift.
 *
 * <record>.specs, a cache: missing, unreadable, of another version, not
 * kept by the state directory's rules or not whole (its digest) means
 * empty, never an error. Binary, bounded (NV_RECORD_MAX):
 *   "NVSPECS1", the version (32 bytes, NUL-padded), the count (u32 BE),
 *   SHA-256 of the entries, then per entry: SHA-256 of the file's bytes,
 *   kind (1), UUID (16), SHA-256 of the text to send, name length (u16 BE),
 *   name. */
#ifndef NV_ENGINE_SPECCACHE_H
#define NV_ENGINE_SPECCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/spec.h"
#include "util/hmap.h"

typedef struct nv_speccache_entry {
    uint8_t src[32];    /* digest of the file's bytes */
    uint8_t kind;       /* enum nv_spec_kind */
    uint8_t uuid[16];
    uint8_t digest[32]; /* of the text to send */
    char *name;
    int used;           /* by this run */
} nv_speccache_entry;

typedef struct nv_speccache {
    nv_speccache_entry *v;
    size_t n, cap;
    nv_hmap index;      /* (kind, src digest) -> position in v */
    int changed;        /* entries added this run: worth saving */
    const char *version; /* of the program: the entries of another are not used */
} nv_speccache;

/* The cache at path (its directory and the file pass the state
 * directory's rules, util/strict.h) written by this version, or an empty
 * one (version: the program's, kept, not copied). */
void nv_speccache_load(nv_speccache *c, const char *path, const char *version);
void nv_speccache_free(nv_speccache *c);

/* The entry for a file of that kind with those bytes, or NULL (not marked
used: threads may look up at the same time; nv_spec_cache_commit marks). */
nv_speccache_entry *nv_speccache_lookup(const nv_speccache *c, enum nv_spec_kind kind, const uint8_t src[32]);
/* Adds what reading a file with bytes digested to src gave (a spec with its
 * digest set); a failure only loses the entry. */
void nv_speccache_add(nv_speccache *c, const uint8_t src[32], const nv_spec *s);

/* Replaces the file with this run's entries when they differ from what
 * was loaded (nothing is written for a no-op). */
int nv_speccache_save(nv_speccache *c, const char *path, nv_err *e);

/* "<record minus .record>.specs" in out[n]. */
int nv_speccache_path(const char *record_path, char *out, size_t n, nv_err *e);

#endif
