#include "engine/manifest.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/manifestcache.h"
#include "engine/speccache.h"
#include "util/file.h"
#include "util/grow.h"
#include "util/hex.h"
#include "util/hmap.h"
#include "util/seconds.h"
#include "util/sha256.h"
#include "util/text.h"
#include "xml/doc.h"
#include "xml/sax.h"

static const char *const kind_lists[NV_KIND_COUNT] = {"domains", "networks", "pools"};
static const char *const kind_items[NV_KIND_COUNT] = {"domain", "network", "pool"};

const char *nv_purge_name(enum nv_purge p)
{
    return p == NV_PURGE_UNDECLARED ? "undeclared" : p == NV_PURGE_MANAGED ? "managed" : "none";
}

/* ---- reading the definitions ---------------------------------------------
 *
 * definition="PATH" of a network, pool or domain becomes a job as soon as
 * its element ends; reader threads take the jobs while the rest of the
 * manifest is parsed, each reading into its job, moved to its object once
 * all are read. Its error goes where reading it in place would have put it:
 * `at` is the number of errors before it, a list's duplicate check
 * likewise. */

int nv_manifest_readers;

/* Jobs a reader takes at a time: few enough that both threads end
 * together, enough that taking them costs nothing. */
#define READ_CHUNK 16
/* Jobs are kept in blocks that never move (readers use them while the
 * parser adds more). A block (~100 KB) is a mapping of its own, returned
 * when the manifest is read; blocks small enough for the allocator's slabs
 * saved that munmap (~4 per 1000 objects) but stayed resident: +0.4 KiB
 * of peak RSS per object. */
#define JOB_BLOCK 256

typedef struct slot {
    size_t at;  /* errors before it */
    int kind;   /* a list's duplicate check: its kind; -1: a reading */
    size_t job; /* a reading: its job */
} slot;

typedef struct rjob {
    char *path;          /* definition= */
    unsigned long line;  /* the element's, and */
    const char *item;    /*   its name, for the job's error */
    enum nv_kind kind;   /* where the reading goes: */
    size_t obj;          /*   m->kinds[kind].objs[obj].spec */
    enum nv_spec_kind skind;
    int sealed;          /* the manifest gave the bytes' digest: */
    uint8_t want[32];
    nv_spec spec;        /* the reading, when it succeeded: */
    int ok;
    char *err;           /* what went wrong, or NULL */
    int oom;             /* ... and the message could not be kept */
    nv_spec_cache_use use;
} rjob;

typedef struct reading {
    nv_speccache *cache; /* may be NULL; only looked up while threads read */
    rjob **blocks;       /* room for every job the manifest's size allows */
    size_t nblocks;
    size_t n;            /* jobs made (by the parsing thread) */
    slot *slots;
    size_t nslots, slots_cap;
    atomic_size_t published; /* jobs readers may take */
    atomic_size_t next;      /* the next job no reader has taken */
    atomic_int done;         /* no more jobs will come */
    atomic_int stop;         /* the manifest failed: read no more */
    atomic_int waiting;      /* readers waiting for jobs */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t helper;
    int helper_on, helper_tried;
} reading;

static rjob *job_at(const reading *rd, size_t i)
{
    return &rd->blocks[i / JOB_BLOCK][i % JOB_BLOCK];
}

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

static void read_one(reading *rd, rjob *j, nv_dir *dir)
{
    nv_err e;
    nv_err_clear(&e);
    if (nv_spec_read_shared(&j->spec, j->skind, j->path, rd->cache, dir, j->sealed ? j->want : NULL, &j->use, &e) <
        0) {
        if (!(j->err = strdup(e.msg)))
            j->oom = 1;
    } else {
        j->ok = 1;
    }
}

/* Waits until job i is published (1) or none will be (0). */
static int wait_for_job(reading *rd, size_t i)
{
    pthread_mutex_lock(&rd->mu);
    atomic_fetch_add(&rd->waiting, 1);
    while (atomic_load(&rd->published) <= i && !atomic_load(&rd->done))
        pthread_cond_wait(&rd->cv, &rd->mu);
    atomic_fetch_sub(&rd->waiting, 1);
    int more = atomic_load(&rd->published) > i;
    pthread_mutex_unlock(&rd->mu);
    return more;
}

