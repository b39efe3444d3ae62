#include "engine/manifest.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/speccache.h"
#include "util/file.h"
#include "util/grow.h"
#include "util/hex.h"
#include "util/hmap.h"
#include "util/seconds.h"
#include "util/sha256.h"
#include "xml/doc.h"

static const char *const kind_lists[NV_KIND_COUNT] = {"domains", "networks", "pools"};
static const char *const kind_items[NV_KIND_COUNT] = {"domain", "network", "pool"};

const char *nv_purge_name(enum nv_purge p)
{
    return p == NV_PURGE_UNDECLARED ? "undeclared" : p == NV_PURGE_MANAGED ? "managed" : "none";
}

static int in_list(const char *name, const char *const *allowed)
{
    for (; *allowed; allowed++)
        if (strcmp(name, *allowed) == 0)
            return 1;
    return 0;
}

/* Unknown attributes are errors: a typo must not be silently ignored. */
static void check_attrs(const char *file, const nv_xml_node *el, const char *const *allowed, nv_errlist *errs)
{
    for (size_t i = 0; i < el->nattrs; i++)
        if (!in_list(el->attrs[i].name, allowed))
            nv_errlist_add(errs, "%s:%lu: unknown attribute '%s' on <%s>", file, el->line, el->attrs[i].name,
                           el->name);
}

/* Text other than whitespace between manifest elements is a mistake. */
static void check_no_text(const char *file, const nv_xml_node *el, nv_errlist *errs)
{
    for (const nv_xml_node *c = el->first; c; c = c->next) {
        if (c->type != NV_XML_TEXT)
            continue;
        for (const char *p = c->text; *p; p++)
            if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
                nv_errlist_add(errs, "%s:%lu: unexpected text inside <%s>", file, c->line ? c->line : el->line,
                               el->name);
                return;
            }
    }
}

static int parse_bool(const char *file, const nv_xml_node *el, const char *attr, int *out, nv_errlist *errs)
{
    const char *v = nv_xml_attr(el, attr);
    if (!v)
        return 0;
    if (strcmp(v, "true") == 0)
        *out = 1;
    else if (strcmp(v, "false") == 0)
        *out = 0;
    else {
        nv_errlist_add(errs, "%s:%lu: %s=\"%s\" on <%s>: expected true or false", file, el->line, attr, v, el->name);
        return -1;
    }
    return 1;
}

/* sha256="<64 lowercase hex digits>": what the definition file's bytes
 * hash to (a Nix-made manifest knows it at evaluation). 1 with out set, 0
 * when absent, -1 when malformed (reported). */
static int parse_sha256(const char *file, const nv_xml_node *el, uint8_t out[32], nv_errlist *errs)
{
    const char *v = nv_xml_attr(el, "sha256");
    if (!v)
        return 0;
    if (!nv_xml_attr(el, "definition")) {
        nv_errlist_add(errs, "%s:%lu: sha256= on <%s> without a definition", file, el->line, el->name);
        return -1;
    }
    if (nv_hex_digest_parse(v, out) < 0) {
        nv_errlist_add(errs, "%s:%lu: sha256=\"%.80s\" on <%s>: expected 64 lowercase hexadecimal digits", file,
                       el->line, v, el->name);
        return -1;
    }
    return 1;
}

/* A definition's own problem, with the manifest line that names it (a file
 * that cannot be read has no line of its own). */
static void add_spec_error(nv_errlist *errs, const char *file, const nv_xml_node *el, const char *msg)
{
    nv_errlist_add(errs, "%s:%lu: <%s> definition: %s", file, el->line, el->name, msg);
}

