#include <stdio.h>

#include "cli/commands.h"

int cmd_purge(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "nixvirt purge: not implemented yet\n");
    return NV_EXIT_FAIL;
}
