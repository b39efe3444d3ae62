#include "virt/conn.h"

#include "rpc/connect.h"

int nv_conn_broken(const nv_conn *c)
{
    return nv_rpc_conn_broken(c->rpc);
}

int nv_conn_reopen(nv_conn *c, nv_err *e)
{
    return nv_connect_reopen(c, e);
}
