#include "engine/defstore.h"

#include <dirent.h>
#include <sys/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/grow.h"
#include "util/hex.h"
#include "util/strict.h"
#include "util/uuid.h"
#include "xml/canon.h"
#include "xml/write.h"

static const char *const kind_names[NV_KIND_COUNT] = {"domain", "network", "pool"};
static const char header[] = "nixvirt-def 1 ";

int nv_defstore_init(nv_defstore *ds, const char *record_path, nv_err *e)
{
    memset(ds, 0, sizeof *ds);
    ds->fd = -1;
    return nv_record_beside(record_path, ".defs", ds->dir, sizeof ds->dir, e);
}

void nv_defstore_close(nv_defstore *ds)
{
    if (ds->fd >= 0)
        close(ds->fd);
    ds->fd = -1;
    for (size_t i = 0; i < ds->nfiles; i++)
        free(ds->files[i].other);
    free(ds->files);
    ds->files = NULL;
    ds->nfiles = ds->cap = 0;
    nv_hmap_free(&ds->index);
    ds->listed = 0;
}

static int check_st(const char *dir, const struct stat *st, nv_err *e)
{
    if (!S_ISDIR(st->st_mode))
        return nv_err_set(e, NV_ERR_INPUT, "refusing %s: not a directory", dir);
    if (st->st_uid != 0 && st->st_uid != geteuid())
        return nv_err_set(e, NV_ERR_INPUT, "refusing %s: owned by uid %lu", dir, (unsigned long)st->st_uid);
    if (st->st_mode & 022)
        return nv_err_set(e, NV_ERR_INPUT, "refusing %s: writable by others (mode %04o)", dir,
                          (unsigned)(st->st_mode & 07777));
    return 0;
}

/* Opens the directory once (creating it when asked): 0 open, 1 absent,
 * -1 refused (e says why). */
