#include "engine/spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/speccache.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/sha256.h"
#include "xml/lines.h"
#include "xml/stream.h"
#include "xml/write.h"
#include "util/uuid.h"

static const char *const kind_names[] = {
    [NV_SPEC_DOMAIN] = "domain",
    [NV_SPEC_NETWORK] = "network",
    [NV_SPEC_POOL] = "pool",
    [NV_SPEC_VOLUME] = "volume",
};

const char *nv_spec_kind_name(enum nv_spec_kind kind)
{
    if ((unsigned)kind < sizeof kind_names / sizeof kind_names[0])
        return kind_names[kind];
    return "?";
}

int nv_spec_kind_from_name(const char *name, enum nv_spec_kind *kind)
{
    for (size_t i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++) {
        if (strcmp(name, kind_names[i]) == 0) {
            *kind = (enum nv_spec_kind)i;
            return 0;
        }
    }
    return -1;
}

/* ---- UUIDs ---- */

void nv_spec_mac_derive(const uint8_t uuid[NV_UUID_LEN], uint32_t index, char out[NV_MAC_STR_LEN])
{
    uint8_t msg[NV_UUID_LEN + 4], d[NV_SHA256_LEN];
    memcpy(msg, uuid, NV_UUID_LEN);
    msg[16] = (uint8_t)(index >> 24);
    msg[17] = (uint8_t)(index >> 16);
    msg[18] = (uint8_t)(index >> 8);
    msg[19] = (uint8_t)index;
    nv_sha256(msg, sizeof msg, d);
    static const char digits[] = "0123456789abcdef";
    memcpy(out, "52:54:00:", 9);
    for (int i = 0; i < 3; i++) {
        out[9 + 3 * i] = digits[d[i] >> 4];
        out[10 + 3 * i] = digits[d[i] & 15];
        out[11 + 3 * i] = i < 2 ? ':' : '\0';
    }
}

/* ---- checks ---- */

static int blank(const char *s)
{
    for (; *s; s++) {
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return 0;
    }
    return 1;
}

static int check_name(nv_spec *s, nv_err *e)
{
    nv_xml_node *n = nv_xml_child(s->root, "name");
    if (!n)
        return nv_err_set(e, NV_ERR_INPUT, "%s:%lu: missing <name>", s->file, s->root->line);
    const char *t = nv_xml_text(n);
    if (!t)
        return nv_err_set(e, NV_ERR_INPUT, "%s:%lu: <name> must contain only text", s->file,
                          n->line);
    if (blank(t))
        return nv_err_set(e, NV_ERR_INPUT, "%s:%lu: empty <name>", s->file, n->line);
    s->name = t;
    s->name_line = n->line;
    return 0;
}

static int check_uuid(nv_spec *s, nv_err *e)
{
    nv_xml_node *u = nv_xml_child(s->root, "uuid");
    if (!u)
        return nv_err_set(e, NV_ERR_INPUT, "%s:%lu: missing <uuid>", s->file, s->root->line);
    const char *t = nv_xml_text(u);
    if (!t || nv_uuid_parse(t, s->uuid) < 0)
        return nv_err_set(e, NV_ERR_INPUT, "%s:%lu: invalid UUID '%.64s'", s->file, u->line,
                          t ? t : "(contains elements)");
    nv_uuid_format(s->uuid, s->uuid_str);
    s->has_uuid = 1;
    return 0;
}

/* ---- MAC fill-in ---- */

static int record_mac(nv_spec *s, const char *addr, uint32_t index, unsigned long line, nv_err *e)
{
    nv_spec_mac *m = realloc(s->macs, (s->nmacs + 1) * sizeof *m);
    if (!m)
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    s->macs = m;
    memcpy(m[s->nmacs].address, addr, NV_MAC_STR_LEN);
    m[s->nmacs].index = index;
    m[s->nmacs].line = line;
    s->nmacs++;
    return 0;
}

