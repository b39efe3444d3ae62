#include "engine/record.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/spec.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/grow.h"
#include "util/hex.h"
#include "util/sha256.h"
#include "util/strict.h"
#include "util/text.h"
#include "util/time.h"
#include "util/uuid.h"

static const char *const kind_names[NV_KIND_COUNT] = {"domain", "network", "pool"};

int nv_record_path(const char *state_dir, const char *uri, int session, char *out, size_t n, nv_err *e)
{
    char dir[4096];
    if (state_dir) {
        snprintf(dir, sizeof dir, "%s", state_dir);
    } else if (!session) {
        snprintf(dir, sizeof dir, "/var/lib/nixvirt");
    } else {
        const char *xdg = getenv("XDG_STATE_HOME");
        const char *home = getenv("HOME");
        if (xdg && *xdg == '/')
            snprintf(dir, sizeof dir, "%s/nixvirt", xdg);
        else if (home && *home == '/')
            snprintf(dir, sizeof dir, "%s/.local/state/nixvirt", home);
        else
            return nv_err_set(e, NV_ERR_INPUT, "cannot find a state directory: neither XDG_STATE_HOME nor HOME is set (use --state-dir)");
    }
    /* readable prefix from the URI, plus a digest so distinct URIs never collide */
    char readable[64];
    size_t j = 0;
    for (const char *p = uri; *p && j < sizeof readable - 1; p++) {
        char ch = *p;
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-';
        if (ok)
            readable[j++] = ch;
        else if (j && readable[j - 1] != '_')
            readable[j++] = '_';
    }
    readable[j] = '\0';
    uint8_t d[32];
    nv_sha256(uri, strlen(uri), d);
    if ((size_t)snprintf(out, n, "%s/%s-%02x%02x%02x%02x%02x%02x.record", dir, readable, d[0], d[1], d[2], d[3], d[4], d[5]) >= n)
        return nv_err_set(e, NV_ERR_INPUT, "state directory path too long: %s", dir);
    return 0;
}

int nv_record_beside(const char *record_path, const char *ext, char *out, size_t n, nv_err *e)
{
    size_t len = strlen(record_path), rl = strlen(".record");
    if (len > rl && strcmp(record_path + len - rl, ".record") == 0)
        len -= rl;
    if ((size_t)snprintf(out, n, "%.*s%s", (int)len, record_path, ext) >= n)
        return nv_err_set(e, NV_ERR_INPUT, "path too long: %s", record_path);
    return 0;
}

void nv_record_free(nv_record *r)
{
    free(r->v);
    nv_hmap_free(&r->index);
    memset(r, 0, sizeof *r);
}

/* The index key: the kind's byte, then the UUID. */
static uint64_t entry_hash(enum nv_kind kind, const uint8_t uuid[16])
{
    uint8_t k[17];
    k[0] = (uint8_t)kind;
    memcpy(k + 1, uuid, 16);
    return nv_hash(k, sizeof k);
}

static int same_entry(const void *ctx, size_t pos, const void *key)
{
    const nv_record_entry *en = &((const nv_record *)ctx)->v[pos];
    const uint8_t *k = key;
    return en->kind == (enum nv_kind)k[0] && memcmp(en->uuid, k + 1, 16) == 0;
}

nv_record_entry *nv_record_find(const nv_record *r, enum nv_kind kind, const uint8_t uuid[16])
{
    uint8_t k[17];
    k[0] = (uint8_t)kind;
    memcpy(k + 1, uuid, 16);
    size_t pos = nv_hmap_find(&r->index, entry_hash(kind, uuid), same_entry, r, k);
    return pos == NV_HMAP_NONE ? NULL : &r->v[pos];
}

void nv_record_remove(nv_record *r, nv_record_entry *en)
{
    size_t pos = (size_t)(en - r->v), last = r->n - 1;
    nv_hmap_del(&r->index, entry_hash(en->kind, en->uuid), pos);
    if (pos != last) {
        nv_hmap_move(&r->index, entry_hash(r->v[last].kind, r->v[last].uuid), last, pos);
        r->v[pos] = r->v[last];
    }
    r->n--;
    r->changes++;
}