static void parse_volume(const char *file, const nv_xml_node *el, nv_manifest_vol *v, nv_errlist *errs)
{
    static const char *const attrs[] = {"definition", "sha256", "name", "present", NULL};
    check_attrs(file, el, attrs, errs);
    check_no_text(file, el, errs);
    if (el->first && nv_xml_child(el, NULL))
        nv_errlist_add(errs, "%s:%lu: <volume> has no child elements", file, el->line);
    v->line = el->line;
    v->present = 1;
    /* a bad present= is one error, not also a missing definition */
    int bad_present = parse_bool(file, el, "present", &v->present, errs) < 0;
    const char *def = nv_xml_attr(el, "definition");
    const char *name = nv_xml_attr(el, "name");
    uint8_t want[32] = {0};
    int sealed = parse_sha256(file, el, want, errs);
    if (def && sealed >= 0) {
        nv_err e;
        nv_err_clear(&e);
        nv_spec_cache_use u;
        if (nv_spec_read_shared(&v->spec, NV_SPEC_VOLUME, def, NULL, NULL, sealed ? want : NULL, &u, &e) < 0) {
            add_spec_error(errs, file, el, e.msg);
        } else {
            v->has_spec = 1;
            if (name && strcmp(name, v->spec.name) != 0)
                nv_errlist_add(errs, "%s:%lu: volume name '%s' differs from the name '%s' in %s", file, el->line,
                               name, v->spec.name, def);
        }
    } else if (!name) {
        nv_errlist_add(errs, "%s:%lu: <volume> needs a definition or a name", file, el->line);
    } else if (v->present && !bad_present) {
        nv_errlist_add(errs, "%s:%lu: volume '%s': present=\"true\" needs a definition to create it from", file,
                       el->line, name);
    }
    if (name && !*name)
        nv_errlist_add(errs, "%s:%lu: <volume> has an empty name", file, el->line);
    const char *n = name ? name : v->has_spec ? v->spec.name : NULL;
    if (n)
        v->name = strdup(n);
}

static enum nv_restart parse_restart(const char *file, const nv_xml_node *el, nv_errlist *errs)
{
    const char *r = nv_xml_attr(el, "restart");
    if (!r || strcmp(r, "ifchanged") == 0)
        return NV_RESTART_IFCHANGED;
    if (strcmp(r, "always") == 0)
        return NV_RESTART_ALWAYS;
    if (strcmp(r, "never") == 0)
        return NV_RESTART_NEVER;
    if (strcmp(r, "live") == 0)
        return NV_RESTART_LIVE;
    nv_errlist_add(errs, "%s:%lu: restart=\"%s\": expected always, never, ifchanged or live", file, el->line, r);
    return NV_RESTART_IFCHANGED;
}

/* A pool's <volume> children (other kinds have no children). -1: out of
 * memory. */
static int parse_volumes(const char *file, enum nv_kind kind, const nv_xml_node *el, nv_manifest_obj *o,
                          nv_errlist *errs)
{
    size_t nvol = 0;
    for (const nv_xml_node *c = nv_xml_child(el, NULL); c; c = nv_xml_next(c, NULL)) {
        if (kind == NV_KIND_POOL && strcmp(c->name, "volume") == 0)
            nvol++;
        else
            nv_errlist_add(errs, "%s:%lu: unexpected <%s> inside <%s>", file, c->line, c->name, el->name);
    }
    if (!nvol)
        return 0;
    o->vols = calloc(nvol, sizeof *o->vols);
    if (!o->vols) {
        nv_errlist_add(errs, "out of memory");
        return -1;
    }
    for (const nv_xml_node *c = nv_xml_child(el, "volume"); c; c = nv_xml_next(c, "volume"))
        parse_volume(file, c, &o->vols[o->nvols++], errs);
    return 0;
}

/* definition="PATH": read after the whole manifest is parsed, on as many
 * threads as pay (read_all), each reading into its object's spec. Its
 * error goes where reading it in place would have put it: `at` is the
 * number of errors before it, a list's duplicate check likewise. */
typedef struct slot {
    size_t at;   /* errors before it */
    int kind;    /* a list's duplicate check: its kind; -1: a reading */
    size_t job;  /* a reading: its job */
} slot;

typedef struct rjob {
    const nv_xml_node *el;
    nv_spec *dst;
    enum nv_spec_kind kind;
    int sealed;  /* the manifest gave the bytes' digest: */
    uint8_t want[32];
    char *err;   /* what went wrong, or NULL */
    int oom;     /* ... and the message could not be kept */
    nv_spec_cache_use use;
} rjob;

typedef struct reading {
    nv_speccache *cache; /* may be NULL; only looked up while threads read */
    rjob *jobs;
    size_t n, cap;
    slot *slots;
    size_t nslots, slots_cap;
    const nv_manifest_kind *lists[NV_KIND_COUNT];
    atomic_size_t next; /* the next job no thread has taken */
} reading;

static int add_slot(reading *rd, size_t at, int kind, size_t job)
{
    if (rd->nslots == rd->slots_cap) {
        slot *v = nv_grow(rd->slots, &rd->slots_cap, sizeof *v, 64);
        if (!v)
            return -1;
        rd->slots = v;
    }
    rd->slots[rd->nslots++] = (slot){.at = at, .kind = kind, .job = job};
    return 0;
}