/* Gives el a <mac address=...> unless it has one with an address. */
static int fill_mac(nv_spec *s, nv_xml_node *el, uint32_t index, nv_err *e)
{
    nv_xml_node *mac = nv_xml_child(el, "mac");
    const char *have = mac ? nv_xml_attr(mac, "address") : NULL;
    if (have && *have)
        return 0;
    char addr[NV_MAC_STR_LEN];
    nv_spec_mac_derive(s->uuid, index, addr);
    if (!mac) {
        if (!(mac = nv_xml_new_element("mac", e)))
            return -1;
        nv_xml_append(el, mac);
    }
    if (nv_xml_set_attr(mac, "address", addr, e) < 0)
        return -1;
    return record_mac(s, addr, index, el->line, e);
}

static int fill_domain_macs(nv_spec *s, nv_err *e)
{
    uint32_t index = 0;
    for (nv_xml_node *d = nv_xml_child(s->root, "devices"); d; d = nv_xml_next(d, "devices")) {
        for (nv_xml_node *i = nv_xml_child(d, "interface"); i; i = nv_xml_next(i, "interface")) {
            if (fill_mac(s, i, index, e) < 0)
                return -1;
            index++;
        }
    }
    return 0;
}

/* Forward modes for which libvirt creates the bridge and, lacking a <mac>,
 * would pick a random address for it. A missing or empty mode means nat. */
static int network_owns_bridge(const nv_xml_node *root)
{
    const nv_xml_node *f = nv_xml_child(root, "forward");
    if (!f)
        return 1;
    const char *mode = nv_xml_attr(f, "mode");
    return !mode || !*mode || strcmp(mode, "nat") == 0 || strcmp(mode, "route") == 0 ||
           strcmp(mode, "open") == 0;
}

/* ---- reading ---- */

int nv_spec_drop_tree(nv_spec *s, nv_err *e)
{
    if (!s->root)
        return 0;
    if (!(s->name_own = strdup(s->name)))
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    s->name = s->name_own;
    nv_xml_free(s->root);
    s->root = NULL;
    return 0;
}

void nv_spec_free(nv_spec *s)
{
    free(s->name_own);
    nv_xml_free(s->root);
    free(s->file);
    free(s->macs);
    free(s->xml);
    free(s->src);
    memset(s, 0, sizeof *s);
}

static int check_and_fill(nv_spec *s, nv_err *e)
{
    const char *want = nv_spec_kind_name(s->kind);
    if (strcmp(s->root->name, want) != 0)
        return nv_err_set(e, NV_ERR_INPUT, "%s:%lu: expected <%s> as the root element, found <%.64s>",
                          s->file, s->root->line, want, s->root->name);
    if (check_name(s, e) < 0)
        return -1;
    if (s->kind != NV_SPEC_VOLUME && check_uuid(s, e) < 0)
        return -1;
    if (s->kind == NV_SPEC_DOMAIN && fill_domain_macs(s, e) < 0)
        return -1;
    if (s->kind == NV_SPEC_NETWORK && network_owns_bridge(s->root) && fill_mac(s, s->root, 0, e) < 0)
        return -1;
    if (!(s->xml = nv_xml_to_string(s->root, &s->xml_len, e)))
        return nv_err_prefix(e, "%s", s->file);
    /* a file within the limit can outgrow it once MACs are filled in (or
     * as we write it): say so here, naming the file, not when encoding */
    if (s->xml_len > NV_SPEC_XML_MAX)
        return nv_err_set(e, NV_ERR_INPUT, "%s: the definition is %zu bytes%s, more than the %zu libvirt accepts",
                          s->file, s->xml_len, s->nmacs ? " once its MAC addresses are filled in" : " as sent",
                          NV_SPEC_XML_MAX);
    return 0;
}

static int finish(nv_spec *s, enum nv_spec_kind kind, const char *file, nv_xml_node *root,
                  nv_err *e)
{
    memset(s, 0, sizeof *s);
    if (!root)
        return -1;
    s->kind = kind;
    s->root = root;
    if (!(s->file = strdup(file))) {
        nv_spec_free(s);
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    }
    if (check_and_fill(s, e) < 0) {
        nv_spec_free(s);
        return -1;
    }
    return 0;
}

int nv_spec_parse(nv_spec *s, enum nv_spec_kind kind, const char *file, const char *data,
                  size_t len, nv_err *e)
{
    if (!file)
        file = "<input>";
    return finish(s, kind, file, nv_xml_parse(data, len, file, e), e);
}

