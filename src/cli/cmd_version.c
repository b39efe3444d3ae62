/* nixvirt version [--connect URI] [--wait SECONDS]: our version, and with a
 * reachable daemon its libvirt version and hypervisor. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/args.h"
#include "util/seconds.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "virt/host.h"

static const char usage[] =
    "usage: nixvirt version [-h] [--connect URI] [--wait SECONDS] [--timeout SECONDS]\n";

static const char help[] =
    "\nPrint our version, then ask the daemon for its libvirt version and the hypervisor's\n"
    "('nixvirt --version' prints ours alone, without a daemon).\n\n"
    "options:\n"
    "  -h, --help            show this help message and exit\n"
    "  -c, --connect URI     connection URI (default: $LIBVIRT_DEFAULT_URI, else\n"
    "                        qemu:///system for root and qemu:///session for others)\n"
    "  --wait SECONDS        retry connecting to the daemon for up to SECONDS\n"
    "  --timeout SECONDS     give up on a daemon that does not answer within SECONDS\n";

static void print_version(const char *what, uint64_t v)
{
    /* libvirt encodes versions as major * 1000000 + minor * 1000 + micro */
    printf("%s: %llu.%llu.%llu\n", what, (unsigned long long)(v / 1000000),
           (unsigned long long)(v / 1000 % 1000), (unsigned long long)(v % 1000));
}

int cmd_version(int argc, char **argv)
{
    struct nv_opt opts[] = {
        {.name = "help", .short_name = 'h', .kind = NV_OPT_FLAG},
        {.name = "connect", .short_name = 'c', .kind = NV_OPT_VALUE},
        {.name = "wait", .kind = NV_OPT_VALUE},
        {.name = "timeout", .kind = NV_OPT_VALUE},
    };
    char err[512];
    unsigned wait = 0, timeout = 0;
    if (nv_args_parse(argc, argv, opts, 4, NULL, 0, NULL, err, sizeof err) < 0) {
        fprintf(stderr, "%snixvirt version: error: %s\n", usage, err);
        return NV_EXIT_USAGE;
    }
    if (opts[0].count) {
        printf("%s%s", usage, help);
        return NV_EXIT_OK;
    }
    if (nv_cli_seconds("wait", opts[2].value, &wait, err, sizeof err) < 0 ||
        nv_cli_timeout(opts[3].value, &timeout, err, sizeof err) < 0) {
        fprintf(stderr, "%snixvirt version: error: %s\n", usage, err);
        return NV_EXIT_USAGE;
    }
    printf("nixvirt: %s\n", NV_VERSION);
    fflush(stdout);

    nv_conn *c = nv_cli_connect("nixvirt version", opts[1].value, wait, timeout);
    if (!c)
        return NV_EXIT_FAIL;
    nv_err e;
    nv_err_clear(&e);
    nv_host_versions v;
    int rc = nv_host_versions_get(c, &v, &e) < 0 ? NV_EXIT_FAIL : NV_EXIT_OK;
    if (v.have_lib)
        print_version("libvirt (daemon)", v.lib_ver);
    if (rc == NV_EXIT_OK) {
        char label[128];
        snprintf(label, sizeof label, "hypervisor %s", v.hv_type);
        print_version(label, v.hv_ver);
    }
    if (rc != NV_EXIT_OK) {
        nv_connect_explain(c, &e);
        nv_cli_report("nixvirt version", &e);
    }
    nv_connect_close(c);
    return rc;
}
