#include "xml/diff.h"

#include <stdlib.h>
#include <string.h>

#include "util/grow.h"
#include "xml/canon.h"
#include "xml/write.h"

struct ctx {
    nv_xml_diff_list *out;
    const nv_xml_order *order;
    nv_err *e;
};

static int oom(struct ctx *c)
{
    return nv_err_set(c->e, NV_ERR_SYSTEM, "out of memory");
}

/* Takes ownership of before and after (either may be NULL). */
static int add_owned(struct ctx *c, enum nv_xml_diff_kind kind, nv_buf *path, char *before,
                     char *after)
{
    nv_xml_diff_list *d = c->out;
    const char *p = nv_buf_cstr(path);
    char *pc = p ? strdup(p) : NULL;
    if (pc && d->n == d->cap) {
        nv_xml_diff_entry *v = nv_grow(d->v, &d->cap, sizeof *v, 16);
        if (v)
            d->v = v;
    }
    if (!pc || d->n == d->cap) {
        free(pc);
        free(before);
        free(after);
        return oom(c);
    }
    d->v[d->n++] = (nv_xml_diff_entry){.kind = kind, .path = pc, .before = before, .after = after};
    return 0;
}

static int add_copy(struct ctx *c, enum nv_xml_diff_kind kind, nv_buf *path, const char *before,
                    const char *after)
{
    char *b = before ? strdup(before) : NULL;
    char *a = after ? strdup(after) : NULL;
    if ((before && !b) || (after && !a)) {
        free(b);
        free(a);
        return oom(c);
    }
    return add_owned(c, kind, path, b, a);
}

/* Concatenated direct text of el, or NULL with *none set when it has none. */
static char *direct_text(const nv_xml_node *el, int *none, struct ctx *c)
{
    nv_buf b;
    nv_buf_init(&b, 0);
    *none = 1;
    for (const nv_xml_node *k = el->first; k; k = k->next) {
        if (k->type == NV_XML_TEXT) {
            *none = 0;
            nv_buf_append_str(&b, k->text);
        }
    }
    if (*none) {
        nv_buf_free(&b);
        return NULL;
    }
    char *s = nv_buf_steal(&b);
    if (!s) {
        nv_buf_free(&b);
        oom(c);
    }
    return s;
}

/* "name, name, #text, ..." listing el's children, for reorder entries. */
static char *child_names(const nv_xml_node *el, struct ctx *c)
{
    nv_buf b;
    nv_buf_init(&b, 0);
    for (const nv_xml_node *k = el->first; k; k = k->next) {
        if (k != el->first)
            nv_buf_append_str(&b, ", ");
        nv_buf_append_str(&b, k->type == NV_XML_ELEMENT ? k->name : "#text");
    }
    char *s = nv_buf_steal(&b);
    if (!s) {
        nv_buf_free(&b);
        oom(c);
    }
    return s;
}

/* Whether a and b have the same sequence of child names and texts. */
static int same_sequence(const nv_xml_node *a, const nv_xml_node *b)
{
    const nv_xml_node *x = a->first, *y = b->first;
    for (; x && y; x = x->next, y = y->next) {
        if (x->type != y->type)
            return 0;
        if (x->type == NV_XML_ELEMENT ? strcmp(x->name, y->name) : strcmp(x->text, y->text))
            return 0;
    }
    return !x && !y;
}

static int has_text(const nv_xml_node *el)
{
    for (const nv_xml_node *k = el->first; k; k = k->next) {
        if (k->type == NV_XML_TEXT)
            return 1;
    }
    return 0;
}

struct kid {
    nv_xml_node *n;
    size_t pos;   /* position among the parent's element children */
    char *xml;    /* canonical text, for pairing under unordered parents */
    long peer;    /* index of the paired kid in the other group, or -1 */
    int exact;    /* paired with an identical kid */
};

static int cmp_kid(const void *x, const void *y)
{
    const struct kid *a = x, *b = y;
    int c = strcmp(a->n->name, b->n->name);
    return c ? c : (a->pos > b->pos) - (a->pos < b->pos);
}

struct group {
    size_t a0, na, b0, nb; /* ranges in the sorted kid arrays */
    long long major, minor; /* report order, see order_groups */
};