/* sealed: parse_sha256's answer, want its digest. */
static void read_definition(const char *file, enum nv_kind kind, const nv_xml_node *el, nv_manifest_obj *o,
                            int sealed, const uint8_t want[32], reading *rd, nv_errlist *errs)
{
    if (!nv_xml_attr(el, "definition")) {
        if (sealed == 0)
            nv_errlist_add(errs, "%s:%lu: <%s> needs a definition attribute", file, el->line, el->name);
        return;
    }
    if (sealed < 0)
        return;
    if (rd->n == rd->cap) {
        rjob *v = nv_grow(rd->jobs, &rd->cap, sizeof *v, 64);
        if (!v) {
            nv_errlist_add(errs, "out of memory");
            return;
        }
        rd->jobs = v;
    }
    if (add_slot(rd, errs->n, -1, rd->n) < 0) {
        nv_errlist_add(errs, "out of memory");
        return;
    }
    /* held as text until applied; pools keep the tree, which tells the
     * compare which daemon-filled fields the definition sets */
    rd->jobs[rd->n++] = (rjob){
        .el = el,
        .dst = &o->spec, /* spec.file stays NULL unless it is read */
        .kind = kind == NV_KIND_DOMAIN ? NV_SPEC_DOMAIN : kind == NV_KIND_NETWORK ? NV_SPEC_NETWORK : NV_SPEC_POOL,
        .sealed = sealed,
    };
    memcpy(rd->jobs[rd->n - 1].want, want, 32);
}

static void parse_object(const char *file, enum nv_kind kind, const nv_xml_node *el, nv_manifest_obj *o,
                         reading *rd, nv_errlist *errs)
{
    static const char *const dom_attrs[] = {"definition", "sha256", "active", "restart", "shutdown-timeout", NULL};
    static const char *const other_attrs[] = {"definition", "sha256", "active", "restart", NULL};
    check_attrs(file, el, kind == NV_KIND_DOMAIN ? dom_attrs : other_attrs, errs);
    check_no_text(file, el, errs);
    o->line = el->line;
    o->state = NV_STATE_KEEP;
    int active;
    if (parse_bool(file, el, "active", &active, errs) == 1)
        o->state = active ? NV_STATE_ACTIVE : NV_STATE_INACTIVE;
    o->restart = parse_restart(file, el, errs);
    const char *t = nv_xml_attr(el, "shutdown-timeout");
    if (t && nv_parse_seconds(t, &o->shutdown_timeout) < 0)
        nv_errlist_add(errs, "%s:%lu: shutdown-timeout=\"%s\": expected a number of seconds", file, el->line, t);
    uint8_t want[32] = {0};
    int sealed = parse_sha256(file, el, want, errs);
    if (parse_volumes(file, kind, el, o, errs) == 0)
        read_definition(file, kind, el, o, sealed, want, rd, errs);
}

static int same_uuid(const void *ctx, size_t pos, const void *key)
{
    return memcmp(((const nv_manifest_obj *)ctx)[pos].spec.uuid, key, 16) == 0;
}

static int same_name(const void *ctx, size_t pos, const void *key)
{
    return strcmp(((const nv_manifest_obj *)ctx)[pos].spec.name, key) == 0;
}

static int same_vol(const void *ctx, size_t pos, const void *key)
{
    return strcmp(((const nv_manifest_vol *)ctx)[pos].name, key) == 0;
}

/* Two declarations of one UUID or one name within a kind cannot both win.
 * Hash maps of UUIDs and names: linear in the number of declarations. */
