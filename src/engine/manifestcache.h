/* The manifest's parse, kept next to the record for the next run: a
 * manifest whose bytes are those an earlier run of this nixvirt version
 * read without a problem is not parsed again; the events expat gave then
 * (xml/sax.h's log) go through the same checks again instead, so the
 * outcome is the same by construction (the definitions are read as
 * always). An unchanged manifest is the common case (every activation),
 * and expat was a third of a no-op apply's own work.
 *
 * <record minus .record>.manifest, a cache: missing, unreadable, of
 * another version, not kept by the state directory's rules or not whole
 * (its digest) means a miss, never an error. Binary, bounded by
 * NV_MANIFESTCACHE_MAX:
 *   "NVMANEV1", the version (32 bytes, NUL-padded), SHA-256 of the
 *   manifest's bytes, SHA-256 of the log, the log. */
#ifndef NV_ENGINE_MANIFESTCACHE_H
#define NV_ENGINE_MANIFESTCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "xml/doc.h"

/* A log holds about what the manifest's XML does (at most NV_XML_MAX_INPUT). */
#define NV_MANIFESTCACHE_MAX (2 * NV_XML_MAX_INPUT + 4096)

typedef struct nv_manifestcache {
    const char *version;     /* of the program: another's file is a miss */
    unsigned char *file;     /* loaded, whole and valid: */
    const unsigned char *log; /*   the events (in file) */
    size_t log_len;
    uint8_t of[32];          /*   of the manifest with these bytes */
    char *bytes;             /* a manifest parsed this run without a problem, */
    size_t bytes_len;        /*   to be kept by nv_manifestcache_save */
} nv_manifestcache;

/* The cache at path (its directory and the file pass the state
 * directory's rules, util/strict.h) written by this version, or an empty
 * one (version: the program's, kept, not copied). */
void nv_manifestcache_load(nv_manifestcache *c, const char *path, const char *version);
void nv_manifestcache_free(nv_manifestcache *c);

/* The kept log when it is that of a manifest with these bytes, else NULL. */
const unsigned char *nv_manifestcache_find(const nv_manifestcache *c, const char *data, size_t len,
                                           size_t *log_len);
/* Frees the kept log (once replayed, or another manifest's). */
void nv_manifestcache_drop(nv_manifestcache *c);

/* Takes the bytes (malloc'd) of a manifest parsed without a problem: the
 * save keeps their events. Nothing is logged while a run parses, so a run
 * that ends before the save (an invalid definition, no daemon) pays
 * nothing for the cache. */
void nv_manifestcache_take(nv_manifestcache *c, char *data, size_t len);

/* Writes the taken manifest's events (parsed again, for them alone) with
 * the digest of its bytes; nothing when none was taken (a run that found
 * its manifest kept). */
int nv_manifestcache_save(nv_manifestcache *c, const char *path, nv_err *e);

/* "<record minus .record>.manifest" in out[n]. */
int nv_manifestcache_path(const char *record_path, char *out, size_t n, nv_err *e);

#endif
