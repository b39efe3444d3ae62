/* The program's allocator, in the static musl build (NV_OWN_MALLOC): it
 * replaces malloc, free, calloc, realloc and the aligned forms, which musl
 * lets a program do (its own internal allocations keep to its allocator).
 *
 * Why: musl's allocator takes one lock for every call of every thread and
 * unmaps a group of blocks as soon as the last of them is freed. An apply
 * runs three threads (the reader of definitions, the early connection and
 * the main one) and frees most blocks right after using them: with musl's
 * it spent ~15% of its CPU in mmap, munmap, page faults and futex waits.
 *
 * How: a block of up to SMALL_MAX bytes is of a size class (16-byte steps
 * to 128, then four per doubling, so that powers of two fit exactly) and
 * lies in a slab: SLAB bytes aligned to SLAB, of blocks of one class, with
 * the class in the slab's header (blocks carry no header of their own).
 * Slabs are carved from regions mapped a few MiB at a time (pages are only
 * memory once touched). Each thread has its own slab per class and its own
 * lists of freed blocks, which it hands out again first: no lock and no
 * system call. Freed blocks are not returned to the system (a run of
 * nixvirt is short). A larger block is a mapping of its own, aligned to
 * SLAB with the same header, unmapped when freed. */
#ifdef NV_OWN_MALLOC

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define SLAB ((size_t)256 * 1024)
#define SLAB_HDR ((size_t)64)           /* the header's room; keeps blocks 16-byte aligned */
#define SMALL_MAX ((size_t)64 * 1024)   /* larger: a mapping of its own */
#define REGION (16 * SLAB)              /* slabs mapped at a time */
#define NCLASS 45                       /* classes 1..44 (0 unused) */
#define LARGE ((size_t)-1)              /* the "class" of a mapping */
#define PAGE ((size_t)4096)

typedef struct slab {
    size_t cls;          /* the class of its blocks, or LARGE */
    char *map;           /* LARGE: the whole mapping and its length (the header lies in it) */
    size_t map_len;
} slab;

typedef struct heap {
    void *free[NCLASS];             /* freed blocks, linked through their first word */
    char *next[NCLASS], *end[NCLASS]; /* the rest of each class's current slab */
    char *slabs, *slabs_end;        /* the rest of the current region */
} heap;

static _Thread_local heap h;

/* The class of a request of n bytes (1 <= n <= SMALL_MAX): 16-byte steps
 * to 128 (classes 1-8), then four steps per power of two (9-44). */
static unsigned class_of(size_t n)
{
    if (n <= 128)
        return (unsigned)((n + 15) / 16);
    unsigned p = 63u - (unsigned)__builtin_clzll((unsigned long long)(n - 1)); /* 2^p < n <= 2^(p+1) */
    size_t step = (size_t)1 << (p - 2);
    unsigned m = (unsigned)((n - 1 - ((size_t)1 << p)) / step); /* 0..3 */
    return 9 + (p - 7) * 4 + m;
}

static size_t class_size(unsigned c)
{
    if (c <= 8)
        return (size_t)c * 16;
    unsigned p = 7 + (c - 9) / 4, m = (c - 9) % 4;
    return ((size_t)1 << p) + (size_t)(m + 1) * ((size_t)1 << (p - 2));
}

static slab *slab_of(const void *p)
{
    return (slab *)((uintptr_t)p & ~(uintptr_t)(SLAB - 1));
}

/* At least len bytes (a multiple of PAGE) mapped at an address aligned to
 * SLAB, within a mapping of *map_len bytes at *map. The slack around the
 * aligned part stays mapped: trimming it took two more munmap calls per
 * block (each a TLB shootdown on every CPU the process runs on), and
 * untouched pages cost only address space. */
