/* Multi-call entry point: "virtdeclare" and "virtpurge" by argv[0], or
 * "nixvirt <subcommand>". */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct subcommand subcommands[] = {
    {"declare", cmd_declare, "define one domain, network or pool and set its state (virtdeclare)"},
    {"purge", cmd_purge, "remove objects of one type that are not in a list (virtpurge)"},
    {"apply", cmd_apply, "make a connection match a whole manifest"},
    {"xml2nix", cmd_xml2nix, "print a libvirt XML definition as a Nix attribute set for lib"},
    {"import", cmd_import, "write a host's objects as a Nix expression for the modules"},
    {"version", cmd_version, "print our version and the daemon's"},
    {"help", cmd_help, "list the subcommands"},
};

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int cmd_help(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("usage: nixvirt <subcommand> [options]\n\nsubcommands:\n");
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        printf("  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
    printf("\n  --version  print this program's version and exit (no daemon is asked)\n"
           "\nRun 'nixvirt <subcommand> --help' for its options; 'man nixvirt' for more.\n"
           "Invoked as 'virtdeclare' or 'virtpurge', acts as 'nixvirt declare' or 'nixvirt purge'.\n");
    return NV_EXIT_OK;
}

int main(int argc, char **argv)
{
    /* once for the whole process: a daemon, ssh or reader that goes away
     * makes write() fail with EPIPE instead of killing us */
    signal(SIGPIPE, SIG_IGN);
    const char *self = argc > 0 ? base_name(argv[0]) : "nixvirt";
    if (strcmp(self, "virtdeclare") == 0)
        return cmd_declare(argc, argv);
    if (strcmp(self, "virtpurge") == 0)
        return cmd_purge(argc, argv);

    if (argc < 2) {
        cmd_help(0, NULL);
        return NV_EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0)
        return cmd_help(0, NULL);
    if (strcmp(sub, "--version") == 0 || strcmp(sub, "-V") == 0) {
        /* offline: what this binary is, no daemon asked ('nixvirt version' asks) */
        printf("nixvirt %s\n", NV_VERSION);
        return NV_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++) {
        if (strcmp(sub, subcommands[i].name) == 0)
            return subcommands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "nixvirt: unknown subcommand '%s' (see 'nixvirt help')\n", sub);
    return NV_EXIT_USAGE;
}
