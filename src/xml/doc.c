#include "xml/doc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/file.h"
#include "util/text.h"
#include "xml/sax.h"

/* ---- tree ---- */

static void free_subtree(nv_xml_node *n)
{
    nv_xml_node *c = n->first;
    while (c) {
        nv_xml_node *next = c->next;
        free_subtree(c);
        c = next;
    }
    for (size_t i = 0; i < n->nattrs; i++) {
        free(n->attrs[i].name);
        free(n->attrs[i].value);
    }
    free(n->attrs);
    free(n->name);
    free(n->text);
    free(n);
}

void nv_xml_free(nv_xml_node *n)
{
    if (!n)
        return;
    nv_xml_unlink(n);
    free_subtree(n);
}

static char *dup_str(const char *s, nv_err *e)
{
    char *d = strdup(s);
    if (!d)
        nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    return d;
}

nv_xml_node *nv_xml_new_element(const char *name, nv_err *e)
{
    nv_xml_node *n = calloc(1, sizeof *n);
    if (!n) {
        nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
        return NULL;
    }
    n->type = NV_XML_ELEMENT;
    if (!(n->name = dup_str(name, e))) {
        free(n);
        return NULL;
    }
    return n;
}

nv_xml_node *nv_xml_new_text(const char *text, nv_err *e)
{
    nv_xml_node *n = calloc(1, sizeof *n);
    if (!n) {
        nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
        return NULL;
    }
    n->type = NV_XML_TEXT;
    if (!(n->text = dup_str(text, e))) {
        free(n);
        return NULL;
    }
    return n;
}

void nv_xml_unlink(nv_xml_node *n)
{
    nv_xml_node *p = n->parent;
    if (!p)
        return;
    if (n->prev)
        n->prev->next = n->next;
    else
        p->first = n->next;
    if (n->next)
        n->next->prev = n->prev;
    else
        p->last = n->prev;
    n->parent = n->prev = n->next = NULL;
}

void nv_xml_insert_before(nv_xml_node *parent, nv_xml_node *child, nv_xml_node *before)
{
    nv_xml_unlink(child);
    child->parent = parent;
    if (!before) {
        child->prev = parent->last;
        child->next = NULL;
        if (parent->last)
            parent->last->next = child;
        else
            parent->first = child;
        parent->last = child;
        return;
    }
    child->next = before;
    child->prev = before->prev;
    if (before->prev)
        before->prev->next = child;
    else
        parent->first = child;
    before->prev = child;
}

void nv_xml_append(nv_xml_node *parent, nv_xml_node *child)
{
    nv_xml_insert_before(parent, child, NULL);
}

int nv_xml_set_attr(nv_xml_node *el, const char *name, const char *value, nv_err *e)
{
    char *v = dup_str(value, e);
    if (!v)
        return -1;
    for (size_t i = 0; i < el->nattrs; i++) {
        if (strcmp(el->attrs[i].name, name) == 0) {
            free(el->attrs[i].value);
            el->attrs[i].value = v;
            return 0;
        }
    }
    char *k = dup_str(name, e);
    nv_xml_attribute *a = k ? realloc(el->attrs, (el->nattrs + 1) * sizeof *a) : NULL;
    if (!a) {
        free(k);
        free(v);
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    }
    a[el->nattrs].name = k;
    a[el->nattrs].value = v;
    el->attrs = a;
    el->nattrs++;
    return 0;
}

int nv_xml_remove_attr(nv_xml_node *el, const char *name)
{
    for (size_t i = 0; i < el->nattrs; i++) {
        if (strcmp(el->attrs[i].name, name) == 0) {
            free(el->attrs[i].name);
            free(el->attrs[i].value);
            memmove(&el->attrs[i], &el->attrs[i + 1], (el->nattrs - i - 1) * sizeof *el->attrs);
            el->nattrs--;
            return 1;
        }
    }
    return 0;
}

