#include "engine/prefetch.h"

#include <stdlib.h>
#include <string.h>

#include "engine/compare.h"
#include "util/sha256.h"
#include "virt/domain.h"
#include "virt/volume.h"
#include "xml/doc.h"

static int all_uuid(const void *ctx, size_t pos, const void *key)
{
    return memcmp(((const nv_obj *)ctx)[pos].uuid, key, 16) == 0;
}

static int all_name(const void *ctx, size_t pos, const void *key)
{
    return strcmp(((const nv_obj *)ctx)[pos].name, key) == 0;
}

static int decl_uuid(const void *ctx, size_t pos, const void *key)
{
    return memcmp(((const nv_manifest_obj *)ctx)[pos].spec.uuid, key, 16) == 0;
}

size_t nv_prefetch_find(const nv_prefetch_kind *pk, const uint8_t uuid[16])
{
    return nv_hmap_find(&pk->by_uuid, nv_hash(uuid, 16), all_uuid, pk->all.v, uuid);
}

size_t nv_prefetch_find_name(const nv_prefetch_kind *pk, const char *name)
{
    return nv_hmap_find(&pk->by_name, nv_hash(name, strlen(name)), all_name, pk->all.v, name);
}

size_t nv_prefetch_declared(const nv_prefetch_kind *pk, const nv_manifest_kind *mk, const uint8_t uuid[16])
{
    return nv_hmap_find(&pk->declared, nv_hash(uuid, 16), decl_uuid, mk->objs, uuid);
}

/* Serials of one kind's calls. */
typedef struct sent {
    uint32_t list[2];  /* domains: one list (the id tells the state); others: active, inactive */
    nv_warm_kind *warm; /* lists and XML asked for early (engine/warm.h), or NULL */
    uint32_t *xml;     /* per declared object */
    unsigned char *asked; /* per declared object: 0 when the warm-up answered (no call) */
    uint32_t **vol;    /* pools: per declared object, per volume */
} sent;

/* The lists joined into pk->all, with states and hash maps. */
static int take_lists(nv_conn *c, enum nv_kind kind, const sent *s, nv_prefetch_kind *pk, nv_err *e)
{
    const nv_kind_ops *k = nv_kind_ops_get(kind);
    nv_obj_list l[2] = {{0}, {0}};
    nv_err e2;
    nv_err_clear(&e2);
    int nlists = kind == NV_KIND_DOMAIN ? 1 : 2, rc = 0;
    if (s->warm) { /* listed early: taken over */
        for (int j = 0; j < 2; j++) {
            l[j] = s->warm->lists[j];
            memset(&s->warm->lists[j], 0, sizeof l[j]);
        }
    } else {
        rc = k->list_finish(c, s->list[0], &l[0], e);
        if (nlists == 2 && k->list_finish(c, s->list[1], &l[1], rc == 0 ? e : &e2) < 0)
            rc = -1;
    }
    if (rc < 0)
        goto out;
    size_t n = l[0].n + l[1].n;
    pk->all.v = calloc(n ? n : 1, sizeof *pk->all.v);
    pk->all_active = calloc(n ? n : 1, 1);
    if (!pk->all.v || !pk->all_active) {
        rc = nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
        goto out;
    }
    /* sized once: not grown and rehashed step by step */
    if (nv_hmap_reserve(&pk->by_uuid, n, e) < 0 || nv_hmap_reserve(&pk->by_name, n, e) < 0) {
        rc = -1;
        goto out;
    }
    for (int j = 0; j < nlists; j++) {
        for (size_t i = 0; i < l[j].n; i++) {
            nv_obj *o = &l[j].v[i];
            /* an object that changed state between the two lists is in both */
            size_t dup = nv_prefetch_find(pk, o->uuid);
            if (dup != NV_HMAP_NONE) {
                pk->all_active[dup] = 1;
                continue;
            }
            size_t at = pk->all.n;
            pk->all_active[at] = kind == NV_KIND_DOMAIN ? o->id != -1 : j == 0;
            pk->all.v[at] = *o;
            memset(o, 0, sizeof *o);
            pk->all.n++;
            if (nv_hmap_put(&pk->by_uuid, nv_hash(pk->all.v[at].uuid, 16), at, e) < 0 ||
                nv_hmap_put(&pk->by_name, nv_hash(pk->all.v[at].name, strlen(pk->all.v[at].name)), at, e) < 0) {
                rc = -1;
                goto out;
            }
        }
    }
out:
    nv_obj_list_free(&l[0]);
    nv_obj_list_free(&l[1]);
    return rc;
}

