#include "engine/import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virt/domain.h"
#include "virt/object.h"
#include "virt/volume.h"
#include "xml/doc.h"
#include "xml/schema.h"
#include "xml/tonix.h"

#define LIST_PERSISTENT 4u    /* VIR_CONNECT_LIST_{DOMAINS,NETWORKS,STORAGE_POOLS}_PERSISTENT */
#define LIST_TRANSIENT 8u     /* ..._TRANSIENT */
#define DOMAIN_XML_SECURE 1u  /* VIR_DOMAIN_XML_SECURE: keep passwords, or a re-define drops them */

static int by_name(const void *a, const void *b)
{
    return strcmp(((const nv_obj *)a)->name, ((const nv_obj *)b)->name);
}

static int vol_by_name(const void *a, const void *b)
{
    return strcmp(((const nv_vol *)a)->name, ((const nv_vol *)b)->name);
}

/* Removes every child element of el named `name`. */
static void drop(nv_xml_node *el, const char *name)
{
    nv_xml_node *c = el ? nv_xml_child(el, name) : NULL;
    while (c) {
        nv_xml_node *next = nv_xml_next(c, name);
        nv_xml_free(c);
        c = next;
    }
}

/* Appends text with `ind` spaces after every newline but the last (the
 * expression's own line breaks: its strings carry theirs as \n). */
static void append_indented(nv_buf *out, const char *text, size_t len, int ind)
{
    for (size_t i = 0; i < len; i++) {
        nv_buf_append(out, text + i, 1);
        if (text[i] == '\n' && i + 1 < len)
            for (int k = 0; k < ind; k++)
                nv_buf_append(out, " ", 1);
    }
}

/* `definition = nixvirt.<kind>.writeXML { ... };` for one XML text at
 * indentation ind. `what` names the object in messages. */
static int definition(const char *kind, const char *xml, const char *what, const nv_import_opts *o, int ind,
                      nv_buf *out, nv_errlist *warnings, nv_err *e)
{
    nv_xml_node *root = nv_xml_parse(xml, strlen(xml), what, e);
    if (!root)
        return -1;
    if (strcmp(kind, "pool") == 0) {
        drop(root, "capacity");
        drop(root, "allocation");
        drop(root, "available");
    } else if (strcmp(kind, "volume") == 0) {
        drop(root, "key");
        drop(root, "allocation");
        drop(root, "physical");
        drop(root, "source");
        nv_xml_node *t = nv_xml_child(root, "target");
        drop(t, "path");
        drop(t, "timestamps");
    }
    nv_buf nix;
    nv_buf_init(&nix, 0);
    int rc = nv_xml_to_nix(root, nv_xml_schema_find(kind), what, o->lenient ? NV_XML_TONIX_LENIENT : 0,
                           warnings, &nix, e);
    nv_xml_free(root);
    if (rc == 0) {
        for (int k = 0; k < ind; k++)
            nv_buf_append(out, " ", 1);
        nv_buf_printf(out, "definition = nixvirt.%s.writeXML ", kind);
        /* the set ends with "}\n": write it as "};\n" */
        append_indented(out, (const char *)nix.data, nix.len - 1, ind);
        nv_buf_append_str(out, ";\n");
    }
    nv_buf_free(&nix);
    return rc;
}

static void indent(nv_buf *out, int n)
{
    for (int k = 0; k < n; k++)
        nv_buf_append(out, " ", 1);
}

/* The volumes of every active pool with their XML: two round trips however
 * many pools and volumes there are. vols[i] and vxml[i] belong to pool i. */
