/* A list of error lines, for commands that check everything first and
 * report every problem at once. */
#ifndef NV_UTIL_ERRLIST_H
#define NV_UTIL_ERRLIST_H

#include <stddef.h>

/* More lines than anyone reads; beyond it only the count grows. */
#define NV_ERRLIST_MAX 1000

typedef struct nv_errlist {
    char **v;
    size_t n;
    int oom; /* a line could not be stored */
} nv_errlist;

void nv_errlist_add(nv_errlist *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void nv_errlist_free(nv_errlist *l);

#endif
