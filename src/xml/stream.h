/* Parsing and writing in one pass: the text nv_xml_write gives for the
 * tree nv_xml_parse builds, made as expat reads the document, with no tree
 * in between. A definition read to be sent on (with a few additions, its
 * MAC addresses) costs a third of what building, writing and freeing the
 * tree did.
 *
 * Hooks see each element start (depth: the root is 1), the text of the
 * element open at the time, and each element end. A start hook may set one
 * attribute of that element (as nv_xml_set_attr would: its value replaced
 * in place, or the attribute added last); an end hook may add an empty
 * element, with one attribute, as its last child (as nv_xml_append would).
 * A hook gives up by returning -1.
 *
 * Only what succeeds is exact: when the document is not well-formed, is
 * refused as nv_xml_parse refuses it (DOCTYPE, depth, size), cannot be
 * written as nv_xml_write would refuse it, or a hook gives up, the result is
 * -1 and the caller asks nv_xml_parse and the tree for the exact error (or
 * for what the hooks could not do). */
#ifndef NV_XML_STREAM_H
#define NV_XML_STREAM_H

#include <stddef.h>

#include "util/buf.h"

typedef struct nv_xml_stream nv_xml_stream;

typedef struct nv_xml_stream_hooks {
    void *ctx;
    /* atts: name, value, ..., NULL (expat's order). *set_name and
     * *set_value start NULL; setting both sets that attribute. */
    int (*start)(void *ctx, nv_xml_stream *st, int depth, const char *name, const char **atts,
                 const char **set_name, const char **set_value);
    /* Text inside the element at depth (never outside the root). */
    int (*text)(void *ctx, int depth, const char *s, size_t len);
    int (*end)(void *ctx, nv_xml_stream *st, int depth, const char *name);
} nv_xml_stream_hooks;

/* Where the current element starts: its offset in the document's bytes
 * (nv_xml_line_at, xml/lines.h, turns it into a line; cheaper than the line itself when
 * few are ever needed). */
unsigned long nv_xml_stream_offset(nv_xml_stream *st);

/* From an end hook: writes <name attr="value"/> as the ending element's last
 * child. -1 when it cannot be written. */
int nv_xml_stream_add_empty(nv_xml_stream *st, const char *name, const char *attr, const char *value);

/* Parses len bytes of data and appends their text to out (at most
 * out->limit bytes). 0, or -1 (see above; out then holds junk). */
int nv_xml_stream_write(const char *data, size_t len, const nv_xml_stream_hooks *h, nv_buf *out);

#endif