int nv_spec_read(nv_spec *s, enum nv_spec_kind kind, const char *path, nv_err *e)
{
    return finish(s, kind, path, nv_xml_parse_file(path, e), e);
}

/* ---- reading as text, without the tree ---- */

_Atomic unsigned long nv_spec_tree_reads;

/* What the hooks gather while the document is written (xml/stream.h):
 * the checks of check_and_fill and the MAC fill-in, as they go. Anything
 * they cannot settle on the way gives up, and the tree decides. */
typedef struct gather {
    nv_spec *s;
    nv_buf name, uuid;
    int name_seen, uuid_seen;   /* the first <name> / <uuid> child of the root: 1 inside, 2 done */
    int name_elems, uuid_elems; /* it has element children */
    unsigned long root_line;    /* these lines are byte offsets until the end (read_streamed) */
    int in_devices;             /* a domain's <devices>, child of the root */
    int in_iface, iface_mac;    /* an <interface> in it; its first <mac> seen */
    uint32_t iface_index;       /* of the next interface */
    unsigned long iface_line;
    int root_mac;               /* a network: a <mac> child of the root seen */
    const char *forward_mode;   /* a network: the first <forward>'s mode ("" none; NULL no forward) */
    char forward_buf[16];
    int forward_seen;
    char mac[NV_MAC_STR_LEN];
} gather;

static const char *attr_of(const char **atts, const char *name)
{
    for (size_t i = 0; atts[i]; i += 2)
        if (strcmp(atts[i], name) == 0)
            return atts[i + 1];
    return NULL;
}

static int g_start(void *ctx, nv_xml_stream *st, int depth, const char *name, const char **atts,
                   const char **set_name, const char **set_value)
{
    gather *g = ctx;
    nv_spec *s = g->s;
    if (depth == 1) {
        if (strcmp(name, nv_spec_kind_name(s->kind)) != 0)
            return -1;
        g->root_line = nv_xml_stream_offset(st);
        return 0;
    }
    if (g->name_seen == 1 || g->uuid_seen == 1) {
        g->name_elems |= g->name_seen == 1;
        g->uuid_elems |= g->uuid_seen == 1;
        return 0;
    }
    if (depth == 2) {
        if (!g->name_seen && strcmp(name, "name") == 0) {
            g->name_seen = 1;
            s->name_line = nv_xml_stream_offset(st);
        } else if (!g->uuid_seen && s->kind != NV_SPEC_VOLUME && strcmp(name, "uuid") == 0) {
            g->uuid_seen = 1;
        } else if (s->kind == NV_SPEC_DOMAIN && strcmp(name, "devices") == 0) {
            g->in_devices = 1;
        } else if (s->kind == NV_SPEC_NETWORK && strcmp(name, "mac") == 0 && !g->root_mac) {
            g->root_mac = 1;
            const char *a = attr_of(atts, "address");
            if (!a || !*a)
                return -1; /* completed in place only once <forward> is known: the tree does it */
        } else if (s->kind == NV_SPEC_NETWORK && strcmp(name, "forward") == 0 && !g->forward_seen) {
            g->forward_seen = 1;
            const char *m = attr_of(atts, "mode");
            snprintf(g->forward_buf, sizeof g->forward_buf, "%.15s", m ? m : "");
        }
        return 0;
    }
    if (depth == 3 && g->in_devices && strcmp(name, "interface") == 0) {
        g->in_iface = 1;
        g->iface_mac = 0;
        g->iface_line = nv_xml_stream_offset(st);
        return 0;
    }
    if (depth == 4 && g->in_iface && !g->iface_mac && strcmp(name, "mac") == 0) {
        g->iface_mac = 1;
        const char *a = attr_of(atts, "address");
        if (a && *a)
            return 0;
        /* completed in place (as fill_mac does), when the UUID is known by now */
        if (g->uuid_seen != 2 || !s->has_uuid)
            return -1;
        nv_spec_mac_derive(s->uuid, g->iface_index, g->mac);
        *set_name = "address";
        *set_value = g->mac;
        nv_err e;
        return record_mac(s, g->mac, g->iface_index, g->iface_line, &e);
    }
    return 0;
}

