/* The apply manifest: which networks, pools (with volumes) and domains a
 * connection should have. Format (README "Manifest"):
 *
 *   <nixvirt version="1">
 *     <networks purge="undeclared|managed|none">
 *       <network definition="PATH" active="true|false" restart="always|never|ifchanged"/>
 *     </networks>
 *     <pools purge="...">
 *       <pool definition="PATH" active=".." restart="..">
 *         <volume definition="PATH"/> <volume name="NAME" present="false"/>
 *       </pool>
 *     </pools>
 *     <domains purge="...">
 *       <domain definition="PATH" active=".." restart=".." shutdown-timeout="SECONDS"/>
 *     </domains>
 *   </nixvirt>
 *
 * Loading reads and checks the manifest and every definition it names, and
 * collects every problem instead of stopping at the first. */
#ifndef NV_ENGINE_MANIFEST_H
#define NV_ENGINE_MANIFEST_H

#include "engine/declare.h"
#include "engine/spec.h"
#include "util/errlist.h"
#include "virt/object.h"

enum nv_purge { NV_PURGE_UNDECLARED, NV_PURGE_MANAGED, NV_PURGE_NONE };

typedef struct nv_manifest_vol {
    char *name;        /* from name= or the definition's <name> */
    int present;
    int has_spec;
    nv_spec spec;      /* when definition= is given */
    unsigned long line;
} nv_manifest_vol;

typedef struct nv_manifest_obj {
    nv_spec spec;
    enum nv_state state;
    enum nv_restart restart;
    unsigned shutdown_timeout;
    nv_manifest_vol *vols;
    size_t nvols;
    unsigned long line;
} nv_manifest_obj;

typedef struct nv_manifest_kind {
    int managed;       /* the element is present */
    enum nv_purge purge;
    nv_manifest_obj *objs;
    size_t n;
} nv_manifest_kind;

typedef struct nv_manifest {
    nv_manifest_kind kinds[NV_KIND_COUNT]; /* indexed by enum nv_kind */
} nv_manifest;

/* 0 when the manifest and all definitions are valid; otherwise -1 with
 * every problem in errs ("<file>:<line>: <reason>"). */
int nv_manifest_load(const char *path, nv_manifest *m, nv_errlist *errs);
/* The same from memory (path names it in messages). */
int nv_manifest_parse(const char *path, const char *data, size_t len, nv_manifest *m, nv_errlist *errs);
/* Both with the definitions read through a reading cache (nv_spec_read_cached).
 * With kept (may be NULL): a manifest whose bytes it kept the events of
 * is not parsed, its events are checked again; another one is parsed and,
 * found without a problem, its bytes handed to kept for the save
 * (engine/manifestcache.h). */
struct nv_speccache;
struct nv_manifestcache;
int nv_manifest_load_cached(const char *path, struct nv_speccache *cache, struct nv_manifestcache *kept,
                            nv_manifest *m, nv_errlist *errs);
int nv_manifest_parse_cached(const char *path, const char *data, size_t len, struct nv_speccache *cache,
                             nv_manifest *m, nv_errlist *errs);
void nv_manifest_free(nv_manifest *m);

/* From this many definitions on (and when the process may use a second
 * CPU) a second thread reads them while the manifest is parsed, and the
 * parsing thread reads what is left after; otherwise that thread reads
 * them all once it is done. Errors are reported in the manifest's order all
 * the same. */
#define NV_MANIFEST_PARALLEL_MIN 256
/* Threads that read definitions: 0 (default) as above; 1 or 2 forces it
 * (NIXVIRT_READERS; tests). */
extern int nv_manifest_readers;

const char *nv_purge_name(enum nv_purge p);

#endif
