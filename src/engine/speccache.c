#include "engine/speccache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/record.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/grow.h"
#include "util/sha256.h"
#include "util/strict.h"

static const char magic[8] = {'N', 'V', 'S', 'P', 'E', 'C', 'S', '1'};
#define HEAD_LEN (8 + 32 + 4 + 32)
#define ENTRY_MIN (32 + 1 + 16 + 32 + 2)

/* The index key: the kind's byte, then the file's digest. */
static uint64_t key_hash(int kind, const uint8_t src[32])
{
    uint8_t k[33];
    k[0] = (uint8_t)kind;
    memcpy(k + 1, src, 32);
    return nv_hash(k, sizeof k);
}

static int same_key(const void *ctx, size_t pos, const void *key)
{
    const nv_speccache_entry *en = &((const nv_speccache *)ctx)->v[pos];
    const uint8_t *k = key;
    return en->kind == k[0] && memcmp(en->src, k + 1, 32) == 0;
}

static nv_speccache_entry *find(const nv_speccache *c, int kind, const uint8_t src[32])
{
    uint8_t k[33];
    k[0] = (uint8_t)kind;
    memcpy(k + 1, src, 32);
    size_t pos = nv_hmap_find(&c->index, key_hash(kind, src), same_key, c, k);
    return pos == NV_HMAP_NONE ? NULL : &c->v[pos];
}

static nv_speccache_entry *add(nv_speccache *c, int kind, const uint8_t src[32], const uint8_t uuid[16],
                               const uint8_t digest[32], const char *name, size_t name_len)
{
    if (c->n == c->cap) {
        nv_speccache_entry *v = nv_grow(c->v, &c->cap, sizeof *v, 64);
        if (!v)
            return NULL;
        c->v = v;
    }
    nv_speccache_entry *en = &c->v[c->n];
    memset(en, 0, sizeof *en);
    en->kind = (uint8_t)kind;
    memcpy(en->src, src, 32);
    memcpy(en->uuid, uuid, 16);
    memcpy(en->digest, digest, 32);
    nv_err e;
    if (!(en->name = malloc(name_len + 1)) || nv_hmap_put(&c->index, key_hash(kind, src), c->n, &e) < 0) {
        free(en->name);
        return NULL;
    }
    memcpy(en->name, name, name_len);
    en->name[name_len] = '\0';
    c->n++;
    return en;
}

void nv_speccache_free(nv_speccache *c)
{
    const char *version = c->version;
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i].name);
    free(c->v);
    nv_hmap_free(&c->index);
    memset(c, 0, sizeof *c);
    c->version = version;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The entries of a whole file; anything amiss leaves the cache empty. */
static void parse(nv_speccache *c, const uint8_t *d, size_t len)
{
    char version[32] = {0};
    snprintf(version, sizeof version, "%s", c->version);
    if (len < HEAD_LEN || memcmp(d, magic, 8) != 0 || memcmp(d + 8, version, 32) != 0)
        return;
    uint32_t count = get32(d + 40);
    uint8_t sum[32];
    nv_sha256(d + HEAD_LEN, len - HEAD_LEN, sum);
    if (memcmp(sum, d + 44, 32) != 0 || count > (len - HEAD_LEN) / ENTRY_MIN)
        return;
    nv_err e;
    if (nv_hmap_reserve(&c->index, count, &e) < 0)
        return;
    size_t at = HEAD_LEN;
    for (uint32_t i = 0; i < count; i++) {
        if (len - at < ENTRY_MIN)
            goto bad;
        const uint8_t *p = d + at;
        size_t name_len = (size_t)p[81] << 8 | p[82];
        if (name_len == 0 || len - at - ENTRY_MIN < name_len || memchr(p + 83, '\0', name_len) ||
            p[32] > NV_SPEC_VOLUME || find(c, p[32], p) ||
            !add(c, p[32], p, p + 33, p + 49, (const char *)p + 83, name_len))
            goto bad;
        at += ENTRY_MIN + name_len;
    }
    if (at == len)
        return;
bad:
    nv_speccache_free(c);
}

void nv_speccache_load(nv_speccache *c, const char *path, const char *version)
{
    memset(c, 0, sizeof *c);
    c->version = version;
    nv_err e;
    char *data;
    size_t len;
    if (nv_strict_read(path, NV_RECORD_MAX, &data, &len, &e) < 0)
        return;
    parse(c, (const uint8_t *)data, len);
    c->version = version; /* kept by a failed parse's free */
    free(data);
}

nv_speccache_entry *nv_speccache_lookup(const nv_speccache *c, enum nv_spec_kind kind, const uint8_t src[32])
{
    return find(c, (int)kind, src);
}

void nv_speccache_add(nv_speccache *c, const uint8_t src[32], const nv_spec *s)
{
    if (find(c, (int)s->kind, src))
        return;
    size_t name_len = strlen(s->name);
    if (name_len == 0 || name_len > 0xffff)
        return; /* not kept: read again next time */
    nv_speccache_entry *en = add(c, (int)s->kind, src, s->uuid, s->digest, s->name, name_len);
    if (en) {
        en->used = 1;
        c->changed = 1;
    }
}

static void put32(nv_buf *b, uint32_t v)
{
    uint8_t p[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    nv_buf_append(b, p, 4);
}

int nv_speccache_save(nv_speccache *c, const char *path, nv_err *e)
{
    size_t used = 0;
    for (size_t i = 0; i < c->n; i++)
        used += (size_t)c->v[i].used;
    if (!c->changed && used == c->n)
        return 0; /* as loaded */
    nv_buf b;
    nv_buf_init(&b, NV_RECORD_MAX);
    char version[32] = {0};
    snprintf(version, sizeof version, "%s", c->version ? c->version : "");
    nv_buf_append(&b, magic, 8);
    nv_buf_append(&b, version, 32);
    put32(&b, (uint32_t)used);
    nv_buf_append(&b, (const uint8_t[32]){0}, 32); /* the entries' digest, below */
    for (size_t i = 0; i < c->n; i++) {
        const nv_speccache_entry *en = &c->v[i];
        if (!en->used)
            continue; /* declared no more */
        size_t name_len = strlen(en->name);
        nv_buf_append(&b, en->src, 32);
        nv_buf_append(&b, &en->kind, 1);
        nv_buf_append(&b, en->uuid, 16);
        nv_buf_append(&b, en->digest, 32);
        uint8_t nl[2] = {(uint8_t)(name_len >> 8), (uint8_t)name_len};
        nv_buf_append(&b, nl, 2);
        nv_buf_append(&b, en->name, name_len);
    }
    int rc = 0;
    if (b.failed) {
        rc = nv_err_set(e, NV_ERR_SYSTEM, "out of memory, or larger than %zu bytes", NV_RECORD_MAX);
    } else {
        nv_sha256(b.data + HEAD_LEN, b.len - HEAD_LEN, b.data + 44);
        rc = nv_write_file_atomic(path, b.data, b.len, e);
    }
    nv_buf_free(&b);
    return rc;
}

int nv_speccache_path(const char *record_path, char *out, size_t n, nv_err *e)
{
    return nv_record_beside(record_path, ".specs", out, n, e);
}
