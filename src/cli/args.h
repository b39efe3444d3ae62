/* A small argparse-like option parser shared by the commands: long options
 * with "--opt value" or "--opt=value", unambiguous prefixes, short flags,
 * choices, and positional arguments. Pure: unit-tested. */
#ifndef NV_CLI_ARGS_H
#define NV_CLI_ARGS_H

#include <stddef.h>

enum nv_opt_kind {
    NV_OPT_FLAG,   /* no value; *count incremented */
    NV_OPT_VALUE,  /* takes a value; stored in *value (last one wins) */
};

struct nv_opt {
    const char *name;          /* long name without "--" */
    char short_name;           /* 0 if none */
    enum nv_opt_kind kind;
    const char *const *choices; /* NULL-terminated, or NULL for any value */
    const char *metavar;       /* shown in errors */
    /* results */
    int count;
    const char *value;
};

/* The options every command that talks to a daemon takes, for an option
 * table indexed by an enum that names them O_HELP, O_VERBOSE, O_JSON,
 * O_WAIT, O_TIMEOUT and O_CONNECT; each command adds its own. */
#define NV_OPTS_DAEMON                                                      \
    [O_HELP] = {.name = "help", .short_name = 'h', .kind = NV_OPT_FLAG},    \
    [O_VERBOSE] = {.name = "verbose", .short_name = 'v', .kind = NV_OPT_FLAG}, \
    [O_JSON] = {.name = "json", .kind = NV_OPT_FLAG},                       \
    [O_WAIT] = {.name = "wait", .kind = NV_OPT_VALUE},                      \
    [O_TIMEOUT] = {.name = "timeout", .kind = NV_OPT_VALUE},                \
    [O_CONNECT] = {.name = "connect", .kind = NV_OPT_VALUE}

/* Parses argv[1..argc-1]. Options are matched by exact name or unambiguous
 * prefix. Non-option arguments are stored in positional[] (up to max_pos).
 * On error writes a one-line reason into err and returns -1. */
int nv_args_parse(int argc, char **argv, struct nv_opt *opts, size_t nopts,
                  const char **positional, size_t max_pos, size_t *npos,
                  char *err, size_t errlen);

#endif