static int g_text(void *ctx, int depth, const char *t, size_t len)
{
    gather *g = ctx;
    if (depth != 2)
        return 0;
    if (g->name_seen == 1)
        return nv_buf_append(&g->name, t, len);
    if (g->uuid_seen == 1)
        return nv_buf_append(&g->uuid, t, len);
    return 0;
}

static int g_end(void *ctx, nv_xml_stream *st, int depth, const char *name)
{
    gather *g = ctx;
    nv_spec *s = g->s;
    nv_err e;
    (void)name;
    if (depth == 2 && g->name_seen == 1) {
        g->name_seen = 2;
        const char *t = nv_buf_cstr(&g->name);
        if (!t || g->name_elems || blank(t) || !(s->name_own = strdup(t)))
            return -1;
        s->name = s->name_own;
    } else if (depth == 2 && g->uuid_seen == 1) {
        g->uuid_seen = 2;
        const char *t = nv_buf_cstr(&g->uuid);
        if (!t || g->uuid_elems || nv_uuid_parse(t, s->uuid) < 0)
            return -1;
        nv_uuid_format(s->uuid, s->uuid_str);
        s->has_uuid = 1;
    } else if (depth == 2 && g->in_devices) {
        g->in_devices = 0;
    } else if (depth == 3 && g->in_iface) {
        g->in_iface = 0;
        uint32_t index = g->iface_index++;
        if (g->iface_mac)
            return 0;
        if (g->uuid_seen != 2 || !s->has_uuid)
            return -1;
        nv_spec_mac_derive(s->uuid, index, g->mac);
        if (nv_xml_stream_add_empty(st, "mac", "address", g->mac) < 0)
            return -1;
        return record_mac(s, g->mac, index, g->iface_line, &e);
    } else if (depth == 1 && s->kind == NV_SPEC_NETWORK && !g->root_mac) {
        const char *m = g->forward_seen ? g->forward_buf : "";
        int owns = !*m || strcmp(m, "nat") == 0 || strcmp(m, "route") == 0 || strcmp(m, "open") == 0;
        if (!owns)
            return 0;
        if (g->uuid_seen != 2 || !s->has_uuid)
            return -1;
        nv_spec_mac_derive(s->uuid, 0, g->mac);
        if (nv_xml_stream_add_empty(st, "mac", "address", g->mac) < 0)
            return -1;
        return record_mac(s, g->mac, 0, g->root_line, &e);
    }
    return 0;
}

/* Working buffers kept from one definition to the next (a manifest reads
 * thousands), one set per thread; one grown past 64 KiB is freed after use. */
static _Thread_local nv_buf scratch_out, scratch_name, scratch_uuid;

static void scratch_done(nv_buf *b)
{
    if (b->cap > 64 * 1024)
        nv_buf_free(b);
    nv_buf_reset(b);
}

void nv_spec_thread_done(void)
{
    nv_buf_free(&scratch_out);
    nv_buf_free(&scratch_name);
    nv_buf_free(&scratch_uuid);
}

/* The fast way: 0 with *s complete, -1 when the tree must decide (*s then
 * holds nothing that needs freeing). */
