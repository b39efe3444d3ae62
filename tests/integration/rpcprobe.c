/* rpcprobe: drives src/rpc and src/virt against a real daemon, one operation
 * per run, for tests/integration/t_rpc.sh.
 *
 *   rpcprobe [--wait SECONDS] [--readonly] URI OPERATION [ARGS...]
 *
 * Results go to stdout in plain lines (see `rpcprobe --help`); errors print
 * "rpcprobe: libvirt error: <message>" for daemon errors and
 * "rpcprobe: <message>" otherwise, and exit 1. Usage errors exit 2. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpc/connect.h"
#include "rpc/remote_calls.gen.h"
#include "util/uuid.h"
#include "util/file.h"
#include "virt/domain.h"
#include "virt/object.h"
#include "virt/pool.h"
#include "virt/volume.h"

static const char usage[] =
    "usage: rpcprobe [--wait SECONDS] [--readonly] URI OPERATION [ARGS...]\n"
    "connection:  open                      prints the connect-open name, the transport and\n"
    "                                       the authentication used (none, polkit)\n"
    "             hostname | type | lib-version | hv-version | auth-list | auth-polkit\n"
    "KIND is domain, network or pool:\n"
    "             KIND-define FILE [FLAGS]  prints NAME UUID (FLAGS: domains only)\n"
    "             KIND-lookup NAME          prints NAME UUID [ID]\n"
    "             KIND-lookup-uuid UUID     prints NAME UUID [ID]\n"
    "             KIND-xml NAME [inactive]  prints the XML\n"
    "             KIND-create | KIND-destroy | KIND-undefine NAME\n"
    "             KIND-is-active NAME       prints 1 or 0 (also KIND-is-persistent)\n"
    "             KIND-autostart NAME [on|off]   prints 1 or 0 (after setting it)\n"
    "             KIND-list [active]        prints NAME UUID [ID] per object\n"
    "             domain-shutdown NAME [FLAGS]  domain-undefine-flags NAME FLAGS\n"
    "             domain-state NAME         prints STATE REASON, e.g. \"running 1\"\n"
    "             pool-refresh NAME\n"
    "volumes:     vol-create POOL FILE      prints NAME KEY\n"
    "             vol-lookup POOL NAME      prints POOL NAME KEY\n"
    "             vol-xml POOL NAME | vol-delete POOL NAME | vol-list POOL (NAME KEY lines)\n"
    "RPC:         pipeline N [UUID]         N calls in flight at once (hostname, and with a\n"
    "                                       domain UUID lookups of it and of a missing UUID)\n"
    "             hold SECONDS              connect, print \"connected\", wait for a line (or\n"
    "                                       end) on stdin, send one call, print \"sent\", and\n"
    "                                       wait for its reply at most SECONDS\n";

static const char *prog = "rpcprobe";

static int report(const nv_err *e)
{
    if (e->kind == NV_ERR_LIBVIRT)
        fprintf(stderr, "%s: libvirt error: %s\n", prog, e->msg);
    else
        fprintf(stderr, "%s: %s\n", prog, e->msg[0] ? e->msg : "unknown error");
    return 1;
}

static int usage_error(const char *fmt, const char *arg)
{
    fputs(usage, stderr);
    fprintf(stderr, "%s: error: ", prog);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    return 2;
}

/* ---- small helpers -------------------------------------------------------- */

static int parse_uint(const char *s, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 0);
    if (!*s || *end || errno || v > 0xffffffffUL)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static void print_obj(const nv_kind_ops *k, const nv_obj *o)
{
    char u[37];
    nv_uuid_format(o->uuid, u);
    if (k == &nv_domain_ops)
        printf("%s %s %d\n", o->name, u, (int)o->id);
    else
        printf("%s %s\n", o->name, u);
}

static void print_text(const char *s)
{
    size_t n = strlen(s);
    fputs(s, stdout);
    if (n == 0 || s[n - 1] != '\n')
        putchar('\n');
}

static void print_version(uint64_t v)
{
    printf("%llu.%llu.%llu\n", (unsigned long long)(v / 1000000),
           (unsigned long long)(v / 1000 % 1000), (unsigned long long)(v % 1000));
}

