/* Storage pool procedures beyond the common table (virt/object.h). */
#ifndef NV_VIRT_POOL_H
#define NV_VIRT_POOL_H

#include "virt/object.h"

int nv_pool_refresh(nv_conn *c, const nv_obj *o, nv_err *e);

#endif