static int read_streamed(nv_spec *s, enum nv_spec_kind kind, const char *path, const char *data, size_t len)
{
    memset(s, 0, sizeof *s);
    s->kind = kind;
    gather g = {.s = s};
    nv_buf *out = &scratch_out;
    g.name = scratch_name;
    g.uuid = scratch_uuid;
    nv_buf_truncate(&g.name, 0);
    nv_buf_truncate(&g.uuid, 0);
    g.name.limit = g.uuid.limit = NV_XML_MAX_INPUT;
    nv_buf_truncate(out, 0);
    out->limit = NV_SPEC_XML_MAX;
    nv_xml_stream_hooks h = {.ctx = &g, .start = g_start, .text = g_text, .end = g_end};
    int rc = nv_xml_stream_write(data, len, &h, out);
    /* a missing <name> or <uuid>, or a forward mode longer than any there is, is the tree's to report */
    if (rc == 0 && (g.name_seen != 2 || (kind != NV_SPEC_VOLUME && g.uuid_seen != 2) ||
                    (g.forward_seen && strlen(g.forward_buf) >= sizeof g.forward_buf - 1)))
        rc = -1;
    if (rc == 0) {
        /* the offsets kept on the way, as lines */
        s->name_line = nv_xml_line_at(data, len, s->name_line);
        for (size_t i = 0; i < s->nmacs; i++)
            s->macs[i].line = nv_xml_line_at(data, len, s->macs[i].line);
    }
    scratch_name = g.name;
    scratch_uuid = g.uuid;
    scratch_done(&scratch_name);
    scratch_done(&scratch_uuid);
    /* held for the whole run: a copy of its own size */
    if (rc == 0 && (s->xml = malloc(out->len + 1)) != NULL) {
        memcpy(s->xml, out->data, out->len);
        s->xml[out->len] = '\0';
        s->xml_len = out->len;
    }
    scratch_done(out);
    if (rc == 0 && (!s->xml || !(s->file = strdup(path))))
        rc = -1;
    if (rc < 0) {
        nv_spec_free(s);
        return -1;
    }
    return 0;
}

/* The reading of len bytes of data: streamed, else through the tree. */
static int read_data(nv_spec *s, enum nv_spec_kind kind, const char *path, const char *data, size_t len, nv_err *e)
{
    /* pools keep their tree (the compare reads it): only the tree way */
    int rc = kind != NV_SPEC_POOL ? read_streamed(s, kind, path, data, len) : -1;
    if (rc < 0) {
        nv_spec_tree_reads++;
        rc = finish(s, kind, path, nv_xml_parse(data, len, path, e), e);
        if (rc == 0 && kind != NV_SPEC_POOL && nv_spec_drop_tree(s, e) < 0) {
            nv_spec_free(s);
            rc = -1;
        }
    }
    if (rc == 0) {
        nv_sha256(s->xml, s->xml_len, s->digest);
        s->has_digest = 1;
    }
    return rc;
}

/* What the cache kept of a reading of these very bytes (data NULL: sealed,
 * the file not read; the manifest named the bytes the entry is for). */
static int from_cache(nv_spec *s, enum nv_spec_kind kind, const char *path, const nv_speccache_entry *en,
                      char *data, size_t len, nv_err *e)
{
    memset(s, 0, sizeof *s);
    s->kind = kind;
    if (!(s->file = strdup(path)) || !(s->name_own = strdup(en->name))) {
        nv_spec_free(s);
        return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
    }
    s->name = s->name_own;
    memcpy(s->uuid, en->uuid, 16);
    nv_uuid_format(s->uuid, s->uuid_str);
    s->has_uuid = 1;
    memcpy(s->digest, en->digest, 32);
    s->has_digest = 1;
    s->src = data;
    s->src_len = len;
    if (!data) {
        s->sealed = 1;
        memcpy(s->sealed_src, en->src, 32);
    }
    return 0;
}

/* The bytes read from path must be those the manifest named. */
static int check_sealed(const char *path, const uint8_t want[32], const uint8_t got[32], nv_err *e)
{
    if (memcmp(want, got, 32) == 0)
        return 0;
    char w[65] = {0}, g[65] = {0};
    nv_hex_write(want, 32, w);
    nv_hex_write(got, 32, g);
    return nv_err_set(e, NV_ERR_INPUT, "%s: its SHA-256 is %s, not the manifest's sha256=\"%s\" (the file changed "
                      "after the manifest was made)", path, g, w);
}

