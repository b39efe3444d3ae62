/* Runner for the unit tests: runs every registered test (or those whose
 * name contains argv[1]) and ends with "N passed, M failed". */
#include "check.h"

#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TESTS 2048

static struct {
    const char *name;
    const char *file;
    check_fn fn;
} tests[MAX_TESTS];
static int ntests;
static int current_failed;

void check_register(const char *name, check_fn fn, const char *file)
{
    if (ntests == MAX_TESTS) {
        fprintf(stderr, "too many tests\n");
        exit(2);
    }
    tests[ntests].name = name;
    tests[ntests].file = file;
    tests[ntests].fn = fn;
    ntests++;
}

void check_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "  %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    current_failed = 1;
}

const char *check_tmpdir(char buf[64], const char *tag)
{
    snprintf(buf, 64, "/tmp/nv-test-%.20s-XXXXXX", tag);
    if (!mkdtemp(buf))
        check_fail(__FILE__, __LINE__, "cannot make a directory like %s", buf);
    return buf;
}

void check_rm_tree(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        check_fail(__FILE__, __LINE__, "cannot remove %s", dir);
}

void check_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        check_fail(__FILE__, __LINE__, "cannot write %s", path);
        return;
    }
    fputs(text, f);
    if (fclose(f) != 0)
        check_fail(__FILE__, __LINE__, "cannot write %s", path);
}

void check_write_domains(const char *dir, const char *const *names, int n, char (*paths)[128])
{
    for (int i = 0; i < n; i++) {
        char def[512];
        snprintf(paths[i], 128, "%s/%s.xml", dir, names[i]);
        snprintf(def, sizeof def,
                 "<domain type='qemu'><name>%s</name><uuid>0a0a0a0a-0000-4000-8000-00000000000%d</uuid>"
                 "<memory unit='MiB'>32</memory><os><type arch='x86_64'>hvm</type></os></domain>\n",
                 names[i], i + 1);
        check_write_file(paths[i], def);
    }
}

char *check_expand_data(const char *tmpl, const char *rel)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", check_data_path(rel));
    size_t dl = strlen(dir), n = 0;
    for (const char *p = tmpl; *p; p++)
        n += strncmp(p, "@D@", 3) == 0 ? dl : 1;
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *p = tmpl; *p;) {
        if (strncmp(p, "@D@", 3) == 0) {
            memcpy(o, dir, dl);
            o += dl;
            p += 3;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

const char *check_data_path(const char *rel)
{
    static char buf[4096];
    const char *base = getenv("NV_TEST_DATA");
    snprintf(buf, sizeof buf, "%s/%s", base ? base : "tests/data", rel);
    return buf;
}


int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN); /* as nixvirt's main does */
    const char *filter = argc > 1 ? argv[1] : NULL;
    int passed = 0, failed = 0;
    for (int i = 0; i < ntests; i++) {
        if (filter && !strstr(tests[i].name, filter) && !strstr(tests[i].file, filter))
            continue;
        current_failed = 0;
        tests[i].fn();
        if (current_failed) {
            printf("FAIL %s (%s)\n", tests[i].name, tests[i].file);
            failed++;
        } else {
            if (getenv("CHECK_VERBOSE"))
                printf("ok   %s\n", tests[i].name);
            passed++;
        }
    }
    printf("unit: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
