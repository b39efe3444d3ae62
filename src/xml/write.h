/* Serialising a tree back to XML text: no declaration, no added
 * indentation (the tree's own text nodes carry the layout), attributes in
 * double quotes. Characters XML 1.0 cannot carry (controls other than tab,
 * newline and carriage return) make the write fail rather than produce a
 * document the daemon would reject. */
#ifndef NV_XML_WRITE_H
#define NV_XML_WRITE_H

#include <stddef.h>

#include "util/buf.h"
#include "util/error.h"
#include "xml/doc.h"

/* Appends the XML text of n (an element with its subtree, or a text node). */
int nv_xml_write(const nv_xml_node *n, nv_buf *out, nv_err *e);

/* Appends n bytes of s escaped as nv_xml_write escapes text (in_attr 0) or
 * attribute values (1): -1 for a control character XML cannot carry. */
int nv_xml_write_escaped(nv_buf *out, const char *s, size_t n, int in_attr, nv_err *e);

/* The XML text of n as a malloc'd NUL-terminated string (at most
 * NV_BUF_DEFAULT_LIMIT bytes); *len, if not NULL, gets its length. */
char *nv_xml_to_string(const nv_xml_node *n, size_t *len, nv_err *e);

#endif