int nv_spec_read_shared(nv_spec *s, enum nv_spec_kind kind, const char *path, const nv_speccache *cache,
                        nv_dir *dir, const uint8_t *want, nv_spec_cache_use *u, nv_err *e)
{
    size_t len;
    char *data;
    memset(s, 0, sizeof *s);
    memset(u, 0, sizeof *u);
    int use_cache = cache && (kind == NV_SPEC_DOMAIN || kind == NV_SPEC_NETWORK);
    /* the manifest says which bytes, and their reading is known: the file
     * is not opened (a no-op apply reads no definition at all) */
    if (want && use_cache && (u->hit = nv_speccache_lookup(cache, kind, want)) != NULL)
        return from_cache(s, kind, path, u->hit, NULL, 0, e);
    if (nv_read_file_in(dir, path, NV_XML_MAX_INPUT, &data, &len, e) < 0)
        return -1;
    if (use_cache || want) {
        nv_sha256(data, len, u->src);
        if (want && check_sealed(path, want, u->src, e) < 0) {
            free(data);
            return -1;
        }
    }
    /* the reading of these bytes is known: nothing to check or parse */
    if (use_cache) {
        u->hit = nv_speccache_lookup(cache, kind, u->src);
        if (u->hit)
            return from_cache(s, kind, path, u->hit, data, len, e);
    }
    int rc = nv_xml_check_text(path, data, len, e) < 0 ? -1 : read_data(s, kind, path, data, len, e);
    u->add = rc == 0 && use_cache;
    free(data);
    return rc;
}

int nv_spec_read_cached(nv_spec *s, enum nv_spec_kind kind, const char *path, nv_speccache *cache, nv_dir *dir,
                        nv_err *e)
{
    nv_spec_cache_use u;
    int rc = nv_spec_read_shared(s, kind, path, cache, dir, NULL, &u, e);
    nv_spec_cache_commit(cache, &u, s);
    return rc;
}

void nv_spec_cache_commit(nv_speccache *cache, const nv_spec_cache_use *u, const nv_spec *s)
{
    if (u->hit)
        u->hit->used = 1;
    if (u->add)
        nv_speccache_add(cache, u->src, s);
}

int nv_spec_read_text(nv_spec *s, enum nv_spec_kind kind, const char *path, nv_err *e)
{
    return nv_spec_read_cached(s, kind, path, NULL, NULL, e);
}

/* The reading of s's kept bytes into *made, which must agree with s. */
static int make_text(const nv_spec *s, nv_spec *made, nv_err *e)
{
    const char *src = s->src;
    size_t src_len = s->src_len;
    char *read = NULL;
    if (!src && s->sealed) {
        uint8_t got[32];
        if (nv_read_file(s->file, NV_XML_MAX_INPUT, &read, &src_len, e) < 0)
            return -1;
        nv_sha256(read, src_len, got);
        if (check_sealed(s->file, s->sealed_src, got, e) < 0) {
            free(read);
            return -1;
        }
        src = read;
    }
    if (!src)
        return nv_err_set(e, NV_ERR_SYSTEM, "%s: its text was not kept", s->file);
    int rc = nv_xml_check_text(s->file, src, src_len, e) < 0 ? -1 : read_data(made, s->kind, s->file, src, src_len, e);
    free(read);
    if (rc < 0)
        return nv_err_prefix(e, "its reading differs from the one cached");
    if (memcmp(made->uuid, s->uuid, 16) != 0 || strcmp(made->name, s->name) != 0 ||
        memcmp(made->digest, s->digest, 32) != 0) {
        nv_spec_free(made);
        return nv_err_set(e, NV_ERR_INPUT, "%s: its reading differs from the one cached", s->file);
    }
    return 0;
}

int nv_spec_need_text(nv_spec *s, nv_err *e)
{
    if (s->xml)
        return 0;
    nv_spec made;
    if (make_text(s, &made, e) < 0)
        return -1;
    s->xml = made.xml;
    s->xml_len = made.xml_len;
    s->macs = made.macs;
    s->nmacs = made.nmacs;
    s->name_line = made.name_line;
    made.xml = NULL;
    made.macs = NULL;
    nv_spec_free(&made);
    free(s->src);
    s->src = NULL;
    s->src_len = 0;
    s->sealed = 0;
    return 0;
}

const char *nv_spec_text(const nv_spec *s, char **made, size_t *len, nv_err *e)
{
    *made = NULL;
    if (s->xml) {
        *len = s->xml_len;
        return s->xml;
    }
    nv_spec m;
    if (make_text(s, &m, e) < 0)
        return NULL;
    *made = m.xml;
    *len = m.xml_len;
    m.xml = NULL;
    nv_spec_free(&m);
    return *made;
}
