#include "engine/units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char prefixes[] = "kmgtpe"; /* KiB/KB ... EiB/EB */

uint64_t nv_units_scale(const char *unit)
{
    /* libvirt: "b", "byte", "bytes"; else a prefix letter (any case),
     * alone or with "iB" (1024) or "B" (1000) */
    if (strcasecmp(unit, "b") == 0 || strcasecmp(unit, "byte") == 0 || strcasecmp(unit, "bytes") == 0)
        return 1;
    char p = unit[0] >= 'A' && unit[0] <= 'Z' ? (char)(unit[0] - 'A' + 'a') : unit[0];
    const char *at = p ? strchr(prefixes, p) : NULL;
    if (!at)
        return 0;
    uint64_t base;
    if (unit[1] == '\0' || strcasecmp(unit + 1, "iB") == 0)
        base = 1024;
    else if (strcasecmp(unit + 1, "B") == 0)
        base = 1000;
    else
        return 0;
    uint64_t scale = 1;
    for (const char *q = prefixes; q <= at; q++)
        scale *= base;
    return scale;
}

void nv_units_format(uint64_t bytes, char *out, size_t n)
{
    static const char *const bin[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    static const char *const dec[] = {"KB", "MB", "GB", "TB", "PB", "EB"};
    if (bytes) {
        for (int base = 1024; base >= 1000; base -= 24) {
            const char *const *names = base == 1024 ? bin : dec;
            int best = -1;
            uint64_t scale = 1, best_scale = 1;
            for (int i = 0; i < 6; i++) {
                scale *= (uint64_t)base;
                if (bytes % scale != 0)
                    break;
                best = i;
                best_scale = scale;
            }
            if (best >= 0) {
                snprintf(out, n, "%llu %s", (unsigned long long)(bytes / best_scale), names[best]);
                return;
            }
        }
    }
    snprintf(out, n, "%llu B", (unsigned long long)bytes);
}

/* A decimal number without sign or spaces (libvirt allows surrounding
 * spaces; they would not be a size worth rewriting). */
static int parse_u64(const char *s, uint64_t *out)
{
    if (!*s)
        return -1;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return 0;
}

/* The unit of a unit-less size element, from where it sits. */
static uint64_t default_scale(const nv_xml_node *el)
{
    static const char *const domain_kib[] = {"memory", "currentMemory", "maxMemory"};
    static const char *const memtune_kib[] = {"hard_limit", "soft_limit", "swap_hard_limit", "min_guarantee"};
    static const char *const storage_b[] = {"capacity", "allocation", "available"};
    const nv_xml_node *parent = el->parent;
    if (!parent)
        return 0;
    const char *root = nv_xml_root(el)->name;
    if (strcmp(root, "domain") == 0) {
        if (!parent->parent)
            for (size_t i = 0; i < sizeof domain_kib / sizeof *domain_kib; i++)
                if (strcmp(el->name, domain_kib[i]) == 0)
                    return 1024;
        if (strcmp(parent->name, "memtune") == 0 && parent->parent && !parent->parent->parent)
            for (size_t i = 0; i < sizeof memtune_kib / sizeof *memtune_kib; i++)
                if (strcmp(el->name, memtune_kib[i]) == 0)
                    return 1024;
    } else if ((strcmp(root, "pool") == 0 || strcmp(root, "volume") == 0) && !parent->parent) {
        for (size_t i = 0; i < sizeof storage_b / sizeof *storage_b; i++)
            if (strcmp(el->name, storage_b[i]) == 0)
                return 1;
    }
    return 0;
}

static int normalise_el(nv_xml_node *el, nv_err *e)
{
    const char *text = nv_xml_text(el);
    const char *unit = nv_xml_attr(el, "unit");
    uint64_t v, scale = unit ? nv_units_scale(unit) : default_scale(el);
    if (!text || !scale || parse_u64(text, &v) < 0 || (v && scale > UINT64_MAX / v))
        return 0; /* not a size we understand: shown as written */
    char shown[64];
    nv_units_format(v * scale, shown, sizeof shown);
    nv_xml_node *t = nv_xml_new_text(shown, e);
    if (!t)
        return -1;
    while (el->first)
        nv_xml_free(el->first);
    nv_xml_append(el, t);
    nv_xml_remove_attr(el, "unit");
    return 0;
}

int nv_units_normalise(nv_xml_node *root, nv_err *e)
{
    /* iterative walk: definitions may nest up to NV_XML_MAX_DEPTH */
    for (nv_xml_node *n = root; n;) {
        if (n->type == NV_XML_ELEMENT && normalise_el(n, e) < 0)
            return -1;
        if (n->type == NV_XML_ELEMENT && n->first) {
            n = n->first;
            continue;
        }
        while (n && n != root && !n->next)
            n = n->parent;
        if (!n || n == root)
            break;
        n = n->next;
    }
    return 0;
}
