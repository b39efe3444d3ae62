#include "engine/live.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "engine/compare.h"
#include "engine/log.h"
#include "util/buf.h"
#include "util/time.h"
#include "virt/domain.h"
#include "xml/diff.h"
#include "xml/write.h"

/* libvirt waits up to 5 s for the guest to release a device before its
 * detach call returns; this is how much longer we wait for it to be gone. */
#define UNPLUG_EXTRA_WAIT_MS 2000

static const char *const live_kinds[] = {"interface", "disk", "hostdev", "filesystem"};

static int is_live_kind(const char *name)
{
    for (size_t i = 0; i < sizeof live_kinds / sizeof live_kinds[0]; i++)
        if (strcmp(name, live_kinds[i]) == 0)
            return 1;
    return 0;
}

static void set_restart(nv_live_plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_restart(nv_live_plan *p, const char *fmt, ...)
{
    if (p->restart[0])
        return; /* the first reason is enough */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->restart, sizeof p->restart, fmt, ap);
    va_end(ap);
}

/* Appends "name=value" of every attribute below n (numbers normalised, so
 * 0x0000 and 0 agree), for a hostdev's <source>. */
static void source_key(const nv_xml_node *n, nv_buf *b)
{
    for (const nv_xml_node *c = nv_xml_child(n, NULL); c; c = nv_xml_next(c, NULL)) {
        nv_buf_printf(b, " %s", c->name);
        for (size_t i = 0; i < c->nattrs; i++) {
            char *end;
            unsigned long v = strtoul(c->attrs[i].value, &end, 0);
            if (*c->attrs[i].value && !*end)
                nv_buf_printf(b, ",%s=%lu", c->attrs[i].name, v);
            else
                nv_buf_printf(b, ",%s=%s", c->attrs[i].name, c->attrs[i].value);
        }
        source_key(c, b);
    }
}

/* *out = "interface 52:54:…", "disk vdb", "filesystem /mnt", "hostdev address,…";
 * NULL when the device has nothing that identifies it. */
static int device_key(const nv_xml_node *d, char **out, nv_err *e)
{
    *out = NULL;
    const char *id = NULL;
    nv_buf b;
    nv_buf_init(&b, 0);
    if (strcmp(d->name, "interface") == 0) {
        const nv_xml_node *mac = nv_xml_child(d, "mac");
        if ((id = mac ? nv_xml_attr(mac, "address") : NULL)) {
            nv_buf_printf(&b, "interface ");
            for (const char *s = id; *s; s++)
                nv_buf_printf(&b, "%c", *s >= 'A' && *s <= 'F' ? *s - 'A' + 'a' : *s);
        }
    } else if (strcmp(d->name, "disk") == 0 || strcmp(d->name, "filesystem") == 0) {
        const nv_xml_node *t = nv_xml_child(d, "target");
        if ((id = t ? nv_xml_attr(t, d->name[0] == 'd' ? "dev" : "dir") : NULL))
            nv_buf_printf(&b, "%s %s", d->name, id);
    } else if (strcmp(d->name, "hostdev") == 0) {
        const nv_xml_node *s = nv_xml_child(d, "source");
        if (s && nv_xml_child(s, NULL)) {
            id = "";
            nv_buf_printf(&b, "hostdev");
            source_key(s, &b);
        }
    }
    if (!id) {
        nv_buf_free(&b);
        return 0;
    }
    *out = b.failed ? NULL : strdup(nv_buf_cstr(&b));
    nv_buf_free(&b);
    return *out ? 0 : nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
}

