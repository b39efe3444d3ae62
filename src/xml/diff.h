/* Readable, path-level differences between two definitions.
 *
 * Both trees are compared in canonical form (xml/canon.h) on private
 * copies, so the result is empty exactly when their canonical forms are
 * equal. Paths look like
 *     /domain/memory                              (text of an element)
 *     /domain/vcpu/@placement                     (an attribute)
 *     /domain/devices/interface[2]/mac/@address   ([n]: 1-based among
 *                                                  same-named siblings, shown
 *                                                  when there are several)
 * Indexes are positions in the documents (the after one, except for
 * removals). Children with the same name are paired by position; under an
 * element whose order does not count (the nv_xml_order passed, as in
 * xml/canon.h: for libvirt a domain's <devices>), identical devices are paired
 * first, then each changed device with the most similar one (equal
 * attributes on it and its first children: type, target, MAC, ...), so one
 * changed device shows as changes to that device. Entries come in the after
 * document's order, removals after their preceding sibling group.
 * To ignore parts of a definition (a pool's capacity, say), remove them
 * from both trees first with nv_xml_remove_paths (xml/path.h). */
#ifndef NV_XML_DIFF_H
#define NV_XML_DIFF_H

#include <stddef.h>

#include "util/buf.h"
#include "util/error.h"
#include "xml/canon.h"
#include "xml/doc.h"

enum nv_xml_diff_kind {
    NV_XML_DIFF_CHANGED,   /* a value differs: before and after are set */
    NV_XML_DIFF_ADDED,     /* only in after: before is NULL */
    NV_XML_DIFF_REMOVED,   /* only in before: after is NULL */
    NV_XML_DIFF_REORDERED, /* same children in another order: before and
                            * after list the children, e.g. "boot, loader" */
};

typedef struct nv_xml_diff_entry {
    enum nv_xml_diff_kind kind;
    char *path;
    /* Attribute value, element text, or for an added or removed element its
     * canonical XML. NULL means absent. */
    char *before;
    char *after;
} nv_xml_diff_entry;

typedef struct nv_xml_diff_list {
    nv_xml_diff_entry *v;
    size_t n;
    size_t cap;
} nv_xml_diff_list;

/* Fills out (which must be zero-initialised or freed) with the differences
 * from before to after. On error out may hold some entries: free it anyway. */
int nv_xml_diff(const nv_xml_node *before, const nv_xml_node *after, const nv_xml_order *o,
                nv_xml_diff_list *out, nv_err *e);
void nv_xml_diff_free(nv_xml_diff_list *d);

/* Appends one line, without newline, e.g.
 *     /domain/memory: 32768 → 49152
 *     /domain/vcpu/@placement: (absent) → static
 *     /domain/devices/disk[2]: <disk device="cdrom" ...> → (absent)
 *     /domain/os: order boot, loader → loader, boot
 * Values that are empty, have surrounding spaces or control characters are
 * quoted with C escapes; values longer than NV_XML_DIFF_SHOW bytes are cut
 * with "…". */
#define NV_XML_DIFF_SHOW 200
int nv_xml_diff_format(const nv_xml_diff_entry *d, nv_buf *out);

/* All entries, one line each, each ending in '\n'; malloc'd. */
char *nv_xml_diff_to_string(const nv_xml_diff_list *d, nv_err *e);

#endif