/* The declared object's state from the warm-up, when that says enough:
 * not on the daemon, its XML, or its XML's digest is the record's and so
 * is its definition's (unchanged, nothing to fetch). */
static int from_warm(enum nv_kind kind, const nv_manifest_obj *mo, nv_warm_obj *wo, const nv_record *record,
                     nv_prefetch_obj *po)
{
    if (!wo || !wo->known)
        return 0;
    if (!wo->found || wo->xml) {
        po->found = wo->found;
        po->xml = wo->xml; /* taken over */
        wo->xml = NULL;
        return 1;
    }
    const nv_record_entry *en = record ? nv_record_find(record, kind, mo->spec.uuid) : NULL;
    if (!wo->has_digest || !en || !en->has_digests || memcmp(en->xml_digest, wo->xml_digest, 32) != 0 ||
        memcmp(en->def_digest, po->def_digest, 32) != 0)
        return 0; /* its XML is needed after all */
    po->found = po->has_xml_digest = po->unchanged = 1;
    memcpy(po->xml_digest, wo->xml_digest, 32);
    return 1;
}

static int send_kind(nv_conn *c, enum nv_kind kind, nv_manifest_kind *mk, const nv_record *record, nv_warm *warm,
                     sent *s, nv_prefetch_kind *pk, nv_err *e)
{
    const nv_kind_ops *k = nv_kind_ops_get(kind);
    s->warm = warm && warm->k[kind].listed ? &warm->k[kind] : NULL;
    if (s->warm) {
        /* listed early */
    } else if (kind == NV_KIND_DOMAIN) {
        if (k->list_start(c, 0, &s->list[0], e) < 0)
            return -1;
    } else if (k->list_start(c, k->list_active, &s->list[0], e) < 0 ||
               k->list_start(c, k->list_inactive, &s->list[1], e) < 0) {
        return -1;
    }
    s->xml = calloc(mk->n + 1, sizeof *s->xml);
    s->asked = calloc(mk->n + 1, 1);
    s->vol = kind == NV_KIND_POOL ? calloc(mk->n + 1, sizeof *s->vol) : NULL;
    if (!s->xml || !s->asked || (kind == NV_KIND_POOL && !s->vol))
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    for (size_t i = 0; i < mk->n; i++) {
        nv_manifest_obj *mo = &mk->objs[i];
        nv_spec *sp = &mo->spec;
        if (sp->has_digest)
            memcpy(pk->objs[i].def_digest, sp->digest, 32);
        else
            nv_sha256(sp->xml, sp->xml_len, pk->objs[i].def_digest);
        nv_obj h = {.name = (char *)mo->spec.name, .id = -1};
        memcpy(h.uuid, mo->spec.uuid, 16);
        if (!from_warm(kind, mo, s->warm ? nv_warm_find(warm, kind, sp->uuid) : NULL, record, &pk->objs[i])) {
            if (k->xml_start(c, &h, k->xml_inactive, &s->xml[i], e) < 0)
                return -1;
            s->asked[i] = 1;
        }
        if (kind != NV_KIND_POOL || !mo->nvols)
            continue;
        /* answered only when the pool exists and is active; else looked up later */
        if (!(s->vol[i] = calloc(mo->nvols, sizeof *s->vol[i])))
            return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
        for (size_t v = 0; v < mo->nvols; v++)
            if (nv_vol_lookup_start(c, &h, mo->vols[v].name, &s->vol[i][v], e) < 0)
                return -1;
    }
    return 0;
}

/* The digests of a declared object whose reply just came: hashing while
 * the daemon makes the next replies. When both are the record's, nothing
 * moved since the last apply, and the XML is not kept. */
static int take_digests(enum nv_kind kind, nv_spec *s, nv_prefetch_obj *po, const nv_record *record, nv_err *e)
{
    if (po->unchanged)
        return 0; /* known from the warm-up */
    if (po->found) {
        nv_err ce;
        po->has_xml_digest = nv_compare_digest(kind, s, po->xml, po->xml_digest, &ce) == 0;
        const nv_record_entry *en = record ? nv_record_find(record, kind, s->uuid) : NULL;
        if (po->has_xml_digest && en && en->has_digests && memcmp(en->def_digest, po->def_digest, 32) == 0 &&
            memcmp(en->xml_digest, po->xml_digest, 32) == 0) {
            po->unchanged = 1;
            free(po->xml);
            po->xml = NULL;
            return 0;
        }
    }
    /* it may be defined, compared, planned: its text is needed (a file the
     * manifest's sha256= spared reading is read now, and may be gone) */
    if (nv_spec_need_text(s, e) < 0)
        return nv_err_prefix(e, "%s '%s': cannot use its definition", nv_kind_ops_get(kind)->name, s->name);
    return 0;
}

