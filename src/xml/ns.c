#include "xml/ns.h"

#include <stdlib.h>
#include <string.h>

void nv_xml_prefixes_free(nv_xml_prefixes *p)
{
    free(p->v);
    free(p->len);
    memset(p, 0, sizeof *p);
}

void nv_xml_prefixes_add(nv_xml_prefixes *p, const char *name)
{
    const char *colon = strchr(name, ':');
    if (!colon)
        return;
    size_t len = (size_t)(colon - name);
    if ((len == 5 && strncmp(name, "xmlns", 5) == 0) || (len == 3 && strncmp(name, "xml", 3) == 0))
        return;
    for (size_t i = 0; i < p->n; i++)
        if (p->len[i] == len && strncmp(p->v[i], name, len) == 0)
            return;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        const char **v = realloc(p->v, cap * sizeof *v);
        if (v)
            p->v = v;
        size_t *l = realloc(p->len, cap * sizeof *l);
        if (l)
            p->len = l;
        if (!v || !l) {
            p->oom = 1;
            return;
        }
        p->cap = cap;
    }
    p->v[p->n] = name;
    p->len[p->n++] = len;
}

void nv_xml_prefixes_used(const nv_xml_node *el, nv_xml_prefixes *p)
{
    if (!strchr(el->name, ':'))
        p->dflt = 1;
    nv_xml_prefixes_add(p, el->name);
    for (size_t i = 0; i < el->nattrs; i++)
        nv_xml_prefixes_add(p, el->attrs[i].name);
    for (const nv_xml_node *n = el->first; n; n = n->next)
        if (n->type == NV_XML_ELEMENT)
            nv_xml_prefixes_used(n, p);
}

int nv_xml_ns_is_decl(const char *attr)
{
    return strcmp(attr, "xmlns") == 0 || strncmp(attr, "xmlns:", 6) == 0;
}

/* Whether attribute a declares prefix (NULL: the default namespace). */
static int declares(const char *a, const char *prefix, size_t plen)
{
    if (!prefix)
        return strcmp(a, "xmlns") == 0;
    return strncmp(a, "xmlns:", 6) == 0 && strlen(a + 6) == plen && strncmp(a + 6, prefix, plen) == 0;
}

/* A declaration deeper down does not cover el's own scope, and repeating an
 * outer one on el is harmless where an inner one rebinds the prefix. */
int nv_xml_ns_declared_on(const nv_xml_node *el, const char *prefix, size_t plen)
{
    for (size_t i = 0; i < el->nattrs; i++)
        if (declares(el->attrs[i].name, prefix, plen))
            return 1;
    return 0;
}

const char *nv_xml_ns_lookup(const nv_xml_node *el, const char *prefix, size_t plen)
{
    if (prefix && plen == 3 && strncmp(prefix, "xml", 3) == 0)
        return "http://www.w3.org/XML/1998/namespace";
    for (const nv_xml_node *n = el; n && n->type == NV_XML_ELEMENT; n = n->parent)
        for (size_t i = 0; i < n->nattrs; i++)
            if (declares(n->attrs[i].name, prefix, plen))
                return n->attrs[i].value;
    return prefix ? NULL : "";
}
