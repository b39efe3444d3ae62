/* The daemon and hypervisor as a whole (not one object): their versions. */
#ifndef NV_VIRT_HOST_H
#define NV_VIRT_HOST_H

#include <stdint.h>

#include "virt/conn.h"
#include "util/error.h"

/* Versions as libvirt encodes them: major * 1000000 + minor * 1000 + micro. */
typedef struct nv_host_versions {
    int have_lib;      /* lib_ver is set (also when a later answer failed) */
    uint64_t lib_ver;  /* the daemon's libvirt */
    char hv_type[128]; /* the driver's name, e.g. "QEMU" (cut to fit) */
    uint64_t hv_ver;   /* the hypervisor's */
} nv_host_versions;

/* Asks the three questions in one round trip. 0, or -1 with e set (have_lib
 * tells whether the first answer came). */
int nv_host_versions_get(nv_conn *c, nv_host_versions *v, nv_err *e);

#endif
