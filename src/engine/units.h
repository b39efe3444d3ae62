/* Sizes as people read them. libvirt writes a size as a number and a
 * unit attribute (<memory unit='KiB'>32768</memory>); a unit-less one has
 * a default that depends on the element (KiB for a domain's memory, bytes
 * for a pool's or volume's capacity). For showing what changed, each such
 * element's text becomes the size in the largest unit that divides it
 * exactly ("32 MiB") and the unit attribute goes, so that 32768 KiB and
 * 32 MiB compare equal and a change reads "32 MiB → 64 MiB". Only for
 * display: the trees compared for change detection are left alone. */
#ifndef NV_ENGINE_UNITS_H
#define NV_ENGINE_UNITS_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "xml/doc.h"

/* Bytes per unit as libvirt reads it ("KiB", "k", "KB", "MiB", "bytes",
 * ...); 0 for an unknown unit. */
uint64_t nv_units_scale(const char *unit);

/* "32 MiB", "1 GB", "1000 B": the largest binary unit dividing bytes
 * exactly, else the largest decimal one, else bytes. */
void nv_units_format(uint64_t bytes, char *out, size_t n);

/* Rewrites every size element under root (a domain, pool or volume
 * definition) as described above. */
int nv_units_normalise(nv_xml_node *root, nv_err *e);

#endif
