#include "xml/path.h"

#include <string.h>

struct step {
    const char *name; /* not NUL-terminated: name[0..len) */
    size_t len;
    unsigned long index; /* 1-based; 0 means any */
    int attr;            /* "@name" */
};

#define MAX_STEPS 64

/* Splits path into steps; *absolute tells whether it started with '/'.
 * Returns the number of steps, or -1 when malformed. */
static int split(const char *path, struct step *steps, int *absolute)
{
    size_t total = strnlen(path, NV_XML_PATH_MAX + 1);
    if (total == 0 || total > NV_XML_PATH_MAX)
        return -1;
    const char *p = path;
    *absolute = *p == '/';
    if (*absolute)
        p++;
    int n = 0;
    for (;;) {
        if (n == MAX_STEPS)
            return -1;
        struct step *s = &steps[n];
        s->attr = *p == '@';
        if (s->attr)
            p++;
        s->name = p;
        while (*p && *p != '/' && *p != '[')
            p++;
        s->len = (size_t)(p - s->name);
        s->index = 0;
        if (s->len == 0)
            return -1;
        if (*p == '[') {
            if (s->attr)
                return -1;
            p++;
            if (*p < '1' || *p > '9')
                return -1;
            unsigned long v = 0;
            while (*p >= '0' && *p <= '9') {
                if (v > 1000000)
                    return -1;
                v = v * 10 + (unsigned long)(*p - '0');
                p++;
            }
            if (*p != ']')
                return -1;
            p++;
            s->index = v;
        }
        n++;
        if (*p == '\0')
            break;
        if (*p != '/' || s->attr)
            return -1; /* an attribute step must be last */
        p++;
    }
    return n;
}

static int name_is(const nv_xml_node *el, const struct step *s)
{
    return strncmp(el->name, s->name, s->len) == 0 && el->name[s->len] == '\0';
}

/* Called for every match: the element (and for attribute steps, the step
 * naming the attribute). Returns nonzero to stop the walk. */
typedef int (*visit_fn)(nv_xml_node *el, const struct step *attr, void *ctx);

/* Matches steps against the children of el. */
static int walk(nv_xml_node *el, const struct step *s, int n, visit_fn fn, void *ctx)
{
    if (s->attr)
        return fn(el, s, ctx);
    unsigned long seen = 0;
    nv_xml_node *c = el->first;
    while (c) {
        nv_xml_node *next = c->next; /* fn may unlink c */
        if (c->type == NV_XML_ELEMENT && name_is(c, s)) {
            seen++;
            if (!s->index || s->index == seen) {
                int stop = n == 1 ? fn(c, NULL, ctx) : walk(c, s + 1, n - 1, fn, ctx);
                if (stop || s->index)
                    return stop;
            }
        }
        c = next;
    }
    return 0;
}

/* Resolves the absolute prefix: returns the element the remaining steps
 * start from (or NULL when the root does not match). */
static nv_xml_node *start(const nv_xml_node *from, int absolute, const struct step **s, int *n)
{
    if (!absolute)
        return (nv_xml_node *)from;
    nv_xml_node *root = nv_xml_root(from);
    if ((*s)->attr || !name_is(root, *s) || (*s)->index > 1)
        return NULL;
    (*s)++;
    (*n)--;
    return root;
}

struct find_ctx {
    nv_xml_node *el;
    const char *value;
};

static int find_el(nv_xml_node *el, const struct step *attr, void *ctx)
{
    (void)attr;
    ((struct find_ctx *)ctx)->el = el;
    return 1;
}

static int find_val(nv_xml_node *el, const struct step *attr, void *ctx)
{
    struct find_ctx *f = ctx;
    if (!attr) {
        f->value = nv_xml_text(el);
        return 1;
    }
    for (size_t i = 0; i < el->nattrs; i++) {
        if (strncmp(el->attrs[i].name, attr->name, attr->len) == 0 &&
            el->attrs[i].name[attr->len] == '\0') {
            f->value = el->attrs[i].value;
            return 1;
        }
    }
    return 0;
}

nv_xml_node *nv_xml_find(const nv_xml_node *from, const char *path)
{
    struct step steps[MAX_STEPS];
    const struct step *s = steps;
    int absolute;
    int n = split(path, steps, &absolute);
    if (n < 0 || steps[n - 1].attr)
        return NULL;
    nv_xml_node *el = start(from, absolute, &s, &n);
    if (!el)
        return NULL;
    if (n == 0)
        return el;
    struct find_ctx f = {0};
    walk(el, s, n, find_el, &f);
    return f.el;
}

const char *nv_xml_find_value(const nv_xml_node *from, const char *path)
{
    struct step steps[MAX_STEPS];
    const struct step *s = steps;
    int absolute;
    int n = split(path, steps, &absolute);
    if (n < 0)
        return NULL;
    nv_xml_node *el = start(from, absolute, &s, &n);
    if (!el)
        return NULL;
    struct find_ctx f = {0};
    if (n == 0)
        find_val(el, NULL, &f);
    else
        walk(el, s, n, find_val, &f);
    return f.value;
}

static int remove_one(nv_xml_node *el, const struct step *attr, void *ctx)
{
    long *count = ctx;
    if (attr) {
        /* the step is not NUL-terminated; copy the name out */
        char name[NV_XML_PATH_MAX + 1];
        memcpy(name, attr->name, attr->len);
        name[attr->len] = '\0';
        *count += nv_xml_remove_attr(el, name);
    } else {
        nv_xml_free(el);
        (*count)++;
    }
    return 0;
}

long nv_xml_remove_path(nv_xml_node *root, const char *path, nv_err *e)
{
    struct step steps[MAX_STEPS];
    const struct step *s = steps;
    int absolute;
    int n = split(path, steps, &absolute);
    if (n < 0) {
        nv_err_set(e, NV_ERR_INPUT, "malformed XML path '%.*s'", 200, path);
        return -1;
    }
    nv_xml_node *el = start(root, absolute, &s, &n);
    if (!el)
        return 0;
    if (n == 0) {
        nv_err_set(e, NV_ERR_INPUT, "XML path '%.*s' names the root element", 200, path);
        return -1;
    }
    long count = 0;
    walk(el, s, n, remove_one, &count);
    return count;
}

long nv_xml_remove_paths(nv_xml_node *root, const char *const *paths, size_t n, nv_err *e)
{
    long total = 0;
    for (size_t i = 0; i < n; i++) {
        long r = nv_xml_remove_path(root, paths[i], e);
        if (r < 0)
            return -1;
        total += r;
    }
    return total;
}
