/* The canonical form of the last definition apply sent for each object,
 * kept next to the record, so that a dry run can show what a new
 * declaration changes (the daemon's XML would show libvirt's defaults and
 * expanded units as changes too).
 *
 * <record>.defs/<kind>-<uuid>.xml (directory 0700, files 0600: a
 * definition may hold a VNC password); each file is
 *     nixvirt-def 1 <sha256 of the definition sent, hex>\n
 *     <the definition in canonical form, device order kept>
 * A file is used only when its digest is the one in the record, so a stale
 * or torn file is never shown as the last definition: the plan says
 * "compare" instead. Files are replaced by rename without fsync (they only
 * serve the plan); definitions larger than NV_DEFSTORE_MAX are not kept. */
#ifndef NV_ENGINE_DEFSTORE_H
#define NV_ENGINE_DEFSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/record.h"
#include "engine/spec.h"
#include "util/error.h"
#include "xml/doc.h"

#define NV_DEFSTORE_MAX ((size_t)256 * 1024)

/* The directory for the record at record_path. */
int nv_defstore_dir(const char *record_path, char *out, size_t n, nv_err *e);

/* Whether a file for the object exists (whatever its digest). */
int nv_defstore_has(const char *dir, enum nv_kind kind, const uint8_t uuid[16]);

/* Keeps s (whose text has SHA-256 digest) as the object's last definition;
 * one too large removes the old file instead. */
int nv_defstore_save(const char *dir, enum nv_kind kind, const nv_spec *s, const uint8_t digest[32], nv_err *e);

/* The kept definition when its digest is `digest`; NULL when there is none
 * (or another, or an unreadable one: e says why, for -v). */
nv_xml_node *nv_defstore_load(const char *dir, enum nv_kind kind, const uint8_t uuid[16], const uint8_t digest[32],
                              nv_err *e);

/* Removes the files of objects the record no longer holds. */
int nv_defstore_prune(const char *dir, const nv_record *r, nv_err *e);

#endif