static int cmp_group(const void *x, const void *y)
{
    const struct group *a = x, *b = y;
    if (a->major != b->major)
        return (a->major > b->major) - (a->major < b->major);
    return (a->minor > b->minor) - (a->minor < b->minor);
}

static int cmp_group_by_a(const void *x, const void *y)
{
    const struct group *a = x, *b = y;
    return (a->minor > b->minor) - (a->minor < b->minor);
}

/* Sorts groups into the order of the after tree; a group only in the
 * before tree goes right after the group that preceded it there. */
static void order_groups(struct group *g, size_t ng, const struct kid *A, const struct kid *B)
{
    for (size_t k = 0; k < ng; k++)
        g[k].minor = g[k].na ? (long long)A[g[k].a0].pos : -1;
    qsort(g, ng, sizeof *g, cmp_group_by_a);
    long long last = -1; /* after-position of the last group seen in both */
    for (size_t k = 0; k < ng; k++) {
        if (g[k].nb) {
            g[k].major = 2 * (long long)B[g[k].b0].pos;
            if (g[k].na)
                last = (long long)B[g[k].b0].pos;
        } else {
            g[k].major = 2 * last + 1;
        }
    }
    qsort(g, ng, sizeof *g, cmp_group);
}

static struct kid *collect(const nv_xml_node *el, size_t *n, struct ctx *c)
{
    size_t count = nv_xml_count(el, NULL);
    *n = count;
    struct kid *k = calloc(count ? count : 1, sizeof *k);
    if (!k) {
        oom(c);
        return NULL;
    }
    size_t i = 0;
    for (nv_xml_node *x = nv_xml_child(el, NULL); x; x = nv_xml_next(x, NULL), i++) {
        k[i].n = x;
        k[i].pos = i;
        k[i].peer = -1;
    }
    qsort(k, count, sizeof *k, cmp_kid);
    return k;
}

static void free_kids(struct kid *k, size_t n)
{
    if (!k)
        return;
    for (size_t i = 0; i < n; i++)
        free(k[i].xml);
    free(k);
}

static int diff_element(struct ctx *c, const nv_xml_node *a, const nv_xml_node *b, nv_buf *path);

/* Appends "/name" or "/name[idx]" to path. */
static void push_step(nv_buf *path, const char *name, size_t idx, int indexed)
{
    nv_buf_append_str(path, "/");
    nv_buf_append_str(path, name);
    if (indexed)
        nv_buf_printf(path, "[%zu]", idx);
}

static char *xml_of(const nv_xml_node *n, struct ctx *c)
{
    return nv_xml_to_string(n, NULL, c->e);
}

/* Attributes with equal values on x and y themselves, plus on their
 * first children of each name: a device's identity (type, target, MAC,
 * address) usually sits there. */
static unsigned similarity(const nv_xml_node *x, const nv_xml_node *y)
{
    unsigned score = 0;
    for (size_t i = 0; i < x->nattrs; i++) {
        const char *v = nv_xml_attr(y, x->attrs[i].name);
        score += v && strcmp(v, x->attrs[i].value) == 0 ? 2 : 0;
    }
    for (const nv_xml_node *k = nv_xml_child(x, NULL); k; k = nv_xml_next(k, NULL)) {
        if (nv_xml_child(x, k->name) != k)
            continue; /* only the first of each name */
        const nv_xml_node *m = nv_xml_child(y, k->name);
        for (size_t i = 0; m && i < k->nattrs; i++) {
            const char *v = nv_xml_attr(m, k->attrs[i].name);
            score += v && strcmp(v, k->attrs[i].value) == 0;
        }
    }
    return score;
}

/* Beyond this many unpaired kids of one name, similarity pairing (quadratic)
 * is skipped and position decides. */
#define SIMILAR_MAX 64

/* Pairs each unpaired kid of A with the most similar unpaired kid of B
 * (earliest on ties), when anything about them matches at all. */
static void pair_similar(struct kid *A, size_t na, struct kid *B, size_t nb)
{
    size_t la = 0, lb = 0;
    for (size_t i = 0; i < na; i++)
        la += A[i].peer < 0;
    for (size_t j = 0; j < nb; j++)
        lb += B[j].peer < 0;
    if (la == 0 || lb == 0 || la > SIMILAR_MAX || lb > SIMILAR_MAX)
        return;
    for (size_t i = 0; i < na; i++) {
        if (A[i].peer >= 0)
            continue;
        unsigned best = 0;
        long bj = -1;
        for (size_t j = 0; j < nb; j++) {
            if (B[j].peer >= 0)
                continue;
            unsigned sc = similarity(A[i].n, B[j].n);
            if (sc > best) {
                best = sc;
                bj = (long)j;
            }
        }
        if (bj >= 0) {
            A[i].peer = bj;
            B[bj].peer = (long)i;
        }
    }
}

