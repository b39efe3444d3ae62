#include "engine/compare.h"

#include "engine/units.h"

#include <stdlib.h>
#include <string.h>

#include "xml/canon.h"
#include "xml/diff.h"
#include "util/sha256.h"
#include "xml/path.h"

/* Pools report sizes, which change by themselves, and the target's
 * permissions: a refresh (every start) overwrites them in the daemon's
 * definition with the directory's mode, owner and group. Each only counts
 * when the definition sets it: a definition giving just <mode> must not
 * see the owner and group the daemon filled in as a change. */
static const char *const unordered_children[] = {"devices", NULL};
const nv_xml_order nv_compare_order = {.root_children = unordered_children};

static const char *const pool_volatile[] = {
    "capacity",
    "allocation",
    "available",
    "target/permissions/mode",
    "target/permissions/owner",
    "target/permissions/group",
    "target/permissions/label",
};

static int drop_volatile(nv_xml_node *root, const nv_spec *spec, nv_err *e)
{
    for (size_t i = 0; i < sizeof pool_volatile / sizeof pool_volatile[0]; i++) {
        if (spec && nv_xml_find(spec->root, pool_volatile[i]))
            continue;
        if (nv_xml_remove_path(root, pool_volatile[i], e) < 0)
            return -1;
    }
    /* what is left of <permissions> once nothing in it counts */
    nv_xml_node *target = nv_xml_child(root, "target");
    nv_xml_node *perms = target ? nv_xml_child(target, "permissions") : NULL;
    if (perms && !nv_xml_child(perms, NULL) && nv_xml_remove_path(root, "target/permissions", e) < 0)
        return -1;
    return 0;
}

int nv_compare_defs(enum nv_kind kind, const nv_spec *spec, const char *before,
                    const char *after, nv_xml_diff_list *diff, nv_err *e)
{
    int rc = -1;
    nv_xml_node *a = nv_xml_parse(before, strlen(before), "daemon XML (before)", e);
    nv_xml_node *b = a ? nv_xml_parse(after, strlen(after), "daemon XML (after)", e) : NULL;
    if (!a || !b)
        goto out;
    if (kind == NV_KIND_POOL && (drop_volatile(a, spec, e) < 0 || drop_volatile(b, spec, e) < 0))
        goto out;
    int eq = nv_xml_canon_equal(a, b, &nv_compare_order, e);
    if (eq < 0)
        goto out;
    rc = !eq;
    /* the diff is for people: a failure to make it changes no decision */
    if (rc == 1 && diff) {
        nv_err de;
        nv_err_clear(&de);
        if (nv_units_normalise(a, &de) < 0 || nv_units_normalise(b, &de) < 0 || nv_xml_diff(a, b, &nv_compare_order, diff, &de) < 0)
            nv_xml_diff_free(diff);
    }
out:
    nv_xml_free(a);
    nv_xml_free(b);
    return rc;
}

int nv_compare_digest(enum nv_kind kind, const nv_spec *spec, const char *xml, uint8_t out[32], nv_err *e)
{
    if (kind != NV_KIND_POOL) {
        nv_sha256(xml, strlen(xml), out);
        return 0;
    }
    nv_xml_node *t = nv_xml_parse(xml, strlen(xml), "daemon XML", e);
    if (!t || drop_volatile(t, spec, e) < 0) {
        nv_xml_free(t);
        return -1;
    }
    char *canon = nv_xml_canon_string(t, &nv_compare_order, e);
    nv_xml_free(t);
    if (!canon)
        return -1;
    nv_sha256(canon, strlen(canon), out);
    free(canon);
    return 0;
}
