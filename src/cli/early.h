/* The connection `nixvirt apply` opens while it reads the manifest and its
 * definitions, in a second thread: the record is read (without its lock:
 * it is replaced by rename, so it reads whole), a local socket connected,
 * and the daemon asked for every object's state and each recorded object's
 * XML (engine/warm.h). Reading 10,000 definitions and the daemon making
 * 10,000 XML documents then take the time of the longer one, not of both.
 *
 * Read-only and speculative: nothing is changed, nothing printed, nothing
 * waited for (no --wait, no session daemon started, no ssh). Whatever it
 * could not do, the apply does as before once the manifest is read; the
 * record is used only when, under the lock, it is still the same file, the
 * connection only when it finished less than NV_EARLY_FRESH_MS ago. A
 * manifest that fails ends it at once (nv_early_abandon shuts the socket
 * down, so a hung daemon cannot hold the error back). */
#ifndef NV_CLI_EARLY_H
#define NV_CLI_EARLY_H

#include <pthread.h>
#include <stdatomic.h>

#include "engine/record.h"
#include "engine/warm.h"
#include "rpc/connect.h"

/* The daemon pings an idle connection every 5 s and gives up on it after
 * 30 s; the apply's reconnecting is for calls, not for the prefetch. */
#define NV_EARLY_FRESH_MS 5000

/* Below this manifest size (~300 objects) the thread does not pay: a
 * second thread makes every malloc take a lock and the connection waits
 * for the thread to be scheduled, ~0.5 ms, while the reading it hides is
 * short. Measured no-op applies, thread vs none (medians of 40, interleaved):
 * N = 10 8.7 vs 8.0 ms, N = 100 17.9 vs 17.4, N = 1000 105.6 vs 108.9,
 * N = 10000 765 vs 909 (medians of 10): the gain passes the cost at
 * ~200 objects. */
#define NV_EARLY_MIN_MANIFEST ((long long)32 * 1024)

/* Whether apply should start the thread for this manifest: the environment's
 * NIXVIRT_EARLY=1 (always) or 0 (never), else when the manifest is at least
 * NV_EARLY_MIN_MANIFEST bytes. */
int nv_early_wanted(const char *manifest);

typedef struct nv_early {
    /* what it was started with */
    const char *uri, *state_dir;
    unsigned timeout_seconds;
    /* what it made, once joined (each NULL / unset when it could not) */
    int have_record;
    char record_path[4352];
    nv_record record;
    nv_conn *c;
    nv_err conn_err;   /* why c is NULL, when the socket took the connection and the handshake
                        * then failed (a frozen daemon): asking again would only wait as long */
    int conn_failed;
    nv_warm warm;
    long long done_ms; /* monotonic time it finished */
    /* between the threads */
    pthread_t thread;
    int running;
    pthread_mutex_t mu;
    int fd;            /* a duplicate of the socket while the thread uses it, or -1 */
    atomic_int stop;
} nv_early;

/* Starts it when wanted (nv_early_wanted) and a thread can be made; else
 * nothing runs and the apply reads the record and connects as before. The
 * strings must live until nv_early_free. */
void nv_early_start(nv_early *ea, const char *uri, const char *state_dir, unsigned timeout_seconds, int wanted);
/* Waits for it to finish. */
void nv_early_join(nv_early *ea);
/* Ends it as soon as it can (the socket shut down), waits, frees all. */
void nv_early_abandon(nv_early *ea);
/* The connection, when there is one and it is fresh: the caller owns it
 * (it reconnects as the apply's own would, with wait_seconds); else NULL
 * and whatever was fetched on it is dropped. NULL with *failed set (and e
 * why) when connecting failed after the daemon took the connection: that
 * is the apply's connection error; otherwise the caller connects itself. */
nv_conn *nv_early_take_conn(nv_early *ea, unsigned wait_seconds, int *failed, nv_err *e);
/* The record read early, when path is the record's path and still the file
 * read: moved to *out (1). Else 0 and the warm-up is dropped too (it was
 * asked for that record's objects). */
int nv_early_take_record(nv_early *ea, const char *path, nv_record *out);
/* Frees whatever was not taken. */
void nv_early_free(nv_early *ea);

#endif
