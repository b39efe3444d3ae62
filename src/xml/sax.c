#include "xml/sax.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
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
    if (sx->p) /* NULL: a replay */
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

/* ---- the log ------------------------------------------------------------ */

static void put_u32(nv_buf *b, uint32_t v)
{
    unsigned char p[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
                          (unsigned char)v};
    nv_buf_put(b, p, 4);
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* lines beyond u32 do not fit a log: it is marked failed (not kept) */
static void put_line(nv_buf *b, unsigned long line)
{
    if (line > UINT32_MAX)
        b->failed = 1;
    put_u32(b, (uint32_t)line);
}

/* The hooks of a parse that only logs (ctx: the log). */
static void log_start(void *ctx, nv_xml_sax *sx, const char *name, const char **atts, unsigned long line)
{
    nv_buf *log = ctx;
    (void)sx;
    size_t n = 0;
    while (atts[2 * n])
        n++;
    nv_buf_put(log, "S", 1);
    put_line(log, line);
    if (n > 0xffff)
        log->failed = 1;
    unsigned char na[2] = {(unsigned char)(n >> 8), (unsigned char)n};
    nv_buf_put(log, na, 2);
    nv_buf_put(log, name, strlen(name) + 1);
    for (size_t i = 0; i < 2 * n; i++)
        nv_buf_put(log, atts[i], strlen(atts[i]) + 1);
}

static void log_text(void *ctx, nv_xml_sax *sx, const char *s, size_t len, unsigned long line)
{
    nv_buf *log = ctx;
    (void)sx;
    nv_buf_put(log, "T", 1);
    put_line(log, line);
    if (len > UINT32_MAX)
        log->failed = 1;
    put_u32(log, (uint32_t)len);
    nv_buf_put(log, s, len);
}

static void log_end(void *ctx, nv_xml_sax *sx, const char *name)
{
    (void)sx;
    (void)name;
    nv_buf_put(ctx, "E", 1);
}

int nv_xml_sax_log(const char *data, size_t len, const char *file, nv_buf *log, nv_err *e)
{
    const nv_xml_sax_hooks h = {.ctx = log, .start = log_start, .text = log_text, .end = log_end};
    return nv_xml_sax_parse(data, len, file, &h, e);
}

/* The length of the NUL-terminated string at log[at] with its NUL, or 0
 * when it does not end within the log. */
static size_t str_at(const unsigned char *log, size_t len, size_t at)
{
    const unsigned char *z = at < len ? memchr(log + at, '\0', len - at) : NULL;
    return z ? (size_t)(z - (log + at)) + 1 : 0;
}

int nv_xml_sax_log_valid(const unsigned char *log, size_t len)
{
    size_t at = 0;
    int depth = 0, roots = 0;
    while (at < len) {
        unsigned char ev = log[at++];
        if (ev == 'S') {
            if (len - at < 6 || depth >= NV_XML_MAX_DEPTH || (depth == 0 && roots++))
                return 0;
            size_t n = (size_t)log[at + 4] << 8 | log[at + 5];
            at += 6;
            for (size_t i = 0; i < 1 + 2 * n; i++) {
                size_t sl = str_at(log, len, at);
                if (!sl)
                    return 0;
                at += sl;
            }
            depth++;
        } else if (ev == 'T') {
            if (depth == 0 || len - at < 8)
                return 0;
            size_t tl = get_u32(log + at + 4);
            at += 8;
            if (len - at < tl)
                return 0;
            at += tl;
        } else if (ev == 'E') {
            if (depth == 0)
                return 0;
            depth--;
        } else {
            return 0;
        }
    }
    return depth == 0 && roots == 1;
}

int nv_xml_sax_replay(const unsigned char *log, size_t len, const char *file, const nv_xml_sax_hooks *h, nv_err *e)
{
    if (!file)
        file = "<input>";
    nv_xml_sax sx = {.h = h, .file = file, .e = e, .line = 1};
    const char *names[NV_XML_MAX_DEPTH]; /* each open element's, for its end */
    const char **atts = NULL;
    size_t atts_cap = 0, at = 0;
    while (at < len && !sx.failed) {
        unsigned char ev = log[at++];
        if (ev == 'S') {
            unsigned long line = get_u32(log + at);
            size_t n = (size_t)log[at + 4] << 8 | log[at + 5];
            at += 6;
            if (2 * n + 1 > atts_cap) {
                const char **na = realloc(atts, (2 * n + 1) * sizeof *na);
                if (!na) {
                    nv_xml_sax_oom(&sx);
                    break;
                }
                atts = na;
                atts_cap = 2 * n + 1;
            }
            const char *name = (const char *)log + at;
            at += strlen(name) + 1;
            for (size_t i = 0; i < 2 * n; i++) {
                atts[i] = (const char *)log + at;
                at += strlen(atts[i]) + 1;
            }
            atts[2 * n] = NULL;
            names[sx.depth++] = name;
            h->start(h->ctx, &sx, name, atts, line);
        } else if (ev == 'T') {
            unsigned long line = get_u32(log + at);
            size_t tl = get_u32(log + at + 4);
            at += 8;
            h->text(h->ctx, &sx, (const char *)log + at, tl, line);
            at += tl;
        } else {
            h->end(h->ctx, &sx, names[sx.depth - 1]);
            sx.depth--;
        }
    }
    free(atts);
    return sx.failed ? -1 : 0;
}
