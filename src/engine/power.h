/* Starting and stopping objects, with what depends on them: stopping a
 * network first stops the running domains attached to it, so they can be
 * started again once the network is back. */
#ifndef NV_ENGINE_POWER_H
#define NV_ENGINE_POWER_H

#include "virt/conn.h"
#include "virt/object.h"

typedef struct nv_power_opts {
    unsigned shutdown_timeout; /* domains: 0 powers off at once, else ACPI first */
} nv_power_opts;

int nv_power_activate(nv_conn *c, enum nv_kind kind, const nv_obj *o, nv_err *e);

/* Stops o. For a network, running domains using it are stopped first and
 * appended to *dependants (NULL: the network alone is stopped). When a
 * domain cannot be stopped, or the network's destroy fails, the domains
 * already stopped are started again at once, and e names each one that
 * could not be. */
int nv_power_deactivate(nv_conn *c, enum nv_kind kind, const nv_obj *o, const nv_power_opts *p,
                        nv_obj_list *dependants, nv_err *e);

/* Stops one domain: ACPI shutdown and up to timeout seconds, then power off. */
int nv_power_stop_domain(nv_conn *c, const nv_obj *o, unsigned timeout, nv_err *e);

/* Returns 1 for a domain the caller starts itself later (apply: a domain
 * declared in the same run, so a changed one starts once, with its new
 * definition). */
typedef int (*nv_power_defer_fn)(void *ctx, const nv_obj *dom);

/* Starts doms[0..n) again, except those defer claims. Every failure is
 * appended to e ("cannot start domain vm1 again: <reason>"; e's kind is
 * set if it had none) and counted in the return value. */
int nv_power_restart_some(nv_conn *c, const nv_obj *doms, size_t n, nv_power_defer_fn defer, void *ctx,
                          nv_err *e);

/* Starts the domains that nv_power_deactivate stopped (restart_some). */
int nv_power_restart_dependants(nv_conn *c, const nv_obj_list *dependants, nv_err *e);

/* The running domains whose interfaces use the network named net_name
 * (type network) or its bridge (type bridge). */
int nv_power_network_users(nv_conn *c, const nv_obj *net, nv_obj_list *out, nv_err *e);

#endif
