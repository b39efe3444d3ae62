#include "xml/tonix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xml/ns.h"

/* Nix keywords cannot be bare attribute names. */
static const char *const keywords[] = {"if", "then", "else", "assert", "with", "let",
                                       "in", "rec", "inherit", "or", NULL};

struct ctx {
    const nv_xml_schema *s;
    const char *file;
    unsigned flags;
    nv_errlist *warnings;
    nv_buf *out;
    nv_err *e;
};

#define STR(c, off) NV_XML_SCHEMA_STR((c)->s, off)
#define TYPE(c, i) (&(c)->s->types[i])
#define CHILD(c, t, i) (&(c)->s->children[(t)->child0 + (i)])

/* Why an element cannot be written as a schema value (its own level only). */
struct shape {
    size_t nelem;   /* element children */
    size_t ntext;   /* text nodes that are not only whitespace */
    const char *problem;
};

/* ---- output helpers ---- */

static void indent(nv_buf *b, int level)
{
    for (int i = 0; i < level; i++)
        nv_buf_append(b, "  ", 2);
}

int nv_xml_nix_string(nv_buf *out, const char *s)
{
    nv_buf_append(out, "\"", 1);
    for (const char *p = s; *p; p++) {
        switch (*p) {
        case '"': nv_buf_append(out, "\\\"", 2); break;
        case '\\': nv_buf_append(out, "\\\\", 2); break;
        case '\n': nv_buf_append(out, "\\n", 2); break;
        case '\r': nv_buf_append(out, "\\r", 2); break;
        case '\t': nv_buf_append(out, "\\t", 2); break;
        case '$':
            /* "${" would start an interpolation */
            nv_buf_append(out, p[1] == '{' ? "\\$" : "$", p[1] == '{' ? 2 : 1);
            break;
        default: nv_buf_append(out, p, 1);
        }
    }
    return nv_buf_append(out, "\"", 1);
}

