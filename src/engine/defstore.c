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
#include "util/file.h"
#include "util/strict.h"
#include "xml/canon.h"
#include "xml/write.h"

static const char *const kind_names[NV_KIND_COUNT] = {"domain", "network", "pool"};
static const char header[] = "nixvirt-def 1 ";

int nv_defstore_dir(const char *record_path, char *out, size_t n, nv_err *e)
{
    size_t len = strlen(record_path);
    const char *ext = ".record";
    size_t el = strlen(ext);
    if (len > el && strcmp(record_path + len - el, ext) == 0)
        len -= el;
    if ((size_t)snprintf(out, n, "%.*s.defs", (int)len, record_path) >= n)
        return nv_err_set(e, NV_ERR_INPUT, "path too long: %s", record_path);
    return 0;
}

static void file_of(const char *dir, enum nv_kind kind, const uint8_t uuid[16], char *out, size_t n)
{
    char u[NV_UUID_STR_LEN];
    nv_spec_uuid_format(uuid, u);
    snprintf(out, n, "%s/%s-%s.xml", dir, kind_names[kind], u);
}

int nv_defstore_has(const char *dir, enum nv_kind kind, const uint8_t uuid[16])
{
    char path[4400];
    file_of(dir, kind, uuid, path, sizeof path);
    struct stat st;
    return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The directory as the state directory's rules want it (util/strict.h):
 * a real directory, not a symlink, ours or root's, written by nobody else.
 * 0: fine, 1: absent, -1: refused (e says why). */
static int check_dir(const char *dir, nv_err *e)
{
    struct stat st;
    if (lstat(dir, &st) < 0)
        return errno == ENOENT ? 1 : nv_err_sys(e, errno, "cannot check %s", dir);
    if (!S_ISDIR(st.st_mode))
        return nv_err_set(e, NV_ERR_INPUT, "refusing %s: not a directory", dir);
    if (st.st_uid != 0 && st.st_uid != geteuid())
        return nv_err_set(e, NV_ERR_INPUT, "refusing %s: owned by uid %lu", dir, (unsigned long)st.st_uid);
    if (st.st_mode & 022)
        return nv_err_set(e, NV_ERR_INPUT, "refusing %s: writable by others (mode %04o)", dir,
                          (unsigned)(st.st_mode & 07777));
    return 0;
}

static void put_hex(nv_buf *b, const uint8_t d[32])
{
    for (int i = 0; i < 32; i++)
        nv_buf_printf(b, "%02x", d[i]);
}

int nv_defstore_save(const char *dir, enum nv_kind kind, const nv_spec *s, const uint8_t digest[32], nv_err *e)
{
    char path[4400], tmp[4500];
    file_of(dir, kind, s->uuid, path, sizeof path);
    /* the manifest keeps definitions as text (nv_spec_drop_tree) */
    nv_xml_node *t = s->root ? nv_xml_clone(s->root, e) : nv_xml_parse(s->xml, s->xml_len, s->file, e);
    if (!t || nv_xml_canon_keep_order(t, e) < 0) {
        nv_xml_free(t);
        return -1;
    }
    nv_buf b;
    nv_buf_init(&b, NV_DEFSTORE_MAX);
    nv_buf_append_str(&b, header);
    put_hex(&b, digest);
    nv_buf_append_str(&b, "\n");
    char *canon = nv_xml_to_string(t, NULL, e);
    nv_xml_free(t);
    if (!canon) {
        nv_buf_free(&b);
        return -1;
    }
    nv_buf_append_str(&b, canon);
    free(canon);
    if (b.failed) {
        /* too large to keep: an older one must not pass for it */
        nv_buf_free(&b);
        if (unlink(path) < 0 && errno != ENOENT)
            return nv_err_sys(e, errno, "cannot remove %s", path);
        return 0;
    }
    int have = check_dir(dir, e);
    if (have < 0 || (have == 1 && mkdir(dir, 0700) < 0 && errno != EEXIST)) {
        if (have == 1)
            nv_err_sys(e, errno, "cannot create %s", dir);
        nv_buf_free(&b);
        return -1;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    int rc = -1;
    if (fd < 0) {
        nv_err_sys(e, errno, "cannot create %s", tmp);
        goto out;
    }
    size_t off = 0;
    while (off < b.len) {
        ssize_t w = write(fd, b.data + off, b.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            nv_err_sys(e, errno, "cannot write %s", tmp);
            close(fd);
            unlink(tmp);
            goto out;
        }
        off += (size_t)w;
    }
    if (close(fd) < 0 || rename(tmp, path) < 0) {
        nv_err_sys(e, errno, "cannot write %s", path);
        unlink(tmp);
        goto out;
    }
    rc = 0;
out:
    nv_buf_free(&b);
    return rc;
}

static int hex_equal(const char *hex, const uint8_t d[32])
{
    for (int i = 0; i < 32; i++) {
        char two[3];
        snprintf(two, sizeof two, "%02x", d[i]);
        if (hex[2 * i] != two[0] || hex[2 * i + 1] != two[1])
            return 0;
    }
    return 1;
}

nv_xml_node *nv_defstore_load(const char *dir, enum nv_kind kind, const uint8_t uuid[16], const uint8_t digest[32],
                              nv_err *e)
{
    char path[4400];
    file_of(dir, kind, uuid, path, sizeof path);
    char *data;
    size_t len;
    struct stat st;
    if (check_dir(dir, e) != 0)
        return NULL;
    if (lstat(path, &st) < 0) {
        nv_err_sys(e, errno, "cannot read %s", path);
        return NULL;
    }
    if (nv_strict_file(path, &st, e) < 0 || nv_read_file(path, NV_DEFSTORE_MAX, &data, &len, e) < 0)
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

int nv_defstore_prune(const char *dir, const nv_record *r, nv_err *e)
{
    if (check_dir(dir, e) != 0)
        return 0; /* absent, or not ours to clean */
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : nv_err_sys(e, errno, "cannot read %s", dir);
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
            keep = nv_spec_uuid_parse(us, u) == 0 && nv_record_find(r, (enum nv_kind)k, u);
        }
        /* also what a killed run left: temporary files. A file that cannot
         * go does no harm: it is only used with the record's digest. */
        if (!keep)
            (void)unlinkat(dirfd(d), n, 0);
    }
    closedir(d);
    return 0;
}