static void check_duplicates(const char *file, enum nv_kind kind, const nv_manifest_kind *mk, nv_errlist *errs)
{
    nv_hmap uuids = {0}, names = {0}, vols = {0};
    nv_err e;
    if (nv_hmap_reserve(&uuids, mk->n, &e) < 0 || nv_hmap_reserve(&names, mk->n, &e) < 0)
        nv_errlist_add(errs, "out of memory");
    for (size_t i = 0; i < mk->n; i++) {
        const nv_spec *a = &mk->objs[i].spec;
        if (a->file) {
            uint64_t hu = nv_hash(a->uuid, 16), hn = nv_hash(a->name, strlen(a->name));
            size_t j = nv_hmap_find(&uuids, hu, same_uuid, mk->objs, a->uuid);
            size_t k = j == NV_HMAP_NONE ? nv_hmap_find(&names, hn, same_name, mk->objs, a->name) : NV_HMAP_NONE;
            if (j != NV_HMAP_NONE)
                nv_errlist_add(errs, "%s:%lu: %s UUID %s is declared twice (%s and %s)", file, mk->objs[i].line,
                               kind_items[kind], a->uuid_str, mk->objs[j].spec.file, a->file);
            else if (k != NV_HMAP_NONE)
                nv_errlist_add(errs, "%s:%lu: %s name '%s' is declared twice (%s and %s)", file, mk->objs[i].line,
                               kind_items[kind], a->name, mk->objs[k].spec.file, a->file);
            else if (nv_hmap_put(&uuids, hu, i, &e) < 0 || nv_hmap_put(&names, hn, i, &e) < 0) {
                nv_errlist_add(errs, "out of memory");
                break;
            }
        }
        const nv_manifest_obj *o = &mk->objs[i];
        for (size_t v = 0; v < o->nvols; v++) {
            const char *vn = o->vols[v].name;
            if (!vn)
                continue;
            uint64_t h = nv_hash(vn, strlen(vn));
            if (nv_hmap_find(&vols, h, same_vol, o->vols, vn) != NV_HMAP_NONE)
                nv_errlist_add(errs, "%s:%lu: volume '%s' is listed twice in pool %s", file, o->vols[v].line, vn,
                               a->file ? a->name : "?");
            else if (nv_hmap_put(&vols, h, v, &e) < 0)
                nv_errlist_add(errs, "out of memory");
        }
        nv_hmap_free(&vols);
    }
    nv_hmap_free(&uuids);
    nv_hmap_free(&names);
}

/* purge="..." of a kind's list (NixVirt's behaviour without it). */
static enum nv_purge parse_purge(const char *path, const nv_xml_node *list, nv_errlist *errs)
{
    const char *purge = nv_xml_attr(list, "purge");
    if (!purge || strcmp(purge, "undeclared") == 0)
        return NV_PURGE_UNDECLARED;
    if (strcmp(purge, "managed") == 0)
        return NV_PURGE_MANAGED;
    if (strcmp(purge, "none") == 0)
        return NV_PURGE_NONE;
    nv_errlist_add(errs, "%s:%lu: purge=\"%s\": expected undeclared, managed or none", path, list->line, purge);
    return NV_PURGE_UNDECLARED;
}

/* One kind's list: <networks>, <pools> or <domains>, and its objects. */
static void parse_list(const char *path, const nv_xml_node *list, nv_manifest *m, reading *rd,
                       nv_errlist *errs)
{
    int kind = -1;
    for (int k = 0; k < NV_KIND_COUNT; k++)
        if (strcmp(list->name, kind_lists[k]) == 0)
            kind = k;
    if (kind < 0) {
        nv_errlist_add(errs, "%s:%lu: unknown element <%s> (expected <networks>, <pools> or <domains>)", path,
                       list->line, list->name);
        return;
    }
    nv_manifest_kind *mk = &m->kinds[kind];
    if (mk->managed) {
        nv_errlist_add(errs, "%s:%lu: <%s> appears twice", path, list->line, list->name);
        return;
    }
    mk->managed = 1;
    static const char *const list_attrs[] = {"purge", NULL};
    check_attrs(path, list, list_attrs, errs);
    check_no_text(path, list, errs);
    mk->purge = parse_purge(path, list, errs);
    size_t n = 0;
    for (const nv_xml_node *c = nv_xml_child(list, NULL); c; c = nv_xml_next(c, NULL)) {
        if (strcmp(c->name, kind_items[kind]) == 0)
            n++;
        else
            nv_errlist_add(errs, "%s:%lu: unexpected <%s> inside <%s> (expected <%s>)", path, c->line, c->name,
                           list->name, kind_items[kind]);
    }
    mk->objs = calloc(n ? n : 1, sizeof *mk->objs);
    if (!mk->objs) {
        nv_errlist_add(errs, "out of memory");
        return;
    }
    for (const nv_xml_node *c = nv_xml_child(list, kind_items[kind]); c; c = nv_xml_next(c, kind_items[kind]))
        parse_object(path, (enum nv_kind)kind, c, &mk->objs[mk->n++], rd, errs);
    /* checked once the definitions are read (they give the UUIDs and names) */
    rd->lists[kind] = mk;
    if (add_slot(rd, errs->n, kind, 0) < 0)
        nv_errlist_add(errs, "out of memory");
}

