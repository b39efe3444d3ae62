/* What apply, declare and purge did (or, in a dry run, would do) to each
 * object, kept as data: the command renders it as text or as JSON, and the
 * summary counts are derived from it, so the two always agree. */
#ifndef NV_ENGINE_REPORT_H
#define NV_ENGINE_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "xml/diff.h"

/* Actions, in the order they are shown. */
enum nv_act {
    NV_ACT_REMOVE = 1 << 0,    /* undeclared: deactivated and undefined */
    NV_ACT_DEFINE = 1 << 1,    /* defined, did not exist */
    NV_ACT_REDEFINE = 1 << 2,  /* existed; its definition changed */
    NV_ACT_COMPARE = 1 << 3,   /* dry run: only the define can tell changed or not */
    NV_ACT_UNCHANGED = 1 << 4, /* existed; its definition is the same */
    NV_ACT_STOP = 1 << 5,
    NV_ACT_START = 1 << 6,
    NV_ACT_RESTART = 1 << 7,   /* stopped and started again */
    NV_ACT_AUTOSTART = 1 << 8, /* autostart switched */
    NV_ACT_CREATE = 1 << 9,    /* volumes */
    NV_ACT_DELETE = 1 << 10,   /* volumes */
    NV_ACT_LIVE = 1 << 11,     /* a domain's change applied while it runs (restart "live") */
};
#define NV_ACT_COUNT 12

/* "remove", "define", ... for one action bit. */
const char *nv_act_name(unsigned act);

typedef struct nv_report_obj {
    const char *kind;      /* "domain", "network", "pool", "volume" (static) */
    char *name;
    char uuid[37];         /* "" for volumes */
    char *pool;            /* volumes: the pool's name */
    unsigned actions;      /* enum nv_act bits */
    unsigned maybe;        /* dry run: actions that depend on what the daemon answers */
    char *note;            /* dry run: a short explanation, or NULL */
    nv_xml_diff_list changes; /* what changed in the definition */
    char *error;           /* why it failed, or NULL */
    char **live;           /* NV_ACT_LIVE: its steps, "attach interface 52:54:…" */
    size_t nlive;
} nv_report_obj;

typedef struct nv_report {
    nv_report_obj **v;
    size_t n, cap;
    int oom; /* an entry could not be stored */
} nv_report;

/* A new entry (uuid may be NULL); NULL when out of memory (r->oom is set).
 * Every setter below accepts NULL and then does nothing. */
nv_report_obj *nv_report_add(nv_report *r, const char *kind, const char *name, const uint8_t *uuid);
void nv_report_act(nv_report_obj *o, unsigned acts);
void nv_report_note(nv_report_obj *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void nv_report_error(nv_report_obj *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Takes over d's entries (d is left empty). */
void nv_report_changes(nv_report_obj *o, nv_xml_diff_list *d);
/* Appends one live step (a copy of what). */
void nv_report_live(nv_report_obj *o, const char *what);
void nv_report_free(nv_report *r);

typedef struct nv_report_counts {
    int defined, changed, started, restarted, stopped, removed, unchanged, compare;
    int vol_created, vol_deleted, failed;
} nv_report_counts;

void nv_report_count(const nv_report *r, nv_report_counts *c);

#endif
