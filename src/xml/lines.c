#include "xml/lines.h"

#include <string.h>

unsigned long nv_xml_line_ends(const char *data, size_t len, size_t from, size_t to)
{
    if (to > len)
        to = len;
    if (from >= to)
        return 0;
    unsigned long n = 0;
    for (const char *p = data + from, *stop = data + to; (p = memchr(p, '\n', (size_t)(stop - p))) != NULL; p++)
        n++;
    /* a lone CR ends a line too (rare: looked for only when there is one) */
    for (const char *p = data + from, *stop = data + to; (p = memchr(p, '\r', (size_t)(stop - p))) != NULL; p++)
        if (p + 1 == data + len || p[1] != '\n')
            n++;
    return n;
}

unsigned long nv_xml_line_at(const char *data, size_t len, unsigned long off)
{
    return 1 + nv_xml_line_ends(data, len, 0, off);
}