/* A size element (<memory>, <currentMemory>) in KiB; 0 when absent or unreadable. */
static uint64_t kib_of(const nv_xml_node *el)
{
    static const struct {
        const char *unit;
        uint64_t bytes;
    } units[] = {
        {"b", 1}, {"bytes", 1}, {"KB", 1000}, {"k", 1024}, {"KiB", 1024}, {"MB", 1000000},
        {"M", 1048576}, {"MiB", 1048576}, {"GB", 1000000000}, {"G", 1073741824}, {"GiB", 1073741824},
        {"TB", 1000000000000ull}, {"T", 1099511627776ull}, {"TiB", 1099511627776ull},
    };
    const char *t = el ? nv_xml_text(el) : NULL;
    if (!t)
        return 0;
    char *end;
    unsigned long long v = strtoull(t, &end, 10);
    while (*end == ' ' || *end == '\n' || *end == '\t')
        end++;
    if (end == t || *end)
        return 0;
    const char *u = nv_xml_attr(el, "unit");
    uint64_t bytes = 1024;
    if (u) {
        bytes = 0;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
            if (strcmp(u, units[i].unit) == 0)
                bytes = units[i].bytes;
        if (!bytes)
            return 0;
    }
    if (v > UINT64_MAX / bytes)
        return 0;
    return v * bytes / 1024;
}

/* vCPU counts: the maximum (text) and the current one (default: the maximum). */
static void vcpus_of(const nv_xml_node *vcpu, unsigned long *max, unsigned long *cur)
{
    const char *t = vcpu ? nv_xml_text(vcpu) : NULL;
    *max = t ? strtoul(t, NULL, 10) : 1;
    const char *c = vcpu ? nv_xml_attr(vcpu, "current") : NULL;
    *cur = c ? strtoul(c, NULL, 10) : *max;
}

/* Whether a diff has an entry that counts: all of them when strict, else
 * only what the declared side sets (additions and changes). */
static const nv_xml_diff_entry *first_counting(const nv_xml_diff_list *d, int strict)
{
    for (size_t i = 0; i < d->n; i++)
        if (strict || (d->v[i].kind != NV_XML_DIFF_REMOVED && d->v[i].kind != NV_XML_DIFF_REORDERED))
            return &d->v[i];
    return NULL;
}

/* 1 when a and b differ (as `strict` says), 0 when not, -1 on error. */
static int differs(const nv_xml_node *a, const nv_xml_node *b, int strict, char *path, size_t pathlen, nv_err *e)
{
    nv_xml_diff_list d = {0};
    if (nv_xml_diff(a, b, &nv_compare_order, &d, e) < 0) {
        nv_xml_diff_free(&d);
        return -1;
    }
    const nv_xml_diff_entry *f = first_counting(&d, strict);
    if (f && path)
        snprintf(path, pathlen, "%s", f->path);
    nv_xml_diff_free(&d);
    return f != NULL;
}

static void drop_children(nv_xml_node *el, const char *name)
{
    for (nv_xml_node *c = nv_xml_child(el, name), *next; c; c = next) {
        next = nv_xml_next(c, name);
        nv_xml_free(c);
    }
}

static int add_step(nv_live_plan *p, enum nv_live_op op, const char *key, const nv_xml_node *dev, uint64_t value,
                    nv_err *e)
{
    nv_live_step *grown = realloc(p->v, (p->n + 1) * sizeof *grown);
    if (!grown)
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    p->v = grown;
    nv_live_step *s = &p->v[p->n];
    memset(s, 0, sizeof *s);
    char what[512];
    switch (op) {
    case NV_LIVE_DETACH: snprintf(what, sizeof what, "detach %s", key); break;
    case NV_LIVE_ATTACH: snprintf(what, sizeof what, "attach %s", key); break;
    case NV_LIVE_UPDATE: snprintf(what, sizeof what, "update %s", key); break;
    case NV_LIVE_MEMORY: snprintf(what, sizeof what, "set memory %llu KiB", (unsigned long long)value); break;
    case NV_LIVE_VCPUS: snprintf(what, sizeof what, "set vcpus %llu", (unsigned long long)value); break;
    }
    s->op = op;
    s->value = value;
    s->what = strdup(what);
    if (key)
        s->key = strdup(key);
    if (!s->what || (key && !s->key)) {
        free(s->what);
        free(s->key);
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    }
    if (dev) {
        /* without its address: the running domain places it where it has room */
        nv_xml_node *copy = nv_xml_clone(dev, e);
        if (copy) {
            drop_children(copy, "address");
            s->xml = nv_xml_to_string(copy, NULL, e);
            nv_xml_free(copy);
        }
        if (!s->xml) {
            free(s->what);
            free(s->key);
            return -1;
        }
    }
    p->n++;
    return 0;
}

