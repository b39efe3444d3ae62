/* nixvirt xml2nix [--type KIND] [--lenient] [FILE|-]: a libvirt XML
 * definition as the Nix attribute set lib.<kind>.getXML turns back into it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "util/buf.h"
#include "util/errlist.h"
#include "util/file.h"
#include "util/text.h"
#include "xml/doc.h"
#include "xml/schema.h"
#include "xml/tonix.h"

static const char usage[] =
    "usage: nixvirt xml2nix [-h] [--type {domain,network,pool,volume}] [--lenient] [FILE|-]\n";

static const char help[] =
    "\nPrint a libvirt XML definition (FILE, or standard input) as a Nix attribute set\n"
    "that lib.<kind>.getXML / writeXML turn back into equivalent XML.\n\n"
    "options:\n"
    "  -h, --help            show this help message and exit\n"
    "  --type {domain,network,pool,volume}\n"
    "                        the kind of definition (default: from the root element)\n"
    "  --lenient             keep XML the schema does not know as raw XML (_attrs, _xml)\n"
    "                        with a warning, instead of failing\n";

static const char *const kinds[] = {"domain", "network", "pool", "volume", NULL};

enum { O_HELP, O_TYPE, O_LENIENT, O_COUNT };

static const char prog[] = "nixvirt xml2nix";

/* What the command line asks for. */
typedef struct xml2nix_args {
    const char *path; /* NULL: stdin */
    const char *type; /* --type, or NULL: the root element's name */
    int lenient;
} xml2nix_args;

/* Returns -1 to go on, or the exit code when done (--help, a usage error). */
static int parse_args(int argc, char **argv, xml2nix_args *a)
{
    struct nv_opt o[O_COUNT] = {
        [O_HELP] = {.name = "help", .short_name = 'h', .kind = NV_OPT_FLAG},
        [O_TYPE] = {.name = "type", .kind = NV_OPT_VALUE, .choices = kinds},
        [O_LENIENT] = {.name = "lenient", .kind = NV_OPT_FLAG},
    };
    char err[512];
    const char *pos[2];
    size_t npos = 0;
    if (nv_args_parse(argc, argv, o, O_COUNT, pos, 2, &npos, err, sizeof err) < 0) {
        fprintf(stderr, "%s%s: error: %s\n", usage, prog, err);
        return NV_EXIT_USAGE;
    }
    if (o[O_HELP].count) {
        printf("%s%s", usage, help);
        return NV_EXIT_OK;
    }
    if (npos > 1) {
        fprintf(stderr, "%s%s: error: one input file at most\n", usage, prog);
        return NV_EXIT_USAGE;
    }
    a->path = npos == 1 && strcmp(pos[0], "-") != 0 ? pos[0] : NULL;
    a->type = o[O_TYPE].value;
    a->lenient = o[O_LENIENT].count > 0;
    return -1;
}

/* The input (a file, or stdin) read, checked as text and parsed; NULL
 * after reporting why not. */
static nv_xml_node *read_input(const char *path, const char *name)
{
    nv_err e;
    nv_err_clear(&e);
    char *data = NULL;
    size_t len = 0;
    if ((path ? nv_read_text_file(path, NV_XML_MAX_INPUT, &data, &len, &e)
              : nv_read_fd(0, name, NV_XML_MAX_INPUT, &data, &len, &e)) < 0 ||
        (!path && nv_text_check(name, data, len, &e) < 0)) {
        free(data);
        nv_cli_report(prog, &e);
        return NULL;
    }
    nv_xml_node *root = nv_xml_parse(data, len, name, &e);
    free(data);
    if (!root)
        nv_cli_report(prog, &e);
    return root;
}

int cmd_xml2nix(int argc, char **argv)
{
    xml2nix_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    const char *name = a.path ? a.path : "<stdin>";
    nv_xml_node *root = read_input(a.path, name);
    if (!root)
        return NV_EXIT_FAIL;
    nv_err e;
    nv_err_clear(&e);
    const nv_xml_schema *s = nv_xml_schema_find(a.type ? a.type : root->name);
    rc = NV_EXIT_FAIL;
    nv_errlist warnings = {0};
    nv_buf out;
    nv_buf_init(&out, 0);
    if (!s) {
        fprintf(stderr, "%s: %s:%lu: the root element <%s> is not a domain, network, pool or volume\n",
                prog, name, root->line, root->name);
    } else if (nv_xml_to_nix(root, s, name, a.lenient ? NV_XML_TONIX_LENIENT : 0, &warnings, &out, &e) < 0) {
        nv_cli_report(prog, &e);
    } else {
        for (size_t i = 0; i < warnings.n && warnings.v; i++)
            fprintf(stderr, "%s: %s\n", prog, warnings.v[i]);
        if (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout) != 0)
            fprintf(stderr, "%s: cannot write the output\n", prog);
        else
            rc = NV_EXIT_OK;
    }
    nv_buf_free(&out);
    nv_errlist_free(&warnings);
    nv_xml_free(root);
    return rc;
}
