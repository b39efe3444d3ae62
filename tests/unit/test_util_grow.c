#include "check.h"
#include "util/grow.h"

#include <stdint.h>
#include <stdlib.h>

TEST(grow_doubles_from_first)
{
    int *v = NULL;
    size_t cap = 0;
    v = nv_grow(v, &cap, sizeof *v, 16);
    CHECK(v != NULL);
    CHECK_INT(cap, 16);
    for (int i = 0; i < 16; i++)
        v[i] = i;
    int *w = nv_grow(v, &cap, sizeof *w, 16);
    CHECK(w != NULL);
    CHECK_INT(cap, 32);
    int same = 1;
    for (int i = 0; w && i < 16; i++)
        same &= w[i] == i;
    CHECK(same);
    /* too large to double: nothing changes */
    size_t huge = SIZE_MAX / 4;
    CHECK(nv_grow(w, &huge, sizeof *w, 16) == NULL);
    CHECK(huge == SIZE_MAX / 4);
    free(w);
}
