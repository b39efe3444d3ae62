/* What the daemon has of the objects the record names, asked for while the
 * manifest and its definitions are still being read (cli/early.c runs it
 * in a thread): the list of every object of each kind and the inactive XML
 * of each recorded one, in two pipelined bursts. A no-op apply's objects are
 * the record's, so when the definitions are read the prefetch
 * (engine/prefetch.h) finds almost everything here and the daemon has been
 * working all along.
 *
 * Read-only and best effort: a kind whose list fails (no such driver) is
 * not listed, an object whose reply is an error is not known; the prefetch
 * asks again for whatever is missing and reports errors then. Nothing here
 * parses XML (domain and network digests are of the bytes), so it runs
 * beside the definitions' parser. */
#ifndef NV_ENGINE_WARM_H
#define NV_ENGINE_WARM_H

#include <stdatomic.h>
#include <stdint.h>

#include "engine/record.h"
#include "util/hmap.h"
#include "virt/conn.h"
#include "virt/object.h"

/* Calls in flight at most while the XML is fetched: enough to keep the
 * daemon busy (it works on a few of a client's calls at a time) and to
 * ride out this thread not running for a while, few enough that replies
 * waiting to be collected stay small (~1 MB, not ~15 MB at 10,000). */
#define NV_WARM_WINDOW 512

typedef struct nv_warm_obj {
    uint8_t uuid[16];
    int known;              /* the reply came: found says what it was */
    int found;
    char *xml;              /* its inactive XML; NULL when its digest is the record's */
    uint8_t xml_digest[32]; /* domains, networks: of xml (nv_compare_digest) */
    int has_digest;
} nv_warm_obj;

typedef struct nv_warm_kind {
    int listed;             /* both lists came: they are in lists[] */
    nv_obj_list lists[2];   /* domains: all in [0]; others: active, inactive */
    nv_warm_obj *objs;      /* per recorded object of the kind found in the lists */
    size_t n;
    nv_hmap by_uuid;        /* into objs */
} nv_warm_kind;

typedef struct nv_warm {
    nv_warm_kind k[NV_KIND_COUNT];
    uint32_t list_serial[NV_KIND_COUNT][2]; /* burst 1, between send and run */
    unsigned char list_sent[NV_KIND_COUNT][2];
} nv_warm;

/* Burst 1, sent: every kind's lists (w is zeroed first). The record is
 * not needed for it, so it can be read while the daemon answers. */
void nv_warm_send_lists(nv_conn *c, nv_warm *w);
/* The lists' replies, then burst 2 for record's objects; never fails as a
 * whole. stop, when set and non-zero, ends it early (what came is kept).
 * record NULL: the lists only. */
void nv_warm_run(nv_conn *c, const nv_record *record, nv_warm *w, const atomic_int *stop);
/* The object's entry, or NULL (not recorded, not listed, or w NULL). */
nv_warm_obj *nv_warm_find(nv_warm *w, enum nv_kind kind, const uint8_t uuid[16]);
void nv_warm_free(nv_warm *w);

#endif
