#include <stdio.h>

#include "cli/commands.h"

int cmd_apply(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "nixvirt apply: not implemented yet\n");
    return NV_EXIT_FAIL;
}
