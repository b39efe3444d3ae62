/* Removing an object that is no longer declared: deactivate, then
 * undefine. Domains keep NVRAM and TPM state; pools keep their volumes'
 * storage (a pool is only undefined, never deleted). */
#ifndef NV_ENGINE_REMOVE_H
#define NV_ENGINE_REMOVE_H

#include "virt/conn.h"
#include "virt/object.h"

int nv_remove_object(nv_conn *c, enum nv_kind kind, const nv_obj *o, nv_err *e);

#endif