nv_xml_node *nv_xml_clone(const nv_xml_node *n, nv_err *e)
{
    nv_xml_node *c = n->type == NV_XML_ELEMENT ? nv_xml_new_element(n->name, e)
                                               : nv_xml_new_text(n->text, e);
    if (!c)
        return NULL;
    c->line = n->line;
    if (n->nattrs) {
        c->attrs = calloc(n->nattrs, sizeof *c->attrs);
        if (!c->attrs)
            goto oom;
        for (size_t i = 0; i < n->nattrs; i++) {
            /* count as we go so free_subtree releases exactly what exists */
            c->attrs[i].name = strdup(n->attrs[i].name);
            c->attrs[i].value = strdup(n->attrs[i].value);
            c->nattrs++;
            if (!c->attrs[i].name || !c->attrs[i].value)
                goto oom;
        }
    }
    for (const nv_xml_node *k = n->first; k; k = k->next) {
        nv_xml_node *kc = nv_xml_clone(k, e);
        if (!kc) {
            free_subtree(c);
            return NULL;
        }
        nv_xml_append(c, kc);
    }
    return c;
oom:
    free_subtree(c);
    nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    return NULL;
}

int nv_xml_equal(const nv_xml_node *a, const nv_xml_node *b)
{
    if (a->type != b->type)
        return 0;
    if (a->type == NV_XML_TEXT)
        return strcmp(a->text, b->text) == 0;
    if (strcmp(a->name, b->name) != 0 || a->nattrs != b->nattrs)
        return 0;
    for (size_t i = 0; i < a->nattrs; i++) {
        if (strcmp(a->attrs[i].name, b->attrs[i].name) != 0 ||
            strcmp(a->attrs[i].value, b->attrs[i].value) != 0)
            return 0;
    }
    const nv_xml_node *x = a->first, *y = b->first;
    for (; x && y; x = x->next, y = y->next) {
        if (!nv_xml_equal(x, y))
            return 0;
    }
    return x == NULL && y == NULL;
}

/* ---- lookups ---- */

static nv_xml_node *element_from(const nv_xml_node *n, const char *name)
{
    for (; n; n = n->next) {
        if (n->type == NV_XML_ELEMENT && (!name || strcmp(n->name, name) == 0))
            return (nv_xml_node *)n;
    }
    return NULL;
}

nv_xml_node *nv_xml_child(const nv_xml_node *el, const char *name)
{
    return element_from(el->first, name);
}

nv_xml_node *nv_xml_next(const nv_xml_node *n, const char *name)
{
    return element_from(n->next, name);
}

const char *nv_xml_attr(const nv_xml_node *el, const char *name)
{
    for (size_t i = 0; i < el->nattrs; i++) {
        if (strcmp(el->attrs[i].name, name) == 0)
            return el->attrs[i].value;
    }
    return NULL;
}

const char *nv_xml_text(const nv_xml_node *el)
{
    const char *t = NULL;
    for (const nv_xml_node *c = el->first; c; c = c->next) {
        if (c->type == NV_XML_ELEMENT)
            return NULL;
        if (!t)
            t = c->text;
    }
    return t ? t : "";
}

size_t nv_xml_count(const nv_xml_node *el, const char *name)
{
    size_t n = 0;
    for (const nv_xml_node *c = nv_xml_child(el, name); c; c = nv_xml_next(c, name))
        n++;
    return n;
}

nv_xml_node *nv_xml_root(const nv_xml_node *n)
{
    while (n->parent)
        n = n->parent;
    return (nv_xml_node *)n;
}

/* ---- parsing ---- */

struct parse_state {
    nv_xml_node *root;
    nv_xml_node *cur;      /* innermost open element */
    nv_buf text;           /* character data not yet turned into a node */
    unsigned long text_line;
};

/* Turns pending character data into a text node of the current element. */
static int flush_text(struct parse_state *st, nv_xml_sax *sx)
{
    if (st->text.len == 0)
        return 0;
    const char *s = nv_buf_cstr(&st->text);
    nv_xml_node *t = s ? nv_xml_new_text(s, NULL) : NULL;
    nv_buf_reset(&st->text);
    if (!t) {
        nv_xml_sax_oom(sx);
        return -1;
    }
    t->line = st->text_line;
    nv_xml_append(st->cur, t);
    return 0;
}

static void tree_start(void *ctx, nv_xml_sax *sx, const char *name, const char **atts, unsigned long line)
{
    struct parse_state *st = ctx;
    if (st->cur && flush_text(st, sx) < 0)
        return;
    nv_xml_node *el = nv_xml_new_element(name, NULL);
    if (!el) {
        nv_xml_sax_oom(sx);
        return;
    }
    el->line = line;
    if (st->cur)
        nv_xml_append(st->cur, el);
    else
        st->root = el;
    st->cur = el;
    size_t n = 0;
    while (atts[2 * n])
        n++;
    if (n) {
        el->attrs = calloc(n, sizeof *el->attrs);
        if (!el->attrs) {
            nv_xml_sax_oom(sx);
            return;
        }
        for (size_t i = 0; i < n; i++) {
            el->attrs[i].name = strdup(atts[2 * i]);
            el->attrs[i].value = strdup(atts[2 * i + 1]);
            el->nattrs++;
            if (!el->attrs[i].name || !el->attrs[i].value) {
                nv_xml_sax_oom(sx);
                return;
            }
        }
    }
}