void nv_live_plan_free(nv_live_plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].what);
        free(p->v[i].key);
        free(p->v[i].xml);
    }
    free(p->v);
    memset(p, 0, sizeof *p);
}

/* The live-capable devices of a definition, with their keys. */
typedef struct devlist {
    const nv_xml_node **dev;
    char **key;
    size_t n;
} devlist;

static void devlist_free(devlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->key[i]);
    free(l->dev);
    free(l->key);
    memset(l, 0, sizeof *l);
}

/* Fills l; a device without a key, or two with one key, sets p->restart. */
static int devlist_make(const nv_xml_node *root, devlist *l, nv_live_plan *p, nv_err *e)
{
    memset(l, 0, sizeof *l);
    const nv_xml_node *devices = nv_xml_child(root, "devices");
    size_t n = devices ? nv_xml_count(devices, NULL) : 0;
    l->dev = calloc(n + 1, sizeof *l->dev);
    l->key = calloc(n + 1, sizeof *l->key);
    if (!l->dev || !l->key)
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    for (const nv_xml_node *d = devices ? nv_xml_child(devices, NULL) : NULL; d; d = nv_xml_next(d, NULL)) {
        if (!is_live_kind(d->name))
            continue;
        char *k;
        if (device_key(d, &k, e) < 0)
            return -1;
        if (!k) {
            set_restart(p, "a <%s> without an identity (MAC, target)", d->name);
            continue;
        }
        for (size_t i = 0; i < l->n; i++)
            if (strcmp(l->key[i], k) == 0)
                set_restart(p, "two devices are %s", k);
        l->dev[l->n] = d;
        l->key[l->n++] = k;
    }
    return 0;
}

static const nv_xml_node *devlist_find(const devlist *l, const char *key)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->key[i], key) == 0)
            return l->dev[i];
    return NULL;
}

/* Copies of a and b without the children named in `drop`. */
static int strip_pair(const nv_xml_node *a, const nv_xml_node *b, const char *const *drop, size_t ndrop,
                      nv_xml_node **ca, nv_xml_node **cb, nv_err *e)
{
    *ca = nv_xml_clone(a, e);
    *cb = *ca ? nv_xml_clone(b, e) : NULL;
    if (!*cb) {
        nv_xml_free(*ca);
        *ca = NULL;
        return -1;
    }
    for (size_t j = 0; j < ndrop; j++) {
        drop_children(*ca, drop[j]);
        drop_children(*cb, drop[j]);
    }
    return 0;
}

/* A device present on both sides that differs: an update when only what
 * update-device changes on a running domain differs. */
static int plan_changed_device(nv_live_plan *p, const char *key, const nv_xml_node *b, const nv_xml_node *a,
                               int strict, nv_err *e)
{
    static const char *const iface_live[] = {"address", "link", "bandwidth"};
    static const char *const media[] = {"address", "source"};
    const char *const *drop = NULL;
    size_t ndrop = 0;
    const char *dev = nv_xml_attr(a, "device");
    if (strcmp(a->name, "interface") == 0) {
        drop = iface_live;
        ndrop = 3;
    } else if (strcmp(a->name, "disk") == 0 && dev && (strcmp(dev, "cdrom") == 0 || strcmp(dev, "floppy") == 0)) {
        drop = media;
        ndrop = 2;
    }
    /* other devices: only their address may differ, and that needs a restart */
    static const char *const addr[] = {"address"};
    int updatable = ndrop > 0;
    if (!updatable) {
        drop = addr;
        ndrop = 1;
    }
    char path[200] = "";
    nv_xml_node *cb, *ca;
    if (strip_pair(b, a, drop, ndrop, &cb, &ca, e) < 0)
        return -1;
    int r = differs(cb, ca, strict, path, sizeof path, e);
    nv_xml_free(cb);
    nv_xml_free(ca);
    if (r < 0)
        return -1;
    if (r == 0 && updatable)
        return add_step(p, NV_LIVE_UPDATE, key, a, 0, e);
    set_restart(p, "%s changed (%s)", key, path);
    return 0;
}

