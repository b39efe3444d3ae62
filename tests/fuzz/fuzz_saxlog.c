/* libFuzzer target for xml/sax's event log (what <record>.manifest keeps).
 * Each input is used two ways:
 * 1. as a document: parsed, and logged; when it parses, the log must be
 *    valid and its replay must give the hooks exactly what the parse gave;
 * 2. as a log: when nv_xml_sax_log_valid accepts it, the replay must
 *    deliver it whole (well nested, never failing) without reading outside
 *    it (ASan). Build and run: see tests/fuzz/README.md. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "xml/sax.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct seen {
    nv_buf out;
    int depth; /* the replay's own count, checked against the sax's */
    int bad;
} seen;

static void s_start(void *ctx, nv_xml_sax *sx, const char *name, const char **atts, unsigned long line)
{
    seen *s = ctx;
    if (nv_xml_sax_depth(sx) != ++s->depth)
        s->bad = 1;
    nv_buf_printf(&s->out, "S%s:%lu", name, line);
    for (size_t i = 0; atts[i]; i += 2)
        nv_buf_printf(&s->out, " %s=%s", atts[i], atts[i + 1]);
    nv_buf_append(&s->out, "\n", 1);
}

static void s_text(void *ctx, nv_xml_sax *sx, const char *t, size_t len, unsigned long line)
{
    seen *s = ctx;
    if (nv_xml_sax_depth(sx) != s->depth || s->depth == 0)
        s->bad = 1;
    nv_buf_printf(&s->out, "T%d:%lu:", nv_xml_sax_depth(sx), line);
    nv_buf_append(&s->out, t, len);
    nv_buf_append(&s->out, "\n", 1);
}

static void s_end(void *ctx, nv_xml_sax *sx, const char *name)
{
    seen *s = ctx;
    if (nv_xml_sax_depth(sx) != s->depth-- || s->depth < 0)
        s->bad = 1;
    nv_buf_printf(&s->out, "E%s\n", name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nv_err e;
    nv_err_clear(&e);
    /* 1. a document */
    seen parsed = {0}, replayed = {0};
    nv_buf_init(&parsed.out, 0);
    nv_buf_init(&replayed.out, 0);
    nv_buf log;
    nv_buf_init(&log, 0);
    nv_xml_sax_hooks h = {.ctx = &parsed, .start = s_start, .text = s_text, .end = s_end};
    if (nv_xml_sax_parse((const char *)data, size, "f.xml", &h, &e) == 0 &&
        nv_xml_sax_log((const char *)data, size, "f.xml", &log, &e) == 0 && !log.failed) {
        if (!nv_xml_sax_log_valid(log.data, log.len))
            abort();
        h.ctx = &replayed;
        if (nv_xml_sax_replay(log.data, log.len, "f.xml", &h, &e) != 0 || replayed.bad || parsed.bad ||
            replayed.out.len != parsed.out.len || memcmp(replayed.out.data, parsed.out.data, parsed.out.len) != 0)
            abort();
    }
    nv_buf_free(&parsed.out);
    nv_buf_free(&replayed.out);
    nv_buf_free(&log);
    /* 2. a log */
    if (nv_xml_sax_log_valid(data, size)) {
        seen r = {0};
        nv_buf_init(&r.out, 0);
        h.ctx = &r;
        if (nv_xml_sax_replay(data, size, "f.xml", &h, &e) != 0 || r.bad || r.depth != 0)
            abort();
        nv_buf_free(&r.out);
    }
    return 0;
}