static void read_jobs(reading *rd, nv_dir *dir)
{
    for (;;) {
        if (atomic_load_explicit(&rd->stop, memory_order_relaxed))
            return;
        size_t i = atomic_load(&rd->next), avail = atomic_load(&rd->published);
        if (i >= avail) {
            if (!wait_for_job(rd, i))
                return;
            continue;
        }
        size_t end = avail - i < READ_CHUNK ? avail : i + READ_CHUNK;
        if (!atomic_compare_exchange_weak(&rd->next, &i, end))
            continue;
        for (; i < end; i++)
            read_one(rd, job_at(rd, i), dir);
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

/* The jobs so far are for readers to take (last: and no more will come).
 * Readers waiting are woken once a chunk is ready, or at the end. */
static void publish(reading *rd, int last)
{
    atomic_store(&rd->published, rd->n);
    if (last)
        atomic_store(&rd->done, 1);
    if ((last || rd->n % READ_CHUNK == 0) && atomic_load(&rd->waiting)) {
        pthread_mutex_lock(&rd->mu);
        pthread_cond_broadcast(&rd->cv);
        pthread_mutex_unlock(&rd->mu);
    }
}

/* A second reader from the NV_MANIFEST_PARALLEL_MIN'th job on, when this
 * process may run on a second CPU (reading is the CPU's work: parsing,
 * hashing, system calls that find the files in the page cache); the
 * parsing thread reads too once the manifest is parsed. */
static void maybe_start_helper(reading *rd)
{
    if (rd->helper_tried || nv_manifest_readers == 1)
        return;
    if (nv_manifest_readers == 0 && rd->n < NV_MANIFEST_PARALLEL_MIN)
        return;
    rd->helper_tried = 1;
    if (nv_manifest_readers == 0 && sysconf(_SC_NPROCESSORS_ONLN) < 2)
        return;
    /* what threads would otherwise set up on first use, at once */
    nv_hash_init();
    nv_sha256_detect();
    rd->helper_on = pthread_create(&rd->helper, NULL, reader_thread, rd) == 0;
}

/* Room for the jobs of a manifest of len bytes: each takes at least
 * `<pool definition=""/>` of it. -1: out of memory. */
static int reading_init(reading *rd, nv_speccache *cache, size_t len)
{
    memset(rd, 0, sizeof *rd);
    rd->cache = cache;
    rd->nblocks = len / 20 / JOB_BLOCK + 1;
    rd->blocks = calloc(rd->nblocks, sizeof *rd->blocks);
    atomic_init(&rd->published, 0);
    atomic_init(&rd->next, 0);
    atomic_init(&rd->done, 0);
    atomic_init(&rd->stop, 0);
    atomic_init(&rd->waiting, 0);
    pthread_mutex_init(&rd->mu, NULL);
    pthread_cond_init(&rd->cv, NULL);
    return rd->blocks ? 0 : -1;
}

/* A new job, or NULL when out of memory (or, never, out of room). */
static rjob *new_job(reading *rd)
{
    size_t b = rd->n / JOB_BLOCK;
    if (b >= rd->nblocks)
        return NULL;
    if (!rd->blocks[b] && !(rd->blocks[b] = calloc(JOB_BLOCK, sizeof **rd->blocks)))
        return NULL;
    return job_at(rd, rd->n);
}

/* The parse is over (failed: its readings are not wanted): every job read
 * or given up, the helper gone. */
static void finish_reading(reading *rd, int failed)
{
    if (failed)
        atomic_store(&rd->stop, 1);
    publish(rd, 1);
    nv_dir dir = NV_DIR_INIT;
    read_jobs(rd, &dir);
    nv_dir_close(&dir);
    if (rd->helper_on)
        pthread_join(rd->helper, NULL);
}

static void reading_free(reading *rd)
{
    for (size_t i = 0; i < rd->n; i++) {
        rjob *j = job_at(rd, i);
        if (j->ok)
            nv_spec_free(&j->spec);
        free(j->path);
        free(j->err);
    }
    for (size_t b = 0; b < rd->nblocks; b++)
        free(rd->blocks[b]);
    free(rd->blocks);
    free(rd->slots);
    pthread_mutex_destroy(&rd->mu);
    pthread_cond_destroy(&rd->cv);
}

/* ---- the manifest's elements ---------------------------------------------- */

/* An element as the parser gave it. */
typedef struct elem {
    const char *name;
    const char **atts; /* name, value, ..., NULL */
    unsigned long line;
} elem;

typedef struct mparse {
    const char *path;
    nv_manifest *m;
    reading *rd;
    nv_errlist *errs;
    int root_bad;       /* not a manifest: nothing inside is read */
    int skip;           /* the depth of an element whose content is ignored, or 0 */
    int kind;           /* the open list's kind, or -1 */
    size_t cap[NV_KIND_COUNT];
    /* the open object (depth 3) */
    char *def;          /* its definition=, or NULL */
    int sealed;         /* parse_sha256's answer, want its digest */
    uint8_t want[32];
    size_t vols_cap;
    unsigned long vol_line; /* the open volume's line, and */
    int vol_child_said;     /*   its "no child elements" said */
    int text_said[5];   /* "unexpected text" said for the element open at depth 1..4 */
} mparse;

static const char *attr(const elem *el, const char *name)
{
    for (size_t i = 0; el->atts[i]; i += 2)
        if (strcmp(el->atts[i], name) == 0)
            return el->atts[i + 1];
    return NULL;
}

static int in_list(const char *name, const char *const *allowed)
{
    for (; *allowed; allowed++)
        if (strcmp(name, *allowed) == 0)
            return 1;
    return 0;
}

/* Unknown attributes are errors: a typo must not be silently ignored. */
static void check_attrs(const char *file, const elem *el, const char *const *allowed, nv_errlist *errs)
{
    for (size_t i = 0; el->atts[i]; i += 2)
        if (!in_list(el->atts[i], allowed))
            nv_errlist_add(errs, "%s:%lu: unknown attribute '%s' on <%s>", file, el->line, el->atts[i], el->name);
}

static int parse_bool(const char *file, const elem *el, const char *name, int *out, nv_errlist *errs)
{
    const char *v = attr(el, name);
    if (!v)
        return 0;
    if (strcmp(v, "true") == 0)
        *out = 1;
    else if (strcmp(v, "false") == 0)
        *out = 0;
    else {
        nv_errlist_add(errs, "%s:%lu: %s=\"%s\" on <%s>: expected true or false", file, el->line, name, v, el->name);
        return -1;
    }
    return 1;
}

/* sha256="<64 lowercase hex digits>": what the definition file's bytes
 * hash to (a Nix-made manifest knows it at evaluation). 1 with out set, 0
 * when absent, -1 when malformed (reported). */
static int parse_sha256(const char *file, const elem *el, uint8_t out[32], nv_errlist *errs)
{
    const char *v = attr(el, "sha256");
    if (!v)
        return 0;
    if (!attr(el, "definition")) {
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
static void add_spec_error(nv_errlist *errs, const char *file, unsigned long line, const char *item,
                           const char *msg)
{
    nv_errlist_add(errs, "%s:%lu: <%s> definition: %s", file, line, item, msg);
}

static enum nv_restart parse_restart(const char *file, const elem *el, nv_errlist *errs)
{
    const char *r = attr(el, "restart");
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

/* purge="..." of a kind's list (NixVirt's behaviour without it). */
static enum nv_purge parse_purge(const char *file, const elem *el, nv_errlist *errs)
{
    const char *purge = attr(el, "purge");
    if (!purge || strcmp(purge, "undeclared") == 0)
        return NV_PURGE_UNDECLARED;
    if (strcmp(purge, "managed") == 0)
        return NV_PURGE_MANAGED;
    if (strcmp(purge, "none") == 0)
        return NV_PURGE_NONE;
    nv_errlist_add(errs, "%s:%lu: purge=\"%s\": expected undeclared, managed or none", file, el->line, purge);
    return NV_PURGE_UNDECLARED;
}

static void oom(mparse *mp, nv_xml_sax *sx)
{
    nv_errlist_add(mp->errs, "out of memory");
    nv_xml_sax_oom(sx);
}

/* <nixvirt version="1">. */
static void root_start(mparse *mp, const elem *el)
{
    if (strcmp(el->name, "nixvirt") != 0) {
        nv_errlist_add(mp->errs, "%s:%lu: expected <nixvirt> as the root element, found <%s>", mp->path, el->line,
                       el->name);
        mp->root_bad = 1;
        return;
    }
    static const char *const root_attrs[] = {"version", NULL};
    check_attrs(mp->path, el, root_attrs, mp->errs);
    const char *version = attr(el, "version");
    if (!version)
        nv_errlist_add(mp->errs, "%s:%lu: <nixvirt> needs version=\"1\"", mp->path, el->line);
    else if (strcmp(version, "1") != 0)
        nv_errlist_add(mp->errs, "%s:%lu: manifest version \"%s\" is not supported (this nixvirt reads version 1)",
                       mp->path, el->line, version);
}

/* One kind's list: <networks>, <pools> or <domains>. */
static void list_start(mparse *mp, nv_xml_sax *sx, const elem *el)
{
    int kind = -1;
    for (int k = 0; k < NV_KIND_COUNT; k++)
        if (strcmp(el->name, kind_lists[k]) == 0)
            kind = k;
    if (kind < 0) {
        nv_errlist_add(mp->errs, "%s:%lu: unknown element <%s> (expected <networks>, <pools> or <domains>)",
                       mp->path, el->line, el->name);
        mp->skip = 2;
        return;
    }
    nv_manifest_kind *mk = &mp->m->kinds[kind];
    if (mk->managed) {
        nv_errlist_add(mp->errs, "%s:%lu: <%s> appears twice", mp->path, el->line, el->name);
        mp->skip = 2;
        return;
    }
    mk->managed = 1;
    static const char *const list_attrs[] = {"purge", NULL};
    check_attrs(mp->path, el, list_attrs, mp->errs);
    mk->purge = parse_purge(mp->path, el, mp->errs);
    /* a declared list has its array, empty or not */
    if (!(mk->objs = nv_grow(NULL, &mp->cap[kind], sizeof *mk->objs, 16)))
        return oom(mp, sx);
    mp->kind = kind;
}

/* Checked once the list's definitions are read (they give the UUIDs and
 * names). */
static void list_end(mparse *mp, nv_xml_sax *sx)
{
    if (add_slot(mp->rd, mp->errs->n, mp->kind, 0) < 0)
        oom(mp, sx);
    mp->kind = -1;
}

static void object_start(mparse *mp, nv_xml_sax *sx, const elem *el)
{
    enum nv_kind kind = (enum nv_kind)mp->kind;
    if (strcmp(el->name, kind_items[kind]) != 0) {
        nv_errlist_add(mp->errs, "%s:%lu: unexpected <%s> inside <%s> (expected <%s>)", mp->path, el->line,
                       el->name, kind_lists[kind], kind_items[kind]);
        mp->skip = 3;
        return;
    }
    nv_manifest_kind *mk = &mp->m->kinds[kind];
    if (mk->n == mp->cap[kind]) {
        nv_manifest_obj *v = nv_grow(mk->objs, &mp->cap[kind], sizeof *v, 16);
        if (!v)
            return oom(mp, sx);
        mk->objs = v;
    }
    nv_manifest_obj *o = &mk->objs[mk->n++];
    memset(o, 0, sizeof *o);
    mp->vols_cap = 0;
    static const char *const dom_attrs[] = {"definition", "sha256", "active", "restart", "shutdown-timeout", NULL};
    static const char *const other_attrs[] = {"definition", "sha256", "active", "restart", NULL};
    check_attrs(mp->path, el, kind == NV_KIND_DOMAIN ? dom_attrs : other_attrs, mp->errs);
    o->line = el->line;
    o->state = NV_STATE_KEEP;
    int active;
    if (parse_bool(mp->path, el, "active", &active, mp->errs) == 1)
        o->state = active ? NV_STATE_ACTIVE : NV_STATE_INACTIVE;
    o->restart = parse_restart(mp->path, el, mp->errs);
    const char *t = attr(el, "shutdown-timeout");
    if (t && nv_parse_seconds(t, &o->shutdown_timeout) < 0)
        nv_errlist_add(mp->errs, "%s:%lu: shutdown-timeout=\"%s\": expected a number of seconds", mp->path,
                       el->line, t);
    mp->sealed = parse_sha256(mp->path, el, mp->want, mp->errs);
    const char *def = attr(el, "definition");
    mp->def = NULL;
    if (def && !(mp->def = strdup(def)))
        oom(mp, sx);
}

/* The object's definition becomes a job, once its volumes are parsed. */
static void object_end(mparse *mp, nv_xml_sax *sx)
{
    enum nv_kind kind = (enum nv_kind)mp->kind;
    nv_manifest_obj *o = &mp->m->kinds[kind].objs[mp->m->kinds[kind].n - 1];
    char *def = mp->def;
    mp->def = NULL;
    if (!def) {
        if (mp->sealed == 0)
            nv_errlist_add(mp->errs, "%s:%lu: <%s> needs a definition attribute", mp->path, o->line,
                           kind_items[kind]);
        return;
    }
    if (mp->sealed < 0) {
        free(def);
        return;
    }
    reading *rd = mp->rd;
    rjob *j = new_job(rd);
    if (!j || add_slot(rd, mp->errs->n, -1, rd->n) < 0) {
        free(def);
        return oom(mp, sx);
    }
    /* held as text until applied; pools keep the tree, which tells the
     * compare which daemon-filled fields the definition sets */
    *j = (rjob){
        .path = def,
        .line = o->line,
        .item = kind_items[kind],
        .kind = kind,
        .obj = mp->m->kinds[kind].n - 1,
        .skind = kind == NV_KIND_DOMAIN ? NV_SPEC_DOMAIN : kind == NV_KIND_NETWORK ? NV_SPEC_NETWORK : NV_SPEC_POOL,
        .sealed = mp->sealed,
    };
    memcpy(j->want, mp->want, 32);
    rd->n++;
    publish(rd, 0);
    maybe_start_helper(rd);
}

/* A pool's <volume>, its definition read here (volumes are few). */
static void volume_start(mparse *mp, nv_xml_sax *sx, const elem *el)
{
    enum nv_kind kind = (enum nv_kind)mp->kind;
    nv_manifest_obj *o = &mp->m->kinds[kind].objs[mp->m->kinds[kind].n - 1];
    if (kind != NV_KIND_POOL || strcmp(el->name, "volume") != 0) {
        nv_errlist_add(mp->errs, "%s:%lu: unexpected <%s> inside <%s>", mp->path, el->line, el->name,
                       kind_items[kind]);
        mp->skip = 4;
        return;
    }
    if (o->nvols == mp->vols_cap) {
        nv_manifest_vol *v = nv_grow(o->vols, &mp->vols_cap, sizeof *v, 4);
        if (!v)
            return oom(mp, sx);
        o->vols = v;
    }
    nv_manifest_vol *v = &o->vols[o->nvols++];
    memset(v, 0, sizeof *v);
    mp->vol_line = el->line;
    mp->vol_child_said = 0;
    const char *file = mp->path;
    nv_errlist *errs = mp->errs;
    static const char *const attrs[] = {"definition", "sha256", "name", "present", NULL};
    check_attrs(file, el, attrs, errs);
    v->line = el->line;
    v->present = 1;
    /* a bad present= is one error, not also a missing definition */
    int bad_present = parse_bool(file, el, "present", &v->present, errs) < 0;
    const char *def = attr(el, "definition");
    const char *name = attr(el, "name");
    uint8_t want[32] = {0};
    int sealed = parse_sha256(file, el, want, errs);
    if (def && sealed >= 0) {
        nv_err e;
        nv_err_clear(&e);
        nv_spec_cache_use u;
        if (nv_spec_read_shared(&v->spec, NV_SPEC_VOLUME, def, NULL, NULL, sealed ? want : NULL, &u, &e) < 0) {
            add_spec_error(errs, file, el->line, el->name, e.msg);
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
    if (n && !(v->name = strdup(n)))
        oom(mp, sx);
}

static void m_start(void *ctx, nv_xml_sax *sx, const char *name, const char **atts, unsigned long line)
{
    mparse *mp = ctx;
    if (mp->skip || mp->root_bad)
        return;
    int depth = nv_xml_sax_depth(sx);
    const elem el = {.name = name, .atts = atts, .line = line};
    if (depth <= 4)
        mp->text_said[depth] = 0;
    switch (depth) {
    case 1:
        root_start(mp, &el);
        break;
    case 2:
        list_start(mp, sx, &el);
        break;
    case 3:
        object_start(mp, sx, &el);
        break;
    case 4:
        volume_start(mp, sx, &el);
        break;
    default: /* inside a volume */
        if (!mp->vol_child_said) {
            mp->vol_child_said = 1;
            nv_errlist_add(mp->errs, "%s:%lu: <volume> has no child elements", mp->path, mp->vol_line);
        }
        mp->skip = depth;
        break;
    }
}

static void m_end(void *ctx, nv_xml_sax *sx, const char *name)
{
    (void)name;
    mparse *mp = ctx;
    int depth = nv_xml_sax_depth(sx);
    if (mp->skip) {
        if (depth == mp->skip)
            mp->skip = 0;
        return;
    }
    if (mp->root_bad)
        return;
    if (depth == 2)
        list_end(mp, sx);
    else if (depth == 3)
        object_end(mp, sx);
}

/* Text other than whitespace between manifest elements is a mistake. */
static void m_text(void *ctx, nv_xml_sax *sx, const char *s, size_t len, unsigned long line)
{
    mparse *mp = ctx;
    int depth = nv_xml_sax_depth(sx);
    if (mp->skip || mp->root_bad || depth > 4 || mp->text_said[depth])
        return;
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') {
            mp->text_said[depth] = 1;
            const char *el = depth == 1 ? "nixvirt" : depth == 2 ? kind_lists[mp->kind]
                           : depth == 3 ? kind_items[mp->kind] : "volume";
            nv_errlist_add(mp->errs, "%s:%lu: unexpected text inside <%s>", mp->path, line, el);
            return;
        }
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
static void place_errors(const char *path, const nv_manifest *m, reading *rd, nv_errlist *errs)
{
    nv_errlist late[NV_KIND_COUNT] = {{0}};
    int any = 0;
    for (size_t i = 0; i < rd->nslots; i++) {
        const slot *sl = &rd->slots[i];
        if (sl->kind >= 0) {
            check_duplicates(path, (enum nv_kind)sl->kind, &m->kinds[sl->kind], &late[sl->kind]);
            any |= late[sl->kind].n > 0 || late[sl->kind].oom;
        } else {
            any |= job_at(rd, sl->job)->err || job_at(rd, sl->job)->oom;
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
            rjob *j = job_at(rd, sl->job);
            if (j->err)
                add_spec_error(&merged, path, j->line, j->item, j->err);
            else if (j->oom)
                nv_errlist_add(&merged, "out of memory");
        }
    }
    merged.oom |= errs->oom;
    free(errs->v);
    *errs = merged;
}

/* Drops the errors after the first `keep`. */
static void errs_truncate(nv_errlist *errs, size_t keep)
{
    size_t stored = errs->n < NV_ERRLIST_MAX ? errs->n : NV_ERRLIST_MAX;
    for (size_t i = keep; i < stored; i++)
        free(errs->v[i]);
    errs->n = keep;
}

int nv_manifest_parse(const char *path, const char *data, size_t len, nv_manifest *m, nv_errlist *errs)
{
    return nv_manifest_parse_cached(path, data, len, NULL, m, errs);
}

/* Where the manifest's events come from: its bytes parsed, or a log kept
 * of those bytes (engine/manifestcache.h), replayed. */
typedef struct events {
    const char *data;
    const unsigned char *kept;
    size_t kept_len;
} events;

static int parse_events(const char *path, size_t len, const events *src, nv_speccache *cache, nv_manifest *m,
                        nv_errlist *errs)
{
    memset(m, 0, sizeof *m);
    size_t before = errs->n;
    reading rd;
    if (reading_init(&rd, cache, len) < 0) {
        reading_free(&rd);
        nv_errlist_add(errs, "out of memory");
        return -1;
    }
    mparse mp = {.path = path, .m = m, .rd = &rd, .errs = errs, .kind = -1};
    const nv_xml_sax_hooks h = {.ctx = &mp, .start = m_start, .text = m_text, .end = m_end};
    nv_err e;
    nv_err_clear(&e);
    int rc = src->kept ? nv_xml_sax_replay(src->kept, src->kept_len, path, &h, &e)
                       : nv_xml_sax_parse(src->data, len, path, &h, &e);
    free(mp.def);
    finish_reading(&rd, rc < 0);
    if (rc < 0) {
        /* not well-formed (or out of memory): that alone is said, as
         * nothing found before it means much */
        errs_truncate(errs, before);
        nv_errlist_add(errs, "%s", e.msg);
        reading_free(&rd);
        nv_manifest_free(m);
        return -1;
    }
    /* the cache is changed on this thread only, in the manifest's order;
     * each reading goes to its object */
    for (size_t i = 0; i < rd.n; i++) {
        rjob *j = job_at(&rd, i);
        nv_spec_cache_commit(cache, &j->use, &j->spec);
        if (j->ok) {
            m->kinds[j->kind].objs[j->obj].spec = j->spec;
            j->ok = 0;
        }
    }
    place_errors(path, m, &rd, errs);
    reading_free(&rd);
    return errs->n > before || errs->oom ? -1 : 0;
}

int nv_manifest_parse_cached(const char *path, const char *data, size_t len, nv_speccache *cache, nv_manifest *m,
                             nv_errlist *errs)
{
    return parse_events(path, len, &(events){.data = data}, cache, m, errs);
}

int nv_manifest_load(const char *path, nv_manifest *m, nv_errlist *errs)
{
    return nv_manifest_load_cached(path, NULL, NULL, m, errs);
}

int nv_manifest_load_cached(const char *path, nv_speccache *cache, nv_manifestcache *kept, nv_manifest *m,
                            nv_errlist *errs)
{
    char *data;
    size_t len;
    nv_err e;
    nv_err_clear(&e);
    memset(m, 0, sizeof *m);
    if (nv_read_file(path, NV_FILE_MAX, &data, &len, &e) < 0) {
        nv_errlist_add(errs, "%s", e.msg);
        return -1;
    }
    events src = {.data = data};
    if (kept)
        src.kept = nv_manifestcache_find(kept, data, len, &src.kept_len);
    if (src.kept) {
        /* bytes read and found without a problem before: their events again */
        free(data);
        int rc = parse_events(path, len, &src, cache, m, errs);
        nv_manifestcache_drop(kept);
        return rc;
    }
    if (kept)
        nv_manifestcache_drop(kept); /* another manifest's */
    if (nv_text_check(path, data, len, &e) < 0) {
        free(data);
        nv_errlist_add(errs, "%s", e.msg);
        return -1;
    }
    int rc = parse_events(path, len, &src, cache, m, errs);
    if (rc == 0 && kept)
        nv_manifestcache_take(kept, data, len);
    else
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
