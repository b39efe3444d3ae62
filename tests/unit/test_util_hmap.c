/* util/hmap: the index against a brute-force model, through growth,
 * removals (backward shift) and moves. */
#include "check.h"
#include "util/hmap.h"

#include <stdint.h>
#include <stdlib.h>

#define N 5000

static uint32_t keys[N]; /* the caller's array: position -> key */

static int same(const void *ctx, size_t pos, const void *key)
{
    return ((const uint32_t *)ctx)[pos] == *(const uint32_t *)key;
}

/* a weak hash on purpose: many collisions exercise probing and shifting */
static uint64_t weak(uint32_t k)
{
    return k % 97;
}

TEST(hmap_matches_a_model)
{
    for (int round = 0; round < 2; round++) {
        nv_hmap m = {0};
        nv_err e;
        size_t n = 0;
        for (uint32_t i = 0; i < N; i++) {
            keys[n] = i * 7919u;
            uint64_t h = round ? weak(keys[n]) : nv_hash(&keys[n], 4);
            CHECK_INT(nv_hmap_find(&m, h, same, keys, &keys[n]), (long long)NV_HMAP_NONE);
            CHECK_INT(nv_hmap_put(&m, h, n, &e), 0);
            n++;
        }
        CHECK_INT(m.n, N);
        /* remove every third key as a record does: the last takes its place */
        srand(42);
        for (int r = 0; r < N / 3; r++) {
            size_t pos = (size_t)rand() % n;
            uint32_t gone = keys[pos];
            uint64_t hg = round ? weak(gone) : nv_hash(&gone, 4);
            nv_hmap_del(&m, hg, pos);
            if (pos != n - 1) {
                uint64_t hl = round ? weak(keys[n - 1]) : nv_hash(&keys[n - 1], 4);
                nv_hmap_move(&m, hl, n - 1, pos);
                keys[pos] = keys[n - 1];
            }
            n--;
            CHECK_INT(nv_hmap_find(&m, hg, same, keys, &gone), (long long)NV_HMAP_NONE);
        }
        CHECK_INT(m.n, n);
        for (size_t pos = 0; pos < n; pos++) {
            uint64_t h = round ? weak(keys[pos]) : nv_hash(&keys[pos], 4);
            CHECK_INT(nv_hmap_find(&m, h, same, keys, &keys[pos]), pos);
        }
        nv_hmap_free(&m);
    }
}

TEST(hmap_hash_depends_on_every_byte)
{
    /* every bit of keys of every length up to 40 moves the low 32 bits
     * (the part the table keeps) */
    uint8_t a[40] = {0}, b[40] = {0};
    CHECK(nv_hash(a, 40) == nv_hash(b, 40));
    for (int i = 0; i < 40; i++) {
        for (int bit = 0; bit < 8; bit++) {
            b[i] = (uint8_t)(1u << bit);
            for (size_t n = (size_t)i + 1; n <= 40; n++)
                CHECK((uint32_t)nv_hash(a, n) != (uint32_t)nv_hash(b, n));
        }
        b[i] = 0;
        CHECK(nv_hash(a, (size_t)i) != nv_hash(a, (size_t)i + 1)); /* the length counts */
    }
}

TEST(hmap_hash_spreads_sequential_keys)
{
    /* UUIDs that differ only in a counter, in either half, land evenly in
     * the table's home slots (its low bits): no bucket of 1,024 gets more
     * than twice its share of 65,536 keys */
    for (int half = 0; half < 2; half++) {
        static unsigned count[1024];
        memset(count, 0, sizeof count);
        for (uint32_t i = 0; i < 65536; i++) {
            uint8_t uuid[16] = {0x6a, 0x1f, 0, 0, 0, 0, 0x40, 0, 0x80};
            memcpy(uuid + (half ? 12 : 2), &i, 4);
            count[nv_hash(uuid, 16) & 1023]++;
        }
        unsigned most = 0;
        for (int j = 0; j < 1024; j++)
            most = count[j] > most ? count[j] : most;
        CHECK(most <= 128);
    }
}
