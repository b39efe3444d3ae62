/* The canonical form of the last definition apply sent for each object,
 * kept next to the record, so that a dry run can show what a new
 * declaration changes (the daemon's XML would show libvirt's defaults and
 * expanded units as changes too).
 *
 * <record>.defs/<kind>-<uuid>.xml (directory 0700, files 0600: a
 * definition may hold a VNC password); each file is
 *     nixvirt-def 1 <sha256 of the definition sent, hex>\n
 *     <the definition in canonical form, device order kept>
 * A file is used only when its digest is the one in the record and it
 * parses, so a stale or torn file is never shown as the last definition:
 * the plan says "compare" instead. That is why files are written in place,
 * without fsync or rename: a first apply of a thousand domains writes a
 * thousand of them, and they only serve the plan. Definitions larger than
 * NV_DEFSTORE_MAX are not kept. The directory follows the state
 * directory's rules (util/strict.h): a real directory, ours or root's, not
 * writable by others; it is checked once and then used through a
 * descriptor, the files opened relative to it with O_NOFOLLOW. */
#ifndef NV_ENGINE_DEFSTORE_H
#define NV_ENGINE_DEFSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/record.h"
#include "engine/spec.h"
#include "util/error.h"
#include "util/hmap.h"
#include "xml/doc.h"

#define NV_DEFSTORE_MAX ((size_t)256 * 1024)

/* A file the directory holds: kind and UUID from its name (kind -1: a
 * name that is not one of ours, to be pruned). */
typedef struct nv_defstore_file {
    int kind;
    int present, regular; /* there (as listed, saved or pruned); a regular file */
    uint8_t uuid[16];
    char *other; /* kind -1: the name */
} nv_defstore_file;

typedef struct nv_defstore {
    char dir[4400];
    int fd; /* the checked directory, or -1 until first needed */
    /* its files, read once (one readdir, not a stat per object), then
     * kept up to date by save and prune */
    int listed;
    nv_defstore_file *files;
    size_t nfiles, cap;
    nv_hmap index; /* (kind, UUID) -> position in files */
} nv_defstore;

/* The store for the record at record_path (nothing is opened yet). */
int nv_defstore_init(nv_defstore *ds, const char *record_path, nv_err *e);
void nv_defstore_close(nv_defstore *ds);

/* Whether a file for the object exists (whatever its digest), as the
 * directory was when first asked, with what this store saved and pruned
 * since (nobody else writes it while apply holds the record's lock). */
int nv_defstore_has(nv_defstore *ds, enum nv_kind kind, const uint8_t uuid[16]);

/* Keeps s (whose text has SHA-256 digest) as the object's last definition
 * (the directory is created if needed); one too large removes the old file
 * instead. */
int nv_defstore_save(nv_defstore *ds, enum nv_kind kind, const nv_spec *s, const uint8_t digest[32], nv_err *e);

/* The kept definition when its digest is `digest`; NULL when there is none
 * (or another, or an unreadable one: e says why). */
nv_xml_node *nv_defstore_load(nv_defstore *ds, enum nv_kind kind, const uint8_t uuid[16], const uint8_t digest[32],
                              nv_err *e);

/* Removes the files of objects the record no longer holds. */
int nv_defstore_prune(nv_defstore *ds, const nv_record *r, nv_err *e);

#endif