static int cmp_kid_xml(const void *x, const void *y)
{
    const struct kid *a = *(const struct kid *const *)x, *b = *(const struct kid *const *)y;
    int c = strcmp(a->xml, b->xml);
    return c ? c : (a->pos > b->pos) - (a->pos < b->pos);
}

/* Kids of one group ordered by canonical text (document order on ties). */
static struct kid **by_xml(struct kid *K, size_t n, struct ctx *c)
{
    struct kid **v = calloc(n ? n : 1, sizeof *v);
    if (!v) {
        oom(c);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (!(K[i].xml = xml_of(K[i].n, c))) {
            free(v);
            return NULL;
        }
        v[i] = &K[i];
    }
    qsort(v, n, sizeof *v, cmp_kid_xml);
    return v;
}

/* Pairs identical kids of A and B: a merge over both sides in text order. */
static int pair_identical(struct ctx *c, struct kid *A, size_t na, struct kid *B, size_t nb)
{
    struct kid **va = by_xml(A, na, c);
    struct kid **vb = va ? by_xml(B, nb, c) : NULL;
    if (!vb) {
        free(va);
        return -1;
    }
    size_t i = 0, j = 0;
    while (i < na && j < nb) {
        int r = strcmp(va[i]->xml, vb[j]->xml);
        if (r == 0) {
            va[i]->peer = vb[j] - B;
            vb[j]->peer = va[i] - A;
            va[i]->exact = vb[j]->exact = 1;
            i++;
            j++;
        } else if (r < 0) {
            i++;
        } else {
            j++;
        }
    }
    free(va);
    free(vb);
    return 0;
}

/* Pairs the kids of one name: under an unordered parent, identical kids
 * first, then the most similar ones; the rest by position. */
static int pair_group(struct ctx *c, struct kid *A, size_t na, struct kid *B, size_t nb,
                      int unordered)
{
    if (unordered) {
        if (pair_identical(c, A, na, B, nb) < 0)
            return -1;
        pair_similar(A, na, B, nb);
    }
    size_t i = 0, j = 0;
    for (;;) {
        while (i < na && A[i].peer >= 0)
            i++;
        while (j < nb && B[j].peer >= 0)
            j++;
        if (i == na || j == nb)
            break;
        A[i].peer = (long)j;
        B[j].peer = (long)i;
        i++;
        j++;
    }
    return 0;
}

