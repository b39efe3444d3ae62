/* Reading whole files with a size bound. */
#ifndef NV_UTIL_FILE_H
#define NV_UTIL_FILE_H

#include <stddef.h>

#include "util/error.h"

/* Largest definition or manifest file we read (libvirt's string limit). */
#define NV_FILE_MAX ((size_t)4 * 1024 * 1024)

/* Reads path into a malloc'd NUL-terminated buffer; *len gets its length.
 * Fails (NV_ERR_INPUT) if the file is larger than max, or is not a regular
 * file (a FIFO, socket or device is refused at once, never waited on). */
int nv_read_file(const char *path, size_t max, char **out, size_t *len, nv_err *e);

/* Many files of few directories (a manifest's definitions, all in the Nix
 * store): each directory is looked up once and its files by their last
 * component, not the whole path each time. Keeps one directory open;
 * nv_dir_close closes it. */
typedef struct nv_dir {
    int fd;        /* -1: none yet */
    size_t len;    /* of the directory's path, with its final '/' */
    char path[4096];
} nv_dir;
#define NV_DIR_INIT {.fd = -1}
/* nv_read_file of path, through d (NULL: as nv_read_file). */
int nv_read_file_in(nv_dir *d, const char *path, size_t max, char **out, size_t *len, nv_err *e);
void nv_dir_close(nv_dir *d);
/* Reads an already open descriptor (standard input: a pipe is fine there)
 * to its end, bounded by max; `name` for messages. Does not close fd. */
int nv_read_fd(int fd, const char *name, size_t max, char **out, size_t *len, nv_err *e);
/* The same, and the content must be text (nv_text_check): every input file
 * a user gives us is read this way. */
int nv_read_text_file(const char *path, size_t max, char **out, size_t *len, nv_err *e);

/* Writes data to path atomically: a temporary file "<path>.tmp.<pid>" in the
 * same directory (created 0600 with O_EXCL|O_NOFOLLOW: a symlink there is
 * refused, never followed), fsync, rename, fsync of the directory. */
int nv_write_file_atomic(const char *path, const void *data, size_t len, nv_err *e);

/* mkdir -p with the given mode for created directories. */
int nv_mkdir_p(const char *path, unsigned mode, nv_err *e);

#endif
