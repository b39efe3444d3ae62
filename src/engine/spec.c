#include "engine/spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/sha256.h"
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
    snprintf(out, NV_MAC_STR_LEN, "52:54:00:%02x:%02x:%02x", d[0], d[1], d[2]);
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