/* Collects one kind's replies, all of them even after an error (a reply
 * left uncollected would be kept until the connection closes). */
static int take_kind(nv_conn *c, enum nv_kind kind, nv_manifest_kind *mk, const nv_record *record,
                     const sent *s, nv_prefetch_kind *pk, nv_err *e)
{
    const nv_kind_ops *k = nv_kind_ops_get(kind);
    int rc = take_lists(c, kind, s, pk, e);
    if (rc == 0 && nv_hmap_reserve(&pk->declared, mk->n, e) < 0)
        rc = -1;
    for (size_t i = 0; i < mk->n; i++) {
        const nv_manifest_obj *mo = &mk->objs[i];
        nv_prefetch_obj *po = &pk->objs[i];
        nv_err oe;
        nv_err_clear(&oe);
        if (!s->asked[i]) {
            /* answered by the warm-up */
        } else if (k->xml_finish(c, s->xml[i], &po->xml, &oe) == 0) {
            po->found = 1;
        } else {
            po->xml = NULL;
            if (!nv_virt_not_found(k, &oe) && rc == 0) {
                *e = oe;
                rc = -1;
            }
        }
        if (take_digests(kind, &mk->objs[i].spec, po, record, &oe) < 0 && rc == 0) {
            *e = oe;
            rc = -1;
        }
        if (rc == 0 && nv_hmap_put(&pk->declared, nv_hash(mo->spec.uuid, 16), i, e) < 0)
            rc = -1;
        if (kind != NV_KIND_POOL || !mo->nvols)
            continue;
        po->vols = malloc(mo->nvols);
        for (size_t v = 0; v < mo->nvols; v++) {
            nv_vol found = {0};
            nv_err ve;
            nv_err_clear(&ve);
            int f = nv_vol_lookup_finish(c, s->vol[i][v], &found, &ve);
            nv_vol_clear(&found);
            if (po->vols)
                po->vols[v] = (signed char)(f < 0 ? -1 : f);
        }
        if (!po->vols && rc == 0)
            rc = nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    }
    if (rc < 0)
        return -1;
    /* the state comes from the lists; an object found but in neither (it
     * went and came back between the calls) is asked about directly */
    for (size_t i = 0; i < mk->n; i++) {
        nv_prefetch_obj *po = &pk->objs[i];
        if (!po->found)
            continue;
        size_t at = nv_prefetch_find(pk, mk->objs[i].spec.uuid);
        if (at != NV_HMAP_NONE) {
            po->active = pk->all_active[at];
            continue;
        }
        nv_obj h = {.name = (char *)mk->objs[i].spec.name, .id = -1};
        memcpy(h.uuid, mk->objs[i].spec.uuid, 16);
        int act = nv_obj_is_active(c, k, &h, e);
        if (act < 0)
            return -1;
        po->active = act;
    }
    return 0;
}

int nv_prefetch_run(nv_conn *c, nv_manifest *m, const nv_record *record, nv_warm *warm, nv_prefetch *p,
                    nv_err *e)
{
    memset(p, 0, sizeof *p);
    sent s[NV_KIND_COUNT];
    memset(s, 0, sizeof s);
    int rc = 0, kinds_sent = 0;
    for (int kind = 0; kind < NV_KIND_COUNT && rc == 0; kind++) {
        const nv_manifest_kind *mk = &m->kinds[kind];
        if (!mk->managed)
            continue;
        p->k[kind].listed = 1;
        p->k[kind].nobjs = mk->n;
        if (!(p->k[kind].objs = calloc(mk->n + 1, sizeof *p->k[kind].objs)))
            rc = nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
        else
            rc = send_kind(c, (enum nv_kind)kind, &m->kinds[kind], record, warm, &s[kind], &p->k[kind], e);
        if (rc < 0)
            nv_err_prefix(e, "cannot read the current %ss", nv_kind_ops_get((enum nv_kind)kind)->name);
        kinds_sent = kind + 1;
    }
    /* a failed send broke the connection (or memory ran out): replies are
     * only read when everything went out */
    for (int kind = 0; kind < kinds_sent && rc == 0; kind++) {
        if (!m->kinds[kind].managed)
            continue;
        if (take_kind(c, (enum nv_kind)kind, &m->kinds[kind], record, &s[kind], &p->k[kind], e) < 0) {
            /* a definition's own problem says which one it is */
            if (e->kind != NV_ERR_INPUT)
                nv_err_prefix(e, "cannot read the current %ss", nv_kind_ops_get((enum nv_kind)kind)->name);
            rc = -1;
        }
    }
    for (int kind = 0; kind < NV_KIND_COUNT; kind++) {
        free(s[kind].xml);
        free(s[kind].asked);
        for (size_t i = 0; s[kind].vol && i < m->kinds[kind].n; i++)
            free(s[kind].vol[i]);
        free(s[kind].vol);
        p->k[kind].nobjs = m->kinds[kind].n;
    }
    return rc;
}