int nv_record_put(nv_record *r, enum nv_kind kind, const uint8_t uuid[16], const uint8_t *def_digest,
                  const uint8_t *xml_digest, nv_err *e)
{
    int has = def_digest && xml_digest;
    nv_record_entry *en = nv_record_find(r, kind, uuid);
    if (en && has == en->has_digests &&
        (!has || (memcmp(en->def_digest, def_digest, 32) == 0 && memcmp(en->xml_digest, xml_digest, 32) == 0)))
        return 0; /* as it was: not a change */
    if (!en) {
        if (r->n == r->cap) {
            nv_record_entry *v = nv_grow(r->v, &r->cap, sizeof *v, 32);
            if (!v)
                return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
            r->v = v;
        }
        if (nv_hmap_put(&r->index, entry_hash(kind, uuid), r->n, e) < 0)
            return -1;
        en = &r->v[r->n++];
        memset(en, 0, sizeof *en);
        en->kind = kind;
        memcpy(en->uuid, uuid, 16);
    }
    en->has_digests = has;
    if (has) {
        memcpy(en->def_digest, def_digest, 32);
        memcpy(en->xml_digest, xml_digest, 32);
    }
    r->changes++;
    return 0;
}

/* The directory part of path (empty when it has none), in dir[n]. */
static void dir_of(const char *path, char *dir, size_t n)
{
    snprintf(dir, n, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        dir[0] = '\0';
    else if (slash == dir)
        slash[1] = '\0';
    else
        *slash = '\0';
}

/* The record's directory passes nv_strict_dir. */
static int check_dir(const char *path, nv_err *e)
{
    char dir[4200];
    dir_of(path, dir, sizeof dir);
    return nv_strict_dir(dir[0] ? dir : ".", e);
}

/* The same, created (0700) when missing. */
static int make_dir(const char *path, nv_err *e)
{
    char dir[4200];
    dir_of(path, dir, sizeof dir);
    if (dir[0] && nv_mkdir_p(dir, 0700, e) < 0)
        return -1;
    return check_dir(path, e);
}

/* Copies the next blank-separated field of *at into out (size n) and moves
 * *at past it; -1 when there is none or it does not fit. (Not sscanf: that
 * alone pulled 10 KiB of libc's scanf and float parsing into the program.) */
static int next_field(const char **at, char *out, size_t n)
{
    const char *s = *at;
    while (*s == ' ' || *s == '\t')
        s++;
    size_t len = 0;
    while (s[len] && s[len] != ' ' && s[len] != '\t')
        len++;
    if (len == 0 || len >= n)
        return -1;
    memcpy(out, s, len);
    out[len] = '\0';
    *at = s + len;
    return 0;
}

static void file_of(const struct stat *st, nv_record_file *f)
{
    memset(f, 0, sizeof *f);
    f->known = 1;
    f->dev = (uint64_t)st->st_dev;
    f->ino = (uint64_t)st->st_ino;
    f->size = (uint64_t)st->st_size;
    f->mtime_s = (int64_t)st->st_mtim.tv_sec;
    f->mtime_ns = (int64_t)st->st_mtim.tv_nsec;
    f->ctime_s = (int64_t)st->st_ctim.tv_sec;
    f->ctime_ns = (int64_t)st->st_ctim.tv_nsec;
}

int nv_record_still(const char *path, const nv_record *r)
{
    struct stat st;
    if (!r->file.known)
        return 0;
    if (lstat(path, &st) < 0)
        return errno == ENOENT && r->file.missing;
    nv_record_file now;
    file_of(&st, &now);
    return !r->file.missing && memcmp(&now, &r->file, sizeof now) == 0;
}

int nv_record_load(const char *path, nv_record *r, nv_err *e)
{
    memset(r, 0, sizeof *r);
    char *data;
    size_t len;
    struct stat st;
    if (lstat(path, &st) < 0) {
        if (errno == ENOENT) {
            r->file.known = r->file.missing = 1;
            return 0; /* no record yet: nothing was declared here before */
        }
        /* unreadable is not empty: "managed" would forget what is ours */
        return nv_err_sys(e, errno, "cannot read the record %s", path);
    }
    /* the directory is checked first: then nobody else can swap the file
     * between this lstat and the read */
    if (check_dir(path, e) < 0 || nv_strict_file(path, &st, e) < 0)
        return -1;
    if (nv_read_file(path, NV_RECORD_MAX, &data, &len, e) < 0)
        return -1;
    int rc = nv_record_parse(path, data, len, r, e);
    free(data);
    if (rc == 0) {
        r->changes = 0; /* the file holds what was just read */
        r->stored = 1;
        file_of(&st, &r->file);
    }
    return rc;
}

int nv_record_parse(const char *path, char *data, size_t len, nv_record *r, nv_err *e)
{
    memset(r, 0, sizeof *r);
    /* not text (a file of zeros, as a crash can leave one): corrupt */
    if (nv_text_check(path, data, len, e) < 0) {
        char why[sizeof e->msg];
        snprintf(why, sizeof why, "%s", e->msg);
        return nv_err_set(e, NV_ERR_INPUT, "%.900s (a corrupt record: remove the file to start afresh)", why);
    }
    int lineno = 0, rc = 0;
    /* the index sized once, for as many entries as there are lines */
    size_t lines = 0;
    for (const char *p = data; (p = memchr(p, '\n', len - (size_t)(p - data))); p++)
        lines++;
    if (nv_hmap_reserve(&r->index, lines, e) < 0)
        return -1;
    char *save = NULL;
    for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        if (lineno == 1) {
            if (strcmp(line, "nixvirt-record 1") != 0) {
                rc = nv_err_set(e, NV_ERR_INPUT, "%s:1: not a nixvirt record (version 1)", path);
                break;
            }
            continue;
        }
        if (strncmp(line, "uri ", 4) == 0)
            continue;
        char kind[16] = "", uuid[64] = "", defd[80] = "", xmld[80] = "";
        uint8_t u[16], dd[32], xd[32];
        int k = -1;
        const char *at = line;
        if (next_field(&at, kind, sizeof kind) == 0 && next_field(&at, uuid, sizeof uuid) == 0 &&
            next_field(&at, defd, sizeof defd) == 0 && next_field(&at, xmld, sizeof xmld) == 0 && *at == '\0') {
            for (int i = 0; i < NV_KIND_COUNT; i++)
                if (strcmp(kind, kind_names[i]) == 0)
                    k = i;
        }
        int digests = strcmp(defd, "-") != 0;
        if (k < 0 || nv_uuid_parse(uuid, u) < 0 || (!digests && strcmp(xmld, "-") != 0) ||
            (digests && (nv_hex_digest_parse(defd, dd) < 0 || nv_hex_digest_parse(xmld, xd) < 0))) {
            rc = nv_err_set(e, NV_ERR_INPUT, "%s:%d: corrupt record line (remove the file to start afresh)", path, lineno);
            break;
        }
        if (nv_record_put(r, (enum nv_kind)k, u, digests ? dd : NULL, digests ? xd : NULL, e) < 0) {
            rc = -1;
            break;
        }
    }
    if (rc == 0 && lineno == 0)
        rc = nv_err_set(e, NV_ERR_INPUT, "%s: empty record file (remove it to start afresh)", path);
    if (rc < 0)
        nv_record_free(r);
    return rc;
}

