/* libFuzzer target for virtpurge's keep list, read as nv_keep_load reads
 * it: the text check, then one definition path per line, each read and
 * checked (relative paths resolve in run.sh's empty working directory;
 * seeds list real definitions by absolute path). Every error must name
 * the list's line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/keep.h"
#include "util/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1 << 20))
        return 0;
    nv_err e;
    nv_err_clear(&e);
    if (nv_text_check("keep", (const char *)data, size, &e) < 0)
        return 0;
    char *copy = malloc(size + 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    nv_keep k;
    nv_errlist errs = {0};
    int rc = nv_keep_parse("keep", copy, size, NV_SPEC_DOMAIN, &k, &errs);
    if ((rc == 0) != (errs.n == 0 && !errs.oom))
        abort();
    for (size_t i = 0; i < errs.n; i++)
        if (!strstr(errs.v[i], "(listed in keep:") && !strstr(errs.v[i], "out of memory"))
            abort(); /* a bad definition is named with the list's line */
    for (size_t i = 0; i < k.n; i++)
        if (!nv_keep_has(&k, k.uuids[i]))
            abort();
    nv_keep_free(&k);
    nv_errlist_free(&errs);
    free(copy);
    return 0;
}
