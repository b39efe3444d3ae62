/* A very small unit-test framework: TEST() registers a function at start-up,
 * CHECK*() records failures without stopping the test. */
#ifndef NV_TEST_CHECK_H
#define NV_TEST_CHECK_H

#include <stddef.h>
#include <string.h>

typedef void (*check_fn)(void);
void check_register(const char *name, check_fn fn, const char *file);
void check_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Absolute path of a file under tests/data (NV_TEST_DATA env or ./tests/data). */
const char *check_data_path(const char *rel);
/* tmpl with every @D@ replaced by check_data_path(rel) (malloc'd; NULL when
 * out of memory). */
char *check_expand_data(const char *tmpl, const char *rel);
/* A new directory /tmp/nv-test-<tag>-XXXXXX, its path in buf[64] (returned;
 * a failure is the test's). */
const char *check_tmpdir(char buf[64], const char *tag);
/* Removes dir and everything under it (a failure is the test's). */
void check_rm_tree(const char *dir);
/* Writes text to path (a failure is the test's). */
void check_write_file(const char *path, const char *text);
/* n small TCG domain definitions dir/<name>.xml, domain i (from 0) with UUID
 * 0a0a0a0a-0000-4000-8000-00000000000<i+1>; paths[i] gets each file's path. */
void check_write_domains(const char *dir, const char *const *names, int n, char (*paths)[128]);

#define TEST(name)                                                            \
    static void name(void);                                                   \
    __attribute__((constructor)) static void check_reg_##name(void)           \
    {                                                                         \
        check_register(#name, name, __FILE__);                                \
    }                                                                         \
    static void name(void)

#define CHECK(cond)                                                           \
    do {                                                                      \
        if (!(cond))                                                          \
            check_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);               \
    } while (0)

#define CHECK_INT(a, b)                                                       \
    do {                                                                      \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);       \
        if (check_a_ != check_b_)                                             \
            check_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b,  \
                       check_a_, check_b_);                                   \
    } while (0)

#define CHECK_STR(a, b)                                                       \
    do {                                                                      \
        const char *check_a_ = (a), *check_b_ = (b);                          \
        if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0)        \
            check_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a,  \
                       #b, check_a_ ? check_a_ : "(null)",                    \
                       check_b_ ? check_b_ : "(null)");                       \
    } while (0)

#define CHECK_MEM(a, b, n)                                                    \
    do {                                                                      \
        if (memcmp((a), (b), (n)) != 0)                                       \
            check_fail(__FILE__, __LINE__, "memcmp(%s, %s, %s) != 0", #a, #b, \
                       #n);                                                   \
    } while (0)

#endif