static int fetch_volumes(nv_conn *c, const nv_obj_list *pools, const int *active, nv_vol_list *vols,
                         char ***vxml, nv_err *e)
{
    size_t n = pools->n, total = 0, sent = 0;
    uint32_t *serials = calloc(n + 1, sizeof *serials);
    if (!serials)
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (active[i] && (rc = nv_vol_list_all_start(c, &pools->v[i], &serials[i], e)) == 0)
            sent = i + 1;
    for (size_t i = 0; i < sent; i++) {
        if (!active[i])
            continue;
        nv_err oe;
        nv_err_clear(&oe);
        if (nv_vol_list_all_finish(c, serials[i], &vols[i], &oe) < 0 && rc == 0) {
            *e = oe;
            rc = nv_err_prefix(e, "pool %s: listing its volumes", pools->v[i].name);
        }
        if (vols[i].n)
            qsort(vols[i].v, vols[i].n, sizeof *vols[i].v, vol_by_name);
        total += vols[i].n;
    }
    free(serials);
    if (rc < 0)
        return -1;
    serials = calloc(total + 1, sizeof *serials);
    if (!serials)
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (!vols[i].n)
            continue;
        if (!(vxml[i] = calloc(vols[i].n, sizeof *vxml[i]))) {
            rc = nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
            break;
        }
        for (size_t j = 0; j < vols[i].n && rc == 0; j++)
            if ((rc = nv_vol_xml_start(c, &vols[i].v[j], &serials[k], e)) == 0)
                k++;
    }
    size_t got = 0;
    for (size_t i = 0; i < n && got < k; i++) {
        for (size_t j = 0; j < vols[i].n && got < k; j++, got++) {
            nv_err oe;
            nv_err_clear(&oe);
            if (nv_vol_xml_finish(c, serials[got], &vxml[i][j], &oe) < 0 &&
                !(oe.kind == NV_ERR_LIBVIRT && oe.code == 50 /* VIR_ERR_NO_STORAGE_VOL: gone meanwhile */) &&
                rc == 0) {
                *e = oe;
                rc = nv_err_prefix(e, "volume %s/%s", pools->v[i].name, vols[i].v[j].name);
            }
        }
    }
    free(serials);
    return rc;
}

/* volumes = [ ... ]; of one pool (nothing when it has none). */
static int emit_volumes(const nv_obj *pool, const nv_vol_list *vl, char **vxml, const nv_import_opts *o,
                        nv_buf *out, nv_errlist *warnings, nv_err *e)
{
    if (!vl->n)
        return 0;
    indent(out, 6);
    nv_buf_append_str(out, "volumes = [\n");
    for (size_t j = 0; j < vl->n; j++) {
        if (!vxml[j])
            continue;
        char what[512];
        snprintf(what, sizeof what, "volume %s/%s", pool->name, vl->v[j].name);
        indent(out, 8);
        nv_buf_append_str(out, "{\n");
        if (definition("volume", vxml[j], what, o, 10, out, warnings, e) < 0)
            return -1;
        indent(out, 8);
        nv_buf_append_str(out, "}\n");
    }
    indent(out, 6);
    nv_buf_append_str(out, "];\n");
    return 0;
}

/* One kind's objects, as import_kind fetches them; arrays per object of all. */
typedef struct fetched {
    nv_obj_list all, act, trans; /* persistent (by name), active persistent, transient */
    uint32_t *serials;
    char **xmls;
    int *active;
    nv_vol_list *vols;
    char ***vxml;
} fetched;

static void fetched_free(fetched *f)
{
    for (size_t i = 0; i < f->all.n; i++) {
        if (f->xmls)
            free(f->xmls[i]);
        if (f->vxml && f->vxml[i]) {
            for (size_t j = 0; j < f->vols[i].n; j++)
                free(f->vxml[i][j]);
            free(f->vxml[i]);
        }
        if (f->vols)
            nv_vol_list_free(&f->vols[i]);
    }
    free(f->xmls);
    free(f->vxml);
    free(f->vols);
    free(f->active);
    free(f->serials);
    nv_obj_list_free(&f->all);
    nv_obj_list_free(&f->act);
    nv_obj_list_free(&f->trans);
}

/* The kind's objects, sorted by name, with room for what is fetched of
 * each; a transient one is only warned about. */
static int list_objects(nv_conn *c, enum nv_kind kind, fetched *f, nv_errlist *warnings, nv_err *e)
{
    const nv_kind_ops *k = nv_kind_ops_get(kind);
    if (nv_obj_list_all(c, k, LIST_PERSISTENT, &f->all, e) < 0 ||
        nv_obj_list_all(c, k, LIST_TRANSIENT, &f->trans, e) < 0)
        return -1;
    /* domains say whether they run by their id; networks and pools by a list */
    if (kind != NV_KIND_DOMAIN && nv_obj_list_all(c, k, LIST_PERSISTENT | k->list_active, &f->act, e) < 0)
        return -1;
    for (size_t i = 0; i < f->trans.n; i++)
        nv_errlist_add(warnings,
                       "%s %s is transient (it has no definition to import): left out, and an apply "
                       "with purge = \"undeclared\" would remove it",
                       k->name, f->trans.v[i].name);
    if (f->all.n)
        qsort(f->all.v, f->all.n, sizeof *f->all.v, by_name);
    if (f->act.n)
        qsort(f->act.v, f->act.n, sizeof *f->act.v, by_name);
    size_t n = f->all.n + 1;
    f->serials = calloc(n, sizeof *f->serials);
    f->xmls = calloc(n, sizeof *f->xmls);
    f->active = calloc(n, sizeof *f->active);
    f->vols = calloc(n, sizeof *f->vols);
    f->vxml = calloc(n, sizeof *f->vxml);
    if (!f->serials || !f->xmls || !f->active || !f->vols || !f->vxml)
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    return 0;
}

