/* What `nixvirt apply` declared on a connection, kept between runs: for the
 * "managed" purge (only remove what we made) and for the no-op fast path
 * (digests of the definition sent and of the daemon's XML right after).
 *
 * One text file per connection URI, replaced atomically:
 *   nixvirt-record 1
 *   uri <uri>
 *   <kind> <uuid> <sha256 of definition | -> <sha256 of daemon inactive XML | ->
 *
 * A line is at most ~175 bytes, so the file has its own bound,
 * NV_RECORD_MAX (64 MiB, ~380,000 objects): more than a daemon lists (16,384
 * per kind) or a manifest of at most 4 MiB declares (~170,000), where the
 * 4 MiB of other inputs would end at ~24,000 objects. */
#ifndef NV_ENGINE_RECORD_H
#define NV_ENGINE_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/error.h"
#include "util/hmap.h"
#include "virt/object.h"

typedef struct nv_record_entry {
    enum nv_kind kind;
    uint8_t uuid[16];
    int has_digests;
    uint8_t def_digest[32];
    uint8_t xml_digest[32];
} nv_record_entry;

#define NV_RECORD_MAX ((size_t)64 * 1024 * 1024)

/* Which file nv_record_load read (its lstat), to see later that it is
 * still the one: the record is replaced by rename, never in place. */
typedef struct nv_record_file {
    int known, missing;
    uint64_t dev, ino, size;
    int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
} nv_record_file;

typedef struct nv_record {
    nv_record_entry *v;
    size_t n, cap;
    nv_hmap index;        /* (kind, UUID) -> position in v */
    unsigned long changes; /* puts and removes that changed an entry since loaded or synced */
    int stored;           /* the file holds this record as it was at changes == 0 */
    nv_record_file file;  /* set by nv_record_load */
} nv_record;

/* The record file for uri: in state_dir if given, else /var/lib/nixvirt
 * (system connections) or $XDG_STATE_HOME/nixvirt (~/.local/state/nixvirt)
 * for session ones. The name is readable and unique per URI. */
int nv_record_path(const char *state_dir, const char *uri, int session, char *out, size_t n, nv_err *e);
/* The path of a file kept beside the record: "<record_path minus .record><ext>"
 * in out[n] (ext: ".specs", ".manifest", ".defs"). */
int nv_record_beside(const char *record_path, const char *ext, char *out, size_t n, nv_err *e);

/* Serialises applies on one connection, from loading the record to saving
 * it, so that two runs cannot lose each other's entries: an exclusive flock
 * on "<path>.lock" (created with its directory). A run that has to wait says
 * so on stderr, then blocks. (A dry run needs none: the record is replaced
 * atomically, so it always reads a whole one.) Returns a descriptor for
 * nv_record_unlock, or -1 on error. */
int nv_record_lock(const char *path, nv_err *e);
void nv_record_unlock(int fd);

/* A missing file is an empty record; a corrupt one is an error. */
int nv_record_load(const char *path, nv_record *r, nv_err *e);
/* 1 when path is still the file r was loaded from (or still missing), so a
 * record read without the lock can be used once it is taken. */
int nv_record_still(const char *path, const nv_record *r);
/* The parsing and the text of the file, for nv_record_load / _save (and a
 * fuzz target): path names the input in messages; data[len] must be '\0'
 * (data is modified). */
int nv_record_parse(const char *path, char *data, size_t len, nv_record *r, nv_err *e);
void nv_record_format(const char *uri, const nv_record *r, nv_buf *out);
/* Creates the directory if needed and replaces the file atomically. */
int nv_record_save(const char *path, const char *uri, const nv_record *r, nv_err *e);
/* nv_record_save unless the file already holds r (loaded from it or synced,
 * and nothing changed since): a no-op apply neither reads nor writes it
 * again. */
int nv_record_sync(const char *path, const char *uri, nv_record *r, nv_err *e);
void nv_record_free(nv_record *r);

/* Saving while an apply runs, so that a run cut short (kill -9, power loss)
 * leaves a record naming what it did: nv_record_save_soon saves when at
 * least NV_RECORD_SAVE_INTERVAL_MS passed since the last save of this saver
 * (bounding the cost for many quick objects), nv_record_save_now at once;
 * both through nv_record_sync, so a record that did not change is not
 * saved again. A failure is kept in err (the first one) and returned. */
#define NV_RECORD_SAVE_INTERVAL_MS 100
typedef struct nv_record_saver {
    const char *path, *uri;
    long long last_ms; /* CLOCK_MONOTONIC of the last save, 0 for never */
    int failed;
    nv_err err;
} nv_record_saver;
int nv_record_save_now(nv_record_saver *s, nv_record *r);
int nv_record_save_soon(nv_record_saver *s, nv_record *r);

/* Lookups, additions and removals take constant time (a hash index). */
nv_record_entry *nv_record_find(const nv_record *r, enum nv_kind kind, const uint8_t uuid[16]);
/* Removes en (from nv_record_find); the last entry takes its place. */
void nv_record_remove(nv_record *r, nv_record_entry *en);
/* Adds or replaces; digests may be NULL (unknown). Counts as a change only
 * when the entry is new or its digests differ. */
int nv_record_put(nv_record *r, enum nv_kind kind, const uint8_t uuid[16], const uint8_t *def_digest,
                  const uint8_t *xml_digest, nv_err *e);

#endif
