/* What storage pools do beyond the kinds table (virt/kinds.gen.c). */
#include "virt/pool.h"

#include "rpc/connect.h"
#include "virt/kinds.gen.h"

int nv_pool_refresh(nv_conn *c, const nv_obj *o, nv_err *e)
{
    remote_storage_pool_refresh_args a = {.pool = nv_pool_handle(o), .flags = 0};
    return nv_remote_storage_pool_refresh(c->rpc, &a, e);
}
