/* A scripted test daemon: plays a script of replies to the calls a client
 * makes, on a unix socket (nv_connect_open works against it) or a
 * socketpair, in a thread. The handshake (AUTH_LIST, CONNECT_SUPPORTS_FEATURE
 * for keepalive, CONNECT_OPEN, CONNECT_CLOSE) is answered by itself and is
 * not part of the script; keepalive PINGs get PONGs unless a step says not.
 * Every other call must be the next step's procedure; each step says how
 * to answer it. Used to drive failure paths the real daemon cannot be made
 * to take on demand (a destroy that fails, a daemon that stops answering). */
#ifndef NV_TEST_SDAEMON_H
#define NV_TEST_SDAEMON_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

enum sd_act {
    SD_OK,      /* reply with enc(ret) (NULL enc: empty body) after `ms` */
    SD_ERROR,   /* reply with a libvirt error (code, msg) */
    SD_SILENT,  /* never reply (pings are still answered unless no_pong) */
    SD_TRICKLE, /* send a long reply one byte every `ms` */
    SD_FLOOD,   /* send an event every `ms`, never the reply */
    SD_CLOSE,   /* close the connection (a listening daemon accepts the next) */
};

typedef struct sd_step {
    int32_t proc; /* REMOTE_PROC_* expected */
    enum sd_act act;
    int (*enc)(nv_buf *, const void *);
    const void *ret;
    int code;        /* SD_ERROR: virErrorNumber */
    const char *msg; /* SD_ERROR: the message */
    int ms;
    int no_pong;     /* from this step on, do not answer the client's pings */
} sd_step;

/* Steps: reply with enc(v), reply with an empty body, reply with an error. */
#define STEP_OK(p, f, v) {.proc = (p), .act = SD_OK, .enc = (f), .ret = (v)}
#define STEP_EMPTY(p) {.proc = (p), .act = SD_OK}
#define STEP_ERR(p, c, m) {.proc = (p), .act = SD_ERROR, .code = (c), .msg = (m)}

typedef struct sdaemon sdaemon;

enum {
    SD_NO_KEEPALIVE = 1, /* CONNECT_SUPPORTS_FEATURE says keepalive is unsupported */
    SD_PING_FIRST = 2,   /* send the client a PING first thing on each connection */
};

/* Listens on a fresh unix socket; sd_uri names it. */
sdaemon *sd_listen(const sd_step *steps, size_t n, int flags);
/* Serves one end of a socketpair; *client_fd gets the other. */
sdaemon *sd_pair(const sd_step *steps, size_t n, int flags, int *client_fd);
const char *sd_uri(const sdaemon *d);
/* Stops the thread and closes its sockets. Returns the number of problems:
 * calls that did not match the script, and steps never reached. */
int sd_stop(sdaemon *d);
void sd_free(sdaemon *d);
/* Counters for tests (read after sd_stop). */
size_t sd_pings_received(const sdaemon *d);
size_t sd_pongs_received(const sdaemon *d);
size_t sd_connections(const sdaemon *d);
/* The last problem, for messages. */
const char *sd_problem(const sdaemon *d);

#endif