static int diff_group(struct ctx *c, struct kid *A, size_t na, struct kid *B, size_t nb,
                      int unordered, nv_buf *path)
{
    if (pair_group(c, A, na, B, nb, unordered) < 0)
        return -1;
    const char *name = na ? A[0].n->name : B[0].n->name;
    int indexed = na > 1 || nb > 1;
    size_t base = path->len;
    /* Changes and additions in the after tree's order, then removals. */
    for (size_t j = 0; j < nb; j++) {
        long p = B[j].peer;
        if (p >= 0 && B[j].exact)
            continue;
        push_step(path, name, j + 1, indexed);
        int rc;
        if (p >= 0) {
            rc = diff_element(c, A[p].n, B[j].n, path);
        } else {
            char *x = xml_of(B[j].n, c);
            rc = x ? add_owned(c, NV_XML_DIFF_ADDED, path, NULL, x) : -1;
        }
        path->len = base;
        if (rc < 0)
            return -1;
    }
    for (size_t i = 0; i < na; i++) {
        if (A[i].peer >= 0)
            continue;
        push_step(path, name, i + 1, indexed);
        char *x = xml_of(A[i].n, c);
        int rc = x ? add_owned(c, NV_XML_DIFF_REMOVED, path, x, NULL) : -1;
        path->len = base;
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int diff_children(struct ctx *c, const nv_xml_node *a, const nv_xml_node *b, nv_buf *path)
{
    size_t na = 0, nb = 0, ng = 0;
    struct kid *A = collect(a, &na, c);
    struct kid *B = A ? collect(b, &nb, c) : NULL;
    struct group *g = B ? calloc(na + nb + 1, sizeof *g) : NULL;
    int rc = -1;
    if (!g) {
        if (A && B)
            oom(c);
        goto out;
    }
    /* Both arrays are sorted by name: walk them together to form groups. */
    for (size_t i = 0, j = 0; i < na || j < nb; ng++) {
        int r = i == na ? 1 : j == nb ? -1 : strcmp(A[i].n->name, B[j].n->name);
        const char *name = r <= 0 ? A[i].n->name : B[j].n->name;
        struct group *gr = &g[ng];
        gr->a0 = i;
        gr->b0 = j;
        if (r <= 0)
            while (i < na && strcmp(A[i].n->name, name) == 0)
                i++;
        if (r >= 0)
            while (j < nb && strcmp(B[j].n->name, name) == 0)
                j++;
        gr->na = i - gr->a0;
        gr->nb = j - gr->b0;
    }
    order_groups(g, ng, A, B);
    int unordered = nv_xml_canon_unordered(c->order, a);
    for (size_t k = 0; k < ng; k++) {
        if (diff_group(c, A + g[k].a0, g[k].na, B + g[k].b0, g[k].nb, unordered, path) < 0)
            goto out;
    }
    rc = 0;
out:
    free(g);
    free_kids(A, na);
    if (A)
        free_kids(B, nb);
    return rc;
}

static int diff_attrs(struct ctx *c, const nv_xml_node *a, const nv_xml_node *b, nv_buf *path)
{
    size_t base = path->len;
    size_t i = 0, j = 0;
    /* canonical attributes are sorted by name */
    while (i < a->nattrs || j < b->nattrs) {
        int r = i == a->nattrs   ? 1
                : j == b->nattrs ? -1
                                 : strcmp(a->attrs[i].name, b->attrs[j].name);
        int rc = 0;
        nv_buf_append_str(path, "/@");
        nv_buf_append_str(path, r <= 0 ? a->attrs[i].name : b->attrs[j].name);
        if (r < 0)
            rc = add_copy(c, NV_XML_DIFF_REMOVED, path, a->attrs[i].value, NULL);
        else if (r > 0)
            rc = add_copy(c, NV_XML_DIFF_ADDED, path, NULL, b->attrs[j].value);
        else if (strcmp(a->attrs[i].value, b->attrs[j].value) != 0)
            rc = add_copy(c, NV_XML_DIFF_CHANGED, path, a->attrs[i].value, b->attrs[j].value);
        path->len = base;
        if (rc < 0)
            return -1;
        if (r <= 0)
            i++;
        if (r >= 0)
            j++;
    }
    return 0;
}

static int diff_text(struct ctx *c, const nv_xml_node *a, const nv_xml_node *b, nv_buf *path)
{
    int none_a, none_b;
    char *ta = direct_text(a, &none_a, c);
    if (!ta && !none_a)
        return -1;
    char *tb = direct_text(b, &none_b, c);
    if (!tb && !none_b) {
        free(ta);
        return -1;
    }
    if (none_a && none_b)
        return 0;
    if (ta && tb && strcmp(ta, tb) == 0) {
        free(ta);
        free(tb);
        return 0;
    }
    enum nv_xml_diff_kind k = !ta ? NV_XML_DIFF_ADDED : !tb ? NV_XML_DIFF_REMOVED : NV_XML_DIFF_CHANGED;
    return add_owned(c, k, path, ta, tb);
}

static int diff_element(struct ctx *c, const nv_xml_node *a, const nv_xml_node *b, nv_buf *path)
{
    size_t start = c->out->n;
    if (diff_attrs(c, a, b, path) < 0 || diff_text(c, a, b, path) < 0 ||
        diff_children(c, a, b, path) < 0)
        return -1;
    /* Nothing differs below, yet the children may sit in another order.
     * That matters unless the parent is unordered; but its canonical form
     * only ignores order when it holds no text (see canon.c). */
    int reordered = nv_xml_canon_unordered(c->order, a) ? (has_text(a) || has_text(b)) && !nv_xml_equal(a, b)
                                              : !same_sequence(a, b);
    if (c->out->n == start && reordered) {
        char *x = child_names(a, c);
        char *y = x ? child_names(b, c) : NULL;
        if (!y) {
            free(x);
            return -1;
        }
        return add_owned(c, NV_XML_DIFF_REORDERED, path, x, y);
    }
    return 0;
}

void nv_xml_diff_free(nv_xml_diff_list *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].path);
        free(d->v[i].before);
        free(d->v[i].after);
    }
    free(d->v);
    d->v = NULL;
    d->n = d->cap = 0;
}

