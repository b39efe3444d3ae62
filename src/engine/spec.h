/* Reading one definition file (domain, network, pool or volume XML):
 * parse, check the parts the engine relies on, and fill in deterministic
 * MAC addresses so that redefining the same file never changes them.
 *
 * Checks: the root element matches the kind; <name> is present and not
 * blank; <uuid> is present and valid for domains, networks and pools; the
 * XML to send, MACs filled in, is at most NV_SPEC_XML_MAX bytes.
 * Errors are NV_ERR_INPUT with "<file>:<line>: <reason>".
 *
 * MAC fill-in: for a domain, each <interface> under <devices> that has no
 * <mac> (or a <mac> without an address) gets one; for a network whose
 * forward mode gives it a bridge of its own (no <forward>, or mode nat,
 * route or open: libvirt would give those a random MAC), a <mac> child of
 * <network> is added the same way. The address is 52:54:00:XX:YY:ZZ with
 * XX YY ZZ the first three bytes of SHA-256(the 16 UUID bytes followed by the
 * interface index as a 4-byte big-endian number). The index counts every
 * <interface> of the domain in document order, with or without a MAC; a
 * network uses index 0. */
#ifndef NV_ENGINE_SPEC_H
#define NV_ENGINE_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "util/uuid.h"
#include "xml/doc.h"

enum nv_spec_kind {
    NV_SPEC_DOMAIN,
    NV_SPEC_NETWORK,
    NV_SPEC_POOL,
    NV_SPEC_VOLUME,
};

/* The largest definition a define can carry: libvirt's REMOTE_STRING_MAX. */
#define NV_SPEC_XML_MAX ((size_t)4194304)

#define NV_MAC_STR_LEN 18  /* "52:54:00:xx:yy:zz" and the NUL */

typedef struct nv_spec_mac {
    char address[NV_MAC_STR_LEN];
    uint32_t index;     /* interface index (0 for a network) */
    unsigned long line; /* line of the <interface> (or <network>) element */
} nv_spec_mac;

typedef struct nv_spec {
    enum nv_spec_kind kind;
    char *file;             /* the path as given, for messages */
    nv_xml_node *root;      /* the definition, MACs filled in; NULL after nv_spec_drop_tree */
    const char *name;       /* text of <name>, points into root (or name_own) */
    char *name_own;         /* the name's own copy once the tree is dropped */
    unsigned long name_line; /* line of <name>, for messages */
    int has_uuid;           /* always set for domain, network, pool */
    uint8_t uuid[NV_UUID_LEN];
    char uuid_str[NV_UUID_STR_LEN]; /* lowercase, 8-4-4-4-12 */
    nv_spec_mac *macs;      /* MACs the fill-in assigned, in document order */
    size_t nmacs;
    char *xml;              /* root serialised: what is sent to the daemon; NULL while not made (src) */
    size_t xml_len;
    int has_digest;         /* nv_spec_read_text sets: */
    uint8_t digest[32];     /*   SHA-256 of xml (made or to be made) */
    char *src;              /* the file's bytes, while xml is not made yet (nv_spec_need_text) */
    size_t src_len;
    int sealed;             /* xml and src both absent: the file was not opened, */
    uint8_t sealed_src[32]; /*   its bytes must have this digest when it is (the manifest's sha256) */
} nv_spec;

struct nv_speccache;

/* "domain", "network", "pool", "volume" (also the root element names). */
const char *nv_spec_kind_name(enum nv_spec_kind kind);
/* The reverse; -1 for an unknown name. */
int nv_spec_kind_from_name(const char *name, enum nv_spec_kind *kind);

/* Reads path (bounded by NV_XML_MAX_INPUT) into *s. On failure *s holds
 * nothing that needs freeing; on success release it with nv_spec_free. */
int nv_spec_read(nv_spec *s, enum nv_spec_kind kind, const char *path, nv_err *e);
/* The same from memory; `file` names the input in messages. */
int nv_spec_parse(nv_spec *s, enum nv_spec_kind kind, const char *file, const char *data,
                  size_t len, nv_err *e);
void nv_spec_free(nv_spec *s);
/* nv_spec_read followed by nv_spec_drop_tree (for a pool: nv_spec_read
 * alone), with the same results and errors, but for domains, networks and
 * volumes most often without a tree at all: the text to send is written
 * while the file is parsed (xml/stream.h), the checks and MACs made on the
 * way; what that cannot settle (an error, a UUID after the interfaces, a
 * network's <mac> without an address) is done through the tree. */
int nv_spec_read_text(nv_spec *s, enum nv_spec_kind kind, const char *path, nv_err *e);
/* The same with the digest of the text set, and for a domain or network
 * whose file has the bytes of a reading the cache keeps (engine/speccache.h),
 * nothing parsed: kind, UUID, name and digest come from the cache, the
 * bytes are kept and xml stays NULL until nv_spec_need_text. Readings made
 * are added to the cache. cache may be NULL; dir too (util/file.h's
 * nv_read_file_in: one lookup per directory of many definitions). */
struct nv_dir;
int nv_spec_read_cached(nv_spec *s, enum nv_spec_kind kind, const char *path, struct nv_speccache *cache,
                        struct nv_dir *dir, nv_err *e);
/* The same for a thread that must not change the cache (others read it
 * at the same time): the cache is only looked up; what the caller does
 * with it afterwards, on one thread, is said in *u. */
typedef struct nv_spec_cache_use {
    struct nv_speccache_entry *hit; /* the entry the reading came from (to mark used) */
    int add;                        /* a reading to add, keyed by src */
    uint8_t src[32];
} nv_spec_cache_use;
/* want: the SHA-256 the file's bytes must have (a manifest's sha256=), or
 * NULL. With it, a domain or network whose reading of those bytes the
 * cache keeps is not even opened (s->sealed: nv_spec_need_text reads and
 * checks it when its text is needed), and a file read with other bytes is
 * an error. */
int nv_spec_read_shared(nv_spec *s, enum nv_spec_kind kind, const char *path, const struct nv_speccache *cache,
                        struct nv_dir *dir, const uint8_t *want, nv_spec_cache_use *u, nv_err *e);
/* Does to cache what *u says (marks the entry used, or adds s's reading). */
void nv_spec_cache_commit(struct nv_speccache *cache, const nv_spec_cache_use *u, const nv_spec *s);
/* Makes s->xml (and the MACs) from the kept bytes (a sealed spec: from
 * the file, which must have the manifest's digest), when not made yet. An
 * error when they read otherwise than the cache said (it is not to be
 * trusted then). */
int nv_spec_need_text(nv_spec *s, nv_err *e);
/* The text of s without changing it: s->xml, or made into *made (the
 * caller frees it); NULL on error. */
const char *nv_spec_text(const nv_spec *s, char **made, size_t *len, nv_err *e);
/* For tests: how many nv_spec_read_text calls went through the tree. */
extern _Atomic unsigned long nv_spec_tree_reads;
/* Frees the working buffers the calling thread keeps from one reading to
 * the next (a thread other than main calls it before it ends). */
void nv_spec_thread_done(void);
/* Frees the parsed tree, keeping the name, UUID, MACs and the serialised
 * XML: a manifest of many (or big) definitions holds the text to send, not
 * a tree several times its size. Code that needs the tree again parses xml. */
int nv_spec_drop_tree(nv_spec *s, nv_err *e);

/* The deterministic MAC for interface `index` of the object with `uuid`. */
void nv_spec_mac_derive(const uint8_t uuid[NV_UUID_LEN], uint32_t index, char out[NV_MAC_STR_LEN]);

#endif