int nv_record_lock(const char *path, nv_err *e)
{
    char lock[4200];
    if ((size_t)snprintf(lock, sizeof lock, "%s.lock", path) >= sizeof lock)
        return nv_err_set(e, NV_ERR_INPUT, "path too long: %s", path);
    if (make_dir(path, e) < 0)
        return -1;
    /* flock works on any descriptor, read-only too: a lock another user can
     * open is one they can hold forever. 0600, ours, never through a link. */
    int fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno == ELOOP)
        return nv_err_set(e, NV_ERR_INPUT, "refusing %s: a symbolic link in the state directory", lock);
    if (fd < 0)
        return nv_err_sys(e, errno, "cannot open the lock %s", lock);
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int er = errno;
        close(fd);
        return nv_err_sys(e, er, "cannot open the lock %s", lock);
    }
    if (nv_strict_file(lock, &st, e) < 0 || (st.st_uid != geteuid() && (st.st_mode & 077))) {
        close(fd);
        if (e->kind == NV_ERR_INPUT)
            return -1;
        return nv_err_set(e, NV_ERR_INPUT, "refusing %s: other users can open it (mode %04o)", lock,
                          (unsigned)(st.st_mode & 07777));
    }
    /* older versions made it 0644 */
    if ((st.st_mode & 077) && fchmod(fd, 0600) < 0) {
        int er = errno;
        close(fd);
        return nv_err_sys(e, er, "cannot make the lock %s private", lock);
    }
    if (flock(fd, LOCK_EX | LOCK_NB) == 0)
        return fd;
    if (errno != EWOULDBLOCK) {
        int er = errno;
        close(fd);
        return nv_err_sys(e, er, "cannot lock %s", lock);
    }
    fprintf(stderr, "nixvirt: waiting for another apply on this connection to finish (%s)\n", lock);
    while (flock(fd, LOCK_EX) < 0) {
        if (errno != EINTR) {
            int er = errno;
            close(fd);
            return nv_err_sys(e, er, "cannot lock %s", lock);
        }
    }
    return fd;
}

