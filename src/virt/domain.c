/* Domain procedures of libvirt's remote program. */
#include "virt/domain.h"

#include <stdlib.h>
#include <string.h>

#include "rpc/connect.h"
#include "rpc/remote_calls.gen.h"

#define VIR_ERR_NO_DOMAIN 42
#define VIR_ERR_NO_SUPPORT 3
#define VIR_ERR_INVALID_ARG 8

static remote_nonnull_domain handle(const nv_obj *o)
{
    remote_nonnull_domain d;
    d.name = o->name;
    memcpy(d.uuid, o->uuid, 16);
    d.id = o->id;
    return d;
}

static int from_handle(nv_obj *out, const remote_nonnull_domain *d, nv_err *e)
{
    return nv_obj_set(out, d->name, d->uuid, d->id, e);
}

static int lookup_uuid_start(nv_conn *c, const uint8_t uuid[16], uint32_t *serial, nv_err *e)
{
    remote_domain_lookup_by_uuid_args a;
    memcpy(a.uuid, uuid, 16);
    return nv_remote_domain_lookup_by_uuid_start(c->rpc, &a, serial, e);
}

static int lookup_name_start(nv_conn *c, const char *name, uint32_t *serial, nv_err *e)
{
    remote_domain_lookup_by_name_args a = {.name = (char *)name};
    return nv_remote_domain_lookup_by_name_start(c->rpc, &a, serial, e);
}

/* lookups give 1 found (out set), 0 no such domain, -1 error */
static int lookup_uuid_finish(nv_conn *c, uint32_t serial, nv_obj *out, nv_err *e)
{
    remote_domain_lookup_by_uuid_ret r;
    if (nv_remote_domain_lookup_by_uuid_finish(c->rpc, serial, &r, e) < 0)
        return nv_virt_not_found(&nv_domain_ops, e) ? 0 : -1;
    int rc = from_handle(out, &r.dom, e);
    nv_proto_free_remote_domain_lookup_by_uuid_ret(&r);
    return rc < 0 ? -1 : 1;
}

static int lookup_name_finish(nv_conn *c, uint32_t serial, nv_obj *out, nv_err *e)
{
    remote_domain_lookup_by_name_ret r;
    if (nv_remote_domain_lookup_by_name_finish(c->rpc, serial, &r, e) < 0)
        return nv_virt_not_found(&nv_domain_ops, e) ? 0 : -1;
    int rc = from_handle(out, &r.dom, e);
    nv_proto_free_remote_domain_lookup_by_name_ret(&r);
    return rc < 0 ? -1 : 1;
}

static int xml_start(nv_conn *c, const nv_obj *o, unsigned flags, uint32_t *serial, nv_err *e)
{
    remote_domain_get_xml_desc_args a = {.dom = handle(o), .flags = flags};
    return nv_remote_domain_get_xml_desc_start(c->rpc, &a, serial, e);
}

static int xml_finish(nv_conn *c, uint32_t serial, char **xml, nv_err *e)
{
    remote_domain_get_xml_desc_ret r;
    if (nv_remote_domain_get_xml_desc_finish(c->rpc, serial, &r, e) < 0)
        return -1;
    *xml = r.xml; /* ownership moves to the caller */
    return 0;
}

static int is_active_start(nv_conn *c, const nv_obj *o, uint32_t *serial, nv_err *e)
{
    remote_domain_is_active_args a = {.dom = handle(o)};
    return nv_remote_domain_is_active_start(c->rpc, &a, serial, e);
}

static int is_active_finish(nv_conn *c, uint32_t serial, nv_err *e)
{
    remote_domain_is_active_ret r;
    if (nv_remote_domain_is_active_finish(c->rpc, serial, &r, e) < 0)
        return -1;
    return r.active ? 1 : 0;
}

static int autostart_start(nv_conn *c, const nv_obj *o, uint32_t *serial, nv_err *e)
{
    remote_domain_get_autostart_args a = {.dom = handle(o)};
    return nv_remote_domain_get_autostart_start(c->rpc, &a, serial, e);
}

static int autostart_finish(nv_conn *c, uint32_t serial, nv_err *e)
{
    remote_domain_get_autostart_ret r;
    if (nv_remote_domain_get_autostart_finish(c->rpc, serial, &r, e) < 0)
        return -1;
    return r.autostart ? 1 : 0;
}

static int is_persistent(nv_conn *c, const nv_obj *o, nv_err *e)
{
    remote_domain_is_persistent_args a = {.dom = handle(o)};
    remote_domain_is_persistent_ret r;
    if (nv_remote_domain_is_persistent(c->rpc, &a, &r, e) < 0)
        return -1;
    return r.persistent ? 1 : 0;
}

int nv_domain_define_flags(nv_conn *c, const char *xml, unsigned flags, nv_obj *out, nv_err *e)
{
    remote_domain_define_xml_flags_args a = {.xml = (char *)xml, .flags = flags};
    remote_domain_define_xml_flags_ret r;
    if (nv_remote_domain_define_xml_flags(c->rpc, &a, &r, e) < 0)
        return -1;
    int rc = out ? from_handle(out, &r.dom, e) : 0;
    nv_proto_free_remote_domain_define_xml_flags_ret(&r);
    return rc;
}

int nv_domain_define_start(nv_conn *c, const char *xml, uint32_t *serial, nv_err *e)
{
    remote_domain_define_xml_flags_args a = {.xml = (char *)xml, .flags = 0};
    return nv_remote_domain_define_xml_flags_start(c->rpc, &a, serial, e);
}

int nv_domain_define_finish(nv_conn *c, uint32_t serial, nv_obj *out, nv_err *e)
{
    remote_domain_define_xml_flags_ret r;
    if (nv_remote_domain_define_xml_flags_finish(c->rpc, serial, &r, e) < 0)
        return -1;
    int rc = from_handle(out, &r.dom, e);
    nv_proto_free_remote_domain_define_xml_flags_ret(&r);
    return rc;
}