static const char *state_name(int s)
{
    static const char *const names[] = {"nostate",  "running", "blocked", "paused",
                                        "shutdown", "shutoff", "crashed", "pmsuspended"};
    return s >= 0 && s < (int)(sizeof names / sizeof names[0]) ? names[s] : "unknown";
}

static char *read_xml(const char *path, nv_err *e)
{
    char *xml = NULL;
    size_t len;
    if (nv_read_file(path, NV_FILE_MAX, &xml, &len, e) < 0)
        return NULL;
    return xml;
}

/* Looks an object up by name; a missing one is an error (the daemon's). */
static int find(nv_conn *c, const nv_kind_ops *k, const char *name, nv_obj *o, nv_err *e)
{
    int r = nv_obj_lookup_name(c, k, name, o, e);
    return r > 0 ? 0 : -1;
}

/* ---- connection-level operations -------------------------------------------- */

static int op_simple(nv_conn *c, const char *op, nv_err *e)
{
    if (strcmp(op, "open") == 0) {
        printf("%s %s %s\n", c->open_name, c->transport.desc, nv_connect_auth_name(c->auth));
        return 0;
    }
    if (strcmp(op, "hostname") == 0) {
        remote_connect_get_hostname_ret r;
        if (nv_remote_connect_get_hostname(c->rpc, &r, e) < 0)
            return -1;
        printf("%s\n", r.hostname);
        nv_proto_free_remote_connect_get_hostname_ret(&r);
        return 0;
    }
    if (strcmp(op, "type") == 0) {
        remote_connect_get_type_ret r;
        if (nv_remote_connect_get_type(c->rpc, &r, e) < 0)
            return -1;
        printf("%s\n", r.type);
        nv_proto_free_remote_connect_get_type_ret(&r);
        return 0;
    }
    if (strcmp(op, "lib-version") == 0) {
        remote_connect_get_lib_version_ret r;
        if (nv_remote_connect_get_lib_version(c->rpc, &r, e) < 0)
            return -1;
        print_version(r.lib_ver);
        return 0;
    }
    if (strcmp(op, "hv-version") == 0) {
        remote_connect_get_version_ret r;
        if (nv_remote_connect_get_version(c->rpc, &r, e) < 0)
            return -1;
        print_version(r.hv_ver);
        return 0;
    }
    if (strcmp(op, "auth-list") == 0) {
        remote_auth_list_ret r;
        if (nv_remote_auth_list(c->rpc, &r, e) < 0)
            return -1;
        for (uint32_t i = 0; i < r.types.types_len; i++)
            printf("%s%s", i ? " " : "", nv_connect_auth_name(r.types.types_val[i]));
        printf("%s\n", r.types.types_len ? "" : "(empty)");
        nv_proto_free_remote_auth_list_ret(&r);
        return 0;
    }
    if (strcmp(op, "auth-polkit") == 0) {
        remote_auth_polkit_ret r;
        if (nv_remote_auth_polkit(c->rpc, &r, e) < 0)
            return -1;
        printf("complete=%d\n", (int)r.complete);
        return 0;
    }
    return 1; /* not ours */
}

/* ---- domains, networks, pools ------------------------------------------------ */

