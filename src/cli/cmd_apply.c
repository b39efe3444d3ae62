/* nixvirt apply [-v] [--dry-run] [--wait SECONDS] [--timeout SECONDS] [--state-dir DIR]
 *               --connect URI MANIFEST */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "util/seconds.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/early.h"
#include "cli/render.h"
#include "engine/apply.h"
#include "engine/defstore.h"
#include "engine/manifestcache.h"
#include "engine/speccache.h"
#include "engine/log.h"
#include "engine/status.h"

static const char usage[] =
    "usage: nixvirt apply [-h] [-v] [--dry-run] [--json] [--wait SECONDS] [--timeout SECONDS]\n"
    "                     [--state-dir DIR] --connect URI MANIFEST\n";

static const char help[] =
    "\nMake a connection's networks, pools (with volumes) and domains match MANIFEST.\n\n"
    "options:\n"
    "  -h, --help         show this help message and exit\n"
    "  -v, --verbose      report every step on stderr\n"
    "  --dry-run          print the plan and change nothing\n"
    "  --json             write one JSON document on stdout instead of the plan and\n"
    "                     summary lines: each object's kind, name, UUID, actions,\n"
    "                     changed paths and error, and the summary counts\n"
    "  --wait SECONDS     retry connecting to the daemon for up to SECONDS\n"
    "  --timeout SECONDS  fail a daemon call that has not been answered after SECONDS;\n"
    "                     the object fails, the others go on (default: none; a dead\n"
    "                     daemon is found by keepalive)\n"
    "  --state-dir DIR    where the record of declared objects is kept (default:\n"
    "                     /var/lib/nixvirt, or $XDG_STATE_HOME/nixvirt for session URIs)\n"
    "  --connect URI      connection URI (e.g. qemu:///system)\n";

/* SIGTERM / SIGINT during an apply: the current object is finished, the
 * record saved, and the run ends (128 + the signal's number). A second
 * signal ends it at once: the record already names every object the run
 * may have defined. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    if (stop_signal) {
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    stop_signal = sig;
}

static void catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

static void print_errors(const nv_errlist *l)
{
    size_t stored = l->n < 1000 ? l->n : 1000;
    for (size_t i = 0; i < stored; i++)
        fprintf(stderr, "nixvirt: %s\n", l->v[i]);
    if (l->n > stored)
        fprintf(stderr, "nixvirt: ... and %zu more\n", l->n - stored);
}

/* What to do when the state directory is not ours to write: a user other
 * than root applying to a system connection, most often. */
static void state_dir_hint(nv_err *e, int state_dir_given)
{
    if (state_dir_given || e->kind != NV_ERR_SYSTEM || (e->code != EACCES && e->code != EPERM && e->code != EROFS))
        return;
    size_t n = strlen(e->msg);
    if (geteuid() != 0 && strstr(e->msg, "/var/lib/nixvirt"))
        snprintf(e->msg + n, sizeof e->msg - n,
                 " (a system connection's record is kept in /var/lib/nixvirt, which only root may write: "
                 "run apply as root, or give --state-dir DIR for a record of your own)");
    else
        snprintf(e->msg + n, sizeof e->msg - n, " (give --state-dir DIR for a directory you can write)");
}

/* What the command line asks for. */
typedef struct apply_args {
    const char *manifest, *connect, *state_dir;
    unsigned wait, timeout;
    int dry, json;
} apply_args;

/* Returns -1 to go on, or the exit code when done (--help, a usage error). */
static int parse_args(int argc, char **argv, apply_args *a)
{
    enum { O_HELP, O_VERBOSE, O_DRY, O_JSON, O_WAIT, O_TIMEOUT, O_STATE, O_CONNECT, O_COUNT };
    struct nv_opt o[O_COUNT] = {
        NV_OPTS_DAEMON,
        [O_DRY] = {.name = "dry-run", .kind = NV_OPT_FLAG},
        [O_STATE] = {.name = "state-dir", .kind = NV_OPT_VALUE},
    };
    const char *pos[1];
    size_t npos = 0;
    char err[512];
    *a = (apply_args){0};
    if (nv_args_parse(argc, argv, o, O_COUNT, pos, 1, &npos, err, sizeof err) < 0) {
        fprintf(stderr, "%snixvirt apply: error: %s\n", usage, err);
        return NV_EXIT_USAGE;
    }
    if (o[O_HELP].count) {
        printf("%s%s", usage, help);
        return NV_EXIT_OK;
    }
    if (nv_cli_missing(err, sizeof err, "--connect", o[O_CONNECT].value, "MANIFEST", npos == 1 ? pos[0] : NULL,
                       (const char *)NULL) ||
        nv_cli_seconds("wait", o[O_WAIT].value, &a->wait, err, sizeof err) < 0 ||
        nv_cli_timeout(o[O_TIMEOUT].value, &a->timeout, err, sizeof err) < 0) {
        fprintf(stderr, "%snixvirt apply: error: %s\n", usage, err);
        return NV_EXIT_USAGE;
    }
    nv_log_verbose = o[O_VERBOSE].count > 0;
    a->dry = o[O_DRY].count > 0;
    a->json = o[O_JSON].count > 0;
    a->manifest = pos[0];
    a->connect = o[O_CONNECT].value;
    a->state_dir = o[O_STATE].value;
    return -1;
}

