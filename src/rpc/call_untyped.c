/* The remote program's calls by procedure number, over the table that
 * proto/gen.py generates (nv_proto_procs). */
#include "rpc/call_untyped.h"

#include <stdlib.h>
#include <string.h>

int nv_rpc_call_start(nv_rpc_conn *c, int32_t proc, const void *args, uint32_t *serial,
                      nv_err *e)
{
    const nv_proto_proc *p = nv_proto_proc_find(REMOTE_PROGRAM, proc);
    if (!p)
        return nv_err_set(e, NV_ERR_INPUT, "procedure %d is not in proto/remote.x", (int)proc);
    if (p->enc_args && !args)
        return nv_err_set(e, NV_ERR_INPUT, "%s needs arguments", p->name);
    return nv_rpc_send(c, REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION, proc, p->enc_args, args,
                       serial, e);
}

int nv_rpc_reply_ret(const nv_rpc_reply *r, int32_t proc, void *ret, nv_err *e)
{
    const nv_proto_proc *p = nv_proto_proc_find(REMOTE_PROGRAM, proc);
    if (!p)
        return nv_err_set(e, NV_ERR_INPUT, "procedure %d is not in proto/remote.x", (int)proc);
    if (ret && p->ret_size)
        memset(ret, 0, p->ret_size);
    if (r->hdr.prog != REMOTE_PROGRAM || r->hdr.proc != proc) {
        /* decoding it as proc's result would corrupt *ret */
        char got[64], want[64];
        return nv_err_set(e, NV_ERR_INPUT, "the reply to serial %u is one of %s, not of %s",
                          r->hdr.serial, nv_rpc_proc_label(r->hdr.prog, r->hdr.proc, got, sizeof got),
                          nv_rpc_proc_label(REMOTE_PROGRAM, proc, want, sizeof want));
    }
    void *tmp = NULL, *dst = ret;
    if (p->dec_ret && !ret) {
        tmp = calloc(1, p->ret_size);
        if (!tmp)
            return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
        dst = tmp;
    }
    int rc = nv_rpc_reply_decode(r, p->dec_ret, p->free_ret, dst, e);
    if (rc == 0 && tmp)
        p->free_ret(tmp);
    free(tmp);
    if (rc < 0 && e->kind != NV_ERR_LIBVIRT)
        nv_err_prefix(e, "%s", p->name);
    return rc;
}

int nv_rpc_call_finish(nv_rpc_conn *c, int32_t proc, uint32_t serial, void *ret, nv_err *e)
{
    const nv_proto_proc *p = nv_proto_proc_find(REMOTE_PROGRAM, proc);
    if (!p)
        return nv_err_set(e, NV_ERR_INPUT, "procedure %d is not in proto/remote.x", (int)proc);
    if (ret && p->ret_size)
        memset(ret, 0, p->ret_size);
    uint32_t cprog;
    int32_t cproc;
    if (nv_rpc_call_proc(c, serial, &cprog, &cproc) && (cprog != REMOTE_PROGRAM || cproc != proc)) {
        /* its reply is left for the caller that made the call */
        char got[64], want[64];
        return nv_err_set(e, NV_ERR_INPUT, "serial %u is a call of %s, not of %s", serial,
                          nv_rpc_proc_label(cprog, cproc, got, sizeof got),
                          nv_rpc_proc_label(REMOTE_PROGRAM, proc, want, sizeof want));
    }
    nv_rpc_reply r;
    if (nv_rpc_wait(c, serial, &r, e) < 0)
        return -1;
    int rc = nv_rpc_reply_ret(&r, proc, ret, e);
    nv_rpc_reply_free(&r);
    return rc;
}

int nv_rpc_call(nv_rpc_conn *c, int32_t proc, const void *args, void *ret, nv_err *e)
{
    const nv_proto_proc *p = nv_proto_proc_find(REMOTE_PROGRAM, proc);
    if (p && ret && p->ret_size)
        memset(ret, 0, p->ret_size);
    uint32_t serial;
    if (nv_rpc_call_start(c, proc, args, &serial, e) < 0)
        return -1;
    return nv_rpc_call_finish(c, proc, serial, ret, e);
}
