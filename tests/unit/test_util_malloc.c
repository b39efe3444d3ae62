/* The allocator (src/util/malloc.c in musl builds, the C library's in the
 * others): what any malloc must do, checked over the sizes nixvirt uses,
 * across threads; and, for ours, that a freed block is what the next
 * request of its size gets. */
#include "check.h"

#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint32_t rnd(uint32_t *state)
{
    *state = *state * 1103515245u + 12345u;
    return *state >> 8;
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed + i * 7);
}

static int intact(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(seed + i * 7))
            return 0;
    return 1;
}

/* Random sizes from 1 byte to ~300 KiB (realloc to 0 frees, in some C
 * libraries), kept, resized and freed in random order: every block aligned
 * to 16, holding what was written to it. */
static int churn(unsigned seed)
{
    uint32_t st = seed;
    enum { SLOTS = 256 };
    unsigned char *p[SLOTS] = {0};
    size_t n[SLOTS] = {0};
    unsigned s[SLOTS] = {0};
    int ok = 1;
    for (int round = 0; round < 20000 && ok; round++) {
        int i = (int)(rnd(&st) % SLOTS);
        if (p[i] && !intact(p[i], n[i], s[i]))
            ok = 0;
        uint32_t what = rnd(&st) % 8;
        size_t size = 1 + (what < 5 ? rnd(&st) % 600 : what < 7 ? rnd(&st) % 70000 : rnd(&st) % 300000);
        if (!p[i] || what == 0) {
            free(p[i]);
            p[i] = malloc(size);
        } else {
            unsigned char *q = realloc(p[i], size);
            if (q && !intact(q, n[i] < size ? n[i] : size, s[i]))
                ok = 0;
            p[i] = q;
        }
        if (!p[i] || ((uintptr_t)p[i] & 15) != 0 || malloc_usable_size(p[i]) < size)
            ok = 0;
        n[i] = size;
        s[i] = seed + (unsigned)round;
        if (p[i])
            fill(p[i], size, s[i]);
    }
    for (int i = 0; i < SLOTS; i++) {
        if (p[i] && !intact(p[i], n[i], s[i]))
            ok = 0;
        free(p[i]);
    }
    return ok;
}

TEST(malloc_sizes_and_contents)
{
    CHECK(churn(1));
    /* calloc zeroes a block that was used before */
    for (size_t size = 1; size < 200000; size = size * 3 + 5) {
        unsigned char *a = malloc(size);
        CHECK(a != NULL);
        if (!a)
            continue;
        memset(a, 0xaa, size);
        free(a);
        unsigned char *z = calloc(1, size);
        CHECK(z != NULL);
        int zero = 1;
        for (size_t i = 0; z && i < size; i++)
            zero &= z[i] == 0;
        CHECK(zero);
        free(z);
    }
#ifdef NV_OWN_MALLOC
    /* impossible sizes fail (sanitizers and valgrind report them instead) */
    CHECK(calloc(SIZE_MAX / 2, 4) == NULL);
    CHECK(malloc(SIZE_MAX - 100) == NULL);
    void *bad = NULL;
    CHECK(posix_memalign(&bad, 24, 10) != 0);
    CHECK(aligned_alloc((size_t)1 << 20, 10) == NULL);
#endif
    /* aligned forms */
    for (size_t align = 8; align <= 65536; align *= 2) {
        void *a = aligned_alloc(align, 2 * align); /* C11: a multiple of the alignment */
        CHECK(a != NULL && ((uintptr_t)a & (align - 1)) == 0);
        void *b = NULL;
        CHECK_INT(posix_memalign(&b, align, 70000), 0);
        CHECK(b != NULL && ((uintptr_t)b & (align - 1)) == 0);
        if (b)
            memset(b, 1, 70000);
        free(a);
        free(b);
    }
    /* a large block shrunk to a small one keeps its start */
    unsigned char *big = malloc(500000);
    CHECK(big != NULL);
    if (big) {
        fill(big, 500000, 9);
        unsigned char *small = realloc(big, 100);
        CHECK(small != NULL && intact(small, 100, 9));
        free(small);
    }
}