void nv_prefetch_free(nv_prefetch *p)
{
    for (int kind = 0; kind < NV_KIND_COUNT; kind++) {
        nv_prefetch_kind *pk = &p->k[kind];
        for (size_t i = 0; pk->objs && i < pk->nobjs; i++) {
            free(pk->objs[i].xml);
            free(pk->objs[i].name);
            free(pk->objs[i].vols);
            free(pk->objs[i].pre.err);
            free(pk->objs[i].pre.xml);
            nv_obj_clear(&pk->objs[i].pre.obj);
        }
        free(pk->objs);
        nv_obj_list_free(&pk->all);
        free(pk->all_active);
        nv_hmap_free(&pk->by_uuid);
        nv_hmap_free(&pk->by_name);
        nv_hmap_free(&pk->declared);
    }
    memset(p, 0, sizeof *p);
}

int nv_prefetch_name(nv_prefetch_obj *po, nv_err *e)
{
    if (po->name)
        return 0;
    if (!po->xml) /* unchanged, so the declared name; not asked for then */
        return nv_err_set(e, NV_ERR_SYSTEM, "the daemon's XML was not kept");
    nv_xml_node *t = nv_xml_parse(po->xml, strlen(po->xml), "daemon XML", e);
    if (!t)
        return -1;
    const nv_xml_node *nm = nv_xml_child(t, "name");
    po->name = strdup(nm && nv_xml_text(nm) ? nv_xml_text(nm) : "");
    nv_xml_free(t);
    if (!po->name)
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    return 0;
}

void nv_prefetch_define_new(nv_conn *c, const nv_manifest_kind *mk, nv_prefetch_kind *pk)
{
    const nv_kind_ops *k = &nv_domain_ops;
    uint32_t *serials = calloc(mk->n + 1, sizeof *serials);
    unsigned char *sent = calloc(mk->n + 1, 1);
    if (!serials || !sent)
        goto out; /* each is defined on its own then */
    nv_err e;
    nv_err_clear(&e);
    /* burst 1: the defines */
    for (size_t i = 0; i < mk->n; i++) {
        const nv_spec *s = &mk->objs[i].spec;
        /* a define and its start are one step (a SIGTERM never leaves a
         * declared-active domain defined but off): only those that stay off batch */
        if (pk->objs[i].found || mk->objs[i].state == NV_STATE_ACTIVE ||
            nv_prefetch_find_name(pk, s->name) != NV_HMAP_NONE)
            continue;
        if (nv_domain_define_start(c, s->xml, &serials[i], &e) < 0)
            break;
        sent[i] = 1;
    }
    for (size_t i = 0; i < mk->n; i++) {
        if (!sent[i])
            continue;
        nv_prefetch_obj *po = &pk->objs[i];
        nv_err de;
        nv_err_clear(&de);
        if (nv_domain_define_finish(c, serials[i], &po->pre.obj, &de) == 0) {
            po->predefined = 1;
        } else if (de.kind == NV_ERR_LIBVIRT && (po->pre.err = malloc(sizeof de))) {
            *po->pre.err = de; /* the daemon refused it: that object's error */
            po->predefined = 1;
        } else {
            nv_obj_clear(&po->pre.obj); /* a lost connection: its declare tries again, alone */
        }
    }
    /* burst 2: what the daemon made of them (after the defines: calls of
     * one connection may run in any order) */
    for (size_t i = 0; i < mk->n; i++) {
        sent[i] = sent[i] && pk->objs[i].predefined && !pk->objs[i].pre.err &&
                  k->xml_start(c, &pk->objs[i].pre.obj, k->xml_inactive, &serials[i], &e) == 0;
    }
    for (size_t i = 0; i < mk->n; i++) {
        if (!sent[i])
            continue;
        nv_err xe;
        if (k->xml_finish(c, serials[i], &pk->objs[i].pre.xml, &xe) < 0)
            pk->objs[i].pre.xml = NULL; /* the declare asks again */
    }
out:
    free(serials);
    free(sent);
}
