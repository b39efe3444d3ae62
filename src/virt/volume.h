/* Storage volumes inside a pool. */
#ifndef NV_VIRT_VOLUME_H
#define NV_VIRT_VOLUME_H

#include "virt/object.h"

typedef struct nv_vol {
    char *pool;
    char *name;
    char *key; /* usually the path */
} nv_vol;

typedef struct nv_vol_list {
    nv_vol *v;
    size_t n;
} nv_vol_list;

void nv_vol_clear(nv_vol *v);
void nv_vol_list_free(nv_vol_list *l);

/* 1 found, 0 no such volume, -1 error */
int nv_vol_lookup(nv_conn *c, const nv_obj *pool, const char *name, nv_vol *out, nv_err *e);
/* The same as a start/finish pair, for pipelining. */
int nv_vol_lookup_start(nv_conn *c, const nv_obj *pool, const char *name, uint32_t *serial, nv_err *e);
int nv_vol_lookup_finish(nv_conn *c, uint32_t serial, nv_vol *out, nv_err *e);
int nv_vol_create(nv_conn *c, const nv_obj *pool, const char *xml, nv_vol *out, nv_err *e);
int nv_vol_delete(nv_conn *c, const nv_vol *v, nv_err *e);
char *nv_vol_xml(nv_conn *c, const nv_vol *v, nv_err *e);
int nv_vol_list_all(nv_conn *c, const nv_obj *pool, nv_vol_list *out, nv_err *e);
/* The same as start/finish pairs, for pipelining (virt/object.h). */
int nv_vol_xml_start(nv_conn *c, const nv_vol *v, uint32_t *serial, nv_err *e);
int nv_vol_xml_finish(nv_conn *c, uint32_t serial, char **xml, nv_err *e);
int nv_vol_list_all_start(nv_conn *c, const nv_obj *pool, uint32_t *serial, nv_err *e);
int nv_vol_list_all_finish(nv_conn *c, uint32_t serial, nv_vol_list *out, nv_err *e);

#endif