/* Large blocks grown step by step while others are made next to them (so
 * that the pages after a block are taken and it moves): each keeps what it
 * held, its alignment and its usable size; then they shrink, grow again
 * and are freed. */
TEST(malloc_large_blocks_grow_and_move)
{
    enum { K = 4 };
    unsigned char *p[K] = {0};
    size_t n[K] = {0};
    void *fence[K * 12] = {0};
    int nf = 0;
    for (int step = 0; step < 12; step++) {
        for (int i = 0; i < K; i++) {
            size_t size = (size_t)(70000 + i * 4096) << (step / 2); /* 70 KB .. ~4.5 MB */
            size = step % 2 ? size + size / 3 : size;
            unsigned char *q = realloc(p[i], size);
            CHECK(q != NULL);
            if (!q)
                continue;
            CHECK(((uintptr_t)q & 15) == 0 && malloc_usable_size(q) >= size);
            CHECK(intact(q, n[i], (unsigned)i));
            p[i] = q;
            n[i] = size;
            fill(p[i], n[i], (unsigned)i);
            fence[nf] = malloc(100000); /* a mapping of its own, likely next to it */
            CHECK(fence[nf] != NULL);
            nf++;
        }
    }
    for (int i = 0; i < K; i++) {
        unsigned char *q = realloc(p[i], 80000);
        CHECK(q != NULL && intact(q, 80000, (unsigned)i));
        if (q)
            p[i] = q;
        q = realloc(p[i], 3000000);
        CHECK(q != NULL && intact(q, 80000, (unsigned)i));
        if (q) {
            p[i] = q;
            memset(q, 0x5a, 3000000);
        }
        free(p[i]);
    }
    for (int i = 0; i < nf; i++)
        free(fence[i]);
}

static void *thread_churn(void *arg)
{
    return churn((unsigned)(uintptr_t)arg) ? arg : NULL;
}

/* blocks made by one thread and freed by another */
static void *thread_free(void *arg)
{
    void **v = arg;
    for (int i = 0; i < 1000; i++)
        free(v[i]);
    return NULL;
}

TEST(malloc_threads)
{
    pthread_t t[3];
    for (uintptr_t i = 0; i < 3; i++)
        CHECK_INT(pthread_create(&t[i], NULL, thread_churn, (void *)(i + 100)), 0);
    int ok = churn(7);
    for (int i = 0; i < 3; i++) {
        void *r = NULL;
        pthread_join(t[i], &r);
        CHECK(r != NULL);
    }
    CHECK(ok);
    void *v[1000];
    for (int i = 0; i < 1000; i++) {
        v[i] = malloc((size_t)(i % 300) + 1);
        CHECK(v[i] != NULL);
        if (v[i])
            memset(v[i], 0x5a, (size_t)(i % 300) + 1);
    }
    pthread_t f;
    CHECK_INT(pthread_create(&f, NULL, thread_free, v), 0);
    pthread_join(f, NULL);
    CHECK(churn(8)); /* and this thread goes on */
}

#ifdef NV_OWN_MALLOC
/* Ours hands a freed block to the next request of its class, last freed
 * first, without a system call; powers of two fit their class exactly. */
TEST(malloc_own_reuses_freed_blocks)
{
    for (size_t size = 1; size <= 65536; size *= 2) {
        void *a = malloc(size), *b = malloc(size);
        CHECK(a && b && a != b);
        CHECK_INT(malloc_usable_size(a), size < 16 ? 16 : size);
        free(a);
        free(b);
        void *c = malloc(size), *d = malloc(size);
        CHECK(c == b && d == a);
        free(c);
        free(d);
    }
    /* 100 and 112 bytes share a class; 129 is in the next */
    void *x = malloc(100);
    free(x);
    CHECK(malloc(112) == x);
    free(x);
    void *y = malloc(129);
    CHECK(y != x);
    CHECK_INT(malloc_usable_size(y), 160);
    free(y);
}
#endif