static int bare_key(const char *k)
{
    if (!((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') || *k == '_'))
        return 0;
    for (const char *p = k + 1; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '\'' || *p == '-'))
            return 0;
    for (size_t i = 0; keywords[i]; i++)
        if (strcmp(k, keywords[i]) == 0)
            return 0;
    return 1;
}

/* `key = ` at the start of a line. */
static void key_start(struct ctx *c, int level, const char *prefix, const char *k)
{
    indent(c->out, level);
    if (!prefix && bare_key(k)) {
        nv_buf_append_str(c->out, k);
    } else {
        nv_buf key;
        nv_buf_init(&key, 0);
        if (prefix)
            nv_buf_append_str(&key, prefix);
        nv_buf_append_str(&key, k);
        nv_xml_nix_string(c->out, nv_buf_cstr(&key));
        nv_buf_free(&key);
    }
    nv_buf_append(c->out, " = ", 3);
}

static void str_entry(struct ctx *c, int level, const char *prefix, const char *k, const char *v)
{
    key_start(c, level, prefix, k);
    nv_xml_nix_string(c->out, v);
    nv_buf_append(c->out, ";\n", 2);
}

/* ---- looking at the XML ---- */

static int only_space(const char *t)
{
    for (; *t; t++)
        if (*t != ' ' && *t != '\t' && *t != '\n' && *t != '\r')
            return 0;
    return 1;
}

/* The child slot of type t that element ch is, or -1. */
static int find_slot(struct ctx *c, const nv_xml_schema_type *t, const nv_xml_node *ch)
{
    const char *colon = strchr(ch->name, ':');
    const char *local = colon ? colon + 1 : ch->name;
    const char *uri = colon ? nv_xml_ns_lookup(ch, ch->name, (size_t)(colon - ch->name)) : nv_xml_ns_lookup(ch, NULL, 0);
    if (!uri)
        return -1;
    for (int i = 0; i < t->nchildren; i++) {
        const nv_xml_schema_type *ct = TYPE(c, NV_XML_SCHEMA_CHILD_TYPE(CHILD(c, t, i)));
        if (strcmp(STR(c, ct->name), local) == 0 && strcmp(c->s->namespaces[NV_XML_SCHEMA_NS(ct)].uri, uri) == 0)
            return i;
    }
    return -1;
}

/* The Nix key of a child of type ct: its name, "prefix:name" when namespaced. */
static void child_key(struct ctx *c, const nv_xml_schema_type *ct, char *out, size_t n)
{
    const char *p = c->s->namespaces[NV_XML_SCHEMA_NS(ct)].prefix;
    snprintf(out, n, "%s%s%s", p, *p ? ":" : "", STR(c, ct->name));
}

/* Whether child slot i of t has the (unprefixed) key `name`. */
static int child_is(struct ctx *c, const nv_xml_schema_type *t, int i, const char *name)
{
    const nv_xml_schema_type *ct = TYPE(c, NV_XML_SCHEMA_CHILD_TYPE(CHILD(c, t, i)));
    return NV_XML_SCHEMA_NS(ct) == 0 && strcmp(STR(c, ct->name), name) == 0;
}

static int known_attr(struct ctx *c, const nv_xml_schema_type *t, const char *name)
{
    for (int i = 0; i < t->nattrs; i++)
        if (strcmp(STR(c, c->s->attrs[t->attr0 + i]), name) == 0)
            return 1;
    return 0;
}

static struct shape shape_of(const nv_xml_node *el, const nv_xml_schema_type *t)
{
    struct shape sh = {0, 0, NULL};
    for (const nv_xml_node *n = el->first; n; n = n->next) {
        if (n->type == NV_XML_ELEMENT)
            sh.nelem++;
        else if (!only_space(n->text))
            sh.ntext++;
    }
    if (NV_XML_SCHEMA_IS_ANY(t)) {
        for (size_t i = 0; i < el->nattrs; i++)
            if (!nv_xml_ns_is_decl(el->attrs[i].name))
                sh.problem = "has attributes, which it does not take";
    } else if (sh.ntext && sh.nelem) {
        sh.problem = "has both text and child elements";
    } else if (sh.ntext && !NV_XML_SCHEMA_HAS_TEXT(t)) {
        sh.problem = "has text, which it does not take";
    }
    return sh;
}

/* All text of el (no element children), concatenated; malloc'd. */
static char *text_of(const nv_xml_node *el)
{
    nv_buf b;
    nv_buf_init(&b, 0);
    for (const nv_xml_node *n = el->first; n; n = n->next)
        if (n->type == NV_XML_TEXT)
            nv_buf_append_str(&b, n->text);
    nv_buf_cstr(&b);
    return b.failed ? (nv_buf_free(&b), NULL) : nv_buf_steal(&b);
}

/* el's text as a Nix string. */
static int put_text(struct ctx *c, const nv_xml_node *el)
{
    char *text = text_of(el);
    if (!text)
        return nv_err_set(c->e, NV_ERR_SYSTEM, "out of memory");
    nv_xml_nix_string(c->out, text);
    free(text);
    return 0;
}

/* ---- lib.xml fragments (plain data) for XML the schema leaves open ---- */

static int fragment(struct ctx *c, const nv_xml_node *el, int level, int top);

static void attr_fragment(struct ctx *c, int level, const char *name, const char *value)
{
    indent(c->out, level);
    nv_buf_append_str(c->out, "{\n");
    str_entry(c, level + 1, NULL, "_nixvirtXml", "attr");
    str_entry(c, level + 1, NULL, "name", name);
    str_entry(c, level + 1, NULL, "value", value);
    indent(c->out, level);
    nv_buf_append_str(c->out, "}\n");
}

/* The children of el as a list of fragments and strings, its items at
 * level + 1; `top` as for fragment. */
static int mixed_list(struct ctx *c, const nv_xml_node *el, int level, int top)
{
    nv_buf_append_str(c->out, "[\n");
    for (const nv_xml_node *n = el->first; n; n = n->next) {
        if (n->type == NV_XML_ELEMENT) {
            if (fragment(c, n, level + 1, top) < 0)
                return -1;
        } else if (!only_space(n->text)) {
            indent(c->out, level + 1);
            nv_xml_nix_string(c->out, n->text);
            nv_buf_append_str(c->out, "\n");
        }
    }
    indent(c->out, level);
    nv_buf_append_str(c->out, "]");
    return 0;
}

/* Of the prefixes in p, keeps (len != 0) those el needs declared from
 * outside; *dflt_uri: the default namespace it needs, if any. Returns how
 * many declarations that makes. */
static size_t needed_decls(const nv_xml_node *el, nv_xml_prefixes *p, const char **dflt_uri)
{
    size_t ndecl = 0;
    *dflt_uri = NULL;
    for (size_t i = 0; i < p->n; i++) {
        if (nv_xml_ns_declared_on(el, p->v[i], p->len[i]) || !nv_xml_ns_lookup(el->parent, p->v[i], p->len[i]))
            p->len[i] = 0; /* not needed, or declared only deeper down */
        else
            ndecl++;
    }
    if (p->dflt && el->parent && !nv_xml_ns_declared_on(el, NULL, 0) && *nv_xml_ns_lookup(el->parent, NULL, 0)) {
        *dflt_uri = nv_xml_ns_lookup(el->parent, NULL, 0);
        ndecl++;
    }
    return ndecl;
}

/* The `attrs` entry of el's fragment: the declarations it needs from
 * outside (when `top`), then its own attributes. */
static int fragment_attrs(struct ctx *c, const nv_xml_node *el, int level, int top)
{
    key_start(c, level + 1, NULL, "attrs");
    size_t nattrs = el->nattrs;
    nv_xml_prefixes p = {0};
    if (top) {
        nv_xml_prefixes_used(el, &p);
        if (p.oom) {
            nv_xml_prefixes_free(&p);
            return nv_err_set(c->e, NV_ERR_SYSTEM, "out of memory");
        }
    }
    const char *dflt_uri;
    size_t ndecl = needed_decls(el, &p, &dflt_uri);
    if (nattrs + ndecl == 0) {
        nv_buf_append_str(c->out, "[ ];\n");
    } else {
        nv_buf_append_str(c->out, "[\n");
        nv_buf decl;
        nv_buf_init(&decl, 0);
        for (size_t i = 0; i < p.n; i++) {
            if (p.len[i] == 0)
                continue;
            nv_buf_reset(&decl);
            nv_buf_printf(&decl, "xmlns:%.*s", (int)p.len[i], p.v[i]);
            attr_fragment(c, level + 2, nv_buf_cstr(&decl), nv_xml_ns_lookup(el->parent, p.v[i], p.len[i]));
        }
        nv_buf_free(&decl);
        if (dflt_uri)
            attr_fragment(c, level + 2, "xmlns", dflt_uri);
        for (size_t i = 0; i < nattrs; i++)
            attr_fragment(c, level + 2, el->attrs[i].name, el->attrs[i].value);
        indent(c->out, level + 1);
        nv_buf_append_str(c->out, "];\n");
    }
    nv_xml_prefixes_free(&p);
    return 0;
}

/* One element as a lib.xml fragment. `top`: it leaves the document's
 * namespace scope, so the declarations it relies on from outside are
 * written on it. */
static int fragment(struct ctx *c, const nv_xml_node *el, int level, int top)
{
    indent(c->out, level);
    nv_buf_append_str(c->out, "{\n");
    str_entry(c, level + 1, NULL, "_nixvirtXml", "elem");
    str_entry(c, level + 1, NULL, "name", el->name);
    if (fragment_attrs(c, el, level, top) < 0)
        return -1;
    size_t nelem = 0, ntext = 0;
    for (const nv_xml_node *n = el->first; n; n = n->next) {
        if (n->type == NV_XML_ELEMENT)
            nelem++;
        else if (!only_space(n->text))
            ntext++;
    }
    key_start(c, level + 1, NULL, "body");
    if (nelem == 0 && ntext == 0) {
        nv_buf_append_str(c->out, "null;\n");
    } else if (nelem == 0) {
        if (put_text(c, el) < 0)
            return -1;
        nv_buf_append_str(c->out, ";\n");
    } else {
        if (mixed_list(c, el, level + 1, 0) < 0)
            return -1;
        nv_buf_append_str(c->out, ";\n");
    }
    indent(c->out, level);
    nv_buf_append_str(c->out, "}\n");
    return 0;
}

/* ---- schema values ---- */

static int value(struct ctx *c, const nv_xml_node *el, const nv_xml_schema_type *t, int level,
                 int structured, const char *end);

/* Reports unknown XML: an error, or with LENIENT a warning (then returns 0). */
static int unknown(struct ctx *c, const nv_xml_node *at, const char *what, const char *keep)
{
    if (c->flags & NV_XML_TONIX_LENIENT) {
        nv_errlist_add(c->warnings, "%s:%lu: warning: %s; kept as raw XML (%s)", c->file, at->line, what, keep);
        return 0;
    }
    return nv_err_set(c->e, NV_ERR_INPUT, "%s:%lu: %s (--lenient keeps it as raw XML)", c->file, at->line, what);
}

/* The fold child of t in el, when its attributes can be written on el:
 * exactly one, no element children, nothing unknown. */
static const nv_xml_node *foldable(struct ctx *c, const nv_xml_node *el, const nv_xml_schema_type *t,
                                   const int *slot, size_t nelem)
{
    if (t->fold == NV_XML_SCHEMA_NONE8 || NV_XML_SCHEMA_IS_ANY(t))
        return NULL;
    const nv_xml_node *found = NULL;
    size_t i = 0;
    for (const nv_xml_node *n = el->first; n; n = n->next) {
        if (n->type != NV_XML_ELEMENT)
            continue;
        if (i < nelem && slot[i] == t->fold) {
            if (found)
                return NULL;
            found = n;
        }
        i++;
    }
    if (!found)
        return NULL;
    const nv_xml_schema_type *ft = TYPE(c, NV_XML_SCHEMA_CHILD_TYPE(CHILD(c, t, t->fold)));
    struct shape sh = shape_of(found, ft);
    if (sh.problem || sh.nelem || !NV_XML_SCHEMA_HAS_TEXT(ft) || found->nattrs == 0)
        return NULL;
    for (size_t a = 0; a < found->nattrs; a++)
        if (nv_xml_ns_is_decl(found->attrs[a].name) || !known_attr(c, ft, found->attrs[a].name))
            return NULL;
    return found;
}

/* Whether el (type t) is written as a string or `true` (not a set or list). */
static int scalar_leaf(const nv_xml_node *el, const nv_xml_schema_type *t)
{
    for (size_t i = 0; i < el->nattrs; i++)
        if (!nv_xml_ns_is_decl(el->attrs[i].name))
            return 0;
    struct shape sh = shape_of(el, t);
    return sh.nelem == 0 && (sh.ntext > 0 || !NV_XML_SCHEMA_HAS_TEXT(t));
}

/* el's known attributes (and its folded child's), then its text, as entries. */
static int set_attrs(struct ctx *c, const nv_xml_node *el, const nv_xml_schema_type *t, int level,
                     const int *slot, size_t nelem, size_t nknown, const nv_xml_node *folded)
{
    for (size_t i = 0; i < el->nattrs && nknown; i++) {
        const char *a = el->attrs[i].name;
        if (nv_xml_ns_is_decl(a) || !known_attr(c, t, a))
            continue;
        /* `@name` when a child of that name is here too */
        int clash = 0;
        for (size_t j = 0; j < nelem && !clash; j++)
            if (slot[j] >= 0 && child_is(c, t, slot[j], a))
                clash = 1;
        str_entry(c, level + 1, clash ? "@" : NULL, a, el->attrs[i].value);
    }
    if (folded)
        for (size_t i = 0; i < folded->nattrs; i++)
            str_entry(c, level + 1, NULL, folded->attrs[i].name, folded->attrs[i].value);
    if (NV_XML_SCHEMA_HAS_TEXT(t) && nelem == 0) {
        char *text = text_of(el);
        if (!text)
            return nv_err_set(c->e, NV_ERR_SYSTEM, "out of memory");
        if (!only_space(text))
            str_entry(c, level + 1, NULL, NV_XML_SCHEMA_TEXT(c->s, t), text);
        free(text);
    }
    return 0;
}

/* The entry of slot s of t: node[k] is its first child, next[] links the rest. */
static int slot_entry(struct ctx *c, const nv_xml_schema_type *t, int level, int s, const nv_xml_node **node,
                      const int *next, int k, const nv_xml_node *folded)
{
    nv_buf *o = c->out;
    const uint16_t *ch = CHILD(c, t, s);
    const nv_xml_schema_type *ct = TYPE(c, NV_XML_SCHEMA_CHILD_TYPE(ch));
    char key[256];
    child_key(c, ct, key, sizeof key);
    key_start(c, level + 1, NULL, key);
    if (folded && node[k] == folded) {
        char *text = text_of(folded);
        if (!text)
            return nv_err_set(c->e, NV_ERR_SYSTEM, "out of memory");
        nv_xml_nix_string(o, text);
        nv_buf_append_str(o, ";\n");
        free(text);
        return 0;
    }
    /* a scalar under a key that is also an attribute (or the text
     * key) would be read as that: such a child is written as a list */
    int structured = (known_attr(c, t, key) ||
                      (NV_XML_SCHEMA_HAS_TEXT(t) && strcmp(NV_XML_SCHEMA_TEXT(c->s, t), key) == 0)) &&
                     scalar_leaf(node[k], ct);
    if (!NV_XML_SCHEMA_CHILD_MANY(ch) && !(structured && !NV_XML_SCHEMA_IS_ANY(ct)))
        return value(c, node[k], ct, level + 1, 0, ";\n");
    int rc = 0;
    nv_buf_append_str(o, "[\n");
    for (int m = k; m >= 0 && rc == 0; m = next[m]) {
        indent(o, level + 2);
        rc = value(c, node[m], ct, level + 2, 0, "\n");
    }
    indent(o, level + 1);
    nv_buf_append_str(o, "];\n");
    return rc;
}

/* Links each child to the next one of its slot (walking backwards);
 * last[s] ends as the first child of slot s. */
static void link_slots(const int *slot, size_t nelem, int nslots, int *next, int *last)
{
    for (int s = 0; s < nslots; s++)
        last[s] = -1;
    for (size_t k = nelem; k-- > 0;) {
        next[k] = -1;
        if (slot[k] >= 0) {
            next[k] = last[slot[k]];
            last[slot[k]] = (int)k;
        }
    }
}

/* el's child elements: one key per slot in order of first appearance,
 * then the raw ones under `_xml`. */
static int set_children(struct ctx *c, const nv_xml_node *el, const nv_xml_schema_type *t, int level,
                        const int *slot, size_t nelem, size_t nraw, const nv_xml_node *folded)
{
    nv_buf *o = c->out;
    int *next = malloc(nelem * sizeof *next);
    const nv_xml_node **node = malloc(nelem * sizeof *node);
    int *last = malloc(((size_t)t->nchildren + 1) * sizeof *last);
    if (!next || !node || !last) {
        free(next);
        free(node);
        free(last);
        return nv_err_set(c->e, NV_ERR_SYSTEM, "out of memory");
    }
    size_t i = 0;
    for (const nv_xml_node *n = el->first; n; n = n->next)
        if (n->type == NV_XML_ELEMENT)
            node[i++] = n;
    link_slots(slot, nelem, t->nchildren, next, last);
    int rc = 0;
    for (size_t k = 0; k < nelem && rc == 0; k++) {
        int s = slot[k];
        if (s < 0 || last[s] != (int)k)
            continue; /* raw, or not the first of its slot */
        last[s] = -2;  /* done */
        rc = slot_entry(c, t, level, s, node, next, (int)k, folded);
    }
    if (rc == 0 && nraw) {
        key_start(c, level + 1, NULL, "_xml");
        nv_buf_append_str(o, "[\n");
        for (size_t k = 0; k < nelem && rc == 0; k++)
            if (slot[k] < 0)
                rc = fragment(c, node[k], level + 2, 1);
        indent(o, level + 1);
        nv_buf_append_str(o, "];\n");
    }
    free(next);
    free(node);
    free(last);
    return rc < 0 ? -1 : 0;
}

/* el's unknown attributes under `_attrs`, with the declarations they need. */
static int set_unknown_attrs(struct ctx *c, const nv_xml_node *el, const nv_xml_schema_type *t, int level)
{
    nv_buf *o = c->out;
    key_start(c, level + 1, NULL, "_attrs");
    nv_buf_append_str(o, "{\n");
    nv_xml_prefixes p = {0};
    for (size_t i = 0; i < el->nattrs; i++) {
        const char *a = el->attrs[i].name;
        if (!nv_xml_ns_is_decl(a) && !known_attr(c, t, a)) {
            str_entry(c, level + 2, NULL, a, el->attrs[i].value);
            nv_xml_prefixes_add(&p, a);
        }
    }
    /* getXML writes no declarations of its own for these: a prefixed
     * attribute brings the one it needs */
    nv_buf decl;
    nv_buf_init(&decl, 0);
    for (size_t i = 0; i < p.n; i++) {
        const char *uri = nv_xml_ns_lookup(el, p.v[i], p.len[i]);
        if (!uri)
            continue;
        nv_buf_reset(&decl);
        nv_buf_printf(&decl, "xmlns:%.*s", (int)p.len[i], p.v[i]);
        str_entry(c, level + 2, NULL, nv_buf_cstr(&decl), uri);
    }
    nv_buf_free(&decl);
    int oom = p.oom;
    nv_xml_prefixes_free(&p);
    if (oom)
        return nv_err_set(c->e, NV_ERR_SYSTEM, "out of memory");
    indent(o, level + 1);
    nv_buf_append_str(o, "};\n");
    return 0;
}

static int set_value(struct ctx *c, const nv_xml_node *el, const nv_xml_schema_type *t, int level,
                     const int *slot, size_t nelem, size_t nknown, size_t nunknown, size_t nraw,
                     const char *end)
{
    nv_buf *o = c->out;
    const nv_xml_node *folded = foldable(c, el, t, slot, nelem);
    nv_buf_append_str(o, "{\n");
    if (set_attrs(c, el, t, level, slot, nelem, nknown, folded) < 0)
        return -1;
    if (nelem && set_children(c, el, t, level, slot, nelem, nraw, folded) < 0)
        return -1;
    if (nunknown && set_unknown_attrs(c, el, t, level) < 0)
        return -1;
    indent(o, level);
    nv_buf_append_str(o, "}");
    return nv_buf_append_str(o, end);
}

/* Counts el's known and unknown attributes, reporting the unknown ones. */
static int classify_attrs(struct ctx *c, const nv_xml_node *el, const nv_xml_schema_type *t, size_t *nknown,
                          size_t *nunknown)
{
    for (size_t i = 0; i < el->nattrs; i++) {
        const char *a = el->attrs[i].name;
        if (nv_xml_ns_is_decl(a))
            continue;
        if (known_attr(c, t, a)) {
            (*nknown)++;
        } else {
            char what[512];
            snprintf(what, sizeof what, "unknown attribute '%s' on <%s>", a, el->name);
            if (unknown(c, el, what, "_attrs") < 0)
                return -1;
            (*nunknown)++;
        }
    }
    return 0;
}

/* slot[i]: the schema child of t that el's i-th child element is, or -1
 * when it is kept raw (reported; counted in *nraw). */
static int classify_children(struct ctx *c, const nv_xml_node *el, const nv_xml_schema_type *t, int *slot,
                             size_t *nraw)
{
    unsigned char *seen = calloc((size_t)t->nchildren + 1, 1);
    if (!seen)
        return nv_err_set(c->e, NV_ERR_SYSTEM, "out of memory");
    size_t i = 0;
    for (const nv_xml_node *n = el->first; n; n = n->next) {
        if (n->type != NV_XML_ELEMENT)
            continue;
        int s = find_slot(c, t, n);
        char what[512];
        what[0] = 0;
        if (s < 0) {
            snprintf(what, sizeof what, "unknown element <%s> in <%s>", n->name, el->name);
        } else {
            const uint16_t *ch = CHILD(c, t, s);
            struct shape csh = shape_of(n, TYPE(c, NV_XML_SCHEMA_CHILD_TYPE(ch)));
            if (!NV_XML_SCHEMA_CHILD_MANY(ch) && seen[s])
                snprintf(what, sizeof what, "<%s> may appear only once in <%s>", n->name, el->name);
            else if (csh.problem)
                snprintf(what, sizeof what, "<%s> %s", n->name, csh.problem);
            seen[s] = 1;
        }
        if (what[0]) {
            if (unknown(c, n, what, "_xml") < 0) {
                free(seen);
                return -1;
            }
            s = -1;
            (*nraw)++;
        }
        slot[i++] = s;
    }
    free(seen);
    return 0;
}

/* The value of element el (type t) at `level`, followed by `end`.
 * `structured`: the caller needs a set or list (not a scalar or bool). */
static int value(struct ctx *c, const nv_xml_node *el, const nv_xml_schema_type *t, int level,
                 int structured, const char *end)
{
    nv_buf *o = c->out;
    struct shape sh = shape_of(el, t);
    if (NV_XML_SCHEMA_IS_ANY(t)) {
        if (sh.nelem == 0 && sh.ntext == 0) {
            nv_buf_append_str(o, "{ }");
        } else if (sh.nelem == 0 && !structured) {
            if (put_text(c, el) < 0)
                return -1;
        } else if (mixed_list(c, el, level, 1) < 0) {
            return -1;
        }
        return nv_buf_append_str(o, end);
    }
    size_t nknown = 0, nunknown = 0, nraw = 0;
    if (classify_attrs(c, el, t, &nknown, &nunknown) < 0)
        return -1;
    int *slot = NULL;
    if (sh.nelem) {
        slot = malloc(sh.nelem * sizeof *slot);
        if (!slot)
            return nv_err_set(c->e, NV_ERR_SYSTEM, "out of memory");
        if (classify_children(c, el, t, slot, &nraw) < 0) {
            free(slot);
            return -1;
        }
    }
    int rc;
    if (nknown + nunknown == 0 && sh.nelem == 0) {
        /* a leaf: its text, or an empty element */
        if (sh.ntext) {
            if (put_text(c, el) < 0)
                return -1;
        } else {
            nv_buf_append_str(o, structured || NV_XML_SCHEMA_HAS_TEXT(t) ? "{ }" : "true");
        }
        rc = nv_buf_append_str(o, end);
    } else {
        rc = set_value(c, el, t, level, slot, sh.nelem, nknown, nunknown, nraw, end);
    }
    free(slot);
    return rc;
}

int nv_xml_to_nix(const nv_xml_node *root, const nv_xml_schema *s, const char *file,
                  unsigned flags, nv_errlist *warnings, nv_buf *out, nv_err *e)
{
    struct ctx c = {s, file, flags, warnings, out, e};
    const nv_xml_schema_type *t = &s->types[0];
    const char *colon = strchr(root->name, ':');
    if (colon || strcmp(root->name, STR(&c, t->name)) != 0)
        return nv_err_set(e, NV_ERR_INPUT, "%s:%lu: the root element is <%s>, not <%s>", file, root->line,
                          root->name, STR(&c, t->name));
    const char *dflt = nv_xml_ns_lookup(root, NULL, 0);
    if (*dflt)
        return nv_err_set(e, NV_ERR_INPUT, "%s:%lu: <%s> is in namespace %s, libvirt's is none", file,
                          root->line, root->name, dflt);
    struct shape sh = shape_of(root, t);
    if (sh.problem)
        return nv_err_set(e, NV_ERR_INPUT, "%s:%lu: <%s> %s", file, root->line, root->name, sh.problem);
    if (value(&c, root, t, 0, 1, "\n") < 0)
        return -1;
    if (out->failed)
        return nv_err_set(e, NV_ERR_INPUT, "%s: the Nix expression is too large", file);
    return 0;
}
