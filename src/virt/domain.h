/* Domain procedures beyond the common table (virt/object.h). */
#ifndef NV_VIRT_DOMAIN_H
#define NV_VIRT_DOMAIN_H

#include "virt/object.h"

#define NV_DOMAIN_XML_INACTIVE 2u
/* virDomainShutdownFlagValues */
#define NV_DOMAIN_SHUTDOWN_ACPI 1u
/* virDomainUndefineFlagsValues: managed save, keep NVRAM, keep TPM */
#define NV_DOMAIN_UNDEFINE_KEEP_STATE (1u | 8u | 64u)
/* virDomainState */
enum { NV_DOMAIN_NOSTATE, NV_DOMAIN_RUNNING, NV_DOMAIN_BLOCKED, NV_DOMAIN_PAUSED,
       NV_DOMAIN_SHUTDOWN, NV_DOMAIN_SHUTOFF, NV_DOMAIN_CRASHED, NV_DOMAIN_PMSUSPENDED };

/* virDomainModificationImpact: the running domain only (the persistent
 * definition is declared separately) */
#define NV_DOMAIN_AFFECT_LIVE 1u

int nv_domain_shutdown(nv_conn *c, const nv_obj *o, unsigned flags, nv_err *e);
int nv_domain_get_state(nv_conn *c, const nv_obj *o, int *state, int *reason, nv_err *e);
int nv_domain_undefine_flags(nv_conn *c, const nv_obj *o, unsigned flags, nv_err *e);
/* A define (flags 0) as a start/finish pair: a first apply sends its new
 * domains' defines together and libvirt's workers run them at once. */
int nv_domain_define_start(nv_conn *c, const char *xml, uint32_t *serial, nv_err *e);
int nv_domain_define_finish(nv_conn *c, uint32_t serial, nv_obj *out, nv_err *e); /* out may be NULL */
int nv_domain_define_flags(nv_conn *c, const char *xml, unsigned flags, nv_obj *out, nv_err *e);

/* Changes to a running domain (flags: NV_DOMAIN_AFFECT_LIVE). xml is one
 * <devices> child; memory in KiB. */
int nv_domain_attach_device(nv_conn *c, const nv_obj *o, const char *xml, unsigned flags, nv_err *e);
int nv_domain_detach_device(nv_conn *c, const nv_obj *o, const char *xml, unsigned flags, nv_err *e);
int nv_domain_update_device(nv_conn *c, const nv_obj *o, const char *xml, unsigned flags, nv_err *e);
int nv_domain_set_memory(nv_conn *c, const nv_obj *o, uint64_t kib, unsigned flags, nv_err *e);
int nv_domain_set_vcpus(nv_conn *c, const nv_obj *o, unsigned n, unsigned flags, nv_err *e);

#endif
