#include "xml/stream.h"

#include <string.h>

#include "xml/doc.h"
#include "xml/parser.h"
#include "xml/write.h"

struct nv_xml_stream {
    XML_Parser p;
    const nv_xml_stream_hooks *h;
    nv_buf *out;
    int depth;
    int open;   /* a start tag is written up to its attributes: '>' or '/>' to come */
    int failed;
};

static void give_up(nv_xml_stream *st)
{
    if (!st->failed) {
        st->failed = 1;
        XML_StopParser(st->p, XML_FALSE);
    }
}

/* The pending start tag gets its '>': the element has content. */
static void close_tag(nv_xml_stream *st)
{
    if (st->open) {
        nv_buf_put(st->out, ">", 1);
        st->open = 0;
    }
}

static int put_attr(nv_xml_stream *st, const char *name, const char *value)
{
    nv_err e;
    nv_buf_put(st->out, " ", 1);
    nv_buf_put(st->out, name, strlen(name));
    nv_buf_put(st->out, "=\"", 2);
    if (nv_xml_write_escaped(st->out, value, strlen(value), 1, &e) < 0)
        return -1;
    nv_buf_put(st->out, "\"", 1);
    return 0;
}

unsigned long nv_xml_stream_offset(nv_xml_stream *st)
{
    XML_Index i = XML_GetCurrentByteIndex(st->p);
    return i < 0 ? 0 : (unsigned long)i;
}

int nv_xml_stream_add_empty(nv_xml_stream *st, const char *name, const char *attr, const char *value)
{
    close_tag(st);
    nv_buf_put(st->out, "<", 1);
    nv_buf_put(st->out, name, strlen(name));
    if (put_attr(st, attr, value) < 0)
        return -1;
    nv_buf_put(st->out, "/>", 2);
    return 0;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    nv_xml_stream *st = ud;
    if (st->failed)
        return;
    if (st->depth >= NV_XML_MAX_DEPTH) { /* nv_xml_parse refuses it */
        give_up(st);
        return;
    }
    st->depth++;
    const char *set_name = NULL, *set_value = NULL;
    if (st->h->start && st->h->start(st->h->ctx, st, st->depth, name, atts, &set_name, &set_value) < 0) {
        give_up(st);
        return;
    }
    close_tag(st);
    nv_buf_put(st->out, "<", 1);
    nv_buf_put(st->out, name, strlen(name));
    int set = 0;
    for (size_t i = 0; atts[i]; i += 2) {
        const char *v = atts[i + 1];
        if (set_name && !set && strcmp(atts[i], set_name) == 0) {
            v = set_value;
            set = 1;
        }
        if (put_attr(st, atts[i], v) < 0) {
            give_up(st);
            return;
        }
    }
    if (set_name && !set && put_attr(st, set_name, set_value) < 0) {
        give_up(st);
        return;
    }
    st->open = 1;
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    nv_xml_stream *st = ud;
    if (st->failed)
        return;
    if (st->h->end && st->h->end(st->h->ctx, st, st->depth, name) < 0) {
        give_up(st);
        return;
    }
    if (st->open) {
        nv_buf_put(st->out, "/>", 2);
        st->open = 0;
    } else {
        nv_buf_put(st->out, "</", 2);
        nv_buf_put(st->out, name, strlen(name));
        nv_buf_put(st->out, ">", 1);
    }
    st->depth--;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    nv_xml_stream *st = ud;
    if (st->failed || st->depth == 0 || len <= 0) /* the tree keeps no text outside the root */
        return;
    nv_err e;
    if (st->h->text && st->h->text(st->h->ctx, st->depth, s, (size_t)len) < 0) {
        give_up(st);
        return;
    }
    close_tag(st);
    if (nv_xml_write_escaped(st->out, s, (size_t)len, 0, &e) < 0)
        give_up(st);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
                               int has_internal_subset)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    give_up(ud); /* refused (nv_xml_parse says so) */
}

int nv_xml_stream_write(const char *data, size_t len, const nv_xml_stream_hooks *h, nv_buf *out)
{
    if (len > NV_XML_MAX_INPUT)
        return -1;
    nv_xml_stream st = {.h = h, .out = out};
    if (!(st.p = nv_xml_parser_take()))
        return -1;
    XML_SetUserData(st.p, &st);
    XML_SetElementHandler(st.p, on_start, on_end);
    XML_SetCharacterDataHandler(st.p, on_text);
    XML_SetStartDoctypeDeclHandler(st.p, on_doctype);
    enum XML_Status rc = XML_Parse(st.p, data, (int)len, XML_TRUE);
    nv_xml_parser_give(st.p, len);
    return rc == XML_STATUS_OK && !st.failed && !out->failed ? 0 : -1;
}
