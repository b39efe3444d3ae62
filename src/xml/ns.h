/* XML namespace scope, as the Nix converter needs it: which prefixes a
 * subtree uses, whether an element declares one, what a prefix is bound to
 * at an element. Prefixes are (pointer, length) slices of names in the
 * tree, so nothing is copied. */
#ifndef NV_XML_NS_H
#define NV_XML_NS_H

#include <stddef.h>

#include "xml/doc.h"

/* A set of prefixes, in first-use order; free with nv_xml_prefixes_free. */
typedef struct nv_xml_prefixes {
    const char **v;
    size_t *len;
    size_t n, cap;
    int dflt; /* an unprefixed element is used */
    int oom;  /* an addition failed: the set is incomplete */
} nv_xml_prefixes;

void nv_xml_prefixes_free(nv_xml_prefixes *p);
/* Adds the prefix of a qualified name (none: nothing; xml and xmlns are
 * predeclared and never added). */
void nv_xml_prefixes_add(nv_xml_prefixes *p, const char *name);
/* The prefixes used in el's subtree, by element and attribute names. */
void nv_xml_prefixes_used(const nv_xml_node *el, nv_xml_prefixes *p);

/* Whether an attribute name is a namespace declaration (xmlns, xmlns:p). */
int nv_xml_ns_is_decl(const char *attr);
/* Whether el itself declares prefix (NULL: the default namespace). */
int nv_xml_ns_declared_on(const nv_xml_node *el, const char *prefix, size_t plen);
/* The URI prefix (NULL: the default namespace) has at el: NULL for an
 * undeclared prefix, "" for no default namespace. */
const char *nv_xml_ns_lookup(const nv_xml_node *el, const char *prefix, size_t plen);

#endif