/* A manifest or definition with errors: they are listed, nothing changes. */
static int manifest_failed(const apply_args *a, nv_manifest *m, nv_errlist *errs)
{
    print_errors(errs);
    fprintf(stderr, "nixvirt: %zu error%s in the manifest or its definitions; nothing was changed\n", errs->n,
            errs->n == 1 ? "" : "s");
    if (a->json) {
        nv_report none = {0};
        nv_cli_render_json(stdout, "apply", a->dry, &none, errs);
    }
    nv_errlist_free(errs);
    nv_manifest_free(m);
    return NV_EXIT_FAIL;
}

/* The record's path (from the connection URI), lock and contents (the
 * early thread's reading when, under the lock, it is still the file). A
 * state directory we cannot use is reported (with what to do) before
 * anything is asked of the daemon but what the early thread read. */
static int open_record(const apply_args *a, nv_early *ea, char *path, size_t n, int *lock, nv_record *record,
                       nv_err *e)
{
    if (nv_cli_record_path(a->connect, a->state_dir, path, n, e) < 0 || (!a->dry && (*lock = nv_record_lock(path, e)) < 0) ||
        (!nv_early_take_record(ea, path, record) && nv_record_load(path, record, e) < 0)) {
        state_dir_hint(e, a->state_dir != NULL);
        nv_cli_report("nixvirt", e);
        return -1;
    }
    return 0;
}

/* The caches next to the record, of readings (engine/speccache.h) and of
 * the manifest's parse (engine/manifestcache.h): empty when the URI or the
 * state directory give none (open_record says why, later). */
typedef struct caches {
    nv_speccache specs;
    char specs_path[4400];
    nv_manifestcache kept;
    char kept_path[4400];
} caches;

static void load_caches(const apply_args *a, caches *k)
{
    nv_err e;
    char record[4352];
    if (nv_cli_record_path(a->connect, a->state_dir, record, sizeof record, &e) < 0 ||
        nv_speccache_path(record, k->specs_path, sizeof k->specs_path, &e) < 0 ||
        nv_manifestcache_path(record, k->kept_path, sizeof k->kept_path, &e) < 0)
        k->specs_path[0] = k->kept_path[0] = '\0';
    if (k->specs_path[0]) {
        nv_speccache_load(&k->specs, k->specs_path, NV_VERSION);
        nv_manifestcache_load(&k->kept, k->kept_path, NV_VERSION);
    } else {
        memset(&k->specs, 0, sizeof k->specs);
        memset(&k->kept, 0, sizeof k->kept);
    }
}

/* A cache's failure to be kept only costs the next run its work. */
static void save_caches(caches *k)
{
    nv_err e;
    if (k->specs_path[0]) {
        (void)nv_speccache_save(&k->specs, k->specs_path, &e);
        (void)nv_manifestcache_save(&k->kept, k->kept_path, &e);
    }
}

static void free_caches(caches *k)
{
    nv_speccache_free(&k->specs);
    nv_manifestcache_free(&k->kept);
}