static void tree_end(void *ctx, nv_xml_sax *sx, const char *name)
{
    (void)name;
    struct parse_state *st = ctx;
    if (flush_text(st, sx) < 0)
        return;
    st->cur = st->cur->parent;
}

static void tree_text(void *ctx, nv_xml_sax *sx, const char *s, size_t len, unsigned long line)
{
    struct parse_state *st = ctx;
    if (st->text.len == 0)
        st->text_line = line;
    if (nv_buf_append(&st->text, s, len) < 0)
        nv_xml_sax_oom(sx);
}

nv_xml_node *nv_xml_parse(const char *data, size_t len, const char *file, nv_err *e)
{
    struct parse_state st = {0};
    nv_buf_init(&st.text, NV_XML_MAX_INPUT);
    const nv_xml_sax_hooks h = {.ctx = &st, .start = tree_start, .text = tree_text, .end = tree_end};
    int rc = nv_xml_sax_parse(data, len, file, &h, e);
    nv_buf_free(&st.text);
    if (rc < 0) {
        nv_xml_free(st.root);
        return NULL;
    }
    return st.root;
}

/* The encoding a document declares: 'u' UTF-8 (also when it declares none,
 * or US-ASCII), 'l' ISO-8859-1, '?' anything else expat may know (UTF-16). */
static char declared_encoding(const char *data, size_t len)
{
    const unsigned char *u = (const unsigned char *)data;
    if (len >= 2 && (u[0] | u[1]) == 0)
        return 'u'; /* zeros, not UTF-16: the text check names them */
    if (len >= 2 && ((u[0] == 0xfe && u[1] == 0xff) || (u[0] == 0xff && u[1] == 0xfe) || !u[0] || !u[1]))
        return '?'; /* UTF-16, with or without a byte-order mark */
    if (len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf)
        return 'u';
    if (len < 5 || memcmp(data, "<?xml", 5) != 0)
        return 'u';
    size_t end = 5;
    while (end + 1 < len && end < 512 && !(data[end] == '?' && data[end + 1] == '>'))
        end++;
    for (size_t i = 5; i + 8 < end; i++) {
        if (memcmp(data + i, "encoding", 8) != 0)
            continue;
        size_t j = i + 8;
        while (j < end && (data[j] == ' ' || data[j] == '\t' || data[j] == '\r' || data[j] == '\n' || data[j] == '='))
            j++;
        if (j >= end || (data[j] != '"' && data[j] != '\''))
            return 'u';
        char q = data[j++], name[32];
        size_t n = 0;
        while (j < end && data[j] != q && n < sizeof name - 1)
            name[n++] = data[j++];
        name[n] = '\0';
        if (!strcasecmp(name, "UTF-8") || !strcasecmp(name, "US-ASCII"))
            return 'u';
        if (!strcasecmp(name, "ISO-8859-1") || !strcasecmp(name, "latin1"))
            return 'l';
        return '?';
    }
    return 'u';
}

int nv_xml_check_text(const char *path, const char *data, size_t len, nv_err *e)
{
    /* a definition is text: no NUL, no control characters, valid in its
     * encoding (expat refuses NUL and most controls too, but not all, and
     * the check gives one message for every input file) */
    char enc = declared_encoding(data, len);
    if ((enc == 'u' && nv_text_check(path, data, len, e) < 0) ||
        (enc == 'l' && nv_text_check_latin1(path, data, len, e) < 0))
        return -1;
    return 0;
}

char *nv_xml_read_file(const char *path, size_t *len, nv_err *e)
{
    char *data;
    if (nv_read_file(path, NV_XML_MAX_INPUT, &data, len, e) < 0)
        return NULL;
    if (nv_xml_check_text(path, data, *len, e) < 0) {
        free(data);
        return NULL;
    }
    return data;
}

nv_xml_node *nv_xml_parse_file(const char *path, nv_err *e)
{
    size_t len;
    char *data = nv_xml_read_file(path, &len, e);
    if (!data)
        return NULL;
    nv_xml_node *root = nv_xml_parse(data, len, path, e);
    free(data);
    return root;
}