static int op_kind(nv_conn *c, const nv_kind_ops *k, const char *op, int argc, char **argv,
                   nv_err *e)
{
    nv_obj o = {0};
    int rc = -1;
#define NEED(n)                                                                      \
    do {                                                                             \
        if (argc < (n))                                                              \
            return nv_err_set(e, NV_ERR_INPUT, "%s-%s needs %d argument(s)", k->name, \
                              op, (n));                                              \
    } while (0)

    if (strcmp(op, "define") == 0) {
        NEED(1);
        char *xml = read_xml(argv[0], e);
        if (!xml)
            return -1;
        unsigned flags = 0;
        if (argc > 1 && (k != &nv_domain_ops || parse_uint(argv[1], &flags) < 0)) {
            free(xml);
            return nv_err_set(e, NV_ERR_INPUT, "bad flags '%s'", argv[1]);
        }
        if (argc > 1)
            rc = nv_domain_define_flags(c, xml, flags, &o, e);
        else
            rc = k->define(c, xml, &o, e);
        free(xml);
        if (rc == 0) {
            char u[37];
            nv_uuid_format(o.uuid, u);
            printf("%s %s\n", o.name, u);
        }
        goto out;
    }
    if (strcmp(op, "lookup-uuid") == 0) {
        NEED(1);
        uint8_t uuid[16];
        if (nv_uuid_parse(argv[0], uuid) < 0)
            return nv_err_set(e, NV_ERR_INPUT, "not a UUID: '%s'", argv[0]);
        if (nv_obj_lookup_uuid(c, k, uuid, &o, e) <= 0)
            goto out;
        print_obj(k, &o);
        rc = 0;
        goto out;
    }
    if (strcmp(op, "list") == 0) {
        nv_obj_list l = {0};
        unsigned flags = argc > 0 && strcmp(argv[0], "active") == 0 ? k->list_active : 0;
        if (nv_obj_list_all(c, k, flags, &l, e) < 0)
            return -1;
        for (size_t i = 0; i < l.n; i++)
            print_obj(k, &l.v[i]);
        nv_obj_list_free(&l);
        return 0;
    }

    /* The rest act on an object named by the first argument. */
    NEED(1);
    if (find(c, k, argv[0], &o, e) < 0)
        goto out;
    if (strcmp(op, "lookup") == 0) {
        print_obj(k, &o);
        rc = 0;
    } else if (strcmp(op, "xml") == 0) {
        unsigned flags = argc > 1 && strcmp(argv[1], "inactive") == 0 ? k->xml_inactive : 0;
        char *xml = nv_obj_xml(c, k, &o, flags, e);
        if (xml) {
            print_text(xml);
            free(xml);
            rc = 0;
        }
    } else if (strcmp(op, "create") == 0) {
        rc = k->create(c, &o, e);
    } else if (strcmp(op, "destroy") == 0) {
        rc = k->destroy(c, &o, e);
    } else if (strcmp(op, "undefine") == 0) {
        rc = k->undefine(c, &o, e);
    } else if (strcmp(op, "is-active") == 0) {
        int r = nv_obj_is_active(c, k, &o, e);
        if (r >= 0)
            printf("%d\n", r);
        rc = r < 0 ? -1 : 0;
    } else if (strcmp(op, "is-persistent") == 0 && k->is_persistent) {
        int r = k->is_persistent(c, &o, e);
        if (r >= 0)
            printf("%d\n", r);
        rc = r < 0 ? -1 : 0;
    } else if (strcmp(op, "autostart") == 0) {
        if (argc > 1) {
            int on = strcmp(argv[1], "on") == 0;
            if (!on && strcmp(argv[1], "off") != 0) {
                nv_err_set(e, NV_ERR_INPUT, "autostart: on or off, not '%s'", argv[1]);
                goto out;
            }
            if (k->set_autostart(c, &o, on, e) < 0)
                goto out;
        }
        int r = nv_obj_autostart(c, k, &o, e);
        if (r >= 0)
            printf("%d\n", r);
        rc = r < 0 ? -1 : 0;
    } else if (k == &nv_domain_ops && strcmp(op, "shutdown") == 0) {
        unsigned flags = 0;
        if (argc > 1 && parse_uint(argv[1], &flags) < 0) {
            nv_err_set(e, NV_ERR_INPUT, "bad flags '%s'", argv[1]);
            goto out;
        }
        rc = nv_domain_shutdown(c, &o, flags, e);
    } else if (k == &nv_domain_ops && strcmp(op, "undefine-flags") == 0) {
        unsigned flags = 0;
        if (argc < 2 || parse_uint(argv[1], &flags) < 0) {
            nv_err_set(e, NV_ERR_INPUT, "domain-undefine-flags NAME FLAGS");
            goto out;
        }
        rc = nv_domain_undefine_flags(c, &o, flags, e);
    } else if (k == &nv_domain_ops && strcmp(op, "state") == 0) {
        int state, reason;
        rc = nv_domain_get_state(c, &o, &state, &reason, e);
        if (rc == 0)
            printf("%s %d\n", state_name(state), reason);
    } else if (k == &nv_pool_ops && strcmp(op, "refresh") == 0) {
        rc = nv_pool_refresh(c, &o, e);
    } else {
        nv_err_set(e, NV_ERR_INPUT, "unknown operation '%s-%s'", k->name, op);
    }
out:
    nv_obj_clear(&o);
    return rc;
#undef NEED
}

