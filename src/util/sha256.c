#include "util/sha256.h"

#include <string.h>

/* x86-64 CPUs with the SHA extensions (AMD since Zen, Intel since Ice Lake
 * and Goldmont) hash about ten times faster with them: apply hashes every
 * definition and every daemon XML on each run. Chosen at run time (cpuid),
 * so one static binary runs everywhere. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define NV_SHA256_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* A macro, not a function: a Debug build does not inline, and apply hashes
 * every definition and every daemon XML on each run. (n is 1..31.) */
#define rotr(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void compress(uint32_t h[8], const uint8_t p[64])
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
}

#ifdef NV_SHA256_X86
/* Four rounds per step: w holds W[4i..4i+3]; sha256rnds2 does two rounds on
 * the state split as ABEF and CDGH (after two rounds the new CDGH is the old
 * ABEF, so the two registers trade roles instead of moving). */
__attribute__((target("sha,ssse3"))) static void compress_x86(uint32_t h[8], const uint8_t *p, size_t blocks)
{
    const __m128i bswap = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
    /* h[0..3] = a b c d, h[4..7] = e f g h; lanes listed from 0 */
    __m128i t0 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)h), 0xB1);       /* b a d c */
    __m128i t1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)(h + 4)), 0xB1); /* f e h g */
    __m128i abef = _mm_unpacklo_epi64(t1, t0); /* f e b a */
    __m128i cdgh = _mm_unpackhi_epi64(t1, t0); /* h g d c */
    for (; blocks; blocks--, p += 64) {
        __m128i abef0 = abef, cdgh0 = cdgh, m[4];
        /* unrolled, even at -Os: m[] stays in registers and the message
         * schedule fills sha256rnds2's latency (~25% faster) */
#if defined(__clang__)
#pragma clang loop unroll(full)
#elif defined(__GNUC__)
#pragma GCC unroll 16
#endif
        for (int i = 0; i < 16; i++) {
            __m128i w;
            if (i < 4) {
                w = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i)), bswap);
            } else {
                /* m[i&3] holds W of step i-4, then i-3, i-2, i-1 around the ring */
                __m128i s = _mm_sha256msg1_epu32(m[i & 3], m[(i + 1) & 3]);
                s = _mm_add_epi32(s, _mm_alignr_epi8(m[(i + 3) & 3], m[(i + 2) & 3], 4));
                w = _mm_sha256msg2_epu32(s, m[(i + 3) & 3]);
            }
            m[i & 3] = w;
            __m128i wk = _mm_add_epi32(w, _mm_loadu_si128((const __m128i *)(const void *)&K[4 * i]));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk); /* cdgh: ABEF after 2 rounds; abef: their CDGH */
            abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));
        }
        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
    }
    t0 = _mm_shuffle_epi32(_mm_unpackhi_epi64(cdgh, abef), 0x1B); /* a b c d */
    t1 = _mm_shuffle_epi32(_mm_unpacklo_epi64(cdgh, abef), 0x1B); /* e f g h */
    _mm_storeu_si128((__m128i *)(void *)h, t0);
    _mm_storeu_si128((__m128i *)(void *)(h + 4), t1);
}

static int portable_only;

/* 1 when the CPU has the SHA extensions (and SSSE3, for the byte shuffles). */
static int have_x86_sha(void)
{
    static int known, have;
    if (!known) {
        unsigned a, b, c, d;
        have = __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 9)) && __get_cpuid_count(7, 0, &a, &b, &c, &d) &&
               (b & (1u << 29));
        known = 1;
    }
    return have && !portable_only;
}
#endif

static void compress_blocks(uint32_t h[8], const uint8_t *p, size_t blocks)
{
#ifdef NV_SHA256_X86
    if (have_x86_sha()) {
        compress_x86(h, p, blocks);
        return;
    }
#endif
    for (; blocks; blocks--, p += 64)
        compress(h, p);
}

void nv_sha256_detect(void)
{
#ifdef NV_SHA256_X86
    (void)have_x86_sha();
#endif
}

int nv_sha256_portable(int on)
{
#ifdef NV_SHA256_X86
    int was = !have_x86_sha();
    portable_only = on;
    return was;
#else
    (void)on;
    return 1;
#endif
}

void nv_sha256_init(nv_sha256_ctx *c)
{
    static const uint32_t iv[8] = {
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    };
    memcpy(c->h, iv, sizeof iv);
    c->total = 0;
    c->used = 0;
}

void nv_sha256_update(nv_sha256_ctx *c, const void *data, size_t n)
{
    const uint8_t *p = data;
    c->total += n;
    if (c->used) {
        size_t take = 64 - c->used < n ? 64 - c->used : n;
        memcpy(c->block + c->used, p, take);
        c->used += take;
        p += take;
        n -= take;
        if (c->used < 64)
            return;
        compress_blocks(c->h, c->block, 1);
        c->used = 0;
    }
    if (n >= 64) {
        compress_blocks(c->h, p, n / 64);
        p += n / 64 * 64;
        n %= 64;
    }
    if (n) {
        memcpy(c->block, p, n);
        c->used = n;
    }
}

void nv_sha256_final(nv_sha256_ctx *c, uint8_t out[NV_SHA256_LEN])
{
    uint64_t bits = c->total * 8;
    /* Padding: 0x80, zeros up to 56 mod 64, then the bit length big-endian. */
    c->block[c->used++] = 0x80;
    if (c->used > 56) {
        memset(c->block + c->used, 0, 64 - c->used);
        compress_blocks(c->h, c->block, 1);
        c->used = 0;
    }
    memset(c->block + c->used, 0, 56 - c->used);
    for (int i = 0; i < 8; i++)
        c->block[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
    compress_blocks(c->h, c->block, 1);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(c->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)c->h[i];
    }
    c->used = 0;
}

void nv_sha256(const void *data, size_t n, uint8_t out[NV_SHA256_LEN])
{
    nv_sha256_ctx c;
    nv_sha256_init(&c);
    nv_sha256_update(&c, data, n);
    nv_sha256_final(&c, out);
}
