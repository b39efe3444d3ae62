/* virtdeclare / nixvirt declare: NixVirt's command line for declaring one
 * domain, network or pool. */
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "util/seconds.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/render.h"
#include "engine/declare.h"
#include "engine/log.h"
#include "engine/status.h"
#include "engine/spec.h"
#include "util/uuid.h"

static const char usage[] =
    "usage: virtdeclare [-h] [-v] [--json] [--wait SECONDS] [--timeout SECONDS] --connect URI\n"
    "                   --type {domain,network,pool}\n"
    "                   (--define PATH | --uuid ID | --name ID)\n"
    "                   [--state {active,inactive}] [--restart {always,never,ifchanged,live}] [--auto]\n"
    "                   [--shutdown-timeout SECONDS]\n";

static const char help[] =
    "\nDefine and control libvirt objects idempotently.\n\n"
    "options:\n"
    "  -h, --help            show this help message and exit\n"
    "  -v, --verbose         report actions to stderr\n"
    "  --json                write one JSON document on stdout: the object's kind, name,\n"
    "                        UUID, actions, changed paths and error, and the counts\n"
    "  --wait SECONDS        retry connecting to the daemon for up to SECONDS\n"
    "  --timeout SECONDS     fail a daemon call that has not been answered after SECONDS\n"
    "                        (default: none; a dead daemon is found by keepalive)\n"
    "  --connect URI         connection URI (e.g. qemu:///session)\n"
    "  --type {domain,network,pool}\n"
    "                        object type\n"
    "  --define PATH         XML object definition file path\n"
    "  --uuid ID             object UUID\n"
    "  --name ID             object name\n"
    "  --state {active,inactive}\n"
    "                        state to put object in\n"
    "  --restart {always,never,ifchanged,live}\n"
    "                        whether to restart the object (default: ifchanged; live: a\n"
    "                        running domain gets what can change live without a restart)\n"
    "  --auto                set autostart to match state\n"
    "  --shutdown-timeout SECONDS\n"
    "                        ask a domain to shut down and wait up to SECONDS before\n"
    "                        powering it off (default: power off at once)\n";

static const char *const kinds[] = {"domain", "network", "pool", NULL};
static const char *const states[] = {"active", "inactive", NULL};
static const char *const restarts[] = {"always", "never", "ifchanged", "live", NULL};

enum { O_HELP, O_VERBOSE, O_JSON, O_WAIT, O_TIMEOUT, O_CONNECT, O_TYPE, O_DEFINE, O_UUID, O_NAME, O_STATE, O_RESTART,
       O_AUTO, O_SHUTDOWN, O_COUNT };

/* --json when the object was not reached: the document still says why */
static void json_failure(const char *kind, const char *name, const uint8_t *uuid, const nv_err *e)
{
    nv_report rep = {0};
    nv_errlist errs = {0};
    if (name || uuid)
        nv_report_error(nv_report_add(&rep, kind, name, uuid), "%s", e->msg);
    nv_errlist_add(&errs, "%s", e->msg);
    nv_cli_render_json(stdout, "declare", 0, &rep, &errs);
    nv_report_free(&rep);
    nv_errlist_free(&errs);
}

static int usage_error(const char *prog, const char *msg)
{
    fprintf(stderr, "%s%s: error: %s\n", usage, prog, msg);
    return NV_EXIT_USAGE;
}

/* What the command line asks for. */
typedef struct declare_args {
    nv_declare_req req;
    uint8_t uuid[16];             /* --uuid, when given (req.sel_uuid) */
    const char *type, *define, *uuid_text, *connect;
    unsigned wait, timeout;
    int json;
} declare_args;

static void parse_choices(struct nv_opt *o, declare_args *a)
{
    nv_declare_req *req = &a->req;
    *req = (nv_declare_req){.state = NV_STATE_KEEP, .restart = NV_RESTART_IFCHANGED, .show_diff = 1};
    req->kind = strcmp(o[O_TYPE].value, "domain") == 0    ? NV_KIND_DOMAIN
                : strcmp(o[O_TYPE].value, "network") == 0 ? NV_KIND_NETWORK
                                                          : NV_KIND_POOL;
    if (o[O_STATE].value)
        req->state = strcmp(o[O_STATE].value, "active") == 0 ? NV_STATE_ACTIVE : NV_STATE_INACTIVE;
    if (o[O_RESTART].value)
        req->restart = strcmp(o[O_RESTART].value, "always") == 0  ? NV_RESTART_ALWAYS
                       : strcmp(o[O_RESTART].value, "never") == 0 ? NV_RESTART_NEVER
                       : strcmp(o[O_RESTART].value, "live") == 0  ? NV_RESTART_LIVE
                                                                  : NV_RESTART_IFCHANGED;
    req->autostart = o[O_AUTO].count > 0;
}

/* The options' values into a, once parsed. Returns -1 to go on, or the
 * exit code of a usage error. */
