/* SHA-256 (FIPS 180-4): deterministic MAC addresses, and the digests by
 * which apply knows that nothing changed. Uses the CPU's SHA instructions
 * where there are some (x86-64 SHA extensions, found at run time). */
#ifndef NV_UTIL_SHA256_H
#define NV_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define NV_SHA256_LEN 32

typedef struct nv_sha256_ctx {
    uint32_t h[8];
    uint64_t total;   /* bytes hashed so far */
    uint8_t block[64];
    size_t used;      /* bytes waiting in block */
} nv_sha256_ctx;

void nv_sha256_init(nv_sha256_ctx *c);
void nv_sha256_update(nv_sha256_ctx *c, const void *data, size_t n);
/* Writes the digest; c must be initialised again before reuse. */
void nv_sha256_final(nv_sha256_ctx *c, uint8_t out[NV_SHA256_LEN]);
/* One-shot convenience. */
void nv_sha256(const void *data, size_t n, uint8_t out[NV_SHA256_LEN]);
/* For tests: on = 1 hashes with the portable code only. Returns 1 when
 * the portable code was in use before (always, on a CPU without SHA
 * instructions). */
int nv_sha256_portable(int on);
/* Looks at the CPU now (else the first hash does): before a second thread
 * hashes. */
void nv_sha256_detect(void);

#endif
