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

/* A log of the events a parse delivers, to deliver them again without
 * parsing (engine/manifestcache.h keeps the manifest's): the same hooks
 * see the same starts, texts and ends with the same lines and depths.
 * Binary, in log order:
 *   'S' line (u32 BE) attributes (u16 BE) name NUL (attribute NUL value NUL)...
 *   'T' line (u32 BE) length (u32 BE) the text
 *   'E'
 * nv_xml_sax_log parses as nv_xml_sax_parse and appends each event to log
 * (log->failed: not all of it is there). */
struct nv_buf;
int nv_xml_sax_log(const char *data, size_t len, const char *file, struct nv_buf *log, nv_err *e);
/* 1 when log is a whole document's events (well nested, one root, within
 * NV_XML_MAX_DEPTH, every string within it): then nv_xml_sax_replay
 * cannot fail but for a hook's out of memory. */
int nv_xml_sax_log_valid(const unsigned char *log, size_t len);
/* Delivers a valid log's events. 0, or -1 with a hook's out of memory. */
int nv_xml_sax_replay(const unsigned char *log, size_t len, const char *file, const nv_xml_sax_hooks *h, nv_err *e);

#endif
