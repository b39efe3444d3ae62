#include "cli/args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int find_long(struct nv_opt *opts, size_t nopts, const char *name, size_t len,
                     char *err, size_t errlen)
{
    int found = -1, matches = 0;
    for (size_t i = 0; i < nopts; i++) {
        if (strncmp(opts[i].name, name, len) != 0)
            continue;
        if (strlen(opts[i].name) == len)
            return (int)i; /* exact match wins over prefixes */
        found = (int)i;
        matches++;
    }
    if (matches == 1)
        return found;
    if (matches == 0)
        snprintf(err, errlen, "unrecognized argument: --%.*s", (int)len, name);
    else
        snprintf(err, errlen, "ambiguous option: --%.*s", (int)len, name);
    return -1;
}

static int check_choice(const struct nv_opt *o, const char *v, char *err, size_t errlen)
{
    if (!o->choices)
        return 0;
    for (const char *const *c = o->choices; *c; c++)
        if (strcmp(*c, v) == 0)
            return 0;
    size_t n = (size_t)snprintf(err, errlen, "argument --%s: invalid choice: '%s' (choose from", o->name, v);
    for (const char *const *c = o->choices; *c && n < errlen; c++)
        n += (size_t)snprintf(err + n, errlen - n, "%s '%s'", c == o->choices ? "" : ",", *c);
    if (n < errlen)
        snprintf(err + n, errlen - n, ")");
    return -1;
}

/* --name or --name=VALUE: *o is the option, *inline_value its VALUE. */
static int long_option(const char *a, struct nv_opt *opts, size_t nopts, struct nv_opt **o,
                       const char **inline_value, char *err, size_t errlen)
{
    const char *name = a + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    int idx = find_long(opts, nopts, name, len, err, errlen);
    if (idx < 0)
        return -1;
    *o = &opts[idx];
    if (eq) {
        if ((*o)->kind == NV_OPT_FLAG) {
            snprintf(err, errlen, "argument --%s: ignored explicit argument '%s'", (*o)->name, eq + 1);
            return -1;
        }
        *inline_value = eq + 1;
    }
    return 0;
}

/* Short options, possibly grouped flags (-vv), which are counted here; *o
 * is left NULL unless one takes a value (-oFILE or -o FILE). */
static int short_options(const char *a, struct nv_opt *opts, size_t nopts, struct nv_opt **o,
                         const char **inline_value, char *err, size_t errlen)
{
    for (const char *s = a + 1; *s; s++) {
        struct nv_opt *f = NULL;
        for (size_t k = 0; k < nopts; k++)
            if (opts[k].short_name == *s)
                f = &opts[k];
        if (!f) {
            snprintf(err, errlen, "unrecognized argument: -%c", *s);
            return -1;
        }
        if (f->kind == NV_OPT_FLAG) {
            f->count++;
            continue;
        }
        *o = f;
        *inline_value = s[1] ? s + 1 : NULL;
        return 0;
    }
    return 0;
}

/* An option's value: inline, or the next argument (*i moves past it). */
static int take_value(struct nv_opt *o, const char *inline_value, int argc, char **argv, int *i, char *err,
                      size_t errlen)
{
    const char *v = inline_value;
    if (!v) {
        if (*i + 1 >= argc) {
            snprintf(err, errlen, "argument --%s: expected one argument", o->name);
            return -1;
        }
        v = argv[++*i];
    }
    if (check_choice(o, v, err, errlen) < 0)
        return -1;
    o->value = v;
    o->count++;
    return 0;
}

int nv_args_parse(int argc, char **argv, struct nv_opt *opts, size_t nopts,
                  const char **positional, size_t max_pos, size_t *npos,
                  char *err, size_t errlen)
{
    size_t np = 0;
    int only_positional = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        struct nv_opt *o = NULL;
        const char *inline_value = NULL;
        if (!only_positional && strcmp(a, "--") == 0) {
            only_positional = 1;
            continue;
        }
        if (!only_positional && a[0] == '-' && a[1] == '-') {
            if (long_option(a, opts, nopts, &o, &inline_value, err, errlen) < 0)
                return -1;
        } else if (!only_positional && a[0] == '-' && a[1] != '\0') {
            if (short_options(a, opts, nopts, &o, &inline_value, err, errlen) < 0)
                return -1;
            if (!o)
                continue; /* flags only */
        } else {
            if (np == max_pos) {
                snprintf(err, errlen, "unrecognized argument: %s", a);
                return -1;
            }
            positional[np++] = a;
            continue;
        }
        if (o->kind == NV_OPT_FLAG) {
            o->count++;
            continue;
        }
        if (take_value(o, inline_value, argc, argv, &i, err, errlen) < 0)
            return -1;
    }
    if (npos)
        *npos = np;
    return 0;
}