void nv_record_unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* closing releases the flock */
}

/* not a printf per byte: a record of 10k objects has 640k of them */
static void put_hex(nv_buf *b, const uint8_t d[32])
{
    char hex[64];
    nv_hex_write(d, 32, hex);
    nv_buf_append(b, hex, sizeof hex);
}

void nv_record_format(const char *uri, const nv_record *r, nv_buf *out)
{
    nv_buf_printf(out, "nixvirt-record 1\nuri ");
    /* one line of text, whatever the URI holds (it is only informative):
     * anything but printable ASCII as %XX */
    for (const unsigned char *p = (const unsigned char *)uri; *p; p++) {
        if (*p < 0x20 || *p >= 0x7f)
            nv_buf_printf(out, "%%%02X", *p);
        else
            nv_buf_append(out, p, 1);
    }
    nv_buf_append_str(out, "\n");
    for (size_t i = 0; i < r->n; i++) {
        char u[NV_UUID_STR_LEN];
        nv_uuid_format(r->v[i].uuid, u);
        nv_buf_append_str(out, kind_names[r->v[i].kind]);
        nv_buf_append_str(out, " ");
        nv_buf_append(out, u, NV_UUID_STR_LEN - 1);
        nv_buf_append_str(out, " ");
        if (r->v[i].has_digests) {
            put_hex(out, r->v[i].def_digest);
            nv_buf_append_str(out, " ");
            put_hex(out, r->v[i].xml_digest);
        } else {
            nv_buf_append_str(out, "- -");
        }
        nv_buf_append_str(out, "\n");
    }
}

int nv_record_save(const char *path, const char *uri, const nv_record *r, nv_err *e)
{
    nv_buf b;
    nv_buf_init(&b, NV_RECORD_MAX);
    nv_record_format(uri, r, &b);
    int rc;
    if (b.failed) {
        rc = nv_err_set(e, NV_ERR_SYSTEM, "the record of %zu objects: out of memory, or larger than %zu bytes",
                        r->n, NV_RECORD_MAX);
    } else {
        /* a no-op apply leaves the file as it was: no write, no fsync */
        char *old = NULL;
        size_t old_len = 0;
        nv_err ignored;
        struct stat st;
        if (make_dir(path, e) < 0)
            rc = -1;
        else if (lstat(path, &st) == 0 && nv_strict_file(path, &st, e) < 0)
            rc = -1;
        else if (nv_read_file(path, NV_RECORD_MAX, &old, &old_len, &ignored) == 0 && old_len == b.len &&
                 memcmp(old, b.data, b.len) == 0)
            rc = 0;
        else
            rc = nv_write_file_atomic(path, b.data, b.len, e);
        free(old);
    }
    nv_buf_free(&b);
    return rc;
}

int nv_record_sync(const char *path, const char *uri, nv_record *r, nv_err *e)
{
    if (r->stored && r->changes == 0)
        return 0;
    if (nv_record_save(path, uri, r, e) < 0)
        return -1;
    r->stored = 1;
    r->changes = 0;
    return 0;
}

int nv_record_save_now(nv_record_saver *s, nv_record *r)
{
    nv_err e;
    nv_err_clear(&e);
    int rc = nv_record_sync(s->path, s->uri, r, &e);
    s->last_ms = nv_time_now_ms();
    if (rc < 0 && !s->failed) {
        s->failed = 1;
        s->err = e;
    }
    return rc;
}

int nv_record_save_soon(nv_record_saver *s, nv_record *r)
{
    if (s->last_ms && nv_time_now_ms() - s->last_ms < NV_RECORD_SAVE_INTERVAL_MS)
        return 0;
    return nv_record_save_now(s, r);
}
