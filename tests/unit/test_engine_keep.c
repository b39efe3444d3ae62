/* virtpurge's keep list: lines, blanks, line numbers in errors, the set. */
#include "check.h"
#include "engine/keep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *list_of(const char *tmpl)
{
    /* @ stands for the data directory */
    const char *dir = check_data_path("manifest");
    size_t n = 1;
    for (const char *p = tmpl; *p; p++)
        n += *p == '@' ? strlen(dir) : 1;
    char *out = malloc(n), *o = out;
    for (const char *p = tmpl; *p; p++)
        o += *p == '@' ? (size_t)sprintf(o, "%s", dir) : (size_t)(*o = *p, 1);
    *o = '\0';
    return out;
}

TEST(keep_parse_lines_and_set)
{
    char *l = list_of("  @/dom-a.xml \r\n\n\t@/dom-b.xml\n@/dom-a-same-uuid.xml\n@/dom-a.xml");
    nv_keep k;
    nv_errlist errs = {0};
    CHECK_INT(nv_keep_parse("keep", l, strlen(l), NV_SPEC_DOMAIN, &k, &errs), 0);
    CHECK_INT(errs.n, 0);
    CHECK_INT(k.n, 2); /* a UUID listed again (same file, or another with it) is kept once */
    uint8_t u[16] = {0};
    CHECK(!nv_keep_has(&k, u));
    CHECK(nv_keep_has(&k, k.uuids[0]) && nv_keep_has(&k, k.uuids[1]));
    nv_keep_free(&k);
    nv_errlist_free(&errs);
    free(l);
}

TEST(keep_parse_errors_name_line)
{
    char *l = list_of("@/dom-a.xml\n\n@/broken.xml\n@/missing.xml\n@/net.xml\n");
    nv_keep k;
    nv_errlist errs = {0};
    CHECK_INT(nv_keep_parse("keep", l, strlen(l), NV_SPEC_DOMAIN, &k, &errs), -1);
    CHECK_INT(errs.n, 3);
    CHECK(errs.n > 2 && strstr(errs.v[0], "(listed in keep:3)") && strstr(errs.v[1], "missing.xml: cannot read") &&
          strstr(errs.v[1], "(listed in keep:4)") && strstr(errs.v[2], "expected <domain>") &&
          strstr(errs.v[2], "(listed in keep:5)"));
    nv_keep_free(&k);
    nv_errlist_free(&errs);
    free(l);
    /* an empty list keeps nothing */
    char empty[] = "";
    CHECK_INT(nv_keep_parse("keep", empty, 0, NV_SPEC_DOMAIN, &k, &errs), 0);
    CHECK_INT(k.n, 0);
    nv_keep_free(&k);
    /* the list itself must be a regular text file; /dev/null is an empty list */
    CHECK_INT(nv_keep_load("/dev/zero", NV_SPEC_DOMAIN, &k, &errs), -1);
    CHECK(errs.n == 1 && strstr(errs.v[0], "/dev/zero: cannot read: a character device"));
    nv_keep_free(&k);
    nv_errlist_free(&errs);
    CHECK_INT(nv_keep_load("/dev/null", NV_SPEC_DOMAIN, &k, &errs), 0);
    CHECK_INT(k.n, 0);
    nv_keep_free(&k);
}