int nv_xml_diff(const nv_xml_node *before, const nv_xml_node *after, const nv_xml_order *o,
                nv_xml_diff_list *out, nv_err *e)
{
    struct ctx c = {.out = out, .order = o, .e = e};
    nv_xml_node *a = nv_xml_clone(before, e);
    nv_xml_node *b = a ? nv_xml_clone(after, e) : NULL;
    nv_buf path;
    nv_buf_init(&path, 0);
    int rc = -1;
    if (!b || nv_xml_canon_keep_order(a, e) < 0 || nv_xml_canon_keep_order(b, e) < 0)
        goto out;
    if (strcmp(a->name, b->name) != 0) {
        char *x = xml_of(a, &c);
        push_step(&path, a->name, 0, 0);
        if (!x || add_owned(&c, NV_XML_DIFF_REMOVED, &path, x, NULL) < 0)
            goto out;
        char *y = xml_of(b, &c);
        path.len = 0;
        push_step(&path, b->name, 0, 0);
        if (!y || add_owned(&c, NV_XML_DIFF_ADDED, &path, NULL, y) < 0)
            goto out;
        rc = 0;
        goto out;
    }
    push_step(&path, a->name, 0, 0);
    rc = diff_element(&c, a, b, &path);
    if (rc == 0 && path.failed)
        rc = nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
out:
    nv_buf_free(&path);
    nv_xml_free(a);
    nv_xml_free(b);
    return rc;
}

/* ---- formatting ---- */

static int needs_quotes(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || v[0] == ' ' || v[n - 1] == ' ' || v[0] == '"' || strcmp(v, "(absent)") == 0)
        return 1;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return 1;
    }
    return 0;
}

static void show(nv_buf *out, const char *v)
{
    if (!v) {
        nv_buf_append_str(out, "(absent)");
        return;
    }
    size_t n = strlen(v), cut = n;
    if (n > NV_XML_DIFF_SHOW) {
        cut = NV_XML_DIFF_SHOW;
        /* do not split a UTF-8 sequence */
        while (cut > 0 && ((unsigned char)v[cut] & 0xC0) == 0x80)
            cut--;
    }
    if (!needs_quotes(v)) {
        nv_buf_append(out, v, cut);
    } else {
        nv_buf_append_str(out, "\"");
        for (size_t i = 0; i < cut; i++) {
            unsigned char ch = (unsigned char)v[i];
            switch (ch) {
            case '\n': nv_buf_append_str(out, "\\n"); break;
            case '\t': nv_buf_append_str(out, "\\t"); break;
            case '\r': nv_buf_append_str(out, "\\r"); break;
            case '"': nv_buf_append_str(out, "\\\""); break;
            case '\\': nv_buf_append_str(out, "\\\\"); break;
            default:
                if (ch < 0x20 || ch == 0x7f)
                    nv_buf_printf(out, "\\x%02x", ch);
                else
                    nv_buf_append(out, &v[i], 1);
            }
        }
        if (cut == n)
            nv_buf_append_str(out, "\"");
    }
    if (cut < n)
        nv_buf_append_str(out, "…");
}

int nv_xml_diff_format(const nv_xml_diff_entry *d, nv_buf *out)
{
    nv_buf_append_str(out, d->path);
    nv_buf_append_str(out, d->kind == NV_XML_DIFF_REORDERED ? ": order " : ": ");
    show(out, d->before);
    nv_buf_append_str(out, " → ");
    show(out, d->after);
    return out->failed ? -1 : 0;
}

char *nv_xml_diff_to_string(const nv_xml_diff_list *d, nv_err *e)
{
    nv_buf b;
    nv_buf_init(&b, 0);
    for (size_t i = 0; i < d->n; i++) {
        nv_xml_diff_format(&d->v[i], &b);
        nv_buf_append_str(&b, "\n");
    }
    char *s = nv_buf_steal(&b);
    if (!s) {
        nv_buf_free(&b);
        nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    }
    return s;
}