/* ---- volumes ----------------------------------------------------------------- */

static int op_vol(nv_conn *c, const char *op, int argc, char **argv, nv_err *e)
{
    if (argc < 1)
        return nv_err_set(e, NV_ERR_INPUT, "vol-%s needs a pool", op);
    nv_obj pool = {0};
    nv_vol v = {0};
    int rc = -1;
    if (find(c, &nv_pool_ops, argv[0], &pool, e) < 0)
        goto out;
    if (strcmp(op, "list") == 0) {
        nv_vol_list l = {0};
        if (nv_vol_list_all(c, &pool, &l, e) == 0) {
            for (size_t i = 0; i < l.n; i++)
                printf("%s %s\n", l.v[i].name, l.v[i].key);
            nv_vol_list_free(&l);
            rc = 0;
        }
        goto out;
    }
    if (argc < 2) {
        nv_err_set(e, NV_ERR_INPUT, "vol-%s needs a pool and a %s", op,
                   strcmp(op, "create") == 0 ? "file" : "volume name");
        goto out;
    }
    if (strcmp(op, "create") == 0) {
        char *xml = read_xml(argv[1], e);
        if (!xml)
            goto out;
        rc = nv_vol_create(c, &pool, xml, &v, e);
        free(xml);
        if (rc == 0)
            printf("%s %s\n", v.name, v.key);
        goto out;
    }
    int found = nv_vol_lookup(c, &pool, argv[1], &v, e);
    if (found <= 0)
        goto out; /* e has the daemon's "Storage volume not found" */
    if (strcmp(op, "lookup") == 0) {
        printf("%s %s %s\n", v.pool, v.name, v.key);
        rc = 0;
    } else if (strcmp(op, "xml") == 0) {
        char *xml = nv_vol_xml(c, &v, e);
        if (xml) {
            print_text(xml);
            free(xml);
            rc = 0;
        }
    } else if (strcmp(op, "delete") == 0) {
        rc = nv_vol_delete(c, &v, e);
    } else {
        nv_err_set(e, NV_ERR_INPUT, "unknown operation 'vol-%s'", op);
    }
out:
    nv_vol_clear(&v);
    nv_obj_clear(&pool);
    return rc;
}

/* ---- pipelining ---------------------------------------------------------------- */

enum { P_HOST, P_FOUND, P_MISSING };

/* N calls all sent before any reply is collected; then the replies are
 * collected out of order (every other one newest first, the rest as they
 * come) and each is checked against what its call asked. */
