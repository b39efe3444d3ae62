#include "cli/early.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/common.h"
#include "util/hmap.h"
#include "util/sha256.h"
#include "util/time.h"

/* The socket is open, the handshake not yet done: keep a way to end it. */
static void opened(int fd, void *ctx)
{
    nv_early *ea = ctx;
    pthread_mutex_lock(&ea->mu);
    if (atomic_load(&ea->stop))
        shutdown(fd, SHUT_RDWR);
    else
        ea->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    pthread_mutex_unlock(&ea->mu);
}

static int load_record(nv_early *ea)
{
    nv_err e;
    if (nv_cli_record_path(ea->uri, ea->state_dir, ea->record_path, sizeof ea->record_path, &e) < 0 ||
        nv_record_load(ea->record_path, &ea->record, &e) < 0) {
        nv_record_free(&ea->record);
        return -1;
    }
    ea->have_record = 1;
    return 0;
}

static void *run(void *arg)
{
    nv_early *ea = arg;
    /* connect first and send the lists: the record is read while the
     * daemon makes them */
    nv_err e;
    nv_connect_opts o = {.timeout_seconds = ea->timeout_seconds, .socket_only = 1, .opened = opened,
                         .opened_ctx = ea};
    nv_conn *c = atomic_load(&ea->stop) ? NULL : nv_connect_open(ea->uri, &o, &e);
    pthread_mutex_lock(&ea->mu);
    if (!c && ea->fd >= 0 && !atomic_load(&ea->stop)) {
        ea->conn_err = e;
        ea->conn_failed = 1;
    }
    pthread_mutex_unlock(&ea->mu);
    if (c) {
        nv_warm_send_lists(c, &ea->warm);
        int have = load_record(ea) == 0;
        nv_warm_run(c, have ? &ea->record : NULL, &ea->warm, &ea->stop);
        ea->c = c;
    }
    pthread_mutex_lock(&ea->mu);
    if (ea->fd >= 0)
        close(ea->fd);
    ea->fd = -1;
    pthread_mutex_unlock(&ea->mu);
    ea->done_ms = nv_time_now_ms();
    return NULL;
}

int nv_early_wanted(const char *manifest)
{
    const char *env = getenv("NIXVIRT_EARLY");
    if (env && strcmp(env, "1") == 0)
        return 1;
    if (env && strcmp(env, "0") == 0)
        return 0;
    struct stat st;
    return stat(manifest, &st) == 0 && (long long)st.st_size >= NV_EARLY_MIN_MANIFEST;
}

void nv_early_start(nv_early *ea, const char *uri, const char *state_dir, unsigned timeout_seconds, int wanted)
{
    memset(ea, 0, sizeof *ea);
    ea->uri = uri;
    ea->state_dir = state_dir;
    ea->timeout_seconds = timeout_seconds;
    ea->fd = -1;
    atomic_init(&ea->stop, 0);
    if (!wanted || pthread_mutex_init(&ea->mu, NULL) != 0)
        return;
    /* set up before two threads use them */
    nv_hash_init();
    nv_sha256_detect();
    pthread_attr_t at;
    if (pthread_attr_init(&at) != 0)
        return;
    /* musl's default is 128 KiB; the connect path keeps a few paths and messages on it */
    pthread_attr_setstacksize(&at, (size_t)1 << 20);
    ea->running = pthread_create(&ea->thread, &at, run, ea) == 0;
    pthread_attr_destroy(&at);
}

void nv_early_join(nv_early *ea)
{
    if (!ea->running)
        return;
    pthread_join(ea->thread, NULL);
    ea->running = 0;
}

void nv_early_abandon(nv_early *ea)
{
    if (ea->running) {
        pthread_mutex_lock(&ea->mu);
        atomic_store(&ea->stop, 1);
        if (ea->fd >= 0)
            shutdown(ea->fd, SHUT_RDWR);
        pthread_mutex_unlock(&ea->mu);
    }
    nv_early_join(ea);
    nv_early_free(ea);
}

nv_conn *nv_early_take_conn(nv_early *ea, unsigned wait_seconds, int *failed, nv_err *e)
{
    nv_early_join(ea);
    *failed = ea->conn_failed;
    if (ea->conn_failed)
        *e = ea->conn_err;
    nv_conn *c = ea->c;
    ea->c = NULL;
    if (c && (nv_rpc_conn_broken(c->rpc) || nv_time_now_ms() - ea->done_ms > NV_EARLY_FRESH_MS)) {
        nv_connect_close(c);
        c = NULL;
    }
    if (!c) {
        nv_warm_free(&ea->warm);
        return NULL;
    }
    /* from now on it is the apply's: a reconnect waits and may start a daemon */
    c->socket_only = 0;
    c->opened = NULL;
    c->opened_ctx = NULL;
    c->wait_seconds = wait_seconds;
    return c;
}

int nv_early_take_record(nv_early *ea, const char *path, nv_record *out)
{
    nv_early_join(ea);
    if (!ea->have_record || strcmp(ea->record_path, path) != 0 || !nv_record_still(path, &ea->record)) {
        nv_warm_free(&ea->warm);
        return 0;
    }
    *out = ea->record;
    memset(&ea->record, 0, sizeof ea->record);
    ea->have_record = 0;
    return 1;
}

void nv_early_free(nv_early *ea)
{
    nv_early_join(ea);
    if (ea->have_record)
        nv_record_free(&ea->record);
    ea->have_record = 0;
    nv_connect_close(ea->c);
    ea->c = NULL;
    nv_warm_free(&ea->warm);
    if (ea->fd >= 0)
        close(ea->fd);
    ea->fd = -1;
}
