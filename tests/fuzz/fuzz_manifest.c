/* libFuzzer target for the apply manifest, read as nv_manifest_load reads
 * it: the text check, then the parse (every error collected with file and
 * line). Definitions it names are read from disk relative to the working
 * directory, which run.sh makes an empty one; seeds name real definitions
 * by absolute path so the fuzzer reaches the declaration checks. Build and
 * run: see tests/fuzz/README.md. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/manifest.h"
#include "util/errlist.h"
#include "util/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nv_err e;
    nv_err_clear(&e);
    if (nv_text_check("m.xml", (const char *)data, size, &e) < 0) {
        if (!strstr(e.msg, "m.xml:") || e.kind != NV_ERR_INPUT)
            abort(); /* every refusal names the file and line */
        return 0;
    }
    nv_manifest m;
    nv_errlist errs = {0};
    int rc = nv_manifest_parse("m.xml", (const char *)data, size, &m, &errs);
    if ((rc == 0) != (errs.n == 0 && !errs.oom))
        abort(); /* errors and the result agree */
    if (rc == 0) {
        /* a valid manifest names only valid definitions */
        for (int k = 0; k < NV_KIND_COUNT; k++)
            for (size_t i = 0; i < m.kinds[k].n; i++)
                if (!m.kinds[k].objs[i].spec.xml || !m.kinds[k].objs[i].spec.name)
                    abort();
    }
    nv_errlist_free(&errs);
    nv_manifest_free(&m);
    return 0;
}