/* <nixvirt version="1">. 0, or -1 when it is not a manifest at all. */
static int check_root(const char *path, const nv_xml_node *root, nv_errlist *errs)
{
    if (strcmp(root->name, "nixvirt") != 0) {
        nv_errlist_add(errs, "%s:%lu: expected <nixvirt> as the root element, found <%s>", path, root->line,
                       root->name);
        return -1;
    }
    static const char *const root_attrs[] = {"version", NULL};
    check_attrs(path, root, root_attrs, errs);
    check_no_text(path, root, errs);
    const char *version = nv_xml_attr(root, "version");
    if (!version)
        nv_errlist_add(errs, "%s:%lu: <nixvirt> needs version=\"1\"", path, root->line);
    else if (strcmp(version, "1") != 0)
        nv_errlist_add(errs, "%s:%lu: manifest version \"%s\" is not supported (this nixvirt reads version 1)",
                       path, root->line, version);
    return 0;
}

int nv_manifest_parse(const char *path, const char *data, size_t len, nv_manifest *m, nv_errlist *errs)
{
    return nv_manifest_parse_cached(path, data, len, NULL, m, errs);
}

/* ---- reading the definitions --------------------------------------------- */

int nv_manifest_readers;

/* Jobs a thread takes at a time: few enough that both threads end
 * together, enough that taking them costs nothing. */
#define READ_CHUNK 16

static void read_jobs(reading *rd, nv_dir *dir)
{
    for (;;) {
        size_t i = atomic_fetch_add_explicit(&rd->next, READ_CHUNK, memory_order_relaxed);
        if (i >= rd->n)
            return;
        size_t end = rd->n - i < READ_CHUNK ? rd->n : i + READ_CHUNK;
        for (; i < end; i++) {
            rjob *j = &rd->jobs[i];
            nv_err e;
            nv_err_clear(&e);
            if (nv_spec_read_shared(j->dst, j->kind, nv_xml_attr(j->el, "definition"), rd->cache, dir,
                                    j->sealed ? j->want : NULL, &j->use, &e) < 0 &&
                !(j->err = strdup(e.msg)))
                j->oom = 1;
        }
    }
}

static void *reader_thread(void *arg)
{
    nv_dir dir = NV_DIR_INIT;
    read_jobs(arg, &dir);
    nv_dir_close(&dir);
    nv_spec_thread_done();
    nv_xml_thread_done();
    return NULL;
}

/* Threads that pay for n definitions: a second from NV_MANIFEST_PARALLEL_MIN
 * on, when this process may run on a second CPU (reading is the CPU's work:
 * parsing, hashing, system calls that find the files in the page cache). */
static int readers_for(size_t n)
{
    if (nv_manifest_readers > 0)
        return nv_manifest_readers > 1 ? 2 : 1;
    return n >= NV_MANIFEST_PARALLEL_MIN && sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 2 : 1;
}

static void read_all(reading *rd)
{
    atomic_init(&rd->next, 0);
    pthread_t t;
    int helper = 0;
    if (readers_for(rd->n) > 1) {
        /* what threads would otherwise set up on first use, at once */
        nv_hash_init();
        nv_sha256_detect();
        helper = pthread_create(&t, NULL, reader_thread, rd) == 0;
    }
    nv_dir dir = NV_DIR_INIT;
    read_jobs(rd, &dir);
    nv_dir_close(&dir);
    if (helper)
        pthread_join(t, NULL);
    /* the cache is changed on this thread only, in the manifest's order */
    for (size_t i = 0; i < rd->n; i++)
        nv_spec_cache_commit(rd->cache, &rd->jobs[i].use, rd->jobs[i].dst);
}

/* Appends line, taken (NULL: counted, not stored: it was not kept). */
static void put_line(nv_errlist *l, char *line)
{
    if (line) {
        nv_errlist_add(l, "%s", line);
        free(line);
    } else if (l->n >= NV_ERRLIST_MAX) {
        l->n++;
    } else {
        /* not reached: a line not kept comes after NV_ERRLIST_MAX kept ones */
        nv_errlist_add(l, "(an error that was not kept)");
    }
}

