#include "xml/canon.h"

#include <stdlib.h>
#include <string.h>

#include "xml/write.h"

int nv_xml_canon_unordered(const nv_xml_order *o, const nv_xml_node *el)
{
    if (!o || !o->root_children || el->type != NV_XML_ELEMENT || !el->parent || el->parent->parent)
        return 0;
    for (const char *const *n = o->root_children; *n; n++)
        if (strcmp(el->name, *n) == 0)
            return 1;
    return 0;
}

static int only_space(const char *s)
{
    for (; *s; s++) {
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return 0;
    }
    return 1;
}

static int cmp_attr(const void *x, const void *y)
{
    const nv_xml_attribute *a = x, *b = y;
    return strcmp(a->name, b->name);
}

struct keyed {
    nv_xml_node *node;
    char *text;
};

static int cmp_keyed(const void *x, const void *y)
{
    const struct keyed *a = x, *b = y;
    int c = strcmp(a->node->name, b->node->name);
    return c ? c : strcmp(a->text, b->text);
}

/* Sorts the (already canonical) element children of el. */
static int sort_children(nv_xml_node *el, nv_err *e)
{
    size_t n = 0;
    for (nv_xml_node *c = el->first; c; c = c->next) {
        if (c->type != NV_XML_ELEMENT)
            return 0; /* meaningful text among devices: leave the order alone */
        n++;
    }
    if (n < 2)
        return 0;
    struct keyed *k = calloc(n, sizeof *k);
    if (!k)
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    size_t i = 0;
    int rc = 0;
    for (nv_xml_node *c = el->first; c; c = c->next, i++) {
        k[i].node = c;
        if (!(k[i].text = nv_xml_to_string(c, NULL, e))) {
            rc = -1;
            goto out;
        }
    }
    qsort(k, n, sizeof *k, cmp_keyed);
    for (i = 0; i < n; i++)
        nv_xml_append(el, k[i].node); /* re-appending moves it to the end */
out:
    for (i = 0; i < n; i++)
        free(k[i].text);
    free(k);
    return rc;
}

/* Drops whitespace-only text children and merges adjacent text. */
static int clean_text(nv_xml_node *el, nv_err *e)
{
    nv_xml_node *c = el->first;
    while (c) {
        nv_xml_node *next = c->next;
        if (c->type == NV_XML_TEXT && only_space(c->text)) {
            nv_xml_free(c);
        } else if (c->type == NV_XML_TEXT && c->prev && c->prev->type == NV_XML_TEXT) {
            nv_xml_node *p = c->prev;
            size_t lp = strlen(p->text), lc = strlen(c->text);
            char *m = realloc(p->text, lp + lc + 1);
            if (!m)
                return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
            memcpy(m + lp, c->text, lc + 1);
            p->text = m;
            nv_xml_free(c);
        }
        c = next;
    }
    return 0;
}

static int canon(nv_xml_node *el, const nv_xml_order *o, nv_err *e)
{
    if (el->type != NV_XML_ELEMENT)
        return 0;
    if (clean_text(el, e) < 0)
        return -1;
    if (el->nattrs > 1)
        qsort(el->attrs, el->nattrs, sizeof *el->attrs, cmp_attr);
    for (nv_xml_node *c = el->first; c; c = c->next) {
        if (canon(c, o, e) < 0)
            return -1;
    }
    if (nv_xml_canon_unordered(o, el))
        return sort_children(el, e);
    return 0;
}

int nv_xml_canon(nv_xml_node *root, const nv_xml_order *o, nv_err *e)
{
    return canon(root, o, e);
}

int nv_xml_canon_keep_order(nv_xml_node *root, nv_err *e)
{
    return canon(root, NULL, e);
}

char *nv_xml_canon_string(const nv_xml_node *n, const nv_xml_order *o, nv_err *e)
{
    nv_xml_node *c = nv_xml_clone(n, e);
    if (!c)
        return NULL;
    /* keep the position in the tree so the unordered rule still applies */
    c->parent = n->parent;
    int rc = nv_xml_canon(c, o, e);
    c->parent = NULL;
    char *s = rc < 0 ? NULL : nv_xml_to_string(c, NULL, e);
    nv_xml_free(c);
    return s;
}

int nv_xml_canon_equal(const nv_xml_node *a, const nv_xml_node *b, const nv_xml_order *o, nv_err *e)
{
    char *x = nv_xml_canon_string(a, o, e);
    if (!x)
        return -1;
    char *y = nv_xml_canon_string(b, o, e);
    if (!y) {
        free(x);
        return -1;
    }
    int eq = strcmp(x, y) == 0;
    free(x);
    free(y);
    return eq;
}
