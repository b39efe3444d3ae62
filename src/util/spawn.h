/* Running programs: finding them like execvp, fork/exec with the exec
 * error reported back through a close-on-exec pipe (so "cannot run X: No
 * such file" is known before any byte is exchanged), and detached daemons.
 *
 * Children get SIGPIPE at its default, an empty signal mask and no fds
 * beyond 0-2 (plus the report pipe until exec). */
#ifndef NV_UTIL_SPAWN_H
#define NV_UTIL_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

/* 1 if path is a regular file we may execute. */
int nv_spawn_is_exec(const char *path);

/* Looks name up in the ':'-separated dirs like execvp (empty entries are
 * skipped, not "."): 0 and the path of an executable regular file in out,
 * or -1. */
int nv_spawn_find_in(const char *name, const char *dirs, char *out, size_t n);

/* name as is when it has a '/', else searched in $PATH. 0 or -1. */
int nv_spawn_find(const char *name, char *out, size_t n);

/* A child with its stdio on pipes (our ends close-on-exec, blocking except
 * err, which is non-blocking). */
typedef struct nv_spawn_child {
    pid_t pid;
    int in;  /* write here: its stdin */
    int out; /* read here: its stdout */
    int err; /* read here: its stderr */
} nv_spawn_child;

/* Runs argv (argv[0] found by nv_spawn_find). Fails (NV_ERR_SYSTEM, code
 * errno) with "cannot run X: ..." when it cannot be found or exec fails. */
int nv_spawn_piped(char *const argv[], nv_spawn_child *c, nv_err *e);

/* Starts path with argv as a daemon: its own session, stdio on /dev/null,
 * cwd /, and a double fork so init reaps it, not us. Fails (NV_ERR_SYSTEM,
 * code errno) with "cannot start PATH: ..." when exec fails. */
int nv_spawn_detached(const char *path, char *const argv[], nv_err *e);

#endif