static int op_pipeline(nv_conn *c, int argc, char **argv, nv_err *e)
{
    unsigned n;
    if (argc < 1 || parse_uint(argv[0], &n) < 0 || n == 0 || n > 100000)
        return nv_err_set(e, NV_ERR_INPUT, "pipeline N (1..100000)");
    uint8_t uuid[16], missing[16];
    int kinds = 1;
    nv_obj want = {0};
    if (argc > 1) {
        if (nv_uuid_parse(argv[1], uuid) < 0)
            return nv_err_set(e, NV_ERR_INPUT, "not a UUID: '%s'", argv[1]);
        if (nv_obj_lookup_uuid(c, &nv_domain_ops, uuid, &want, e) <= 0)
            return -1;
        kinds = 3;
        memcpy(missing, uuid, 16);
        missing[15] ^= 0xff; /* a UUID the daemon does not know */
        missing[14] ^= 0x5a;
    }
    remote_connect_get_hostname_ret h0;
    if (nv_remote_connect_get_hostname(c->rpc, &h0, e) < 0) {
        nv_obj_clear(&want);
        return -1;
    }

    uint32_t *serial = calloc(n, sizeof *serial);
    int *kind = calloc(n, sizeof *kind);
    char *done = calloc(n, 1);
    int rc = -1;
    unsigned got[3] = {0, 0, 0}, out_of_order = 0;
    if (!serial || !kind || !done) {
        nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
        goto out;
    }
    for (unsigned i = 0; i < n; i++) {
        kind[i] = (int)(i % (unsigned)kinds);
        int r;
        if (kind[i] == P_HOST) {
            r = nv_remote_connect_get_hostname_start(c->rpc, &serial[i], e);
        } else {
            remote_domain_lookup_by_uuid_args a;
            memcpy(a.uuid, kind[i] == P_FOUND ? uuid : missing, 16);
            r = nv_remote_domain_lookup_by_uuid_start(c->rpc, &a, &serial[i], e);
        }
        if (r < 0) {
            nv_err_prefix(e, "sending call %u of %u", i + 1, n);
            goto out;
        }
        if (i > 0 && serial[i] <= serial[i - 1]) {
            nv_err_set(e, NV_ERR_PROTOCOL, "serial %u after %u", serial[i], serial[i - 1]);
            goto out;
        }
    }
    size_t inflight = nv_rpc_conn_inflight(c->rpc);
    if (inflight != n) {
        nv_err_set(e, NV_ERR_PROTOCOL, "%zu calls in flight after sending %u", inflight, n);
        goto out;
    }

    for (unsigned step = 0; step < n; step++) {
        nv_rpc_reply r;
        unsigned i;
        if (step < n / 2) {
            /* odd-numbered calls, newest first */
            unsigned odd = (n / 2) - 1 - step;
            i = 2 * odd + 1;
            if (i >= n || done[i]) {
                nv_err_set(e, NV_ERR_PROTOCOL, "internal: call %u", i);
                goto out;
            }
            if (nv_rpc_wait(c->rpc, serial[i], &r, e) < 0)
                goto out;
            out_of_order++;
        } else {
            if (nv_rpc_wait_any(c->rpc, &r, e) < 0)
                goto out;
            /* serials are consecutive from serial[0] */
            uint32_t off = r.hdr.serial - serial[0];
            if (r.hdr.serial < serial[0] || off >= n || done[off]) {
                nv_err_set(e, NV_ERR_PROTOCOL, "reply with serial %u matches no open call",
                           r.hdr.serial);
                nv_rpc_reply_free(&r);
                goto out;
            }
            i = off;
        }
        done[i] = 1;
        if (r.hdr.serial != serial[i]) {
            nv_err_set(e, NV_ERR_PROTOCOL, "asked for serial %u, got %u", serial[i], r.hdr.serial);
            nv_rpc_reply_free(&r);
            goto out;
        }
        if (kind[i] == P_HOST) {
            remote_connect_get_hostname_ret hr;
            int d = nv_remote_connect_get_hostname_reply(&r, &hr, e);
            nv_rpc_reply_free(&r);
            if (d < 0)
                goto out;
            int same = strcmp(hr.hostname, h0.hostname) == 0;
            if (!same)
                nv_err_set(e, NV_ERR_PROTOCOL, "serial %u: hostname '%s', expected '%s'",
                           serial[i], hr.hostname, h0.hostname);
            nv_proto_free_remote_connect_get_hostname_ret(&hr);
            if (!same)
                goto out;
        } else {
            remote_domain_lookup_by_uuid_ret lr;
            int d = nv_remote_domain_lookup_by_uuid_reply(&r, &lr, e);
            nv_rpc_reply_free(&r);
            if (kind[i] == P_MISSING) {
                if (d == 0) {
                    nv_proto_free_remote_domain_lookup_by_uuid_ret(&lr);
                    nv_err_set(e, NV_ERR_PROTOCOL, "serial %u: a missing UUID was found", serial[i]);
                    goto out;
                }
                if (!nv_virt_not_found(&nv_domain_ops, e)) {
                    nv_err_prefix(e, "serial %u", serial[i]);
                    goto out;
                }
            } else {
                if (d < 0)
                    goto out;
                int same = memcmp(lr.dom.uuid, uuid, 16) == 0 && strcmp(lr.dom.name, want.name) == 0;
                if (!same)
                    nv_err_set(e, NV_ERR_PROTOCOL, "serial %u: got domain '%s'", serial[i],
                               lr.dom.name);
                nv_proto_free_remote_domain_lookup_by_uuid_ret(&lr);
                if (!same)
                    goto out;
            }
        }
        got[kind[i]]++;
    }
    if (nv_rpc_conn_inflight(c->rpc) != 0) {
        nv_err_set(e, NV_ERR_PROTOCOL, "%zu calls still in flight", nv_rpc_conn_inflight(c->rpc));
        goto out;
    }
    printf("pipeline: %u calls in flight, %u replies matched (%u hostname, %u found, %u not found; "
           "%u collected newest first)\n",
           n, got[0] + got[1] + got[2], got[0], got[1], got[2], out_of_order);
    rc = 0;
out:
    nv_proto_free_remote_connect_get_hostname_ret(&h0);
    nv_obj_clear(&want);
    free(serial);
    free(kind);
    free(done);
    return rc;
}