/* The exit code, with the failures listed and a stop by signal said. */
static int outcome(nv_conn *c, int failures, nv_errlist *errs)
{
    int rc = NV_EXIT_FAIL;
    if (failures && nv_rpc_conn_broken(c->rpc)) {
        nv_err why;
        nv_err_set(&why, NV_ERR_CONNECT, "the connection to the daemon was lost");
        nv_connect_explain(c, &why);
        nv_errlist_add(errs, "%s", why.msg);
    }
    if (failures) {
        print_errors(errs);
        fprintf(stderr, "nixvirt: %d failure%s\n", failures, failures == 1 ? "" : "s");
    } else {
        rc = NV_EXIT_OK;
    }
    if (stop_signal) {
        fprintf(stderr, "nixvirt: stopped by %s after the current step; the record is saved, the rest was not applied\n",
                stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
        rc = 128 + stop_signal;
        nv_errlist_add(errs, "stopped by %s after the current step", stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
    }
    return rc;
}

/* What one run shares once the daemon is reached. */
typedef struct session {
    nv_conn *c;
    nv_warm *warm;
    nv_manifest *m;
    nv_record *record;
    const char *record_path;
    nv_defstore *defs;
    nv_report *rep;
    nv_errlist *errs;
} session;

/* The apply, the record saved after it, what was done printed. Returns the
 * exit code. */
static int run_apply(const apply_args *a, const session *s, nv_err *e)
{
    nv_record_saver saver = {.path = s->record_path, .uri = s->c->uri.text};
    nv_apply_opts ao = {.dry_run = a->dry, .saver = a->dry ? NULL : &saver, .stop = &stop_signal, .defs = s->defs,
                        .warm = s->warm};
    if (!a->dry)
        catch_stop_signals(); /* from here on the record is kept as we go */
    int failures = nv_apply(s->c, s->m, s->record, &ao, s->rep, s->errs);
    if (!a->dry && nv_record_sync(s->record_path, s->c->uri.text, s->record, e) < 0) {
        nv_errlist_add(s->errs, "cannot save the record of declared objects: %s", e->msg);
        failures++;
    } else if (!a->dry) {
        nv_defstore_prune(s->defs, s->record, e);
    }
    if (a->dry && !a->json)
        nv_cli_render_plan(stdout, s->rep);
    if (!a->json)
        nv_cli_render_summary(stdout, "nixvirt", a->dry, s->rep);
    return outcome(s->c, failures, s->errs);
}

/* NIXVIRT_READERS=1 or 2: that many threads read the definitions; else
 * the manifest's size decides (engine/manifest.h). */
static int readers_wanted(void)
{
    const char *env = getenv("NIXVIRT_READERS");
    return env && (strcmp(env, "1") == 0 || strcmp(env, "2") == 0) ? env[0] - '0' : 0;
}

int cmd_apply(int argc, char **argv)
{
    apply_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    nv_status_on = nv_cli_status_wanted();

    /* 1. everything is read and checked before anything can change
     * (definitions read before with the same bytes: checked then), while
     * the daemon is asked what it has (cli/early.h) */
    nv_early ea;
    nv_early_start(&ea, a.connect, a.state_dir, a.timeout, nv_early_wanted(a.manifest));
    nv_manifest m;
    nv_errlist errs = {0};
    caches k;
    load_caches(&a, &k);
    nv_manifest_readers = readers_wanted();
    if (nv_manifest_load_cached(a.manifest, &k.specs, k.kept_path[0] ? &k.kept : NULL, &m, &errs) < 0) {
        nv_early_abandon(&ea);
        free_caches(&k);
        return manifest_failed(&a, &m, &errs);
    }

    rc = NV_EXIT_FAIL;
    nv_err e;
    nv_err_clear(&e);
    nv_record record = {0};
    nv_report rep = {0};
    nv_defstore defs = {.fd = -1};
    char record_path[4352];
    int lock = -1, early_failed = 0;
    nv_conn *c = NULL;
    if (open_record(&a, &ea, record_path, sizeof record_path, &lock, &record, &e) < 0) {
        nv_errlist_add(&errs, "%s", e.msg);
    } else if (!(c = nv_early_take_conn(&ea, a.wait, &early_failed, &e)) &&
               (early_failed || !(c = nv_cli_connect_e("nixvirt", a.connect, a.wait, a.timeout, &e)))) {
        if (early_failed)
            nv_cli_report("nixvirt", &e);
        nv_errlist_add(&errs, "%s", e.msg);
    } else if (nv_defstore_init(&defs, record_path, &e) < 0) {
        nv_cli_report("nixvirt", &e);
        nv_errlist_add(&errs, "%s", e.msg);
    } else {
        rc = run_apply(&a, &(session){c, &ea.warm, &m, &record, record_path, &defs, &rep, &errs}, &e);
        if (!a.dry)
            save_caches(&k);
    }
    if (a.json)
        nv_cli_render_json(stdout, "apply", a.dry, &rep, &errs);
    nv_defstore_close(&defs);
    nv_early_abandon(&ea);
    nv_record_unlock(lock);
    nv_connect_close(c);
    nv_record_free(&record);
    nv_report_free(&rep);
    nv_errlist_free(&errs);
    nv_manifest_free(&m);
    free_caches(&k);
    return rc;
}
