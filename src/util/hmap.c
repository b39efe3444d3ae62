#include "util/hmap.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* ---- the hash ----------------------------------------------------------- */

/* Keyed multiply-and-fold, 16 bytes a step: each step multiplies two
 * 64-bit words, each blinded by a secret, into 128 bits and folds the
 * halves. Keys here are UUIDs, digests and names, mostly 16 to 40 bytes:
 * SipHash spent ~150 instructions on one, this ~25. Only the table's
 * layout depends on it, never a result; with the secrets drawn per process
 * a daemon or a file cannot choose keys that collide (it never sees a
 * hash). */
static uint64_t key0, key1;
static int keyed;

static uint64_t fold(uint64_t a, uint64_t b)
{
#ifdef __SIZEOF_INT128__
    unsigned __int128 r = (unsigned __int128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
#else
    uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
    uint64_t lo = (mid << 32) | (uint32_t)ll;
    uint64_t hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
    return lo ^ hi;
#endif
}

/* Little-endian, so a hash does not depend on the host's byte order. */
static uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

/* The n < 8 bytes at p, zero-padded. */
static uint64_t load_part(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void init_key(void)
{
    uint8_t k[16];
    /* without randomness the map still works, only predictably */
    if (getrandom(k, sizeof k, GRND_NONBLOCK) != (ssize_t)sizeof k)
        memcpy(k, "nixvirt-hmap-key", 16);
    key0 = load64(k);
    key1 = load64(k + 8);
    keyed = 1;
}

void nv_hash_init(void)
{
    if (!keyed)
        init_key();
}

uint64_t nv_hash(const void *data, size_t n)
{
    if (!keyed)
        init_key();
    const uint8_t *p = data;
    uint64_t s = key0 ^ ((uint64_t)n * 0x9e3779b97f4a7c15ULL);
    for (; n >= 16; n -= 16, p += 16)
        s = fold(load64(p) ^ key1, load64(p + 8) ^ s);
    uint64_t a = n >= 8 ? load64(p) : load_part(p, n), b = n > 8 ? load_part(p + 8, n - 8) : 0;
    s = fold(a ^ key1, b ^ s);
    return fold(s ^ 0xa0761d6478bd642fULL, key0 ^ 0xe7037ed1a0b428dbULL);
}

/* ---- the map -------------------------------------------------------------- */

size_t nv_hmap_find(const nv_hmap *m, uint64_t hash, nv_hmap_eq eq, const void *ctx, const void *key)
{
    if (!m->s)
        return NV_HMAP_NONE;
    uint32_t h = (uint32_t)hash;
    for (size_t i = h & m->mask;; i = (i + 1) & m->mask) {
        const nv_hmap_slot *s = &m->s[i];
        if (!s->pos1)
            return NV_HMAP_NONE;
        if (s->hash == h && eq(ctx, s->pos1 - 1, key))
            return s->pos1 - 1;
    }
}

static void insert(nv_hmap_slot *s, size_t mask, uint32_t hash, uint32_t pos1)
{
    size_t i = hash & mask;
    while (s[i].pos1)
        i = (i + 1) & mask;
    s[i].hash = hash;
    s[i].pos1 = pos1;
}

/* A table of cap slots (a power of two, at most half full) with the
 * entries moved over. */
static int grow(nv_hmap *m, size_t cap, nv_err *e)
{
    if ((uint64_t)cap > ((uint64_t)1 << 32) || cap > SIZE_MAX / 4 / sizeof *m->s)
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    nv_hmap_slot *s = calloc(cap, sizeof *s);
    if (!s)
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    for (size_t i = 0; m->s && i <= m->mask; i++)
        if (m->s[i].pos1)
            insert(s, cap - 1, m->s[i].hash, m->s[i].pos1);
    free(m->s);
    m->s = s;
    m->mask = cap - 1;
    return 0;
}

int nv_hmap_reserve(nv_hmap *m, size_t n, nv_err *e)
{
    size_t cap = m->s ? m->mask + 1 : 64;
    while (n > cap / 2 && (uint64_t)cap <= ((uint64_t)1 << 32))
        cap *= 2;
    return m->s && cap == m->mask + 1 ? 0 : grow(m, cap, e);
}

int nv_hmap_put(nv_hmap *m, uint64_t hash, size_t pos, nv_err *e)
{
    if (pos >= NV_HMAP_MAX)
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    if ((!m->s || (m->n + 1) * 2 > m->mask + 1) && grow(m, m->s ? (m->mask + 1) * 2 : 64, e) < 0)
        return -1;
    insert(m->s, m->mask, (uint32_t)hash, (uint32_t)(pos + 1));
    m->n++;
    return 0;
}

static size_t slot_of(const nv_hmap *m, uint64_t hash, size_t pos)
{
    if (!m->s)
        return NV_HMAP_NONE;
    for (size_t i = (uint32_t)hash & m->mask; m->s[i].pos1; i = (i + 1) & m->mask)
        if (m->s[i].pos1 == pos + 1)
            return i;
    return NV_HMAP_NONE;
}

void nv_hmap_del(nv_hmap *m, uint64_t hash, size_t pos)
{
    size_t i = slot_of(m, hash, pos);
    if (i == NV_HMAP_NONE)
        return;
    /* shift back every following entry whose home is not between the hole and it */
    for (size_t j = (i + 1) & m->mask; m->s[j].pos1; j = (j + 1) & m->mask) {
        size_t home = m->s[j].hash & m->mask;
        int stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (stays)
            continue;
        m->s[i] = m->s[j];
        i = j;
    }
    m->s[i].pos1 = 0;
    m->n--;
}

void nv_hmap_move(nv_hmap *m, uint64_t hash, size_t from, size_t to)
{
    size_t i = slot_of(m, hash, from);
    if (i != NV_HMAP_NONE)
        m->s[i].pos1 = (uint32_t)(to + 1);
}

void nv_hmap_free(nv_hmap *m)
{
    free(m->s);
    memset(m, 0, sizeof *m);
}