/* ---- holding a call open ----------------------------------------------------------- */

static int op_hold(nv_conn *c, int argc, char **argv, nv_err *e)
{
    unsigned secs;
    if (argc < 1 || parse_uint(argv[0], &secs) < 0 || secs == 0 || secs > 3600)
        return nv_err_set(e, NV_ERR_INPUT, "hold SECONDS (1..3600)");
    printf("connected\n");
    fflush(stdout);
    char line[64];
    if (!fgets(line, sizeof line, stdin) && ferror(stdin))
        return nv_err_sys(e, errno, "reading stdin");
    nv_rpc_conn_set_timeout(c->rpc, (int)secs * 1000);
    uint32_t s;
    if (nv_remote_connect_get_hostname_start(c->rpc, &s, e) < 0)
        return -1;
    printf("sent %u\n", s);
    fflush(stdout);
    remote_connect_get_hostname_ret r;
    if (nv_remote_connect_get_hostname_finish(c->rpc, s, &r, e) < 0)
        return -1;
    printf("%s\n", r.hostname);
    nv_proto_free_remote_connect_get_hostname_ret(&r);
    return 0;
}

/* ---- main -------------------------------------------------------------------------- */

static int dispatch(nv_conn *c, const char *op, int argc, char **argv, nv_err *e)
{
    int r = op_simple(c, op, e);
    if (r <= 0)
        return r;
    static const struct {
        const char *prefix;
        const nv_kind_ops *k;
    } kinds[] = {{"domain-", &nv_domain_ops}, {"network-", &nv_network_ops}, {"pool-", &nv_pool_ops}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        size_t n = strlen(kinds[i].prefix);
        if (strncmp(op, kinds[i].prefix, n) == 0)
            return op_kind(c, kinds[i].k, op + n, argc, argv, e);
    }
    if (strncmp(op, "vol-", 4) == 0)
        return op_vol(c, op + 4, argc, argv, e);
    if (strcmp(op, "pipeline") == 0)
        return op_pipeline(c, argc, argv, e);
    if (strcmp(op, "hold") == 0)
        return op_hold(c, argc, argv, e);
    return nv_err_set(e, NV_ERR_INPUT, "unknown operation '%s' (see --help)", op);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN); /* as nixvirt's main does */
    nv_connect_opts o = {0};
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(argv[i], "--readonly") == 0) {
            o.readonly = 1;
        } else if (strcmp(argv[i], "--wait") == 0 && i + 1 < argc) {
            if (parse_uint(argv[++i], &o.wait_seconds) < 0)
                return usage_error("bad --wait value '%s'", argv[i]);
        } else {
            return usage_error("unknown option '%s'", argv[i]);
        }
    }
    if (argc - i < 2)
        return usage_error("%s", "need a URI and an operation");
    const char *uri = argv[i], *op = argv[i + 1];
    nv_err e;
    nv_err_clear(&e);
    nv_conn *c = nv_connect_open(*uri ? uri : NULL, &o, &e);
    if (!c)
        return report(&e);
    nv_err_clear(&e);
    int rc = dispatch(c, op, argc - i - 2, argv + i + 2, &e);
    if (rc < 0 && nv_rpc_conn_broken(c->rpc))
        nv_connect_explain(c, &e);
    if (fflush(stdout) != 0 && rc == 0)
        rc = nv_err_sys(&e, errno, "writing stdout");
    nv_connect_close(c);
    return rc < 0 ? report(&e) : 0;
}
