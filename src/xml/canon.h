/* Canonical form of a definition, for change detection.
 *
 * libvirt re-indents what it returns and may regroup devices, so the
 * canonical form ignores exactly that:
 *   - text nodes made only of whitespace (space, tab, CR, LF) are dropped:
 *     between elements they are indentation, and a leaf holding only
 *     whitespace is treated as empty;
 *   - every other text is kept byte for byte (names, paths, descriptions
 *     are data, and libvirt keeps them verbatim); adjacent text nodes are
 *     merged;
 *   - attributes are sorted by name;
 *   - the children of the elements an nv_xml_order names unordered are
 *     sorted by name, then by their canonical text; all other children keep
 *     their order.
 * The canonical text is the tree written with nv_xml_write. Which order
 * carries no meaning is the caller's knowledge (libvirt's rule, a domain's
 * <devices>, lives in the engine: engine/compare.h), not this module's. */
#ifndef NV_XML_CANON_H
#define NV_XML_CANON_H

#include "util/error.h"
#include "xml/doc.h"

/* Elements whose children carry no order: the root's children named in
 * root_children (a NULL-terminated list). A NULL nv_xml_order, or a NULL
 * list, keeps every order. */
typedef struct nv_xml_order {
    const char *const *root_children;
} nv_xml_order;

/* Rewrites the tree under root into canonical form, in place. */
int nv_xml_canon(nv_xml_node *root, const nv_xml_order *o, nv_err *e);

/* nv_xml_canon without sorting unordered children: the diff pairs those
 * itself and so can report their positions in the document. */
int nv_xml_canon_keep_order(nv_xml_node *root, nv_err *e);

/* Canonical text of n (n itself is left untouched); malloc'd. */
char *nv_xml_canon_string(const nv_xml_node *n, const nv_xml_order *o, nv_err *e);

/* 1 when a and b have the same canonical form, 0 when not, -1 on error. */
int nv_xml_canon_equal(const nv_xml_node *a, const nv_xml_node *b, const nv_xml_order *o, nv_err *e);

/* Whether the order of el's children carries no meaning under o; the diff
 * pairs such children by content. */
int nv_xml_canon_unordered(const nv_xml_order *o, const nv_xml_node *el);

#endif