static int plan_devices(nv_live_plan *p, const nv_xml_node *before, const nv_xml_node *after, int strict, nv_err *e)
{
    devlist lb, la;
    int rc = -1;
    if (devlist_make(before, &lb, p, e) < 0 || devlist_make(after, &la, p, e) < 0)
        goto out;
    for (size_t i = 0; i < lb.n; i++)
        if (!devlist_find(&la, lb.key[i]) && add_step(p, NV_LIVE_DETACH, lb.key[i], lb.dev[i], 0, e) < 0)
            goto out;
    for (size_t i = 0; i < la.n; i++) {
        const nv_xml_node *b = devlist_find(&lb, la.key[i]);
        if (!b) {
            if (add_step(p, NV_LIVE_ATTACH, la.key[i], la.dev[i], 0, e) < 0)
                goto out;
            continue;
        }
        static const char *const addr[] = {"address"};
        nv_xml_node *cb, *ca;
        if (strip_pair(b, la.dev[i], addr, 1, &cb, &ca, e) < 0)
            goto out;
        char path[200] = "";
        int r = differs(cb, ca, strict, path, sizeof path, e);
        nv_xml_free(cb);
        nv_xml_free(ca);
        if (r < 0 || (r == 1 && plan_changed_device(p, la.key[i], b, la.dev[i], strict, e) < 0))
            goto out;
    }
    rc = 0;
out:
    devlist_free(&lb);
    devlist_free(&la);
    return rc;
}

/* A definition's machine "q35" or "pc" is an alias the daemon stores as
 * the versioned machine it stands for (pc-q35-7.2, pc-i440fx-7.2): the
 * same machine, for a dry run's comparison with the definition. */
static int machine_alias(nv_xml_node *cur, nv_xml_node *def, nv_err *e)
{
    nv_xml_node *cos = nv_xml_child(cur, "os"), *dos = nv_xml_child(def, "os");
    nv_xml_node *ct = cos ? nv_xml_child(cos, "type") : NULL;
    nv_xml_node *dt = dos ? nv_xml_child(dos, "type") : NULL;
    const char *cm = ct ? nv_xml_attr(ct, "machine") : NULL;
    const char *dm = dt ? nv_xml_attr(dt, "machine") : NULL;
    if (!cm || !dm)
        return 0;
    if ((strcmp(dm, "q35") == 0 && strncmp(cm, "pc-q35-", 7) == 0) ||
        (strcmp(dm, "pc") == 0 && strncmp(cm, "pc-i440fx-", 10) == 0))
        return nv_xml_set_attr(dt, "machine", cm, e);
    return 0;
}

/* Everything but the live-capable parts must be the same. Memory sizes are
 * compared in KiB (a definition may say MiB where the daemon says KiB). */
