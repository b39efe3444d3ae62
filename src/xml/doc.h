/* An XML document as a small tree, parsed with expat.
 *
 * Elements keep their tag exactly as written ("qemu:commandline"; no
 * namespace processing, xmlns attributes stay ordinary attributes), their
 * attributes in document order and their children in order, text included,
 * so writing the tree back loses nothing libvirt cares about. Comments,
 * processing instructions and the XML declaration are dropped. Adjacent
 * character data (including CDATA sections) becomes one text node. */
#ifndef NV_XML_DOC_H
#define NV_XML_DOC_H

#include <stddef.h>

#include "util/error.h"

#define NV_XML_MAX_INPUT ((size_t)4 * 1024 * 1024) /* largest document parsed */
#define NV_XML_MAX_DEPTH 256                        /* deepest element nesting */

enum nv_xml_type {
    NV_XML_ELEMENT,
    NV_XML_TEXT,
};

typedef struct nv_xml_attribute {
    char *name;
    char *value;
} nv_xml_attribute;

typedef struct nv_xml_node {
    enum nv_xml_type type;
    char *name;          /* element: tag as written; text node: NULL */
    char *text;          /* text node: UTF-8 characters; element: NULL */
    nv_xml_attribute *attrs;  /* element attributes in order */
    size_t nattrs;
    struct nv_xml_node *parent;
    struct nv_xml_node *first, *last; /* children */
    struct nv_xml_node *prev, *next;  /* siblings */
    unsigned long line;  /* line of the start tag (text: where it begins); 0 if built */
} nv_xml_node;

/* Parses len bytes into a tree and returns its root element. `file` names
 * the input in messages: "<file>:<line>: <reason>" (NV_ERR_INPUT). Documents
 * with a DOCTYPE, larger than NV_XML_MAX_INPUT or nested deeper than
 * NV_XML_MAX_DEPTH are refused. */
nv_xml_node *nv_xml_parse(const char *data, size_t len, const char *file, nv_err *e);
/* Reads and parses a file (bounded by NV_XML_MAX_INPUT). */
nv_xml_node *nv_xml_parse_file(const char *path, nv_err *e);
/* Its first half: the file's bytes (malloc'd, NUL-terminated, *len of
 * them), read and checked to be text in the encoding it declares. */
char *nv_xml_read_file(const char *path, size_t *len, nv_err *e);
/* That check alone, on bytes read from path. */
int nv_xml_check_text(const char *path, const char *data, size_t len, nv_err *e);

/* Frees n and everything below it, unlinking it from its parent first.
 * NULL is allowed. */
void nv_xml_free(nv_xml_node *n);
/* Frees what the calling thread keeps for its next document (a thread
 * other than main calls it before it ends). */
void nv_xml_thread_done(void);

/* Building and changing trees. New nodes are unlinked. */
nv_xml_node *nv_xml_new_element(const char *name, nv_err *e);
nv_xml_node *nv_xml_new_text(const char *text, nv_err *e);
void nv_xml_append(nv_xml_node *parent, nv_xml_node *child);
void nv_xml_insert_before(nv_xml_node *parent, nv_xml_node *child, nv_xml_node *before);
void nv_xml_unlink(nv_xml_node *n);
/* Replaces the value of an existing attribute or appends a new one. */
int nv_xml_set_attr(nv_xml_node *el, const char *name, const char *value, nv_err *e);
/* Returns 1 if the attribute was there and is now gone, else 0. */
int nv_xml_remove_attr(nv_xml_node *el, const char *name);
/* Deep copy (line numbers included); the copy has no parent. */
nv_xml_node *nv_xml_clone(const nv_xml_node *n, nv_err *e);

/* Exact structural equality: names, attributes in order, children in order,
 * text byte for byte. Line numbers are ignored. */
int nv_xml_equal(const nv_xml_node *a, const nv_xml_node *b);

/* Lookups. `name` NULL matches any element. Text nodes are skipped. */
nv_xml_node *nv_xml_child(const nv_xml_node *el, const char *name);
/* Next element sibling after n with the given name. Iterate with
 *   for (c = nv_xml_child(el, "disk"); c; c = nv_xml_next(c, "disk")) */
nv_xml_node *nv_xml_next(const nv_xml_node *n, const char *name);
/* Attribute value or NULL when absent. */
const char *nv_xml_attr(const nv_xml_node *el, const char *name);
/* Text content of an element without element children ("" when empty);
 * NULL when it has element children. */
const char *nv_xml_text(const nv_xml_node *el);
/* Number of element children with the given name (NULL: all). */
size_t nv_xml_count(const nv_xml_node *el, const char *name);
/* Root of the tree n belongs to. */
nv_xml_node *nv_xml_root(const nv_xml_node *n);

#endif
