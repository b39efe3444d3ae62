#include "util/seconds.h"

#include <stddef.h>

int nv_parse_seconds(const char *s, unsigned *out)
{
    if (!s || !*s)
        return -1;
    unsigned long v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (unsigned long)(*p - '0');
        if (v > 864000)
            return -1;
    }
    *out = (unsigned)v;
    return 0;
}
