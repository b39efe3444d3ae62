/* Rules for the state directory (the record and its lock), in the spirit of
 * sshd's StrictModes: `nixvirt apply` runs as root at boot and acts on what
 * it finds there, so nothing in it may be writable, replaceable or
 * redirectable by another user. Every refusal names the path. */
#ifndef NV_UTIL_STRICT_H
#define NV_UTIL_STRICT_H

#include <sys/stat.h>

#include "util/error.h"

/* dir, and every directory above it (symlinks in the path resolved), must be
 * owned by root or the effective user and not writable by group or others.
 * Above dir, a directory writable by others is accepted when it has the
 * sticky bit (/tmp): nobody else can then rename or replace what is in it. */
int nv_strict_dir(const char *dir, nv_err *e);

/* A file of the state directory, as lstat or fstat saw it: a regular file
 * (not a symlink), owned by root or the effective user, not writable by group
 * or others. */
int nv_strict_file(const char *path, const struct stat *st, nv_err *e);

/* Reads a file of the state directory (at most max bytes, malloc'd, NUL
 * added) when it and its directory pass the rules above; else -1 (missing,
 * refused or unreadable; e says which). For the caches kept there. */
int nv_strict_read(const char *path, size_t max, char **out, size_t *len, nv_err *e);

#endif
