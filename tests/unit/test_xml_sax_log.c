/* xml/sax's log: replaying what a parse logged gives the hooks exactly what
 * the parse did (names, attributes, text pieces, lines, depths, in order);
 * a log that is not a whole document's events is refused before anything
 * is delivered; a hook's out of memory stops a replay as it stops a parse. */
#include "check.h"
#include "util/buf.h"
#include "xml/doc.h"
#include "xml/sax.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What hooks saw, as text: one line per event. */
typedef struct transcript {
    nv_buf out;
    int oom_at; /* the start event that calls nv_xml_sax_oom (0: none) */
    int starts;
} transcript;

static void t_start(void *ctx, nv_xml_sax *sx, const char *name, const char **atts, unsigned long line)
{
    transcript *t = ctx;
    nv_buf_printf(&t->out, "S %s d%d l%lu", name, nv_xml_sax_depth(sx), line);
    for (size_t i = 0; atts[i]; i += 2)
        nv_buf_printf(&t->out, " %s=[%s]", atts[i], atts[i + 1]);
    nv_buf_append_str(&t->out, "\n");
    if (++t->starts == t->oom_at)
        nv_xml_sax_oom(sx);
}

static void t_text(void *ctx, nv_xml_sax *sx, const char *s, size_t len, unsigned long line)
{
    transcript *t = ctx;
    nv_buf_printf(&t->out, "T d%d l%lu [%.*s]\n", nv_xml_sax_depth(sx), line, (int)len, s);
}

static void t_end(void *ctx, nv_xml_sax *sx, const char *name)
{
    transcript *t = ctx;
    nv_buf_printf(&t->out, "E %s d%d\n", name, nv_xml_sax_depth(sx));
}

static const char *const docs[] = {
    "<a/>",
    "<nixvirt version=\"1\">\n  <domains purge='managed'>\n    <domain definition=\"/x/d.xml\" "
    "active='true' restart=\"never\"/>\n  </domains>\n</nixvirt>\n",
    "<?xml version='1.0' encoding='UTF-8'?>\n<!-- c -->\n<r a='1' b='&amp;&lt;&#x20AC;'>text &amp; more\n"
    "<![CDATA[ <raw> ]]>\n<e>\n\n  deep <f g=''/> tail</e>\r\n\xc3\xa9t\xc3\xa9<!-- x --><?pi y?></r>",
    "<r>\n<a><b><c><d>x</d></c></b></a>\n<a2\n   x=\"1\"\n   y=\"2\"/>\n</r>",
};

TEST(sax_log_replay_delivers_what_the_parse_did)
{
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
        transcript parsed = {0}, replayed = {0};
        nv_buf_init(&parsed.out, 0);
        nv_buf_init(&replayed.out, 0);
        nv_buf log;
        nv_buf_init(&log, 0);
        nv_err e;
        nv_err_clear(&e);
        nv_xml_sax_hooks h = {.ctx = &parsed, .start = t_start, .text = t_text, .end = t_end};
        CHECK_INT(nv_xml_sax_parse(docs[i], strlen(docs[i]), "doc", &h, &e), 0);
        CHECK_INT(nv_xml_sax_log(docs[i], strlen(docs[i]), "doc", &log, &e), 0);
        CHECK(!log.failed && log.len > 0);
        CHECK(nv_xml_sax_log_valid(log.data, log.len));
        h.ctx = &replayed;
        CHECK_INT(nv_xml_sax_replay(log.data, log.len, "doc", &h, &e), 0);
        CHECK_STR(nv_buf_cstr(&replayed.out), nv_buf_cstr(&parsed.out));
        nv_buf_free(&parsed.out);
        nv_buf_free(&replayed.out);
        nv_buf_free(&log);
    }
}

static int logged(const char *doc, nv_buf *log)
{
    nv_buf_init(log, 0);
    nv_err e;
    return nv_xml_sax_log(doc, strlen(doc), "doc", log, &e);
}

TEST(sax_log_not_whole_is_refused)
{
    nv_buf log;
    CHECK_INT(logged(docs[2], &log), 0);
    /* every proper prefix: cut strings, texts, unclosed elements */
    for (size_t n = 0; n < log.len; n++)
        CHECK(!nv_xml_sax_log_valid(log.data, n));
    CHECK(nv_xml_sax_log_valid(log.data, log.len));
    /* an unknown event, an attribute count beyond what is there */
    unsigned char *d = malloc(log.len + 16);
    CHECK(d != NULL);
    if (d) {
        memcpy(d, log.data, log.len);
        d[0] = 'X';
        CHECK(!nv_xml_sax_log_valid(d, log.len));
        memcpy(d, log.data, log.len);
        d[6] = 0xff; /* the root's attribute count, high byte */
        CHECK(!nv_xml_sax_log_valid(d, log.len));
        /* a second root; an end more */
        memcpy(d, log.data, log.len);
        memcpy(d + log.len, "S\0\0\0\1\0\0z\0E", 10);
        CHECK(!nv_xml_sax_log_valid(d, log.len + 10));
        memcpy(d + log.len, "E", 1);
        CHECK(!nv_xml_sax_log_valid(d, log.len + 1));
        /* text outside the root */
        memcpy(d + log.len, "T\0\0\0\1\0\0\0\1x", 10);
        CHECK(!nv_xml_sax_log_valid(d, log.len + 10));
        free(d);
    }
    nv_buf_free(&log);
    /* nested deeper than a parse allows */
    nv_buf deep;
    nv_buf_init(&deep, 0);
    for (int i = 0; i <= NV_XML_MAX_DEPTH; i++)
        nv_buf_append(&deep, "S\0\0\0\1\0\0a", 9); /* with the name's NUL */
    for (int i = 0; i <= NV_XML_MAX_DEPTH; i++)
        nv_buf_append(&deep, "E", 1);
    CHECK(!nv_xml_sax_log_valid(deep.data, deep.len));
    nv_buf_truncate(&deep, 9 * NV_XML_MAX_DEPTH);
    for (int i = 0; i < NV_XML_MAX_DEPTH; i++)
        nv_buf_append(&deep, "E", 1);
    CHECK(nv_xml_sax_log_valid(deep.data, deep.len));
    nv_buf_free(&deep);
}

TEST(sax_log_replay_stops_at_a_hooks_out_of_memory)
{
    nv_buf log;
    CHECK_INT(logged(docs[3], &log), 0);
    transcript t = {.oom_at = 2};
    nv_buf_init(&t.out, 0);
    nv_err e;
    nv_err_clear(&e);
    nv_xml_sax_hooks h = {.ctx = &t, .start = t_start, .text = t_text, .end = t_end};
    CHECK_INT(nv_xml_sax_replay(log.data, log.len, "doc", &h, &e), -1);
    CHECK_STR(e.msg, "doc: out of memory");
    CHECK(strstr(nv_buf_cstr(&t.out), "S a d2") != NULL && strstr(nv_buf_cstr(&t.out), "S b") == NULL);
    nv_buf_free(&t.out);
    nv_buf_free(&log);
}
