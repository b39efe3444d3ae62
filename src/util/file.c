#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util/text.h"

static const char *file_type(mode_t m)
{
    return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket"
           : S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device" : "not a regular file";
}

/* The null device (1:3) never blocks and reads as empty: `--keep /dev/null`
 * is a common way to say "an empty list". */
static int is_null_device(const struct stat *st)
{
    return S_ISCHR(st->st_mode) && major(st->st_rdev) == 1 && minor(st->st_rdev) == 3;
}

static int empty_buffer(char **out, size_t *len, nv_err *e)
{
    char *buf = malloc(1);
    if (!buf)
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    buf[0] = '\0';
    *out = buf;
    if (len)
        *len = 0;
    return 0;
}

/* Reads fd to its end into a malloc'd NUL-terminated buffer of at most max
 * bytes; `name` for messages. size: what fstat gave for a regular file
 * (SIZE_MAX: unknown), read with one read of that size and a byte of room
 * more to see that the file grew; a short read at that size is its end. */
static int read_fd(int fd, const char *name, size_t max, size_t size, char **out, size_t *len, nv_err *e)
{
    if (size != SIZE_MAX && size > max)
        return nv_err_set(e, NV_ERR_INPUT, "%s: file is larger than %zu bytes", name, max);
    size_t cap = size != SIZE_MAX ? size + 1 : max < 4096 ? max + 1 : 4096, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf)
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    for (;;) {
        if (n == cap) {
            if (n > max) {
                free(buf);
                return nv_err_set(e, NV_ERR_INPUT, "%s: file is larger than %zu bytes", name, max);
            }
            size_t ncap = cap > (max + 1) / 2 ? max + 1 : cap * 2;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                free(buf);
                return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int er = errno;
            free(buf);
            return nv_err_set(e, NV_ERR_INPUT, "%s: cannot read: %s", name, strerror(er));
        }
        n += (size_t)r;
        if (r == 0 || (n == size && n < cap))
            break;
    }
    buf[n] = '\0';
    *out = buf;
    if (len)
        *len = n;
    return 0;
}

/* name relative to dirfd; path for messages. */
static int read_at(int dirfd, const char *name, const char *path, size_t max, char **out, size_t *len, nv_err *e)
{
    /* Only regular files: a FIFO or a device would block the read (or the
     * open) forever, and opening some devices does things (a watchdog
     * starts, a tape rewinds). Checked before opening, so nothing else is
     * opened. Opened non-blocking: should the path turn into a FIFO or a
     * device between the two calls, the read fails instead of waiting.
     * openat, not open: musl's open adds an fcntl for O_CLOEXEC. */
    struct stat st;
    if (fstatat(dirfd, name, &st, 0) < 0)
        return nv_err_set(e, NV_ERR_INPUT, "%s: cannot read: %s", path, strerror(errno));
    if (is_null_device(&st))
        return empty_buffer(out, len, e);
    if (!S_ISREG(st.st_mode))
        return nv_err_set(e, NV_ERR_INPUT, "%s: cannot read: %s, not a regular file", path, file_type(st.st_mode));
    int fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return nv_err_set(e, NV_ERR_INPUT, "%s: cannot read: %s", path, strerror(errno));
    /* a size beyond max is refused before anything is read or allocated;
     * a file that grew since is read on to its end (bounded by max) */
    size_t size = (uintmax_t)st.st_size > max ? max + 1 : (size_t)st.st_size;
    int rc = read_fd(fd, path, max, size, out, len, e);
    close(fd);
    return rc;
}

int nv_read_file(const char *path, size_t max, char **out, size_t *len, nv_err *e)
{
    return read_at(AT_FDCWD, path, path, max, out, len, e);
}

int nv_read_file_in(nv_dir *d, const char *path, size_t max, char **out, size_t *len, nv_err *e)
{
    const char *slash = d ? strrchr(path, '/') : NULL;
    size_t dlen = slash ? (size_t)(slash - path) + 1 : 0;
    /* "/x" (the root), "x" (no directory), "d/" (no name): as a whole path */
    if (!slash || dlen < 2 || !slash[1] || dlen >= sizeof d->path)
        return nv_read_file(path, max, out, len, e);
    if (d->fd < 0 || d->len != dlen || memcmp(d->path, path, dlen) != 0) {
        nv_dir_close(d);
        memcpy(d->path, path, dlen);
        d->path[dlen] = '\0';
        /* O_PATH: only a place to look names up in (no read permission needed) */
        d->fd = open(d->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (d->fd < 0)
            return nv_read_file(path, max, out, len, e); /* its error, in its words */
        d->len = dlen;
    }
    return read_at(d->fd, slash + 1, path, max, out, len, e);
}

void nv_dir_close(nv_dir *d)
{
    if (d && d->fd >= 0)
        close(d->fd);
    if (d) {
        d->fd = -1;
        d->len = 0;
    }
}

int nv_read_fd(int fd, const char *name, size_t max, char **out, size_t *len, nv_err *e)
{
    return read_fd(fd, name, max, SIZE_MAX, out, len, e);
}

int nv_read_text_file(const char *path, size_t max, char **out, size_t *len, nv_err *e)
{
    size_t n;
    if (nv_read_file(path, max, out, &n, e) < 0)
        return -1;
    if (nv_text_check(path, *out, n, e) < 0) {
        free(*out);
        *out = NULL;
        return -1;
    }
    if (len)
        *len = n;
    return 0;
}

int nv_mkdir_p(const char *path, unsigned mode, nv_err *e)
{
    char tmp[PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof tmp)
        return nv_err_set(e, NV_ERR_INPUT, "invalid directory path '%s'", path);
    memcpy(tmp, path, n + 1);
    for (char *p = tmp + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(tmp, (mode_t)mode) < 0 && errno != EEXIST)
                return nv_err_sys(e, errno, "cannot create directory %s", tmp);
            *p = c;
            if (c == '\0')
                break;
        }
    }
    return 0;
}

int nv_write_file_atomic(const char *path, const void *data, size_t len, nv_err *e)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return nv_err_set(e, NV_ERR_INPUT, "path too long: %s", path);
    /* a new file of our own, never one that was there (nor a symlink's
     * target): O_EXCL; a regular file left by a crashed run with our pid is
     * removed first, a symlink is refused */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) {
        struct stat st;
        if (lstat(tmp, &st) == 0 && S_ISLNK(st.st_mode))
            return nv_err_set(e, NV_ERR_INPUT, "refusing %s: a symbolic link where the temporary file goes", tmp);
        if (lstat(tmp, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() && unlink(tmp) == 0)
            fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        else
            errno = EEXIST;
    }
    if (fd < 0)
        return nv_err_sys(e, errno, "cannot create %s", tmp);
    const char *p = data;
    size_t left = len;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            int er = errno;
            close(fd);
            unlink(tmp);
            return nv_err_sys(e, er, "cannot write %s", tmp);
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) < 0 || close(fd) < 0) {
        int er = errno;
        unlink(tmp);
        return nv_err_sys(e, er, "cannot write %s", tmp);
    }
    if (rename(tmp, path) < 0) {
        int er = errno;
        unlink(tmp);
        return nv_err_sys(e, er, "cannot rename %s to %s", tmp, path);
    }
    /* make the rename itself durable */
    char dir[PATH_MAX];
    memcpy(dir, path, strlen(path) + 1);
    char *slash = strrchr(dir, '/');
    if (slash) {
        if (slash == dir)
            slash[1] = '\0';
        else
            *slash = '\0';
    } else {
        strcpy(dir, ".");
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}
