/* The daemon's and the hypervisor's versions. */
#include "virt/host.h"

#include <stdio.h>
#include <string.h>

#include "rpc/connect.h"
#include "rpc/remote_calls.gen.h"

int nv_host_versions_get(nv_conn *c, nv_host_versions *v, nv_err *e)
{
    memset(v, 0, sizeof *v);
    /* the three questions go out together: one round trip */
    uint32_t s_lib, s_type, s_ver;
    remote_connect_get_lib_version_ret lib;
    remote_connect_get_type_ret type;
    remote_connect_get_version_ret ver;
    if (nv_remote_connect_get_lib_version_start(c->rpc, &s_lib, e) < 0 ||
        nv_remote_connect_get_type_start(c->rpc, &s_type, e) < 0 ||
        nv_remote_connect_get_version_start(c->rpc, &s_ver, e) < 0)
        return -1;
    if (nv_remote_connect_get_lib_version_finish(c->rpc, s_lib, &lib, e) < 0)
        return -1;
    v->have_lib = 1;
    v->lib_ver = lib.lib_ver;
    if (nv_remote_connect_get_type_finish(c->rpc, s_type, &type, e) < 0)
        return -1;
    snprintf(v->hv_type, sizeof v->hv_type, "%s", type.type);
    nv_proto_free_remote_connect_get_type_ret(&type);
    if (nv_remote_connect_get_version_finish(c->rpc, s_ver, &ver, e) < 0)
        return -1;
    v->hv_ver = ver.hv_ver;
    return 0;
}