static void mark_active(enum nv_kind kind, fetched *f)
{
    for (size_t i = 0, ai = 0; i < f->all.n; i++) {
        if (kind == NV_KIND_DOMAIN) {
            f->active[i] = f->all.v[i].id != -1;
        } else {
            while (ai < f->act.n && strcmp(f->act.v[ai].name, f->all.v[i].name) < 0)
                ai++;
            f->active[i] = ai < f->act.n && strcmp(f->act.v[ai].name, f->all.v[i].name) == 0;
        }
    }
}

/* Every definition in one round trip; one gone since it was listed is
 * left NULL. */
static int fetch_definitions(nv_conn *c, enum nv_kind kind, fetched *f, nv_err *e)
{
    const nv_kind_ops *k = nv_kind_ops_get(kind);
    unsigned flags = k->xml_inactive | (kind == NV_KIND_DOMAIN ? DOMAIN_XML_SECURE : 0);
    size_t sent = 0;
    for (; sent < f->all.n; sent++)
        if (k->xml_start(c, &f->all.v[sent], flags, &f->serials[sent], e) < 0)
            return -1;
    int failed = 0;
    for (size_t i = 0; i < sent; i++) {
        nv_err oe;
        nv_err_clear(&oe);
        if (k->xml_finish(c, f->serials[i], &f->xmls[i], &oe) < 0 && !nv_virt_not_found(k, &oe) && !failed) {
            *e = oe;
            nv_err_prefix(e, "%s %s", k->name, f->all.v[i].name);
            failed = 1;
        }
    }
    return failed ? -1 : 0;
}

/* The kind's list in the Nix output: "<kind>s = [ { ... } ... ];". */
static int emit_kind(const nv_kind_ops *k, const fetched *f, const nv_import_opts *o, nv_buf *out,
                     nv_errlist *warnings, nv_err *e)
{
    indent(out, 2);
    nv_buf_printf(out, "%ss = [", k->name);
    nv_buf_append_str(out, f->all.n ? "\n" : " ];\n");
    for (size_t i = 0; i < f->all.n; i++) {
        if (!f->xmls[i])
            continue; /* gone since it was listed */
        char what[512];
        snprintf(what, sizeof what, "%s %s", k->name, f->all.v[i].name);
        indent(out, 4);
        nv_buf_append_str(out, "{\n");
        if (definition(k->name, f->xmls[i], what, o, 6, out, warnings, e) < 0)
            return -1;
        indent(out, 6);
        nv_buf_printf(out, "active = %s;\n", f->active[i] ? "true" : "false");
        if (emit_volumes(&f->all.v[i], &f->vols[i], f->vxml[i], o, out, warnings, e) < 0)
            return -1;
        indent(out, 4);
        nv_buf_append_str(out, "}\n");
    }
    if (f->all.n) {
        indent(out, 2);
        nv_buf_append_str(out, "];\n");
    }
    return 0;
}

static int import_kind(nv_conn *c, enum nv_kind kind, const nv_import_opts *o, nv_buf *out,
                       nv_errlist *warnings, nv_err *e)
{
    fetched f = {0};
    int rc = -1;
    if (list_objects(c, kind, &f, warnings, e) == 0) {
        mark_active(kind, &f);
        if (fetch_definitions(c, kind, &f, e) == 0 &&
            (kind != NV_KIND_POOL || fetch_volumes(c, &f.all, f.active, f.vols, f.vxml, e) == 0))
            rc = emit_kind(nv_kind_ops_get(kind), &f, o, out, warnings, e);
    }
    fetched_free(&f);
    return rc;
}

int nv_import(nv_conn *c, const nv_import_opts *o, nv_buf *out, nv_errlist *warnings, nv_err *e)
{
    /* networks and pools first, as a reader expects them (domains use both) */
    static const enum nv_kind order[] = {NV_KIND_NETWORK, NV_KIND_POOL, NV_KIND_DOMAIN};
    nv_buf_printf(out,
                  "# Generated by nixvirt import from %s.\n"
                  "# Use: virtualisation.libvirt.connections.\"<uri>\" = import ./this.nix nixvirt.lib;\n"
                  "nixvirt: {\n",
                  o->uri ? o->uri : "the default connection");
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if ((o->kinds & (1u << order[i])) && import_kind(c, order[i], o, out, warnings, e) < 0)
            return -1;
    nv_buf_append_str(out, "}\n");
    if (out->failed)
        return nv_err_set(e, NV_ERR_SYSTEM, "the expression is too large or memory ran out");
    return 0;
}
