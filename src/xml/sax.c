#include "xml/sax.h"

#include <stdio.h>

#include "xml/doc.h"
#include "xml/lines.h"
#include "xml/parser.h"

struct nv_xml_sax {
    XML_Parser p;
    const nv_xml_sax_hooks *h;
    const char *file;
    nv_err *e;
    int failed;         /* *e holds why; later events are ignored */
    int depth;
    int in_text;        /* a run of text is open (no tag since its first piece) */
    unsigned long text_line;
    const char *data;   /* the document, for line numbers: */
    size_t len;
    size_t line_off;    /*   the last counted event's offset */
    unsigned long line; /*   and its line */
};

int nv_xml_sax_depth(const nv_xml_sax *sx)
{
    return sx->depth;
}

/* The current event's line, counted on from the last counted one's (they
 * come in document order): expat's XML_GetCurrentLineNumber reads the
 * bytes in between one at a time, a third of a manifest's parsing. */
static unsigned long line_here(nv_xml_sax *sx)
{
    XML_Index at = XML_GetCurrentByteIndex(sx->p);
    size_t off = at < 0 ? 0 : (size_t)at;
    if (off < sx->line_off) { /* never, but then counted from the start */
        sx->line_off = 0;
        sx->line = 1;
    }
    sx->line += nv_xml_line_ends(sx->data, sx->len, sx->line_off, off);
    sx->line_off = off;
    return sx->line;
}

static void fail(nv_xml_sax *sx, const char *reason)
{
    if (sx->failed)
        return;
    sx->failed = 1;
    nv_err_set(sx->e, NV_ERR_INPUT, "%s:%lu: %s", sx->file, (unsigned long)XML_GetCurrentLineNumber(sx->p), reason);
    XML_StopParser(sx->p, XML_FALSE);
}

void nv_xml_sax_oom(nv_xml_sax *sx)
{
    if (sx->failed)
        return;
    sx->failed = 1;
    nv_err_set(sx->e, NV_ERR_SYSTEM, "%s: out of memory", sx->file);
    XML_StopParser(sx->p, XML_FALSE);
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    nv_xml_sax *sx = ud;
    if (sx->failed)
        return;
    if (sx->depth >= NV_XML_MAX_DEPTH) {
        char reason[64];
        snprintf(reason, sizeof reason, "elements nested deeper than %d levels", NV_XML_MAX_DEPTH);
        fail(sx, reason);
        return;
    }
    sx->in_text = 0;
    sx->depth++;
    sx->h->start(sx->h->ctx, sx, name, atts, line_here(sx));
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    nv_xml_sax *sx = ud;
    if (sx->failed)
        return;
    sx->in_text = 0;
    sx->h->end(sx->h->ctx, sx, name);
    sx->depth--;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    nv_xml_sax *sx = ud;
    if (sx->failed || sx->depth == 0 || len <= 0) /* nothing outside the root */
        return;
    if (!sx->in_text) {
        sx->in_text = 1;
        sx->text_line = line_here(sx);
    }
    sx->h->text(sx->h->ctx, sx, s, (size_t)len, sx->text_line);
}

/* libvirt documents never carry a DOCTYPE; refusing it keeps entity
 * declarations (and their expansion attacks) out of the bundled expat. */
static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
                               int has_internal_subset)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    fail(ud, "DOCTYPE declarations are not allowed");
}

int nv_xml_sax_parse(const char *data, size_t len, const char *file, const nv_xml_sax_hooks *h, nv_err *e)
{
    if (!file)
        file = "<input>";
    if (len > NV_XML_MAX_INPUT)
        return nv_err_set(e, NV_ERR_INPUT, "%s: document is larger than %zu bytes", file, NV_XML_MAX_INPUT);
    nv_xml_sax sx = {.h = h, .file = file, .e = e, .data = data, .len = len, .line = 1};
    if (!(sx.p = nv_xml_parser_take()))
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    XML_SetUserData(sx.p, &sx);
    XML_SetElementHandler(sx.p, on_start, on_end);
    XML_SetCharacterDataHandler(sx.p, on_text);
    XML_SetStartDoctypeDeclHandler(sx.p, on_doctype);
    enum XML_Status rc = XML_Parse(sx.p, data, (int)len, XML_TRUE);
    if (rc != XML_STATUS_OK && !sx.failed) {
        sx.failed = 1;
        nv_err_set(e, NV_ERR_INPUT, "%s:%lu: %s", file, (unsigned long)XML_GetCurrentLineNumber(sx.p),
                   XML_ErrorString(XML_GetErrorCode(sx.p)));
    }
    nv_xml_parser_give(sx.p, len);
    return sx.failed ? -1 : 0;
}