static int define(nv_conn *c, const char *xml, nv_obj *out, nv_err *e)
{
    return nv_domain_define_flags(c, xml, 0, out, e);
}

static int create(nv_conn *c, const nv_obj *o, nv_err *e)
{
    remote_domain_create_args a = {.dom = handle(o)};
    return nv_remote_domain_create(c->rpc, &a, e);
}

static int destroy(nv_conn *c, const nv_obj *o, nv_err *e)
{
    remote_domain_destroy_args a = {.dom = handle(o)};
    return nv_remote_domain_destroy(c->rpc, &a, e);
}

int nv_domain_undefine_flags(nv_conn *c, const nv_obj *o, unsigned flags, nv_err *e)
{
    remote_domain_undefine_flags_args a = {.dom = handle(o), .flags = flags};
    return nv_remote_domain_undefine_flags(c->rpc, &a, e);
}

/* QEMU takes the flags that keep NVRAM/TPM state; drivers that reject a
 * flag (LXC) get the plain undefine. */
static int undefine(nv_conn *c, const nv_obj *o, nv_err *e)
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

static int set_autostart(nv_conn *c, const nv_obj *o, int on, nv_err *e)
{
    remote_domain_set_autostart_args a = {.dom = handle(o), .autostart = on ? 1 : 0};
    return nv_remote_domain_set_autostart(c->rpc, &a, e);
}

static int list_start(nv_conn *c, unsigned flags, uint32_t *serial, nv_err *e)
{
    remote_connect_list_all_domains_args a = {.need_results = 1, .flags = flags};
    return nv_remote_connect_list_all_domains_start(c->rpc, &a, serial, e);
}

static int list_finish(nv_conn *c, uint32_t serial, nv_obj_list *out, nv_err *e)
{
    remote_connect_list_all_domains_ret r;
    out->n = 0;
    out->v = NULL;
    if (nv_remote_connect_list_all_domains_finish(c->rpc, serial, &r, e) < 0)
        return -1;
    out->v = calloc(r.domains.domains_len ? r.domains.domains_len : 1, sizeof *out->v);
    int rc = out->v ? 0 : nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    for (uint32_t i = 0; rc == 0 && i < r.domains.domains_len; i++, out->n++)
        rc = from_handle(&out->v[i], &r.domains.domains_val[i], e);
    nv_proto_free_remote_connect_list_all_domains_ret(&r);
    if (rc < 0)
        nv_obj_list_free(out);
    return rc;
}

int nv_domain_shutdown(nv_conn *c, const nv_obj *o, unsigned flags, nv_err *e)
{
    remote_domain_shutdown_flags_args a = {.dom = handle(o), .flags = flags};
    return nv_remote_domain_shutdown_flags(c->rpc, &a, e);
}

int nv_domain_get_state(nv_conn *c, const nv_obj *o, int *state, int *reason, nv_err *e)
{
    remote_domain_get_state_args a = {.dom = handle(o), .flags = 0};
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
    remote_domain_attach_device_flags_args a = {.dom = handle(o), .xml = (char *)xml, .flags = flags};
    return nv_remote_domain_attach_device_flags(c->rpc, &a, e);
}

int nv_domain_detach_device(nv_conn *c, const nv_obj *o, const char *xml, unsigned flags, nv_err *e)
{
    remote_domain_detach_device_flags_args a = {.dom = handle(o), .xml = (char *)xml, .flags = flags};
    return nv_remote_domain_detach_device_flags(c->rpc, &a, e);
}

int nv_domain_update_device(nv_conn *c, const nv_obj *o, const char *xml, unsigned flags, nv_err *e)
{
    remote_domain_update_device_flags_args a = {.dom = handle(o), .xml = (char *)xml, .flags = flags};
    return nv_remote_domain_update_device_flags(c->rpc, &a, e);
}

int nv_domain_set_memory(nv_conn *c, const nv_obj *o, uint64_t kib, unsigned flags, nv_err *e)
{
    remote_domain_set_memory_flags_args a = {.dom = handle(o), .memory = kib, .flags = flags};
    return nv_remote_domain_set_memory_flags(c->rpc, &a, e);
}

int nv_domain_set_vcpus(nv_conn *c, const nv_obj *o, unsigned n, unsigned flags, nv_err *e)
{
    remote_domain_set_vcpus_flags_args a = {.dom = handle(o), .nvcpus = n, .flags = flags};
    return nv_remote_domain_set_vcpus_flags(c->rpc, &a, e);
}

const nv_kind_ops nv_domain_ops = {
    .name = "domain",
    .err_no_object = VIR_ERR_NO_DOMAIN,
    .xml_inactive = NV_DOMAIN_XML_INACTIVE,
    .list_active = 1u, /* VIR_CONNECT_LIST_DOMAINS_ACTIVE */
    .list_inactive = 2u, /* VIR_CONNECT_LIST_DOMAINS_INACTIVE */
    .lookup_uuid_start = lookup_uuid_start,
    .lookup_uuid_finish = lookup_uuid_finish,
    .lookup_name_start = lookup_name_start,
    .lookup_name_finish = lookup_name_finish,
    .xml_start = xml_start,
    .xml_finish = xml_finish,
    .is_active_start = is_active_start,
    .is_active_finish = is_active_finish,
    .autostart_start = autostart_start,
    .autostart_finish = autostart_finish,
    .is_persistent = is_persistent,
    .define = define,
    .create = create,
    .destroy = destroy,
    .undefine = undefine,
    .set_autostart = set_autostart,
    .list_start = list_start,
    .list_finish = list_finish,
};
