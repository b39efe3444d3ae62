#include "util/errlist.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void nv_errlist_add(nv_errlist *l, const char *fmt, ...)
{
    if (l->n >= NV_ERRLIST_MAX) {
        l->n++;
        return;
    }
    char line[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    char **v = realloc(l->v, (l->n + 1) * sizeof *v);
    if (!v) {
        l->oom = 1;
        return;
    }
    l->v = v;
    size_t len = 0;
    while (line[len])
        len++;
    l->v[l->n] = malloc(len + 1);
    if (!l->v[l->n]) {
        l->oom = 1;
        return;
    }
    for (size_t i = 0; i <= len; i++)
        l->v[l->n][i] = line[i];
    l->n++;
}

void nv_errlist_free(nv_errlist *l)
{
    size_t stored = l->n < NV_ERRLIST_MAX ? l->n : NV_ERRLIST_MAX;
    for (size_t i = 0; i < stored; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}
