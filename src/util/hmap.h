/* An index from keys to positions in the caller's own array, for duplicate
 * checks and lookups in linear time. The map keeps only (hash, position)
 * pairs; the caller compares keys through a callback, so one map type serves
 * UUIDs, names and (kind, UUID) pairs alike. Open addressing with linear
 * probing, at most half full; removal shifts the following entries back, so
 * there are no tombstones. Hashes are keyed (multiply-and-fold, hmap.c) with
 * secrets drawn once per process, so inputs cannot be crafted to collide. */
#ifndef NV_UTIL_HMAP_H
#define NV_UTIL_HMAP_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define NV_HMAP_NONE ((size_t)-1)

/* 8 bytes a slot: a map of 10,000 keys is 256 KiB, not 512. */
typedef struct nv_hmap_slot {
    uint32_t hash; /* the hash's low 32 bits (its low bits are the home slot) */
    uint32_t pos1; /* position + 1; 0: empty */
} nv_hmap_slot;

typedef struct nv_hmap {
    nv_hmap_slot *s;
    size_t mask; /* capacity - 1 (a power of two), 0 before the first put */
    size_t n;
} nv_hmap;

/* Key equality: does the key at position pos equal key? */
typedef int (*nv_hmap_eq)(const void *ctx, size_t pos, const void *key);

uint64_t nv_hash(const void *p, size_t n);
/* Draws the key now (else the first nv_hash does): before a second thread
 * hashes. */
void nv_hash_init(void);

/* The position of an entry with this hash whose key eq accepts, or NV_HMAP_NONE. */
size_t nv_hmap_find(const nv_hmap *m, uint64_t hash, nv_hmap_eq eq, const void *ctx, const void *key);
/* Adds (the caller has checked that the key is not there). Positions are
 * below NV_HMAP_MAX. */
#define NV_HMAP_MAX ((size_t)UINT32_MAX - 1)
int nv_hmap_put(nv_hmap *m, uint64_t hash, size_t pos, nv_err *e);
/* Makes room for n entries in all, at once: a map whose size is known is
 * not grown (and rehashed) step by step. */
int nv_hmap_reserve(nv_hmap *m, size_t n, nv_err *e);
/* Removes the entry for position pos (with that hash), if any. */
void nv_hmap_del(nv_hmap *m, uint64_t hash, size_t pos);
/* The entry for position from (with that hash) now points at to. */
void nv_hmap_move(nv_hmap *m, uint64_t hash, size_t from, size_t to);
void nv_hmap_free(nv_hmap *m);

#endif
