/* What the daemon has, for an apply, in one pipelined burst: every object
 * of each managed kind (with its state, from list calls filtered by active
 * and inactive: no per-object is-active call), the inactive XML of every
 * declared object, and whether each declared volume of a declared pool
 * exists. All calls are sent before the first reply is read, so the whole
 * picture costs one round trip however many objects there are. Lookups by
 * UUID and name go through hash maps. */
#ifndef NV_ENGINE_PREFETCH_H
#define NV_ENGINE_PREFETCH_H

#include "engine/manifest.h"
#include "engine/record.h"
#include "engine/observe.h"
#include "engine/warm.h"
#include "virt/conn.h"
#include "util/hmap.h"
#include "virt/object.h"

/* One declared object. */
typedef struct nv_prefetch_obj {
    int found, active;
    char *xml;            /* its inactive XML, when found and not unchanged */
    /* digests taken as the replies come in (while later ones are on their way) */
    uint8_t def_digest[32]; /* of the declared definition's text */
    uint8_t xml_digest[32]; /* of xml, as the record keeps it (nv_compare_digest) */
    int has_xml_digest;
    int unchanged;        /* both are the record's: the daemon has what the last apply left (xml dropped) */
    char *name;           /* the daemon's name for it, once nv_prefetch_name has run */
    int stopped_by_purge; /* a network's removal or restart stopped it: it starts when declared */
    signed char *vols;    /* pools: per declared volume 1 exists, 0 does not, -1 unknown (pool inactive) */
    /* domains new to the daemon, defined in a batch (nv_prefetch_define_new) */
    int predefined;       /* the define was sent and answered: */
    nv_predefined pre;    /* its outcome */
} nv_prefetch_obj;

typedef struct nv_prefetch_kind {
    int listed;               /* the kind is managed: the fields below are filled */
    nv_prefetch_obj *objs;    /* per declared object, in manifest order */
    size_t nobjs;
    nv_obj_list all;          /* every object of the kind on the daemon */
    unsigned char *all_active;
    nv_hmap by_uuid, by_name; /* into all */
    nv_hmap declared;         /* UUID -> index of the declared object */
} nv_prefetch_kind;

typedef struct nv_prefetch {
    nv_prefetch_kind k[NV_KIND_COUNT];
} nv_prefetch;

/* Fills p for every managed kind of m, with the digests of each declared
 * object compared to its entry in record (NULL: none); an object not known
 * unchanged gets its definition's text made (nv_spec_need_text). What warm
 * (NULL: none) has, taken from the same record, is used (its XML and lists
 * taken over) and not asked again. An error (other than "no such object"
 * for a declared one) fails the whole: without the current state nothing
 * is safe. */
int nv_prefetch_run(nv_conn *c, nv_manifest *m, const nv_record *record, nv_warm *warm, nv_prefetch *p,
                    nv_err *e);
void nv_prefetch_free(nv_prefetch *p);

/* Index into pk->all of the object with this UUID / name, or NV_HMAP_NONE. */
size_t nv_prefetch_find(const nv_prefetch_kind *pk, const uint8_t uuid[16]);
size_t nv_prefetch_find_name(const nv_prefetch_kind *pk, const char *name);
/* Index of the declared object with this UUID in mk, or NV_HMAP_NONE. */
size_t nv_prefetch_declared(const nv_prefetch_kind *pk, const nv_manifest_kind *mk, const uint8_t uuid[16]);

/* A first apply: every declared domain the daemon does not have, whose
 * name no object has, is defined in one pipelined burst (libvirt's worker
 * pool runs the defines at once), then all their inactive XML in a second.
 * Each object's outcome is kept for its own declare (predefined); a refusal
 * is that object's error, as if its define had been sent alone. Domains
 * only (networks and pools come first and are few), and only those that
 * stay off: for one declared active, its define and start are one step. */
void nv_prefetch_define_new(nv_conn *c, const nv_manifest_kind *domains, nv_prefetch_kind *pk);

/* Sets po->name from its XML (only needed when digests do not prove the
 * object unchanged, so a no-op apply parses no daemon XML). */
int nv_prefetch_name(nv_prefetch_obj *po, nv_err *e);

#endif
