#include "engine/defstore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/strict.h"
#include "xml/canon.h"
#include "xml/write.h"
#include "util/uuid.h"

static const char *const kind_names[NV_KIND_COUNT] = {"domain", "network", "pool"};
static const char header[] = "nixvirt-def 1 ";

int nv_defstore_init(nv_defstore *ds, const char *record_path, nv_err *e)
{
    ds->fd = -1;
    size_t len = strlen(record_path);
    const char *ext = ".record";
    size_t el = strlen(ext);
    if (len > el && strcmp(record_path + len - el, ext) == 0)
        len -= el;
    if ((size_t)snprintf(ds->dir, sizeof ds->dir, "%.*s.defs", (int)len, record_path) >= sizeof ds->dir)
        return nv_err_set(e, NV_ERR_INPUT, "path too long: %s", record_path);
    return 0;
}

void nv_defstore_close(nv_defstore *ds)
{
    if (ds->fd >= 0)
        close(ds->fd);
    ds->fd = -1;
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

static void name_of(enum nv_kind kind, const uint8_t uuid[16], char *out, size_t n)
{
    char u[NV_UUID_STR_LEN];
    nv_uuid_format(uuid, u);
    snprintf(out, n, "%s-%s.xml", kind_names[kind], u);
}

int nv_defstore_has(nv_defstore *ds, enum nv_kind kind, const uint8_t uuid[16])
{
    nv_err e;
    if (ds_open(ds, 0, &e) != 0)
        return 0;
    char name[64];
    name_of(kind, uuid, name, sizeof name);
    struct stat st;
    return fstatat(ds->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

static void put_hex(nv_buf *b, const uint8_t d[32])
{
    for (int i = 0; i < 32; i++)
        nv_buf_printf(b, "%02x", d[i]);
}

/* The file's text into b (b->failed when too large): the header with the
 * digest, then the definition in canonical form. */
static int render(const nv_spec *s, const uint8_t digest[32], nv_buf *b, nv_err *e)
{
    /* the manifest keeps definitions as text (nv_spec_drop_tree) */
    nv_xml_node *t = s->root ? nv_xml_clone(s->root, e) : nv_xml_parse(s->xml, s->xml_len, s->file, e);
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
    nv_buf_free(&b);
    return rc;
}

static int hex_equal(const char *hex, const uint8_t d[32])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++)
        if (hex[2 * i] != digits[d[i] >> 4] || hex[2 * i + 1] != digits[d[i] & 15])
            return 0;
    return 1;
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
    int fd = dup(ds->fd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return nv_err_sys(e, errno, "cannot read %s", ds->dir);
    }
    rewinddir(d);
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *n = de->d_name;
        if (n[0] == '.')
            continue;
        int keep = 0;
        for (int k = 0; k < NV_KIND_COUNT && !keep; k++) {
            size_t kl = strlen(kind_names[k]);
            uint8_t u[16];
            char us[NV_UUID_STR_LEN];
            if (strncmp(n, kind_names[k], kl) != 0 || n[kl] != '-' || strlen(n + kl + 1) != 36 + 4 ||
                strcmp(n + kl + 1 + 36, ".xml") != 0)
                continue;
            snprintf(us, sizeof us, "%.36s", n + kl + 1);
            keep = nv_uuid_parse(us, u) == 0 && nv_record_find(r, (enum nv_kind)k, u);
        }
        /* a file that cannot go does no harm: it is only used with the
         * record's digest */
        if (!keep)
            (void)unlinkat(ds->fd, n, 0);
    }
    closedir(d);
    return 0;
}
