/* A document's events as expat reads it, with nv_xml_parse's rules and
 * messages: the tree (xml/doc.c) is built from them, and a reader that
 * needs no tree (the manifest) takes them as they come.
 *
 * Hooks see each element's start (its attributes as expat gives them:
 * name, value, ..., NULL; its line), the character data inside the root
 * (in pieces; line: where the run of text the piece belongs to begins, the
 * line nv_xml_parse gives its text node) and each element's end. Documents
 * with a DOCTYPE, larger than NV_XML_MAX_INPUT or nested deeper than
 * NV_XML_MAX_DEPTH are refused; a hook stops the parse with
 * nv_xml_sax_oom. */
#ifndef NV_XML_SAX_H
#define NV_XML_SAX_H

#include <stddef.h>

#include "util/error.h"

typedef struct nv_xml_sax nv_xml_sax;

typedef struct nv_xml_sax_hooks {
    void *ctx;
    void (*start)(void *ctx, nv_xml_sax *sx, const char *name, const char **atts, unsigned long line);
    void (*text)(void *ctx, nv_xml_sax *sx, const char *s, size_t len, unsigned long line);
    void (*end)(void *ctx, nv_xml_sax *sx, const char *name);
} nv_xml_sax_hooks;

/* The depth of the element open now (the root's start and end: 1). */
int nv_xml_sax_depth(const nv_xml_sax *sx);

/* From a hook: the parse ends with "<file>: out of memory" (NV_ERR_SYSTEM). */
void nv_xml_sax_oom(nv_xml_sax *sx);

/* Parses len bytes of data. 0, or -1 with "<file>:<line>: <reason>" in e
 * (NV_ERR_INPUT), or a hook's out of memory; the events delivered before
 * stay delivered. */
int nv_xml_sax_parse(const char *data, size_t len, const char *file, const nv_xml_sax_hooks *h, nv_err *e);

#endif
