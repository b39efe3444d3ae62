/* When apply starts its early thread (cli/early.h): NIXVIRT_EARLY=1 or 0
 * decides, else the manifest's size. */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/early.h"

static void write_size(const char *path, long long n)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    for (long long i = 0; i < n; i++)
        fputc('x', f);
    fclose(f);
}

TEST(early_wanted_by_size_or_environment)
{
    char small[] = "/tmp/nv-early-small.XXXXXX", big[] = "/tmp/nv-early-big.XXXXXX";
    int a = mkstemp(small), b = mkstemp(big);
    CHECK(a >= 0 && b >= 0);
    close(a);
    close(b);
    write_size(small, NV_EARLY_MIN_MANIFEST - 1);
    write_size(big, NV_EARLY_MIN_MANIFEST);
    const char *was = getenv("NIXVIRT_EARLY");
    char *saved = was ? strdup(was) : NULL;
    unsetenv("NIXVIRT_EARLY");
    CHECK_INT(nv_early_wanted(small), 0);
    CHECK_INT(nv_early_wanted(big), 1);
    CHECK_INT(nv_early_wanted("/nonexistent-nv/manifest.xml"), 0); /* its error comes from the reading */
    setenv("NIXVIRT_EARLY", "1", 1);
    CHECK_INT(nv_early_wanted(small), 1);
    setenv("NIXVIRT_EARLY", "0", 1);
    CHECK_INT(nv_early_wanted(big), 0);
    setenv("NIXVIRT_EARLY", "yes", 1); /* anything else: by size */
    CHECK_INT(nv_early_wanted(small), 0);
    CHECK_INT(nv_early_wanted(big), 1);
    if (saved)
        setenv("NIXVIRT_EARLY", saved, 1);
    else
        unsetenv("NIXVIRT_EARLY");
    free(saved);
    unlink(small);
    unlink(big);
}