/* The errors of the readings and duplicate checks, where they belong
 * among those parsing the manifest found. */
static void place_errors(const char *path, reading *rd, nv_errlist *errs)
{
    nv_errlist late[NV_KIND_COUNT] = {{0}};
    int any = 0;
    for (size_t i = 0; i < rd->nslots; i++) {
        const slot *sl = &rd->slots[i];
        if (sl->kind >= 0) {
            check_duplicates(path, (enum nv_kind)sl->kind, rd->lists[sl->kind], &late[sl->kind]);
            any |= late[sl->kind].n > 0 || late[sl->kind].oom;
        } else {
            any |= rd->jobs[sl->job].err || rd->jobs[sl->job].oom;
        }
    }
    if (!any)
        return;
    nv_errlist merged = {0};
    size_t kept = errs->n < NV_ERRLIST_MAX ? errs->n : NV_ERRLIST_MAX, next = 0;
    for (size_t i = 0; i <= rd->nslots; i++) {
        size_t at = i < rd->nslots ? rd->slots[i].at : errs->n;
        for (; next < at; next++)
            put_line(&merged, next < kept ? errs->v[next] : NULL);
        if (i == rd->nslots)
            break;
        const slot *sl = &rd->slots[i];
        if (sl->kind >= 0) {
            nv_errlist *d = &late[sl->kind];
            for (size_t k = 0; k < d->n; k++)
                put_line(&merged, k < NV_ERRLIST_MAX ? d->v[k] : NULL);
            merged.oom |= d->oom;
            free(d->v);
            *d = (nv_errlist){0};
        } else {
            rjob *j = &rd->jobs[sl->job];
            if (j->err)
                add_spec_error(&merged, path, j->el, j->err);
            else if (j->oom)
                nv_errlist_add(&merged, "out of memory");
        }
    }
    merged.oom |= errs->oom;
    free(errs->v);
    *errs = merged;
}

static void reading_free(reading *rd)
{
    for (size_t i = 0; i < rd->n; i++)
        free(rd->jobs[i].err);
    free(rd->jobs);
    free(rd->slots);
}

int nv_manifest_parse_cached(const char *path, const char *data, size_t len, nv_speccache *cache, nv_manifest *m,
                             nv_errlist *errs)
{
    memset(m, 0, sizeof *m);
    size_t before = errs->n;
    nv_err e;
    nv_err_clear(&e);
    nv_xml_node *root = nv_xml_parse(data, len, path, &e);
    if (!root) {
        nv_errlist_add(errs, "%s", e.msg);
        return -1;
    }
    reading rd = {.cache = cache};
    if (check_root(path, root, errs) == 0)
        for (const nv_xml_node *list = nv_xml_child(root, NULL); list; list = nv_xml_next(list, NULL))
            parse_list(path, list, m, &rd, errs);
    read_all(&rd);
    place_errors(path, &rd, errs);
    reading_free(&rd);
    nv_xml_free(root);
    return errs->n > before || errs->oom ? -1 : 0;
}

int nv_manifest_load(const char *path, nv_manifest *m, nv_errlist *errs)
{
    return nv_manifest_load_cached(path, NULL, m, errs);
}

int nv_manifest_load_cached(const char *path, nv_speccache *cache, nv_manifest *m, nv_errlist *errs)
{
    char *data;
    size_t len;
    nv_err e;
    nv_err_clear(&e);
    memset(m, 0, sizeof *m);
    if (nv_read_text_file(path, NV_FILE_MAX, &data, &len, &e) < 0) {
        nv_errlist_add(errs, "%s", e.msg);
        return -1;
    }
    int rc = nv_manifest_parse_cached(path, data, len, cache, m, errs);
    free(data);
    return rc;
}

void nv_manifest_free(nv_manifest *m)
{
    for (int k = 0; k < NV_KIND_COUNT; k++) {
        nv_manifest_kind *mk = &m->kinds[k];
        for (size_t i = 0; i < mk->n; i++) {
            nv_manifest_obj *o = &mk->objs[i];
            if (o->spec.file)
                nv_spec_free(&o->spec);
            for (size_t v = 0; v < o->nvols; v++) {
                if (o->vols[v].has_spec)
                    nv_spec_free(&o->vols[v].spec);
                free(o->vols[v].name);
            }
            free(o->vols);
        }
        free(mk->objs);
    }
    memset(m, 0, sizeof *m);
}