static char *map_aligned(size_t len, char **map, size_t *map_len)
{
    if (len > SIZE_MAX / 2)
        return NULL;
    char *m = mmap(NULL, len + SLAB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    *map = m;
    *map_len = len + SLAB;
    return (char *)(((uintptr_t)m + SLAB - 1) & ~(uintptr_t)(SLAB - 1));
}

/* A block of n bytes at `off` (SLAB_HDR, or an alignment up to SLAB / 2)
 * into a mapping of its own (the block may use the mapping to its end). */
static void *map_block(size_t n, size_t off)
{
    if (n > SIZE_MAX / 2 - off - PAGE) {
        errno = ENOMEM;
        return NULL;
    }
    size_t len = (off + n + PAGE - 1) & ~(PAGE - 1);
    char *map;
    size_t map_len;
    char *a = map_aligned(len, &map, &map_len);
    if (!a) {
        errno = ENOMEM;
        return NULL;
    }
    slab *s = (slab *)(void *)a;
    s->cls = LARGE;
    s->map = map;
    s->map_len = map_len;
    return a + off;
}

static void *small_block(unsigned c)
{
    void *p = h.free[c];
    if (p) {
        h.free[c] = *(void **)p;
        return p;
    }
    size_t size = class_size(c);
    if ((size_t)(h.end[c] - h.next[c]) < size) {
        /* a new slab for the class (the rest of the old one stays unused) */
        if (h.slabs == h.slabs_end) {
            char *m;
            size_t m_len;
            char *r = map_aligned(REGION, &m, &m_len);
            if (!r) {
                errno = ENOMEM;
                return NULL;
            }
            h.slabs = r;
            h.slabs_end = r + REGION;
        }
        slab *s = (slab *)(void *)h.slabs;
        h.slabs += SLAB;
        s->cls = c;
        h.next[c] = (char *)s + SLAB_HDR;
        h.end[c] = (char *)s + SLAB;
    }
    p = h.next[c];
    h.next[c] += size;
    return p;
}

void *malloc(size_t n)
{
    if (n > SMALL_MAX)
        return map_block(n, SLAB_HDR);
    return small_block(class_of(n ? n : 1));
}

void free(void *p)
{
    if (!p)
        return;
    slab *s = slab_of(p);
    if (s->cls == LARGE) {
        munmap(s->map, s->map_len);
        return;
    }
    *(void **)p = h.free[s->cls];
    h.free[s->cls] = p;
}

/* What a block can hold. */
static size_t capacity(void *p)
{
    slab *s = slab_of(p);
    if (s->cls == LARGE)
        return (size_t)(s->map + s->map_len - (char *)p);
    return class_size((unsigned)s->cls);
}

size_t malloc_usable_size(void *p)
{
    return p ? capacity(p) : 0;
}

void *calloc(size_t m, size_t n)
{
    if (n && m > SIZE_MAX / n) {
        errno = ENOMEM;
        return NULL;
    }
    if (m * n > SMALL_MAX)
        return map_block(m * n, SLAB_HDR); /* a fresh mapping reads as zeros already */
    void *p = malloc(m * n);
    if (p)
        memset(p, 0, m * n);
    return p;
}

/* A large block's pages moved, not copied, into a new mapping where its
 * header keeps its alignment: mappings are made top-down, so the pages
 * after one are seldom free, and a copy wrote every page again (a page
 * fault each, ~2.5 µs in a VM) and unmapped the old ones. The block is
 * moved into a reservation of len + SLAB bytes, from where its header
 * falls aligned to the reservation's end (one mapping again, grown with
 * untouched pages); the part before it is unmapped. NULL when it cannot
 * be done (the caller copies). */
static void *move_block(slab *s, size_t len, void *p)
{
    size_t d = (size_t)((char *)s - s->map); /* the header's offset in the mapping: pages, < SLAB */
    size_t rlen = len + SLAB;
    char *r = mmap(NULL, rlen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r == MAP_FAILED)
        return NULL;
    char *a = (char *)(((uintptr_t)r + d + SLAB - 1) & ~(uintptr_t)(SLAB - 1));
    char *t = a - d, *end = r + rlen; /* r <= t < r + SLAB, so t + len <= end */
    size_t at = (size_t)((char *)p - (char *)s);
    if (mremap(s->map, s->map_len, (size_t)(end - t), MREMAP_MAYMOVE | MREMAP_FIXED, t) == MAP_FAILED) {
        munmap(r, rlen);
        return NULL;
    }
    if (t > r)
        munmap(r, (size_t)(t - r));
    slab *ns = (slab *)(void *)a;
    ns->map = t;
    ns->map_len = (size_t)(end - t);
    return a + at;
}

void *realloc(void *p, size_t n)
{
    if (!p)
        return malloc(n);
    slab *s = slab_of(p);
    size_t have = capacity(p);
    if (n <= have && (s->cls != LARGE || n > SMALL_MAX))
        return p;
    if (s->cls == LARGE && n > SMALL_MAX && n <= SIZE_MAX / 2 - SLAB) {
        /* a mapping grows in place when the pages after it are free */
        size_t len = ((size_t)((char *)p - s->map) + n + PAGE - 1) & ~(PAGE - 1);
        if (mremap(s->map, s->map_len, len, 0) != MAP_FAILED) {
            s->map_len = len;
            return p;
        }
        void *q = move_block(s, len, p);
        if (q)
            return q;
    }
    void *q = malloc(n);
    if (!q)
        return NULL;
    memcpy(q, p, have < n ? have : n);
    free(p);
    return q;
}

void *aligned_alloc(size_t align, size_t n)
{
    if (!align || (align & (align - 1)) || align > SLAB / 2) {
        errno = EINVAL;
        return NULL;
    }
    if (align <= 16)
        return malloc(n);
    return map_block(n, align > SLAB_HDR ? align : SLAB_HDR);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    if (align < sizeof(void *) || (align & (align - 1)))
        return EINVAL;
    void *p = aligned_alloc(align, n);
    if (!p)
        return errno == EINVAL ? EINVAL : ENOMEM;
    *out = p;
    return 0;
}

void *memalign(size_t align, size_t n)
{
    return aligned_alloc(align, n);
}

#else
typedef int nv_own_malloc_unused; /* not this build */
#endif
