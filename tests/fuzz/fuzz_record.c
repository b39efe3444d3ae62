/* libFuzzer target for the apply record's parser (nv_record_parse, as
 * nv_record_load uses it). A record it accepts is written out again
 * (nv_record_format) and read back: the entries must be the same, and
 * writing them again must give the same text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1 << 20))
        return 0;
    char *copy = malloc(size + 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    nv_record r;
    nv_err e;
    nv_err_clear(&e);
    if (nv_record_parse("x.record", copy, size, &r, &e) < 0) {
        if (!strstr(e.msg, "x.record") || r.n != 0)
            abort(); /* named, and nothing half-read is left */
        free(copy);
        return 0;
    }
    free(copy);
    nv_buf b1, b2;
    nv_buf_init(&b1, 0);
    nv_buf_init(&b2, 0);
    nv_record_format("qemu:///system?\x1b\xff", &r, &b1);
    if (b1.failed)
        abort();
    nv_record back;
    if (nv_record_parse("again", (char *)nv_buf_cstr(&b1), b1.len, &back, &e) < 0)
        abort(); /* what we write we must read */
    if (back.n != r.n)
        abort();
    for (size_t i = 0; i < r.n; i++) {
        nv_record_entry *a = &r.v[i], *x = nv_record_find(&back, a->kind, a->uuid);
        if (!x || x->has_digests != a->has_digests ||
            (a->has_digests && (memcmp(x->def_digest, a->def_digest, 32) || memcmp(x->xml_digest, a->xml_digest, 32))))
            abort();
    }
    nv_buf_reset(&b1); /* parsing modified it: format again */
    nv_record_format("u", &r, &b1);
    nv_record_format("u", &back, &b2);
    if (b1.len != b2.len || memcmp(b1.data, b2.data, b1.len) != 0)
        abort();
    nv_buf_free(&b1);
    nv_buf_free(&b2);
    nv_record_free(&r);
    nv_record_free(&back);
    return 0;
}
