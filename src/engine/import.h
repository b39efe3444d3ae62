/* nixvirt import: a whole host's persistent domains, networks and pools
 * (with their volumes) as one Nix expression for the modules,
 *
 *   nixvirt: { networks = [ ... ]; pools = [ ... ]; domains = [ ... ]; }
 *
 * each entry { definition = nixvirt.<kind>.writeXML { ... }; active = ...; }
 * built from the object's inactive XML by xml/tonix, sorted by name. What the
 * daemon reports but a definition does not declare (a pool's capacity,
 * allocation and available; a volume's key, allocation, physical size,
 * timestamps and paths) is left out, so applying the result changes
 * nothing. */
#ifndef NV_ENGINE_IMPORT_H
#define NV_ENGINE_IMPORT_H

#include "virt/conn.h"
#include "util/buf.h"
#include "util/errlist.h"
#include "util/error.h"

typedef struct nv_import_opts {
    unsigned kinds; /* bit (1 << enum nv_kind) per kind to import */
    int lenient;    /* keep XML the schema does not know (xml/tonix LENIENT) */
    const char *uri; /* named in the header comment */
} nv_import_opts;

/* Appends the expression to out. Transient objects (no definition to
 * import) are skipped with a line in warnings, as are lenient conversions. */
int nv_import(nv_conn *c, const nv_import_opts *o, nv_buf *out, nv_errlist *warnings, nv_err *e);

#endif
