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

/* Parses argv[1..argc-1]. Options are matched by exact name or unambiguous
 * prefix. Non-option arguments are stored in positional[] (up to max_pos).
 * On error writes a one-line reason into err and returns -1. */
int nv_args_parse(int argc, char **argv, struct nv_opt *opts, size_t nopts,
                  const char **positional, size_t max_pos, size_t *npos,
                  char *err, size_t errlen);

#endif
