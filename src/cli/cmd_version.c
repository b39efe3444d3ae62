#include <stdio.h>

#include "cli/commands.h"

int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("nixvirt %s\n", NV_VERSION);
    return NV_EXIT_OK;
}