static int plan_rest(nv_live_plan *p, const nv_xml_node *before, const nv_xml_node *after, int strict, nv_err *e)
{
    static const char *const top[] = {"currentMemory", "vcpu", "memory"};
    nv_xml_node *cb, *ca;
    if (strip_pair(before, after, top, 3, &cb, &ca, e) < 0)
        return -1;
    nv_xml_node *both[2] = {cb, ca};
    for (int i = 0; i < 2; i++) {
        nv_xml_node *devices = nv_xml_child(both[i], "devices");
        for (nv_xml_node *d = devices ? nv_xml_child(devices, NULL) : NULL, *next; d; d = next) {
            next = nv_xml_next(d, NULL);
            if (is_live_kind(d->name))
                nv_xml_free(d);
            else
                drop_children(d, "address"); /* libvirt's placement moves when devices come and go */
        }
    }
    if (!strict && machine_alias(cb, ca, e) < 0) {
        nv_xml_free(cb);
        nv_xml_free(ca);
        return -1;
    }
    char path[200];
    int r = differs(cb, ca, strict, path, sizeof path, e);
    nv_xml_free(cb);
    nv_xml_free(ca);
    if (r == 1)
        set_restart(p, "%s changed", path);
    return r < 0 ? -1 : 0;
}

int nv_live_plan_make(const nv_xml_node *before, const nv_xml_node *after, int strict, nv_live_plan *p, nv_err *e)
{
    memset(p, 0, sizeof *p);
    if (plan_rest(p, before, after, strict, e) < 0)
        goto fail;

    uint64_t bmax = kib_of(nv_xml_child(before, "memory")), amax = kib_of(nv_xml_child(after, "memory"));
    const nv_xml_node *acur_el = nv_xml_child(after, "currentMemory");
    uint64_t bcur = kib_of(nv_xml_child(before, "currentMemory"));
    uint64_t acur = acur_el ? kib_of(acur_el) : amax; /* libvirt's default: the maximum */
    if (!bcur)
        bcur = bmax;
    if (!bmax || !amax || !acur)
        set_restart(p, "unreadable memory size");
    else if (bmax != amax)
        set_restart(p, "/domain/memory changed");
    else if (bcur != acur && add_step(p, NV_LIVE_MEMORY, NULL, NULL, acur, e) < 0)
        goto fail;

    const nv_xml_node *bv = nv_xml_child(before, "vcpu"), *av = nv_xml_child(after, "vcpu");
    unsigned long bvmax, bvcur, avmax, avcur;
    vcpus_of(bv, &bvmax, &bvcur);
    vcpus_of(av, &avmax, &avcur);
    if (bvmax != avmax) {
        set_restart(p, "/domain/vcpu changed");
    } else if (bv && av) {
        nv_xml_node *cb, *ca;
        if (strip_pair(bv, av, NULL, 0, &cb, &ca, e) < 0)
            goto fail;
        nv_xml_remove_attr(cb, "current");
        nv_xml_remove_attr(ca, "current");
        char path[200];
        int r = differs(cb, ca, strict, path, sizeof path, e);
        nv_xml_free(cb);
        nv_xml_free(ca);
        if (r < 0)
            goto fail;
        if (r)
            set_restart(p, "%s changed", path);
    }
    if (avcur < bvcur)
        set_restart(p, "fewer vCPUs (%lu → %lu): QEMU cannot unplug them", bvcur, avcur);
    else if (avcur > bvcur && add_step(p, NV_LIVE_VCPUS, NULL, NULL, avcur, e) < 0)
        goto fail;

    if (plan_devices(p, before, after, strict, e) < 0)
        goto fail;
    return 0;
fail:
    nv_live_plan_free(p);
    return -1;
}

/* Which of the detached devices the running domain still has: 1 when one
 * is there (its key in *left), 0 when all are gone. */
static int detach_pending(nv_conn *c, const nv_obj *o, const nv_live_plan *p, const char **left, nv_err *e)
{
    char *xml = nv_obj_xml(c, &nv_domain_ops, o, 0, e);
    if (!xml)
        return -1;
    nv_xml_node *live = nv_xml_parse(xml, strlen(xml), "live domain XML", e);
    free(xml);
    if (!live)
        return -1;
    nv_live_plan scratch = {0};
    devlist l;
    int rc = devlist_make(live, &l, &scratch, e);
    for (size_t i = 0; rc == 0 && i < p->n; i++)
        if (p->v[i].op == NV_LIVE_DETACH && devlist_find(&l, p->v[i].key)) {
            *left = p->v[i].key;
            rc = 1;
        }
    devlist_free(&l);
    nv_xml_free(live);
    return rc;
}

