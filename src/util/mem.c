/* memcpy and memmove for the size-optimised static build.
 *
 * A ReleaseSmall build takes them from Zig's compiler_rt, whose small
 * variants copy one byte at a time (4 instructions a byte): an apply copies
 * every reply, every definition and the text it writes, and that was 5-11%
 * of its CPU. compiler_rt defines them weak; these, a word at a time, take
 * their place. Only where that is the case: musl (glibc brings its own, and
 * the sanitiser builds intercept them) and an optimisation for size. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__OPTIMIZE_SIZE__) && !defined(__GLIBC__) && defined(__clang__)

typedef uint64_t __attribute__((may_alias, aligned(1))) word;

/* no_builtin: the loops must not be turned back into calls to themselves */
__attribute__((no_builtin("memcpy"))) void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    for (; n >= sizeof(word); n -= sizeof(word), d += sizeof(word), s += sizeof(word))
        *(word *)(void *)d = *(const word *)(const void *)s;
    for (; n; n--)
        *d++ = *s++;
    return dst;
}

__attribute__((no_builtin("memcpy", "memmove"))) void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if ((uintptr_t)d - (uintptr_t)s >= n) {
        /* d before s, or no overlap: forwards, each word read before it is written */
        for (; n >= sizeof(word); n -= sizeof(word), d += sizeof(word), s += sizeof(word))
            *(word *)(void *)d = *(const word *)(const void *)s;
        for (; n; n--)
            *d++ = *s++;
        return dst;
    }
    /* d inside [s, s + n): backwards */
    d += n;
    s += n;
    for (; n >= sizeof(word); n -= sizeof(word)) {
        d -= sizeof(word);
        s -= sizeof(word);
        *(word *)(void *)d = *(const word *)(const void *)s;
    }
    while (n--)
        *--d = *--s;
    return dst;
}

#else
typedef int nv_mem_unused; /* ISO C: a translation unit is not empty */
#endif
