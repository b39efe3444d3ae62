#include <stdio.h>

#include "cli/commands.h"

int cmd_declare(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "nixvirt declare: not implemented yet\n");
    return NV_EXIT_FAIL;
}