static int take_args(struct nv_opt *o, declare_args *a)
{
    const char *prog = "virtdeclare";
    char err[512];
    if (nv_cli_missing(err, sizeof err, "--connect", o[O_CONNECT].value, "--type", o[O_TYPE].value,
                       (const char *)NULL))
        return usage_error(prog, err);
    int selectors = !!o[O_DEFINE].value + !!o[O_UUID].value + !!o[O_NAME].value;
    if (selectors == 0)
        return usage_error(prog, "one of the arguments --define --uuid --name is required");
    if (selectors > 1)
        return usage_error(prog, "only one of the arguments --define --uuid --name may be given");
    unsigned shutdown = 0;
    a->wait = a->timeout = 0;
    if (nv_cli_seconds("wait", o[O_WAIT].value, &a->wait, err, sizeof err) < 0 ||
        nv_cli_timeout(o[O_TIMEOUT].value, &a->timeout, err, sizeof err) < 0 ||
        nv_cli_seconds("shutdown-timeout", o[O_SHUTDOWN].value, &shutdown, err, sizeof err) < 0)
        return usage_error(prog, err);
    parse_choices(o, a);
    a->req.shutdown_timeout = shutdown;
    nv_log_verbose = o[O_VERBOSE].count > 0;
    a->json = o[O_JSON].count > 0;
    if (o[O_UUID].value) {
        if (nv_uuid_parse(o[O_UUID].value, a->uuid) < 0) {
            snprintf(err, sizeof err, "argument --uuid: invalid UUID '%s'", o[O_UUID].value);
            return usage_error(prog, err);
        }
        a->req.sel_uuid = a->uuid;
    }
    a->req.sel_name = o[O_NAME].value;
    a->type = o[O_TYPE].value;
    a->define = o[O_DEFINE].value;
    a->uuid_text = o[O_UUID].value;
    a->connect = o[O_CONNECT].value;
    return -1;
}

/* Returns -1 to go on, or the exit code when done (--help, a usage error). */
static int parse_args(int argc, char **argv, declare_args *a)
{
    struct nv_opt o[O_COUNT] = {
        NV_OPTS_DAEMON,
        [O_TYPE] = {.name = "type", .kind = NV_OPT_VALUE, .choices = kinds},
        [O_DEFINE] = {.name = "define", .kind = NV_OPT_VALUE},
        [O_UUID] = {.name = "uuid", .kind = NV_OPT_VALUE},
        [O_NAME] = {.name = "name", .kind = NV_OPT_VALUE},
        [O_STATE] = {.name = "state", .kind = NV_OPT_VALUE, .choices = states},
        [O_RESTART] = {.name = "restart", .kind = NV_OPT_VALUE, .choices = restarts},
        [O_AUTO] = {.name = "auto", .kind = NV_OPT_FLAG},
        [O_SHUTDOWN] = {.name = "shutdown-timeout", .kind = NV_OPT_VALUE},
    };
    char err[512];
    if (nv_args_parse(argc, argv, o, O_COUNT, NULL, 0, NULL, err, sizeof err) < 0)
        return usage_error("virtdeclare", err);
    if (o[O_HELP].count) {
        printf("%s%s", usage, help);
        return NV_EXIT_OK;
    }
    return take_args(o, a);
}

/* --json after the declare: the object, what was done, and the error. */
static void json_result(const declare_args *a, nv_declare_result *res, int ok, const nv_err *e)
{
    const nv_declare_req *req = &a->req;
    nv_report rep = {0};
    nv_errlist errs = {0};
    const char *name = res->obj.name ? res->obj.name : req->spec ? req->spec->name : req->sel_name;
    const uint8_t *uuid = req->spec ? req->spec->uuid : res->obj.name ? res->obj.uuid : req->sel_uuid;
    nv_report_obj *ro = nv_report_add(&rep, a->type, name, uuid);
    nv_report_act(ro, nv_declare_actions(res));
    nv_report_changes(ro, &res->changes);
    if (!ok) {
        nv_report_error(ro, "%s", e->msg);
        nv_errlist_add(&errs, "%s", e->msg);
    }
    nv_cli_render_json(stdout, "declare", 0, &rep, &errs);
    nv_report_free(&rep);
    nv_errlist_free(&errs);
}

/* The declare over an open connection. Returns the exit code. */
static int declare_on(nv_conn *c, const declare_args *a, nv_err *e)
{
    const nv_declare_req *req = &a->req;
    nv_declare_result res;
    nv_status_on = nv_cli_status_wanted();
    nv_status_begin(1);
    nv_status_object(a->type, req->spec ? req->spec->name : req->sel_name ? req->sel_name : a->uuid_text);
    int ok = nv_declare(c, req, &res, e) == 0;
    nv_status_end();
    if (!ok) {
        nv_connect_explain(c, e);
        nv_cli_report("virtdeclare", e);
    }
    if (a->json)
        json_result(a, &res, ok, e);
    nv_declare_result_free(&res);
    return ok ? NV_EXIT_OK : NV_EXIT_FAIL;
}

int cmd_declare(int argc, char **argv)
{
    declare_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    nv_declare_req *req = &a.req;

    /* The definition is read and checked before the daemon is contacted:
     * bad input never changes anything. */
    nv_err e;
    nv_err_clear(&e);
    nv_spec spec;
    if (a.define) {
        enum nv_spec_kind sk = req->kind == NV_KIND_DOMAIN    ? NV_SPEC_DOMAIN
                               : req->kind == NV_KIND_NETWORK ? NV_SPEC_NETWORK
                                                              : NV_SPEC_POOL;
        if (nv_spec_read(&spec, sk, a.define, &e) < 0) {
            nv_cli_report("virtdeclare", &e);
            if (a.json)
                json_failure(a.type, NULL, NULL, &e);
            return NV_EXIT_FAIL;
        }
        req->spec = &spec;
    }

    rc = NV_EXIT_FAIL;
    nv_conn *c = nv_cli_connect_e("virtdeclare", a.connect, a.wait, a.timeout, &e);
    if (c) {
        rc = declare_on(c, &a, &e);
        nv_connect_close(c);
    } else if (a.json) {
        json_failure(a.type, req->spec ? req->spec->name : req->sel_name, req->spec ? req->spec->uuid : req->sel_uuid,
                     &e);
    }
    if (req->spec)
        nv_spec_free(&spec);
    return rc;
}
