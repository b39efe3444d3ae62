#include "util/strict.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/file.h"

static int owner_ok(const struct stat *st)
{
    return st->st_uid == 0 || st->st_uid == geteuid();
}

static int refuse_owner(const char *what, const char *path, const struct stat *st, nv_err *e)
{
    return nv_err_set(e, NV_ERR_INPUT, "refusing the %s %s: owned by uid %lu, not by uid %lu or root", what, path,
                      (unsigned long)st->st_uid, (unsigned long)geteuid());
}

int nv_strict_dir(const char *dir, nv_err *e)
{
    char real[PATH_MAX];
    if (!realpath(dir, real))
        return nv_err_sys(e, errno, "cannot resolve the state directory %s", dir);
    /* from the directory itself up to / (realpath gives an absolute path) */
    for (int top = 1;; top = 0) {
        struct stat st;
        if (stat(real, &st) < 0)
            return nv_err_sys(e, errno, "cannot check %s", real);
        const char *what = top ? "state directory" : "directory above the state directory";
        if (!S_ISDIR(st.st_mode))
            return nv_err_set(e, NV_ERR_INPUT, "refusing the %s %s: not a directory", what, real);
        if (!owner_ok(&st))
            return refuse_owner(what, real, &st, e);
        if ((st.st_mode & (S_IWGRP | S_IWOTH)) && (top || !(st.st_mode & S_ISVTX)))
            return nv_err_set(e, NV_ERR_INPUT, "refusing the %s %s: writable by %s (mode %04o; chmod go-w it)", what,
                              real, st.st_mode & S_IWOTH ? "others" : "its group", (unsigned)(st.st_mode & 07777));
        if (strcmp(real, "/") == 0)
            break;
        char *slash = strrchr(real, '/');
        if (slash == real)
            slash[1] = '\0';
        else
            *slash = '\0';
    }
    return 0;
}

int nv_strict_file(const char *path, const struct stat *st, nv_err *e)
{
    if (S_ISLNK(st->st_mode))
        return nv_err_set(e, NV_ERR_INPUT, "refusing %s: a symbolic link in the state directory", path);
    if (!S_ISREG(st->st_mode))
        return nv_err_set(e, NV_ERR_INPUT, "refusing %s: not a regular file", path);
    if (!owner_ok(st))
        return refuse_owner("file", path, st, e);
    if (st->st_mode & (S_IWGRP | S_IWOTH))
        return nv_err_set(e, NV_ERR_INPUT, "refusing %s: writable by %s (mode %04o; chmod go-w it)", path,
                          st->st_mode & S_IWOTH ? "others" : "its group", (unsigned)(st->st_mode & 07777));
    return 0;
}

int nv_strict_read(const char *path, size_t max, char **out, size_t *len, nv_err *e)
{
    char dir[PATH_MAX];
    if ((size_t)snprintf(dir, sizeof dir, "%s", path) >= sizeof dir)
        return nv_err_set(e, NV_ERR_INPUT, "path too long: %s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    struct stat st;
    if (lstat(path, &st) < 0)
        return nv_err_sys(e, errno, "cannot read %s", path);
    if (nv_strict_dir(slash ? dir : ".", e) < 0 || nv_strict_file(path, &st, e) < 0)
        return -1;
    return nv_read_file(path, max, out, len, e);
}
