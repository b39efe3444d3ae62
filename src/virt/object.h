/* Domains, networks and pools behind one table of operations, so the
 * engine can treat the three kinds alike. The tables are generated from
 * proto/gen.py's kinds table into kinds.gen.c; what a kind does beyond them
 * is in domain.h and pool.h, volumes are in volume.h.
 *
 * Calls that the engine pipelines come as start/finish pairs: start sends
 * the call and returns its serial, finish waits for that reply. */
#ifndef NV_VIRT_OBJECT_H
#define NV_VIRT_OBJECT_H

#include <stddef.h>
#include <stdint.h>

#include "virt/conn.h"
#include "util/error.h"

enum nv_kind { NV_KIND_DOMAIN, NV_KIND_NETWORK, NV_KIND_POOL };
#define NV_KIND_COUNT 3

/* A handle: what the daemon needs to find an object (it looks up by UUID). */
typedef struct nv_obj {
    char *name;
    uint8_t uuid[16];
    int32_t id; /* domains: -1 when inactive */
} nv_obj;

typedef struct nv_obj_list {
    nv_obj *v;
    size_t n;
} nv_obj_list;

void nv_obj_clear(nv_obj *o);
int nv_obj_set(nv_obj *o, const char *name, const uint8_t uuid[16], int32_t id, nv_err *e);
void nv_obj_list_free(nv_obj_list *l);


typedef struct nv_kind_ops {
    const char *name;       /* "domain", "network", "pool" */
    int err_no_object;      /* libvirt's "not found" error code for this kind */
    unsigned xml_inactive;  /* the XML flag for the persistent definition */
    unsigned list_active;   /* list_all flag: only active objects */
    unsigned list_inactive; /* list_all flag: only inactive objects */

    /* lookups: finish gives 1 found (out set), 0 no such object, -1 error */
    int (*lookup_uuid_start)(nv_conn *c, const uint8_t uuid[16], uint32_t *serial, nv_err *e);
    int (*lookup_uuid_finish)(nv_conn *c, uint32_t serial, nv_obj *out, nv_err *e);
    int (*lookup_name_start)(nv_conn *c, const char *name, uint32_t *serial, nv_err *e);
    int (*lookup_name_finish)(nv_conn *c, uint32_t serial, nv_obj *out, nv_err *e);

    int (*xml_start)(nv_conn *c, const nv_obj *o, unsigned flags, uint32_t *serial, nv_err *e);
    int (*xml_finish)(nv_conn *c, uint32_t serial, char **xml, nv_err *e);

    /* finish gives 0/1 */
    int (*is_active_start)(nv_conn *c, const nv_obj *o, uint32_t *serial, nv_err *e);
    int (*is_active_finish)(nv_conn *c, uint32_t serial, nv_err *e);
    int (*autostart_start)(nv_conn *c, const nv_obj *o, uint32_t *serial, nv_err *e);
    int (*autostart_finish)(nv_conn *c, uint32_t serial, nv_err *e);
    int (*is_persistent)(nv_conn *c, const nv_obj *o, nv_err *e);

    int (*define)(nv_conn *c, const char *xml, nv_obj *out, nv_err *e);
    int (*create)(nv_conn *c, const nv_obj *o, nv_err *e);
    int (*destroy)(nv_conn *c, const nv_obj *o, nv_err *e);
    /* domains keep NVRAM and TPM state and drop managed save */
    int (*undefine)(nv_conn *c, const nv_obj *o, nv_err *e);
    int (*set_autostart)(nv_conn *c, const nv_obj *o, int on, nv_err *e);
    int (*list_start)(nv_conn *c, unsigned flags, uint32_t *serial, nv_err *e);
    int (*list_finish)(nv_conn *c, uint32_t serial, nv_obj_list *out, nv_err *e);
} nv_kind_ops;

extern const nv_kind_ops nv_domain_ops;
extern const nv_kind_ops nv_network_ops;
extern const nv_kind_ops nv_pool_ops;

const nv_kind_ops *nv_kind_ops_get(enum nv_kind k);

/* Blocking conveniences over the start/finish pairs. */
int nv_obj_lookup_uuid(nv_conn *c, const nv_kind_ops *k, const uint8_t uuid[16], nv_obj *out, nv_err *e);
int nv_obj_lookup_name(nv_conn *c, const nv_kind_ops *k, const char *name, nv_obj *out, nv_err *e);
char *nv_obj_xml(nv_conn *c, const nv_kind_ops *k, const nv_obj *o, unsigned flags, nv_err *e);
int nv_obj_is_active(nv_conn *c, const nv_kind_ops *k, const nv_obj *o, nv_err *e);
int nv_obj_autostart(nv_conn *c, const nv_kind_ops *k, const nv_obj *o, nv_err *e);
int nv_obj_list_all(nv_conn *c, const nv_kind_ops *k, unsigned flags, nv_obj_list *out, nv_err *e);

/* For finish functions: a daemon "not found" error becomes 0. */
int nv_virt_not_found(const nv_kind_ops *k, const nv_err *e);

#endif