static int run_step(nv_conn *c, const nv_obj *o, const nv_live_step *s, nv_err *e)
{
    nv_log_obj("domain", o->uuid, "live: %s", s->what);
    switch (s->op) {
    case NV_LIVE_DETACH: return nv_domain_detach_device(c, o, s->xml, NV_DOMAIN_AFFECT_LIVE, e);
    case NV_LIVE_ATTACH: return nv_domain_attach_device(c, o, s->xml, NV_DOMAIN_AFFECT_LIVE, e);
    case NV_LIVE_UPDATE: return nv_domain_update_device(c, o, s->xml, NV_DOMAIN_AFFECT_LIVE, e);
    case NV_LIVE_MEMORY: return nv_domain_set_memory(c, o, s->value, NV_DOMAIN_AFFECT_LIVE, e);
    case NV_LIVE_VCPUS: return nv_domain_set_vcpus(c, o, (unsigned)s->value, NV_DOMAIN_AFFECT_LIVE, e);
    }
    return nv_err_set(e, NV_ERR_SYSTEM, "unknown live step");
}

int nv_live_apply(nv_conn *c, const nv_obj *o, const nv_live_plan *p, nv_err *e)
{
    static const enum nv_live_op order[] = {NV_LIVE_DETACH, NV_LIVE_ATTACH, NV_LIVE_UPDATE, NV_LIVE_MEMORY,
                                            NV_LIVE_VCPUS};
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        int any = 0;
        for (size_t i = 0; i < p->n; i++) {
            if (p->v[i].op != order[k])
                continue;
            any = 1;
            if (run_step(c, o, &p->v[i], e) < 0)
                return nv_err_prefix(e, "live %s", p->v[i].what);
        }
        /* a freed PCI slot may be what an attach needs: unplugs finish first */
        if (order[k] == NV_LIVE_DETACH && any) {
            long long deadline = nv_time_now_ms() + UNPLUG_EXTRA_WAIT_MS;
            const char *left = NULL;
            int r;
            while ((r = detach_pending(c, o, p, &left, e)) == 1 && nv_time_now_ms() < deadline) {
                nv_time_sleep_ms(100);
            }
            if (r < 0)
                return nv_err_prefix(e, "live detach");
            if (r == 1)
                return nv_err_set(e, NV_ERR_LIBVIRT, "live detach %s: the guest did not release it", left);
        }
    }
    return 0;
}

int nv_live_change(nv_conn *c, const nv_obj *o, const char *before_xml, const char *after_xml)
{
    nv_err e;
    nv_err_clear(&e);
    nv_live_plan p = {0};
    int rc = 0;
    nv_xml_node *b = nv_xml_parse(before_xml, strlen(before_xml), "domain XML before the define", &e);
    nv_xml_node *a = b ? nv_xml_parse(after_xml, strlen(after_xml), "domain XML after the define", &e) : NULL;
    if (!a || nv_live_plan_make(b, a, 1, &p, &e) < 0) {
        nv_log_obj("domain", o->uuid, "live: cannot plan (%s): restart", e.msg);
    } else if (p.restart[0]) {
        nv_log_obj("domain", o->uuid, "live: not possible (%s): restart", p.restart);
    } else if (nv_live_apply(c, o, &p, &e) < 0) {
        nv_log_obj("domain", o->uuid, "%s: restart", e.msg);
    } else {
        nv_log_obj("domain", o->uuid, "applied live, not restarted");
        rc = 1;
    }
    nv_live_plan_free(&p);
    nv_xml_free(a);
    nv_xml_free(b);
    return rc;
}
