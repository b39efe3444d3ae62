#include "engine/manifestcache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
    c->file_len = len;
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
    nv_buf_init(&c->rec, NV_MANIFESTCACHE_MAX);
    char dir[4400];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    nv_err e;
    struct stat st;
    if (lstat(path, &st) < 0 || nv_strict_dir(slash ? dir : ".", &e) < 0 || nv_strict_file(path, &st, &e) < 0)
        return;
    char *data;
    size_t len;
    if (nv_read_file(path, NV_MANIFESTCACHE_MAX, &data, &len, &e) < 0)
        return;
    take(c, (unsigned char *)data, len);
}

void nv_manifestcache_free(nv_manifestcache *c)
{
    free(c->file);
    nv_buf_free(&c->rec);
    const char *version = c->version;
    memset(c, 0, sizeof *c);
    c->version = version;
}

const unsigned char *nv_manifestcache_find(const nv_manifestcache *c, const uint8_t digest[32], size_t *len)
{
    if (!c->log || memcmp(c->of, digest, 32) != 0)
        return NULL;
    *len = c->log_len;
    return c->log;
}

void nv_manifestcache_drop(nv_manifestcache *c)
{
    free(c->file);
    c->file = NULL;
    c->log = NULL;
    c->file_len = c->log_len = 0;
}

nv_buf *nv_manifestcache_recorder(nv_manifestcache *c)
{
    c->recorded = 0;
    nv_buf_reset(&c->rec);
    c->rec.failed = 0;
    nv_buf_append(&c->rec, (const uint8_t[HEAD_LEN]){0}, HEAD_LEN);
    return &c->rec;
}

void nv_manifestcache_recorded(nv_manifestcache *c, const uint8_t digest[32])
{
    if (c->rec.len < HEAD_LEN || c->rec.failed)
        return;
    memcpy(c->rec.data + 40, digest, 32);
    c->recorded = 1;
}

int nv_manifestcache_save(nv_manifestcache *c, const char *path, nv_err *e)
{
    if (!c->recorded || c->rec.failed || c->rec.len < HEAD_LEN)
        return 0;
    unsigned char *d = c->rec.data;
    char version[32];
    version_field(c->version, version);
    memcpy(d, magic, 8);
    memcpy(d + 8, version, 32);
    nv_sha256(d + HEAD_LEN, c->rec.len - HEAD_LEN, d + 72);
    return nv_write_file_atomic(path, d, c->rec.len, e);
}

int nv_manifestcache_path(const char *record_path, char *out, size_t n, nv_err *e)
{
    size_t len = strlen(record_path);
    const char *ext = ".record";
    size_t el = strlen(ext);
    if (len > el && strcmp(record_path + len - el, ext) == 0)
        len -= el;
    if ((size_t)snprintf(out, n, "%.*s.manifest", (int)len, record_path) >= n)
        return nv_err_set(e, NV_ERR_INPUT, "path too long: %s", record_path);
    return 0;
}
