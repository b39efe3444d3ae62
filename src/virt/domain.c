/* What domains do beyond the kinds table (virt/kinds.gen.c): undefine
 * keeping their state, define as a start/finish pair, shutdown, state, and
 * changes to a running domain. */
#include "virt/domain.h"

#include "rpc/connect.h"
#include "virt/kinds.gen.h"

#define VIR_ERR_NO_SUPPORT 3
#define VIR_ERR_INVALID_ARG 8

static int define_start(nv_conn *c, const char *xml, unsigned flags, uint32_t *serial, nv_err *e)
{
    remote_domain_define_xml_flags_args a = {.xml = (char *)xml, .flags = flags};
    return nv_remote_domain_define_xml_flags_start(c->rpc, &a, serial, e);
}

int nv_domain_define_start(nv_conn *c, const char *xml, uint32_t *serial, nv_err *e)
{
    return define_start(c, xml, 0, serial, e);
}

int nv_domain_define_finish(nv_conn *c, uint32_t serial, nv_obj *out, nv_err *e)
{
    remote_domain_define_xml_flags_ret r;
    if (nv_remote_domain_define_xml_flags_finish(c->rpc, serial, &r, e) < 0)
        return -1;
    int rc = out ? nv_domain_from_handle(out, &r.dom, e) : 0;
    nv_proto_free_remote_domain_define_xml_flags_ret(&r);
    return rc;
}

int nv_domain_define_flags(nv_conn *c, const char *xml, unsigned flags, nv_obj *out, nv_err *e)
{
    uint32_t serial;
    if (define_start(c, xml, flags, &serial, e) < 0)
        return -1;
    return nv_domain_define_finish(c, serial, out, e);
}

int nv_domain_undefine_flags(nv_conn *c, const nv_obj *o, unsigned flags, nv_err *e)
{
    remote_domain_undefine_flags_args a = {.dom = nv_domain_handle(o), .flags = flags};
    return nv_remote_domain_undefine_flags(c->rpc, &a, e);
}

/* The kind table's undefine (virt/kinds.gen.c). QEMU takes the flags that
 * keep NVRAM/TPM state; drivers that reject a flag (LXC) get the plain
 * undefine. */
int nv_domain_undefine(nv_conn *c, const nv_obj *o, nv_err *e)
{
    /* libvirt before 8.9 does not know KEEP_TPM: keep NVRAM at least */
    static const unsigned tries[] = {NV_DOMAIN_UNDEFINE_KEEP_STATE, 1u | 8u, 0u};
    for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++) {
        if (nv_domain_undefine_flags(c, o, tries[i], e) == 0)
            return 0;
        if (e->kind != NV_ERR_LIBVIRT || (e->code != VIR_ERR_NO_SUPPORT && e->code != VIR_ERR_INVALID_ARG))
            return -1;
    }
    return -1;
}

int nv_domain_shutdown(nv_conn *c, const nv_obj *o, unsigned flags, nv_err *e)
{
    remote_domain_shutdown_flags_args a = {.dom = nv_domain_handle(o), .flags = flags};
    return nv_remote_domain_shutdown_flags(c->rpc, &a, e);
}

int nv_domain_get_state(nv_conn *c, const nv_obj *o, int *state, int *reason, nv_err *e)
{
    remote_domain_get_state_args a = {.dom = nv_domain_handle(o), .flags = 0};
    remote_domain_get_state_ret r;
    if (nv_remote_domain_get_state(c->rpc, &a, &r, e) < 0)
        return -1;
    *state = r.state;
    if (reason)
        *reason = r.reason;
    return 0;
}

int nv_domain_attach_device(nv_conn *c, const nv_obj *o, const char *xml, unsigned flags, nv_err *e)
{
    remote_domain_attach_device_flags_args a = {.dom = nv_domain_handle(o), .xml = (char *)xml, .flags = flags};
    return nv_remote_domain_attach_device_flags(c->rpc, &a, e);
}

int nv_domain_detach_device(nv_conn *c, const nv_obj *o, const char *xml, unsigned flags, nv_err *e)
{
    remote_domain_detach_device_flags_args a = {.dom = nv_domain_handle(o), .xml = (char *)xml, .flags = flags};
    return nv_remote_domain_detach_device_flags(c->rpc, &a, e);
}

int nv_domain_update_device(nv_conn *c, const nv_obj *o, const char *xml, unsigned flags, nv_err *e)
{
    remote_domain_update_device_flags_args a = {.dom = nv_domain_handle(o), .xml = (char *)xml, .flags = flags};
    return nv_remote_domain_update_device_flags(c->rpc, &a, e);
}

int nv_domain_set_memory(nv_conn *c, const nv_obj *o, uint64_t kib, unsigned flags, nv_err *e)
{
    remote_domain_set_memory_flags_args a = {.dom = nv_domain_handle(o), .memory = kib, .flags = flags};
    return nv_remote_domain_set_memory_flags(c->rpc, &a, e);
}

int nv_domain_set_vcpus(nv_conn *c, const nv_obj *o, unsigned n, unsigned flags, nv_err *e)
{
    remote_domain_set_vcpus_flags_args a = {.dom = nv_domain_handle(o), .nvcpus = n, .flags = flags};
    return nv_remote_domain_set_vcpus_flags(c->rpc, &a, e);
}
