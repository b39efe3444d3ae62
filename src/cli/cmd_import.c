/* nixvirt import --connect URI [--type KIND] [--lenient] [-o FILE]: a host's
 * persistent objects as a Nix expression for virtualisation.libvirt. */
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "engine/import.h"
#include "util/file.h"
#include "util/seconds.h"
#include "virt/object.h"

static const char usage[] =
    "usage: nixvirt import [-h] [--wait SECONDS] [--timeout SECONDS] --connect URI\n"
    "                      [--type {domain,network,pool}] [--lenient] [-o FILE]\n";

static const char help[] =
    "\nWrite the connection's persistent networks, pools (with their volumes) and domains as a\n"
    "Nix expression: nixvirt: { networks = [ ... ]; pools = [ ... ]; domains = [ ... ]; },\n"
    "for virtualisation.libvirt.connections.\"URI\" = import ./host.nix nixvirt.lib;\n\n"
    "options:\n"
    "  -h, --help            show this help message and exit\n"
    "  --wait SECONDS        retry connecting to the daemon for up to SECONDS\n"
    "  --timeout SECONDS     give up on a daemon that does not answer within SECONDS\n"
    "  --connect URI         connection URI (e.g. qemu:///system)\n"
    "  --type {domain,network,pool}\n"
    "                        import only this kind (default: all three)\n"
    "  --lenient             keep XML the schema does not know as raw XML, with a warning\n"
    "  -o, --output FILE     write FILE (atomically) instead of standard output\n";

static const char *const kinds[] = {"domain", "network", "pool", NULL};

enum { O_HELP, O_WAIT, O_TIMEOUT, O_CONNECT, O_TYPE, O_LENIENT, O_OUTPUT, O_COUNT };

static const char prog[] = "nixvirt import";

static int usage_error(const char *msg)
{
    fprintf(stderr, "%s%s: error: %s\n", usage, prog, msg);
    return NV_EXIT_USAGE;
}

/* What the command line asks for. */
typedef struct import_args {
    nv_import_opts io;
    const char *output; /* -o FILE, or NULL: stdout */
    unsigned wait, timeout;
} import_args;

/* The options' values into a, once parsed. Returns -1 to go on, or the
 * exit code of a usage error. */
static int take_args(const struct nv_opt *o, import_args *a)
{
    char err[512];
    if (nv_cli_missing(err, sizeof err, "--connect", o[O_CONNECT].value, (const char *)NULL))
        return usage_error(err);
    for (const char *p = o[O_CONNECT].value; *p; p++)
        if ((unsigned char)*p < 0x20)
            return usage_error("argument --connect: control character in the URI");
    if (nv_cli_seconds("wait", o[O_WAIT].value, &a->wait, err, sizeof err) < 0 ||
        nv_cli_timeout(o[O_TIMEOUT].value, &a->timeout, err, sizeof err) < 0)
        return usage_error(err);
    a->io = (nv_import_opts){.lenient = o[O_LENIENT].count > 0, .uri = o[O_CONNECT].value};
    for (int k = 0; k < NV_KIND_COUNT; k++)
        if (!o[O_TYPE].value || strcmp(o[O_TYPE].value, nv_kind_ops_get((enum nv_kind)k)->name) == 0)
            a->io.kinds |= 1u << k;
    a->output = o[O_OUTPUT].value;
    return -1;
}

/* Returns -1 to go on, or the exit code when done (--help, a usage error). */
static int parse_args(int argc, char **argv, import_args *a)
{
    struct nv_opt o[O_COUNT] = {
        [O_HELP] = {.name = "help", .short_name = 'h', .kind = NV_OPT_FLAG},
        [O_WAIT] = {.name = "wait", .kind = NV_OPT_VALUE},
        [O_TIMEOUT] = {.name = "timeout", .kind = NV_OPT_VALUE},
        [O_CONNECT] = {.name = "connect", .short_name = 'c', .kind = NV_OPT_VALUE},
        [O_TYPE] = {.name = "type", .kind = NV_OPT_VALUE, .choices = kinds},
        [O_LENIENT] = {.name = "lenient", .kind = NV_OPT_FLAG},
        [O_OUTPUT] = {.name = "output", .short_name = 'o', .kind = NV_OPT_VALUE},
    };
    char err[512];
    *a = (import_args){0};
    if (nv_args_parse(argc, argv, o, O_COUNT, NULL, 0, NULL, err, sizeof err) < 0)
        return usage_error(err);
    if (o[O_HELP].count) {
        printf("%s%s", usage, help);
        return NV_EXIT_OK;
    }
    return take_args(o, a);
}

/* The Nix expression into -o FILE (replaced whole) or onto stdout. */
static int write_output(const char *output, const nv_buf *out)
{
    nv_err e;
    nv_err_clear(&e);
    if (output) {
        if (nv_write_file_atomic(output, out->data, out->len, &e) == 0)
            return NV_EXIT_OK;
        nv_cli_report(prog, &e);
        return NV_EXIT_FAIL;
    }
    if (fwrite(out->data, 1, out->len, stdout) != out->len || fflush(stdout) != 0) {
        fprintf(stderr, "%s: cannot write the output\n", prog);
        return NV_EXIT_FAIL;
    }
    return NV_EXIT_OK;
}

int cmd_import(int argc, char **argv)
{
    import_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    nv_conn *c = nv_cli_connect(prog, a.io.uri, a.wait, a.timeout);
    if (!c)
        return NV_EXIT_FAIL;
    nv_err e;
    nv_err_clear(&e);
    nv_errlist warnings = {0};
    nv_buf out;
    nv_buf_init(&out, 0);
    rc = NV_EXIT_FAIL;
    if (nv_import(c, &a.io, &out, &warnings, &e) < 0) {
        nv_connect_explain(c, &e);
        nv_cli_report(prog, &e);
    } else {
        for (size_t i = 0; i < warnings.n && warnings.v; i++)
            fprintf(stderr, "%s: %s\n", prog, warnings.v[i]);
        rc = write_output(a.output, &out);
    }
    nv_buf_free(&out);
    nv_errlist_free(&warnings);
    nv_connect_close(c);
    return rc;
}