static int ds_open(nv_defstore *ds, int create, nv_err *e)
{
    if (ds->fd >= 0)
        return 0;
    struct stat st;
    if (lstat(ds->dir, &st) < 0) {
        if (errno != ENOENT)
            return nv_err_sys(e, errno, "cannot check %s", ds->dir);
        if (!create)
            return 1;
        if (mkdir(ds->dir, 0700) < 0 && errno != EEXIST)
            return nv_err_sys(e, errno, "cannot create %s", ds->dir);
    }
    int fd = open(ds->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ELOOP || errno == ENOTDIR ? nv_err_set(e, NV_ERR_INPUT, "refusing %s: not a directory", ds->dir)
                                                  : nv_err_sys(e, errno, "cannot open %s", ds->dir);
    /* what was opened is what is checked */
    if (fstat(fd, &st) < 0 || check_st(ds->dir, &st, e) < 0) {
        close(fd);
        return -1;
    }
    ds->fd = fd;
    return 0;
}

/* "<kind>-<uuid>.xml" (n >= 64); no printf: prune and the listing name every file */
static void name_of(enum nv_kind kind, const uint8_t uuid[16], char *out, size_t n)
{
    size_t k = strlen(kind_names[kind]);
    (void)n;
    memcpy(out, kind_names[kind], k);
    out[k] = '-';
    nv_uuid_format(uuid, out + k + 1);
    memcpy(out + k + 1 + NV_UUID_STR_LEN - 1, ".xml", 5);
}

/* ---- the listing ---- */

static uint64_t file_hash(int kind, const uint8_t uuid[16])
{
    uint8_t k[17];
    k[0] = (uint8_t)kind;
    memcpy(k + 1, uuid, 16);
    return nv_hash(k, sizeof k);
}

static int same_file(const void *ctx, size_t pos, const void *key)
{
    const nv_defstore_file *f = &((const nv_defstore_file *)ctx)[pos];
    const uint8_t *k = key;
    return f->kind == k[0] && memcmp(f->uuid, k + 1, 16) == 0;
}

static nv_defstore_file *find_file(const nv_defstore *ds, int kind, const uint8_t uuid[16])
{
    uint8_t k[17];
    k[0] = (uint8_t)kind;
    memcpy(k + 1, uuid, 16);
    size_t pos = nv_hmap_find(&ds->index, file_hash(kind, uuid), same_file, ds->files, k);
    return pos == NV_HMAP_NONE ? NULL : &ds->files[pos];
}

/* Adds an entry: name NULL for one named as we name them (indexed),
 * else a copy of the name (kind -1 when it is not one of ours at all). */
static nv_defstore_file *add_file(nv_defstore *ds, int kind, const uint8_t uuid[16], const char *name)
{
    if (ds->nfiles == ds->cap) {
        nv_defstore_file *v = nv_grow(ds->files, &ds->cap, sizeof *v, 64);
        if (!v)
            return NULL;
        ds->files = v;
    }
    nv_defstore_file *f = &ds->files[ds->nfiles];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    if (kind >= 0)
        memcpy(f->uuid, uuid, 16);
    nv_err e;
    if (name) {
        if (!(f->other = strdup(name)))
            return NULL;
    } else if (nv_hmap_put(&ds->index, file_hash(kind, uuid), ds->nfiles, &e) < 0) {
        return NULL;
    }
    ds->nfiles++;
    return f;
}

/* The kind and UUID a file name of ours gives: "<kind>-<uuid>.xml". */
static int parse_name(const char *n, int *kind, uint8_t uuid[16])
{
    for (int k = 0; k < NV_KIND_COUNT; k++) {
        size_t kl = strlen(kind_names[k]);
        char us[NV_UUID_STR_LEN];
        if (strncmp(n, kind_names[k], kl) != 0 || n[kl] != '-' || strlen(n + kl + 1) != 36 + 4 ||
            strcmp(n + kl + 1 + 36, ".xml") != 0)
            continue;
        memcpy(us, n + kl + 1, 36);
        us[36] = '\0';
        if (nv_uuid_parse(us, uuid) == 0) {
            *kind = k;
            return 0;
        }
    }
    return -1;
}

/* One entry of the listing (d_type as getdents gives it). */
static int note_listed(nv_defstore *ds, const char *n, unsigned char type, nv_err *e)
{
    int kind = -1;
    uint8_t u[16];
    char ours[64] = "";
    if (parse_name(n, &kind, u) == 0)
        name_of((enum nv_kind)kind, u, ours, sizeof ours);
    /* another spelling of a UUID (capitals) is kept apart, under its own name */
    nv_defstore_file *f = strcmp(n, ours) == 0 ? add_file(ds, kind, u, NULL) : add_file(ds, kind, u, n);
    if (!f)
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    f->present = 1;
    /* only a regular file counts as kept (never a symlink) */
    struct stat st;
    f->regular = type == DT_REG ||
                 (type == DT_UNKNOWN && fstatat(ds->fd, n, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode));
    return 0;
}

/* Reads the directory once: 0 (also when it does not exist), -1 when it
 * cannot be used or read. */
static int list_files(nv_defstore *ds, nv_err *e)
{
    if (ds->listed)
        return 0;
    int r = ds_open(ds, 0, e);
    if (r < 0)
        return -1;
    if (r == 1) {
        ds->listed = 1; /* none yet */
        return 0;
    }
    /* getdents64 straight, 32 KiB at a time: readdir's 2 KiB made one call
     * per 28 entries (359 for 10,000 kept definitions) */
    if (lseek(ds->fd, 0, SEEK_SET) < 0)
        return nv_err_sys(e, errno, "cannot read %s", ds->dir);
    char buf[32768];
    int rc = 0;
    for (;;) {
        long got = syscall(SYS_getdents64, ds->fd, buf, sizeof buf);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return nv_err_sys(e, errno, "cannot read %s", ds->dir);
        if (got == 0)
            break;
        /* struct linux_dirent64: inode (8), offset (8), record length (2),
         * type (1), the name NUL-terminated, padding */
        for (long at = 0; at < got && rc == 0;) {
            unsigned short reclen;
            if (got - at < 20)
                return nv_err_set(e, NV_ERR_SYSTEM, "cannot read %s: a short directory entry", ds->dir);
            memcpy(&reclen, buf + at + 16, 2);
            unsigned char type = (unsigned char)buf[at + 18];
            const char *n = buf + at + 19;
            if (reclen < 20 || reclen > got - at || !memchr(n, '\0', (size_t)reclen - 19))
                return nv_err_set(e, NV_ERR_SYSTEM, "cannot read %s: a bad directory entry", ds->dir);
            at += reclen;
            if (n[0] != '.')
                rc = note_listed(ds, n, type, e);
        }
        if (rc < 0)
            break;
    }
    if (rc == 0)
        ds->listed = 1;
    return rc;
}

int nv_defstore_has(nv_defstore *ds, enum nv_kind kind, const uint8_t uuid[16])
{
    nv_err e;
    if (list_files(ds, &e) < 0)
        return 0;
    const nv_defstore_file *f = find_file(ds, (int)kind, uuid);
    return f && f->present && f->regular; /* only the canonical name is indexed */
}

/* After a save (present 1) or a removal (0), when the directory was listed. */
static void note_file(nv_defstore *ds, enum nv_kind kind, const uint8_t uuid[16], int present)
{
    if (!ds->listed)
        return;
    nv_defstore_file *f = find_file(ds, (int)kind, uuid);
    if (!f && present && !(f = add_file(ds, (int)kind, uuid, NULL))) {
        nv_defstore_close(ds); /* out of memory: read it again when asked */
        return;
    }
    if (f)
        f->present = f->regular = present;
}

static void put_hex(nv_buf *b, const uint8_t d[32])
{
    char hex[64];
    nv_hex_write(d, 32, hex);
    nv_buf_append(b, hex, sizeof hex);
}

/* The file's text into b (b->failed when too large): the header with the
 * digest, then the definition in canonical form. */
static int render(const nv_spec *s, const uint8_t digest[32], nv_buf *b, nv_err *e)
{
    /* the manifest keeps definitions as text (nv_spec_drop_tree), or as
     * the file's bytes when the reading cache stood in for them */
    char *made = NULL;
    size_t len = 0;
    const char *text = s->root ? NULL : nv_spec_text(s, &made, &len, e);
    nv_xml_node *t = s->root ? nv_xml_clone(s->root, e) : text ? nv_xml_parse(text, len, s->file, e) : NULL;
    free(made);
    if (!t || nv_xml_canon_keep_order(t, e) < 0) {
        nv_xml_free(t);
        return -1;
    }
    nv_buf_init(b, NV_DEFSTORE_MAX);
    nv_buf_append_str(b, header);
    put_hex(b, digest);
    nv_buf_append_str(b, "\n");
    char *canon = nv_xml_to_string(t, NULL, e);
    nv_xml_free(t);
    if (!canon) {
        nv_buf_free(b);
        return -1;
    }
    nv_buf_append_str(b, canon);
    free(canon);
    return 0;
}

/* b into the store's file `name`, replaced whole; no half file is left. */
static int write_file(const nv_defstore *ds, const char *name, const nv_buf *b, nv_err *e)
{
    int fd = openat(ds->fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return nv_err_sys(e, errno, "cannot write %s/%s", ds->dir, name);
    size_t off = 0;
    while (off < b->len) {
        ssize_t w = write(fd, b->data + off, b->len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            nv_err_sys(e, errno, "cannot write %s/%s", ds->dir, name);
            close(fd);
            (void)unlinkat(ds->fd, name, 0); /* no half file left behind */
            return -1;
        }
        off += (size_t)w;
    }
    if (close(fd) < 0)
        return nv_err_sys(e, errno, "cannot write %s/%s", ds->dir, name);
    return 0;
}

int nv_defstore_save(nv_defstore *ds, enum nv_kind kind, const nv_spec *s, const uint8_t digest[32], nv_err *e)
{
    if (ds_open(ds, 1, e) != 0)
        return -1;
    char name[64];
    name_of(kind, s->uuid, name, sizeof name);
    nv_buf b;
    if (render(s, digest, &b, e) < 0)
        return -1;
    int rc = 0;
    if (!b.failed) {
        rc = write_file(ds, name, &b, e);
    } else if (unlinkat(ds->fd, name, 0) < 0 && errno != ENOENT) {
        /* too large to keep: an older one must not pass for it */
        rc = nv_err_sys(e, errno, "cannot remove %s/%s", ds->dir, name);
    }
    if (rc == 0)
        note_file(ds, kind, s->uuid, !b.failed);
    nv_buf_free(&b);
    return rc;
}

static int hex_equal(const char *hex, const uint8_t d[32])
{
    char want[64];
    nv_hex_write(d, 32, want);
    return memcmp(hex, want, sizeof want) == 0;
}

/* Reads an open file of at most NV_DEFSTORE_MAX bytes. */
static char *read_bounded(int fd, size_t *len, const char *path, nv_err *e)
{
    struct stat st;
    if (fstat(fd, &st) < 0) {
        nv_err_sys(e, errno, "cannot read %s", path);
        return NULL;
    }
    if (nv_strict_file(path, &st, e) < 0)
        return NULL;
    if ((size_t)st.st_size > NV_DEFSTORE_MAX) {
        nv_err_set(e, NV_ERR_INPUT, "%s: larger than %zu bytes", path, NV_DEFSTORE_MAX);
        return NULL;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
        return NULL;
    }
    size_t n = 0;
    while (n < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break; /* shorter than it was: a torn file, found out below */
        n += (size_t)r;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

nv_xml_node *nv_defstore_load(nv_defstore *ds, enum nv_kind kind, const uint8_t uuid[16], const uint8_t digest[32],
                              nv_err *e)
{
    int r = ds_open(ds, 0, e);
    if (r != 0) {
        if (r == 1)
            nv_err_set(e, NV_ERR_INPUT, "%s: no kept definitions", ds->dir);
        return NULL;
    }
    char name[64], path[4500];
    name_of(kind, uuid, name, sizeof name);
    snprintf(path, sizeof path, "%s/%s", ds->dir, name);
    int fd = openat(ds->fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        nv_err_sys(e, errno, "cannot read %s", path);
        return NULL;
    }
    size_t len = 0;
    char *data = read_bounded(fd, &len, path, e);
    close(fd);
    if (!data)
        return NULL;
    size_t hl = sizeof header - 1;
    nv_xml_node *t = NULL;
    if (len < hl + 65 || memcmp(data, header, hl) != 0 || data[hl + 64] != '\n')
        nv_err_set(e, NV_ERR_INPUT, "%s: not a kept definition", path);
    else if (!hex_equal(data + hl, digest))
        nv_err_set(e, NV_ERR_INPUT, "%s: kept for another definition", path);
    else
        t = nv_xml_parse(data + hl + 65, len - hl - 65, path, e);
    free(data);
    return t;
}

int nv_defstore_prune(nv_defstore *ds, const nv_record *r, nv_err *e)
{
    if (ds_open(ds, 0, e) != 0)
        return 0; /* absent, or not ours to clean */
    if (list_files(ds, e) < 0)
        return -1;
    for (size_t i = 0; i < ds->nfiles; i++) {
        nv_defstore_file *f = &ds->files[i];
        if (!f->present || (f->kind >= 0 && nv_record_find(r, (enum nv_kind)f->kind, f->uuid)))
            continue;
        char name[64];
        if (!f->other)
            name_of((enum nv_kind)f->kind, f->uuid, name, sizeof name);
        /* a file that cannot go does no harm: it is only used with the
         * record's digest */
        (void)unlinkat(ds->fd, f->other ? f->other : name, 0);
        f->present = f->regular = 0;
    }
    return 0;
}
