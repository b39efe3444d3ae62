/* virtpurge / nixvirt purge: remove every object of one type whose UUID is
 * not among the definitions listed in --keep (NixVirt's command line). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "util/seconds.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/render.h"
#include "engine/keep.h"
#include "engine/log.h"
#include "engine/remove.h"
#include "engine/spec.h"
#include "util/errlist.h"
#include "util/uuid.h"

static const char usage[] =
    "usage: virtpurge [-h] [-v] [--json] [--wait SECONDS] [--timeout SECONDS] --connect URI\n"
    "                 --type {domain,network,pool} --keep PATH\n";

static const char help[] =
    "\nRemove libvirt objects of one type that are not listed.\n\n"
    "options:\n"
    "  -h, --help            show this help message and exit\n"
    "  -v, --verbose         report actions to stderr\n"
    "  --json                write one JSON document on stdout: each object removed (or\n"
    "                        kept: unchanged) with its kind, name, UUID, actions and\n"
    "                        error, and the counts\n"
    "  --wait SECONDS        retry connecting to the daemon for up to SECONDS\n"
    "  --timeout SECONDS     fail a daemon call that has not been answered after SECONDS\n"
    "                        (default: none; a dead daemon is found by keepalive)\n"
    "  --connect URI         connection URI (e.g. qemu:///session)\n"
    "  --type {domain,network,pool}\n"
    "                        object type\n"
    "  --keep PATH           file listing the definition files to keep, one per line\n";

static const char *const kinds[] = {"domain", "network", "pool", NULL};

static int usage_error(const char *msg)
{
    fprintf(stderr, "%svirtpurge: error: %s\n", usage, msg);
    return NV_EXIT_USAGE;
}

/* What the command line asks for. */
typedef struct purge_args {
    const char *connect, *keep;
    enum nv_kind kind;
    enum nv_spec_kind sk;
    unsigned wait, timeout;
    int json;
} purge_args;

/* Returns -1 to go on, or the exit code when done (--help, a usage error). */
static int parse_args(int argc, char **argv, purge_args *a)
{
    enum { O_HELP, O_VERBOSE, O_JSON, O_WAIT, O_TIMEOUT, O_CONNECT, O_TYPE, O_KEEP, O_COUNT };
    struct nv_opt o[O_COUNT] = {
        NV_OPTS_DAEMON,
        [O_TYPE] = {.name = "type", .kind = NV_OPT_VALUE, .choices = kinds},
        [O_KEEP] = {.name = "keep", .kind = NV_OPT_VALUE},
    };
    char err[512];
    *a = (purge_args){0};
    if (nv_args_parse(argc, argv, o, O_COUNT, NULL, 0, NULL, err, sizeof err) < 0)
        return usage_error(err);
    if (o[O_HELP].count) {
        printf("%s%s", usage, help);
        return NV_EXIT_OK;
    }
    if (nv_cli_missing(err, sizeof err, "--connect", o[O_CONNECT].value, "--type", o[O_TYPE].value, "--keep",
                       o[O_KEEP].value, (const char *)NULL) ||
        nv_cli_seconds("wait", o[O_WAIT].value, &a->wait, err, sizeof err) < 0 ||
        nv_cli_timeout(o[O_TIMEOUT].value, &a->timeout, err, sizeof err) < 0)
        return usage_error(err);
    nv_log_verbose = o[O_VERBOSE].count > 0;
    a->json = o[O_JSON].count > 0;
    a->connect = o[O_CONNECT].value;
    a->keep = o[O_KEEP].value;
    a->kind = strcmp(o[O_TYPE].value, "domain") == 0    ? NV_KIND_DOMAIN
              : strcmp(o[O_TYPE].value, "network") == 0 ? NV_KIND_NETWORK
                                                        : NV_KIND_POOL;
    a->sk = a->kind == NV_KIND_DOMAIN ? NV_SPEC_DOMAIN : a->kind == NV_KIND_NETWORK ? NV_SPEC_NETWORK : NV_SPEC_POOL;
    return -1;
}

static void removal_failed(nv_conn *c, const nv_kind_ops *k, const nv_obj *obj, nv_report_obj *ro,
                           nv_errlist *errs, nv_err *e)
{
    nv_connect_explain(c, e);
    char u[NV_UUID_STR_LEN];
    nv_uuid_format(obj->uuid, u);
    const char *prefix = e->kind == NV_ERR_LIBVIRT ? "libvirt error: " : "";
    fprintf(stderr, "virtpurge: %s %s (%s): %s%s\n", k->name, obj->name, u, prefix, e->msg);
    nv_report_error(ro, "%s%s", prefix, e->msg);
    nv_errlist_add(errs, "%s %s (%s): %s", k->name, obj->name, u, e->msg);
}

/* Removes every object of the kind that is not kept. Returns how many could
 * not be removed, or -1 when the objects cannot be listed. */
static int remove_unkept(nv_conn *c, const purge_args *a, const nv_keep *keep, nv_report *rep, nv_errlist *errs,
                         nv_err *e)
{
    const nv_kind_ops *k = nv_kind_ops_get(a->kind);
    nv_obj_list all = {0};
    if (nv_obj_list_all(c, k, 0, &all, e) < 0) {
        nv_connect_explain(c, e);
        nv_cli_report("virtpurge", e);
        nv_errlist_add(errs, "%s", e->msg);
        return -1;
    }
    int failures = 0;
    for (size_t i = 0; i < all.n; i++) {
        nv_report_obj *ro = a->json ? nv_report_add(rep, k->name, all.v[i].name, all.v[i].uuid) : NULL;
        if (nv_keep_has(keep, all.v[i].uuid)) { /* a hash set: linear, however long both lists are */
            nv_report_act(ro, NV_ACT_UNCHANGED);
        } else if (nv_remove_object(c, a->kind, &all.v[i], e) < 0) {
            removal_failed(c, k, &all.v[i], ro, errs, e);
            failures++;
        } else {
            nv_report_act(ro, NV_ACT_REMOVE);
        }
    }
    nv_obj_list_free(&all);
    return failures;
}

int cmd_purge(int argc, char **argv)
{
    purge_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    nv_report rep = {0};
    /* Every listed file is read and checked before anything is removed. */
    nv_err e;
    nv_err_clear(&e);
    nv_errlist errs = {0};
    nv_keep keep = {0};
    rc = NV_EXIT_FAIL;
    nv_conn *c = NULL;
    if (nv_keep_load(a.keep, a.sk, &keep, &errs) < 0) {
        for (size_t i = 0; i < errs.n && i < 1000; i++)
            fprintf(stderr, "virtpurge: %s\n", errs.v[i]);
        fprintf(stderr, "virtpurge: nothing was removed\n");
    } else if (!(c = nv_cli_connect_e("virtpurge", a.connect, a.wait, a.timeout, &e))) {
        nv_errlist_add(&errs, "%s", e.msg);
    } else {
        int failures = remove_unkept(c, &a, &keep, &rep, &errs, &e);
        if (failures >= 0)
            rc = failures ? NV_EXIT_FAIL : NV_EXIT_OK;
    }
    if (a.json)
        nv_cli_render_json(stdout, "purge", 0, &rep, &errs);
    nv_report_free(&rep);
    nv_connect_close(c);
    nv_keep_free(&keep);
    nv_errlist_free(&errs);
    return rc;
}
