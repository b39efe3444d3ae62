#include "util/hmap.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* ---- SipHash-1-3 ---------------------------------------------------------- */

static uint64_t key0, key1;
static int keyed;

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                                 \
    do {                                                                                                         \
        v0 += v1;                                                                                                \
        v1 = ROTL(v1, 13);                                                                                       \
        v1 ^= v0;                                                                                                \
        v0 = ROTL(v0, 32);                                                                                       \
        v2 += v3;                                                                                                \
        v3 = ROTL(v3, 16);                                                                                       \
        v3 ^= v2;                                                                                                \
        v0 += v3;                                                                                                \
        v3 = ROTL(v3, 21);                                                                                       \
        v3 ^= v0;                                                                                                \
        v2 += v1;                                                                                                \
        v1 = ROTL(v1, 17);                                                                                       \
        v1 ^= v2;                                                                                                \
        v2 = ROTL(v2, 32);                                                                                       \
    } while (0)

/* Little-endian, as SipHash reads its input. */
static uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
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
    uint64_t v0 = 0x736f6d6570736575ULL ^ key0, v1 = 0x646f72616e646f6dULL ^ key1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ key0, v3 = 0x7465646279746573ULL ^ key1;
    uint64_t b = (uint64_t)n << 56;
    size_t whole = n & ~(size_t)7;
    for (size_t i = 0; i < whole; i += 8) {
        uint64_t m = load64(p + i);
        v3 ^= m;
        SIPROUND;
        v0 ^= m;
    }
    for (size_t i = 0; i < (n & 7); i++)
        b |= (uint64_t)p[whole + i] << (8 * i);
    v3 ^= b;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
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
