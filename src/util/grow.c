#include "util/grow.h"

#include <stdint.h>
#include <stdlib.h>

void *nv_grow(void *v, size_t *cap, size_t elem, size_t first)
{
    size_t n = *cap ? *cap : first / 2;
    if (!elem || n > SIZE_MAX / 2 / elem)
        return NULL;
    void *p = realloc(v, 2 * n * elem);
    if (p)
        *cap = 2 * n;
    return p;
}
