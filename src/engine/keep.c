#include "engine/keep.h"

#include <stdlib.h>
#include <string.h>

#include "util/file.h"
#include "util/grow.h"

static int same_uuid(const void *uuids, size_t pos, const void *uuid)
{
    return memcmp(((const uint8_t (*)[16])uuids)[pos], uuid, 16) == 0;
}

int nv_keep_has(const nv_keep *k, const uint8_t uuid[16])
{
    return nv_hmap_find(&k->set, nv_hash(uuid, 16), same_uuid, k->uuids, uuid) != NV_HMAP_NONE;
}

static int add(nv_keep *k, const uint8_t uuid[16], nv_err *e)
{
    if (nv_keep_has(k, uuid))
        return 0; /* listed twice: kept once */
    if (k->n == k->cap) {
        uint8_t (*grown)[16] = nv_grow(k->uuids, &k->cap, sizeof *grown, 64);
        if (!grown)
            return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
        k->uuids = grown;
    }
    memcpy(k->uuids[k->n], uuid, 16);
    if (nv_hmap_put(&k->set, nv_hash(uuid, 16), k->n, e) < 0)
        return -1;
    k->n++;
    return 0;
}

int nv_keep_parse(const char *list, char *data, size_t len, enum nv_spec_kind kind, nv_keep *k, nv_errlist *errs)
{
    memset(k, 0, sizeof *k);
    size_t before = errs->n, lineno = 0;
    nv_err e;
    nv_err_clear(&e);
    /* by hand, not strtok: blank lines count for the line numbers in messages */
    for (char *line = data, *end = data + len, *next; line < end; line = next) {
        next = memchr(line, '\n', (size_t)(end - line));
        if (next)
            *next++ = '\0';
        else
            next = end;
        lineno++;
        size_t l = strlen(line); /* text: no NUL inside a line (nv_text_check) */
        while (l && (line[l - 1] == '\r' || line[l - 1] == ' ' || line[l - 1] == '\t'))
            line[--l] = '\0';
        while (*line == ' ' || *line == '\t')
            line++;
        if (!*line)
            continue;
        nv_spec s;
        if (nv_spec_read(&s, kind, line, &e) < 0) {
            nv_errlist_add(errs, "%s (listed in %s:%zu)", e.msg, list, lineno);
            continue;
        }
        int rc = add(k, s.uuid, &e);
        nv_spec_free(&s);
        if (rc < 0) {
            nv_errlist_add(errs, "%s", e.msg);
            break;
        }
    }
    return errs->n > before || errs->oom ? -1 : 0;
}

int nv_keep_load(const char *list, enum nv_spec_kind kind, nv_keep *k, nv_errlist *errs)
{
    memset(k, 0, sizeof *k);
    char *data;
    size_t len;
    nv_err e;
    nv_err_clear(&e);
    if (nv_read_text_file(list, NV_FILE_MAX, &data, &len, &e) < 0) {
        nv_errlist_add(errs, "%s", e.msg);
        return -1;
    }
    int rc = nv_keep_parse(list, data, len, kind, k, errs);
    free(data);
    return rc;
}

void nv_keep_free(nv_keep *k)
{
    free(k->uuids);
    nv_hmap_free(&k->set);
    memset(k, 0, sizeof *k);
}
