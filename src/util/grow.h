/* Growing an array by doubling (a long list is not copied once per item). */
#ifndef NV_UTIL_GROW_H
#define NV_UTIL_GROW_H

#include <stddef.h>

/* v (of *cap elements of elem bytes) reallocated to twice as many, or to
 * `first` when it has none; *cap updated. NULL when out of memory (or the
 * size would overflow): v and *cap are then unchanged. */
void *nv_grow(void *v, size_t *cap, size_t elem, size_t first);

#endif
