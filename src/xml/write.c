#include "xml/write.h"

#include <stdlib.h>
#include <string.h>

/* Bytes that may need a reference: markup, quotes and whitespace a parser
 * would normalise (attributes), controls. */
static int maybe_special(unsigned char c)
{
    return c < 0x20 || c == '&' || c == '<' || c == '>' || c == '"';
}

int nv_xml_write_escaped(nv_buf *out, const char *s, size_t n, int in_attr, nv_err *e)
{
    const char *run = s, *end = s + n;
    for (const char *p = s; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if (!maybe_special(c))
            continue;
        const char *rep = NULL;
        switch (c) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = in_attr ? "&quot;" : NULL; break;
        case '\t': rep = in_attr ? "&#9;" : NULL; break;
        case '\n': rep = in_attr ? "&#10;" : NULL; break;
        case '\r': rep = "&#13;"; break;
        default:
            return nv_err_set(e, NV_ERR_INPUT, "cannot write control character 0x%02x in XML", c);
        }
        if (!rep)
            continue;
        nv_buf_put(out, run, (size_t)(p - run));
        nv_buf_put(out, rep, strlen(rep));
        run = p + 1;
    }
    nv_buf_put(out, run, (size_t)(end - run));
    return 0;
}

/* A NUL-terminated string, as the tree holds them. */
static int put_escaped(nv_buf *out, const char *s, int in_attr, nv_err *e)
{
    return nv_xml_write_escaped(out, s, strlen(s), in_attr, e);
}

static int write_node(const nv_xml_node *n, nv_buf *out, nv_err *e)
{
    if (n->type == NV_XML_TEXT)
        return put_escaped(out, n->text, 0, e);
    nv_buf_put(out, "<", 1);
    nv_buf_put(out, n->name, strlen(n->name));
    for (size_t i = 0; i < n->nattrs; i++) {
        nv_buf_put(out, " ", 1);
        nv_buf_put(out, n->attrs[i].name, strlen(n->attrs[i].name));
        nv_buf_put(out, "=\"", 2);
        if (put_escaped(out, n->attrs[i].value, 1, e) < 0)
            return -1;
        nv_buf_put(out, "\"", 1);
    }
    if (!n->first) {
        nv_buf_put(out, "/>", 2);
        return 0;
    }
    nv_buf_put(out, ">", 1);
    for (const nv_xml_node *c = n->first; c; c = c->next) {
        if (write_node(c, out, e) < 0)
            return -1;
    }
    nv_buf_put(out, "</", 2);
    nv_buf_put(out, n->name, strlen(n->name));
    nv_buf_put(out, ">", 1);
    return 0;
}

int nv_xml_write(const nv_xml_node *n, nv_buf *out, nv_err *e)
{
    if (write_node(n, out, e) < 0)
        return -1;
    /* appends are sticky on failure, so one check covers them all */
    if (out->failed)
        return nv_err_set(e, NV_ERR_SYSTEM,
                          "XML text exceeds %zu bytes or memory ran out", out->limit);
    return 0;
}

char *nv_xml_to_string(const nv_xml_node *n, size_t *len, nv_err *e)
{
    nv_buf b;
    nv_buf_init(&b, 0);
    if (nv_xml_write(n, &b, e) < 0) {
        nv_buf_free(&b);
        return NULL;
    }
    size_t l = b.len;
    char *s = nv_buf_steal(&b);
    if (!s) {
        nv_buf_free(&b);
        nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
        return NULL;
    }
    if (len)
        *len = l;
    return s;
}
