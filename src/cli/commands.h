/* Entry points of the subcommands; each returns the process exit code. */
#ifndef NV_CLI_COMMANDS_H
#define NV_CLI_COMMANDS_H

#define NV_VERSION "0.1.0"

/* Exit codes shared by all commands. */
enum {
    NV_EXIT_OK = 0,
    NV_EXIT_FAIL = 1,  /* daemon error, invalid definition, failed object */
    NV_EXIT_USAGE = 2, /* bad or missing options */
};

int cmd_declare(int argc, char **argv);
int cmd_purge(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_xml2nix(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_help(int argc, char **argv);

#endif
