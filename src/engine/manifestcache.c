#include "engine/manifestcache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/record.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/sha256.h"
#include "util/strict.h"
#include "xml/sax.h"

static const char magic[8] = {'N', 'V', 'M', 'A', 'N', 'E', 'V', '1'};
#define HEAD_LEN (8 + 32 + 32 + 32)

static void version_field(const char *version, char out[32])
{
    memset(out, 0, 32);
    snprintf(out, 32, "%s", version ? version : "");
}

/* Keeps the file when it is whole, of this version and its log valid. */
static void take(nv_manifestcache *c, unsigned char *d, size_t len)
{
    char version[32];
    version_field(c->version, version);
    uint8_t sum[32];
    if (len < HEAD_LEN || memcmp(d, magic, 8) != 0 || memcmp(d + 8, version, 32) != 0)
        goto miss;
    nv_sha256(d + HEAD_LEN, len - HEAD_LEN, sum);
    if (memcmp(sum, d + 72, 32) != 0 || !nv_xml_sax_log_valid(d + HEAD_LEN, len - HEAD_LEN))
        goto miss;
    c->file = d;
    c->log = d + HEAD_LEN;
    c->log_len = len - HEAD_LEN;
    memcpy(c->of, d + 40, 32);
    return;
miss:
    free(d);
}

void nv_manifestcache_load(nv_manifestcache *c, const char *path, const char *version)
{
    memset(c, 0, sizeof *c);
    c->version = version;
    nv_err e;
    char *data;
    size_t len;
    if (nv_strict_read(path, NV_MANIFESTCACHE_MAX, &data, &len, &e) < 0)
        return;
    take(c, (unsigned char *)data, len);
}

void nv_manifestcache_free(nv_manifestcache *c)
{
    free(c->file);
    free(c->bytes);
    const char *version = c->version;
    memset(c, 0, sizeof *c);
    c->version = version;
}

const unsigned char *nv_manifestcache_find(const nv_manifestcache *c, const char *data, size_t len,
                                           size_t *log_len)
{
    if (!c->log)
        return NULL; /* nothing kept: the bytes are not even hashed */
    uint8_t digest[32];
    nv_sha256(data, len, digest);
    if (memcmp(c->of, digest, 32) != 0)
        return NULL;
    *log_len = c->log_len;
    return c->log;
}

void nv_manifestcache_drop(nv_manifestcache *c)
{
    free(c->file);
    c->file = NULL;
    c->log = NULL;
    c->log_len = 0;
}

void nv_manifestcache_take(nv_manifestcache *c, char *data, size_t len)
{
    free(c->bytes);
    c->bytes = data;
    c->bytes_len = len;
}

int nv_manifestcache_save(nv_manifestcache *c, const char *path, nv_err *e)
{
    if (!c->bytes)
        return 0;
    /* the same bytes parse to the same events: those the run's checks saw */
    nv_buf b;
    nv_buf_init(&b, NV_MANIFESTCACHE_MAX);
    char version[32];
    version_field(c->version, version);
    nv_buf_append(&b, magic, 8);
    nv_buf_append(&b, version, 32);
    nv_buf_append(&b, (const uint8_t[64]){0}, 64); /* the digests, below */
    nv_err pe;
    int rc = 0;
    if (nv_xml_sax_log(c->bytes, c->bytes_len, path, &b, &pe) < 0 || b.failed) {
        rc = nv_err_set(e, NV_ERR_SYSTEM, "%s: the manifest's events not kept (%s)", path,
                        b.failed ? "out of memory, or too large" : pe.msg);
    } else {
        nv_sha256(c->bytes, c->bytes_len, b.data + 40);
        nv_sha256(b.data + HEAD_LEN, b.len - HEAD_LEN, b.data + 72);
        rc = nv_write_file_atomic(path, b.data, b.len, e);
    }
    nv_buf_free(&b);
    free(c->bytes);
    c->bytes = NULL;
    return rc;
}

int nv_manifestcache_path(const char *record_path, char *out, size_t n, nv_err *e)
{
    return nv_record_beside(record_path, ".manifest", out, n, e);
}
