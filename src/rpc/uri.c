/* libvirt connection URI parsing and the connect-open name. */
#include "rpc/uri.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/hex.h"

static const char *const transport_names[] = {
    [NV_URI_UNIX] = "unix",     [NV_URI_SSH] = "ssh",       [NV_URI_EXT] = "ext",
    [NV_URI_TLS] = "tls",       [NV_URI_TCP] = "tcp",       [NV_URI_LIBSSH] = "libssh",
    [NV_URI_LIBSSH2] = "libssh2",
};

const char *nv_rpc_uri_transport_name(enum nv_uri_transport t)
{
    if ((size_t)t < sizeof transport_names / sizeof transport_names[0])
        return transport_names[t];
    return "?";
}

static int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_alnum(int c) { return is_alpha(c) || is_digit(c); }
static int is_hex(int c) { return nv_hex_digit(c) >= 0; }
/* RFC 3986 pchar without pct-encoded: unreserved, sub-delims, ':' and '@'. */
static int is_pchar(int c)
{
    return is_alnum(c) || (c && strchr("-._~!$&'()*+,;=:@", c) != NULL);
}

static char *dup_range(const char *s, size_t n)
{
    char *r = malloc(n + 1);
    if (!r)
        return NULL;
    memcpy(r, s, n);
    r[n] = '\0';
    return r;
}

/* Checks s[0..n) for characters allowed in a URI component (pchar plus
 * `extra`, and well-formed %XX) and returns the decoded copy. %00 is refused:
 * the result is a C string. */
static char *decode_component(const char *uri, const char *s, size_t n, const char *extra,
                              const char *what, nv_err *e)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        size_t pos = (size_t)(s - uri) + i;
        if (c == '%') {
            if (i + 2 >= n) {
                nv_err_set(e, NV_ERR_INPUT,
                           "URI '%s': incomplete percent-encoding at position %zu in the %s",
                           uri, pos, what);
                return NULL;
            }
            if (!is_hex(s[i + 1]) || !is_hex(s[i + 2])) {
                nv_err_set(e, NV_ERR_INPUT,
                           "URI '%s': invalid percent-encoding '%.3s' at position %zu in the %s",
                           uri, s + i, pos, what);
                return NULL;
            }
            if (s[i + 1] == '0' && s[i + 2] == '0') {
                nv_err_set(e, NV_ERR_INPUT, "URI '%s': %%00 is not allowed (position %zu)",
                           uri, pos);
                return NULL;
            }
            i += 2;
            continue;
        }
        if (!is_pchar(c) && !(extra && strchr(extra, c))) {
            nv_err_set(e, NV_ERR_INPUT,
                       "URI '%s': character '%c' is not allowed in the %s (position %zu); "
                       "percent-encode it as %%%02X",
                       uri, c, what, pos, c);
            return NULL;
        }
    }
    char *out = malloc(n + 1);
    if (!out) {
        nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
        return NULL;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            out[o++] = (char)(nv_hex_digit(s[i + 1]) * 16 + nv_hex_digit(s[i + 2]));
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

static int oom(nv_err *e)
{
    return nv_err_set(e, NV_ERR_SYSTEM, "out of memory");
}

/* Splits the scheme into driver and transport. */
static int parse_scheme(nv_uri *u, nv_err *e)
{
    const char *plus = strchr(u->scheme, '+');
    size_t dlen = plus ? (size_t)(plus - u->scheme) : strlen(u->scheme);
    if (dlen == 0)
        return nv_err_set(e, NV_ERR_INPUT, "URI '%s' has no driver name before '+'", u->text);
    if (!(u->driver = dup_range(u->scheme, dlen)))
        return oom(e);
    if (!plus) {
        /* A host without "+transport" means TLS, as in libvirt. */
        u->transport = NV_URI_UNIX;
        return 0;
    }
    char t[16];
    size_t tlen = strlen(plus + 1);
    if (tlen == 0 || tlen >= sizeof t)
        goto unknown;
    for (size_t i = 0; i <= tlen; i++) {
        char c = plus[1 + i];
        t[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; /* case-insensitive */
    }
    for (size_t i = 0; i < sizeof transport_names / sizeof transport_names[0]; i++) {
        if (strcmp(t, transport_names[i]) == 0) {
            u->transport = (enum nv_uri_transport)i;
            u->explicit_transport = 1;
            return 0;
        }
    }
unknown:
    return nv_err_set(e, NV_ERR_INPUT,
                      "URI '%s': transport '%s' not recognised "
                      "(should be unix, ssh, ext, tls, tcp, libssh or libssh2)",
                      u->text, plus + 1);
}

/* userinfo "@": the user name; advances *a and *n past it. */
static int parse_userinfo(nv_uri *u, const char **a, size_t *n, nv_err *e)
{
    const char *uri = u->text;
    const char *at = memchr(*a, '@', *n);
    if (!at)
        return 0;
    if (memchr(at + 1, '@', *n - (size_t)(at + 1 - *a)))
        return nv_err_set(e, NV_ERR_INPUT,
                          "URI '%s' has more than one '@'; percent-encode '@' in the "
                          "user name as %%40", uri);
    size_t ulen = (size_t)(at - *a);
    if (memchr(*a, ':', ulen))
        return nv_err_set(e, NV_ERR_INPUT,
                          "URI '%s': passwords in URIs are not supported "
                          "(use an ssh key or agent)", uri);
    if (ulen == 0)
        return nv_err_set(e, NV_ERR_INPUT, "URI '%s' has an empty user name before '@'",
                          uri);
    if (!(u->user = decode_component(uri, *a, ulen, NULL, "user name", e)))
        return -1;
    *n -= ulen + 1;
    *a = at + 1;
    return 0;
}

/* "[" IPv6 "]" at a (n bytes of authority left); *rest: what follows it. */
static int parse_ipv6(nv_uri *u, const char *a, size_t n, const char **rest, nv_err *e)
{
    const char *uri = u->text;
    const char *close = memchr(a, ']', n);
    if (!close)
        return nv_err_set(e, NV_ERR_INPUT, "URI '%s': IPv6 address is missing ']'", uri);
    size_t hlen = (size_t)(close - a - 1);
    if (hlen == 0 || !memchr(a + 1, ':', hlen))
        return nv_err_set(e, NV_ERR_INPUT,
                          "URI '%s': '[%.*s]' is not an IPv6 address", uri, (int)hlen, a + 1);
    for (size_t i = 0; i < hlen; i++) {
        char c = a[1 + i];
        if (!is_hex(c) && c != ':' && c != '.')
            return nv_err_set(e, NV_ERR_INPUT,
                              "URI '%s': '[%.*s]' is not an IPv6 address", uri, (int)hlen,
                              a + 1);
    }
    if (!(u->host = dup_range(a + 1, hlen)))
        return oom(e);
    *rest = close + 1;
    if (*rest < a + n && **rest != ':')
        return nv_err_set(e, NV_ERR_INPUT,
                          "URI '%s': unexpected '%c' after the IPv6 address", uri, **rest);
    return 0;
}

/* The host at a (n bytes of authority left); *rest: ":port" or the end. */
static int parse_host(nv_uri *u, const char *a, size_t n, const char **rest, nv_err *e)
{
    if (n > 0 && a[0] == '[')
        return parse_ipv6(u, a, n, rest, e);
    const char *colon = memchr(a, ':', n);
    const char *hend = colon ? colon : a + n;
    *rest = hend;
    size_t hlen = (size_t)(hend - a);
    for (size_t i = 0; i < hlen; i++)
        if (a[i] == '[' || a[i] == ']')
            return nv_err_set(e, NV_ERR_INPUT,
                              "URI '%s': brackets are only allowed around an IPv6 address",
                              u->text);
    if (hlen > 0) {
        /* ':' can't occur here: it ended the host. */
        if (!(u->host = decode_component(u->text, a, hlen, NULL, "host name", e)))
            return -1;
    }
    return 0;
}

/* The port in p[0..plen), digits only; empty means none. */
static int parse_port(nv_uri *u, const char *p, size_t plen, nv_err *e)
{
    if (plen == 0)
        return 0;
    long port = 0;
    for (size_t i = 0; i < plen; i++) {
        if (!is_digit(p[i]) || port > 65535)
            return nv_err_set(e, NV_ERR_INPUT, "URI '%s': invalid port '%.*s'", u->text,
                              (int)plen, p);
        port = port * 10 + (p[i] - '0');
    }
    if (port < 1 || port > 65535)
        return nv_err_set(e, NV_ERR_INPUT,
                          "URI '%s': port %ld is out of range (1-65535)", u->text, port);
    u->port = (int)port;
    return 0;
}

/* authority = [userinfo "@"] host [":" port] */
static int parse_authority(nv_uri *u, const char *a, size_t n, nv_err *e)
{
    const char *rest = NULL; /* ":port" or end (set by parse_host) */
    if (parse_userinfo(u, &a, &n, e) < 0 || parse_host(u, a, n, &rest, e) < 0)
        return -1;
    if (rest < a + n && parse_port(u, rest + 1, (size_t)(a + n - rest - 1), e) < 0)
        return -1;
    if (u->port && !u->host)
        return nv_err_set(e, NV_ERR_INPUT, "URI '%s' gives a port but no host", u->text);
    return 0;
}

static int add_param(nv_uri *u, const char *name, size_t nlen, const char *value, size_t vlen,
                     nv_err *e)
{
    if (u->nparams == NV_URI_MAX_PARAMS)
        return nv_err_set(e, NV_ERR_INPUT, "URI '%s' has more than %d query parameters",
                          u->text, NV_URI_MAX_PARAMS);
    nv_uri_param *p = &u->params[u->nparams];
    /* Characters were checked when the whole query was; only decode here. */
    if (!(p->name = decode_component(u->text, name, nlen, "/?", "query", e)))
        return -1;
    if (!(p->value = decode_component(u->text, value ? value : "", value ? vlen : 0, "/?",
                                      "query", e))) {
        free(p->name);
        p->name = NULL;
        return -1;
    }
    p->client = 0;
    u->nparams++;
    return 0;
}

/* Splits the query as libvirt does: a section ends at the next '&', or, when
 * there is no '&' left, at the next ';'. "name" alone has the value "",
 * "=value" is ignored. */
static int parse_query(nv_uri *u, const char *q, size_t n, nv_err *e)
{
    const char *end_all = q + n;
    while (q < end_all) {
        const char *end = memchr(q, '&', (size_t)(end_all - q));
        if (!end)
            end = memchr(q, ';', (size_t)(end_all - q));
        if (!end)
            end = end_all;
        const char *eq = memchr(q, '=', (size_t)(end - q));
        if (end == q || eq == q) {
            /* empty section or "=value": skipped */
        } else if (!eq) {
            if (add_param(u, q, (size_t)(end - q), NULL, 0, e) < 0)
                return -1;
        } else {
            if (add_param(u, q, (size_t)(eq - q), eq + 1, (size_t)(end - eq - 1), e) < 0)
                return -1;
        }
        q = end < end_all ? end + 1 : end;
    }
    return 0;
}

static int parse_flag(nv_uri *u, const nv_uri_param *p, int *out, nv_err *e)
{
    const char *v = p->value;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || errno == ERANGE || n < INT_MIN || n > INT_MAX)
        return nv_err_set(e, NV_ERR_INPUT,
                          "URI '%s': %s='%s' is not a number (use %s=1 or %s=0)", u->text,
                          p->name, v, p->name, p->name);
    *out = n != 0;
    return 0;
}

/* Sets the string field p names; 1 when it names one, else 0. */
static int set_string_param(nv_uri *u, nv_uri_param *p)
{
    static const struct {
        const char *name;
        size_t off;
    } strs[] = {
        {"name", offsetof(nv_uri, name)},
        {"command", offsetof(nv_uri, command)},
        {"socket", offsetof(nv_uri, socket)},
        {"auth", offsetof(nv_uri, auth)},
        {"sshauth", offsetof(nv_uri, sshauth)},
        {"netcat", offsetof(nv_uri, netcat)},
        {"keyfile", offsetof(nv_uri, keyfile)},
        {"pkipath", offsetof(nv_uri, pkipath)},
        {"known_hosts", offsetof(nv_uri, known_hosts)},
        {"known_hosts_verify", offsetof(nv_uri, known_hosts_verify)},
        {"tls_priority", offsetof(nv_uri, tls_priority)},
    };
    for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++) {
        if (strcasecmp(p->name, strs[k].name) == 0) {
            *(const char **)((char *)u + strs[k].off) = p->value;
            return 1;
        }
    }
    return 0;
}

static int parse_mode(nv_uri *u, const nv_uri_param *p, nv_err *e)
{
    if (strcmp(p->value, "auto") == 0)
        u->mode = NV_URI_MODE_AUTO;
    else if (strcmp(p->value, "legacy") == 0)
        u->mode = NV_URI_MODE_LEGACY;
    else if (strcmp(p->value, "direct") == 0)
        u->mode = NV_URI_MODE_DIRECT;
    else
        return nv_err_set(e, NV_ERR_INPUT,
                          "URI '%s': unknown mode '%s' (use auto, legacy or direct)",
                          u->text, p->value);
    return 0;
}

static int parse_proxy(nv_uri *u, const nv_uri_param *p, nv_err *e)
{
    if (strcmp(p->value, "auto") == 0)
        u->proxy = NV_URI_PROXY_AUTO;
    else if (strcmp(p->value, "netcat") == 0)
        u->proxy = NV_URI_PROXY_NETCAT;
    else if (strcmp(p->value, "native") == 0)
        u->proxy = NV_URI_PROXY_NATIVE;
    else
        return nv_err_set(e, NV_ERR_INPUT,
                          "URI '%s': unknown proxy '%s' (use auto, netcat or native)",
                          u->text, p->value);
    return 0;
}

/* Takes p when the client consumes it: 1 if so, 0 if not, -1 on a bad value. */
static int client_param(nv_uri *u, nv_uri_param *p, nv_err *e)
{
    int rc;
    if (set_string_param(u, p))
        return 1;
    if (strcasecmp(p->name, "mode") == 0)
        rc = parse_mode(u, p, e);
    else if (strcasecmp(p->name, "proxy") == 0)
        rc = parse_proxy(u, p, e);
    else if (strcasecmp(p->name, "no_verify") == 0)
        rc = parse_flag(u, p, &u->no_verify, e);
    else if (strcasecmp(p->name, "no_tty") == 0)
        rc = parse_flag(u, p, &u->no_tty, e);
    else if (strcasecmp(p->name, "no_sanity") == 0)
        rc = parse_flag(u, p, &u->no_sanity, e);
    else if (strcasecmp(p->name, "authfile") == 0)
        rc = 0; /* read by the client's auth code, never sent */
    else
        return 0;
    return rc < 0 ? -1 : 1;
}

/* Records the parameters the client consumes and validates their values. */
static int extract_client_params(nv_uri *u, nv_err *e)
{
    for (size_t i = 0; i < u->nparams; i++) {
        int matched = client_param(u, &u->params[i], e);
        if (matched < 0)
            return -1;
        u->params[i].client = matched;
    }
    return 0;
}

/* The whole text: not empty, bounded, printable ASCII without spaces. */
static int check_text(const char *text, nv_err *e)
{
    if (!text || !*text)
        return nv_err_set(e, NV_ERR_INPUT, "empty URI (expected e.g. qemu:///system)");
    size_t len = strnlen(text, NV_URI_MAX_LEN + 1);
    if (len > NV_URI_MAX_LEN)
        return nv_err_set(e, NV_ERR_INPUT, "URI is longer than %d bytes", NV_URI_MAX_LEN);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == ' ')
            return nv_err_set(e, NV_ERR_INPUT,
                              "URI '%s' contains a space at position %zu; percent-encode it "
                              "as %%20", text, i);
        if (c < 0x20 || c >= 0x7f)
            return nv_err_set(e, NV_ERR_INPUT,
                              "URI contains byte 0x%02x at position %zu; percent-encode it", c, i);
    }
    return 0;
}

static int no_driver(const char *text, nv_err *e)
{
    return nv_err_set(e, NV_ERR_INPUT,
                      "URI '%s' does not include a driver name "
                      "(expected driver[+transport]://[user@][host][:port]/path, "
                      "e.g. qemu:///system)", text);
}

/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
 * *after: the text after the ':'. */
static int parse_scheme_text(nv_uri *u, const char **after, nv_err *e)
{
    const char *text = u->text;
    const char *p = text;
    if (!is_alpha(*p))
        return no_driver(text, e);
    while (is_alnum(*p) || *p == '+' || *p == '-' || *p == '.')
        p++;
    if (*p != ':')
        return no_driver(text, e);
    if (!(u->scheme = dup_range(text, (size_t)(p - text))))
        return oom(e);
    if (parse_scheme(u, e) < 0)
        return -1;
    *after = p + 1;
    return 0;
}

/* path ["?" query] ["#" fragment]: the rest of the text from p. */
static int parse_path_on(nv_uri *u, const char *p, nv_err *e)
{
    const char *text = u->text;
    size_t plen = strcspn(p, "?#");
    if (plen > 0 && p[0] != '/')
        return nv_err_set(e, NV_ERR_INPUT,
                          "URI '%s': the path must start with '/' (did you mean %s:///%.*s?)",
                          text, u->scheme, (int)plen, p);
    if (!(u->path = decode_component(text, p, plen, "/", "path", e)))
        return -1;
    p += plen;
    if (*p == '?') {
        p++;
        size_t qlen = strcspn(p, "#");
        char *checked = decode_component(text, p, qlen, "/?", "query", e);
        if (!checked)
            return -1;
        free(checked);
        if (parse_query(u, p, qlen, e) < 0)
            return -1;
        p += qlen;
    }
    if (*p == '#') {
        p++;
        if (!(u->fragment = decode_component(text, p, strlen(p), "/?", "fragment", e)))
            return -1;
    }
    return 0;
}

/* The transport a host implies, and a common typo. */
static int check_host(nv_uri *u, nv_err *e)
{
    if (u->transport == NV_URI_UNIX && u->host) {
        if (u->explicit_transport)
            return nv_err_set(e, NV_ERR_INPUT,
                              "URI '%s': the unix transport cannot reach remote host '%s'",
                              u->text, u->host);
        u->transport = NV_URI_TLS;
    }
    /* "qemu://system" is a common typo for qemu:///system. */
    if (u->host && (strcmp(u->host, "system") == 0 || strcmp(u->host, "session") == 0) &&
        (strcmp(u->driver, "qemu") == 0 || strcmp(u->driver, "vbox") == 0 ||
         strcmp(u->driver, "vz") == 0))
        return nv_err_set(e, NV_ERR_INPUT, "invalid URI %s (maybe you want %s:///%s)", u->text,
                          u->scheme, u->host);
    return 0;
}

/* The client parameters, and the ones the transport needs. */
static int check_client_params(nv_uri *u, nv_err *e)
{
    if (extract_client_params(u, e) < 0)
        return -1;
    if (u->transport == NV_URI_EXT && (!u->command || !*u->command))
        return nv_err_set(e, NV_ERR_INPUT,
                          "URI '%s': the ext transport needs command=/path/to/program", u->text);
    if (u->command && !*u->command)
        return nv_err_set(e, NV_ERR_INPUT, "URI '%s': command= is empty", u->text);
    if (u->socket && !*u->socket)
        return nv_err_set(e, NV_ERR_INPUT, "URI '%s': socket= is empty", u->text);
    return 0;
}

int nv_rpc_uri_parse(const char *text, nv_uri *u, nv_err *e)
{
    memset(u, 0, sizeof *u);
    if (check_text(text, e) < 0)
        return -1;
    /* libvirt's historical aliases for the Xen driver. */
    if (strcasecmp(text, "xen") == 0 || strcmp(text, "xen://") == 0)
        text = "xen:///system";
    if (!(u->text = strdup(text)))
        return oom(e);
    const char *p = NULL; /* set by parse_scheme_text */
    if (parse_scheme_text(u, &p, e) < 0)
        return -1;
    if (p[0] == '/' && p[1] == '/') {
        p += 2;
        size_t alen = strcspn(p, "/?#");
        if (parse_authority(u, p, alen, e) < 0)
            return -1;
        p += alen;
    }
    if (parse_path_on(u, p, e) < 0 || check_host(u, e) < 0)
        return -1;
    return check_client_params(u, e);
}

void nv_rpc_uri_free(nv_uri *u)
{
    if (!u)
        return;
    free(u->text);
    free(u->scheme);
    free(u->driver);
    free(u->user);
    free(u->host);
    free(u->path);
    free(u->fragment);
    for (size_t i = 0; i < u->nparams; i++) {
        free(u->params[i].name);
        free(u->params[i].value);
    }
    memset(u, 0, sizeof *u);
}

const char *nv_rpc_uri_default(const char *env_default, unsigned euid)
{
    if (env_default && *env_default)
        return env_default;
    return euid == 0 ? "qemu:///system" : "qemu:///session";
}

int nv_rpc_uri_resolve(const char *given, nv_uri *u, nv_err *e)
{
    if (given && *given)
        return nv_rpc_uri_parse(given, u, e);
    const char *env = getenv("LIBVIRT_DEFAULT_URI");
    if (nv_rpc_uri_parse(nv_rpc_uri_default(env, (unsigned)geteuid()), u, e) < 0) {
        if (env && *env)
            nv_err_prefix(e, "LIBVIRT_DEFAULT_URI");
        return -1;
    }
    return 0;
}

int nv_rpc_uri_is_session(const nv_uri *u, unsigned euid)
{
    if (euid == 0)
        return 0;
    return strcmp(u->path, "/session") == 0 || strcmp(u->driver, "test") == 0;
}

/* Appends s with every byte outside `keep` (and alphanumerics) as %XX. */
static void append_escaped(nv_buf *b, const char *s, const char *keep)
{
    static const char hexd[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (is_alnum(c) || strchr(keep, c)) {
            nv_buf_append(b, s, 1);
        } else {
            char t[3] = {'%', hexd[c >> 4], hexd[c & 15]};
            nv_buf_append(b, t, 3);
        }
    }
}

char *nv_rpc_uri_open_name(const nv_uri *u, nv_err *e)
{
    if (u->name) {
        char *r = strdup(u->name);
        if (!r)
            oom(e);
        return r;
    }
    if (strcmp(u->driver, "remote") == 0) {
        char *r = strdup(""); /* let the daemon pick its default */
        if (!r)
            oom(e);
        return r;
    }
    nv_buf b;
    nv_buf_init(&b, 4 * NV_URI_MAX_LEN);
    nv_buf_append_str(&b, u->driver);
    nv_buf_append_str(&b, "://");
    /* The path keeps the characters libvirt's formatter (libxml2) keeps. */
    append_escaped(&b, u->path, "-_.!~*'()/;@&=+$,");
    int first = 1;
    for (size_t i = 0; i < u->nparams; i++) {
        if (u->params[i].client)
            continue;
        nv_buf_append_str(&b, first ? "?" : "&");
        first = 0;
        /* libvirt copies names raw; encoding them keeps '&' or '=' inside a
         * name from splitting it at the daemon, and changes nothing else. */
        append_escaped(&b, u->params[i].name, "-._~");
        nv_buf_append_str(&b, "=");
        append_escaped(&b, u->params[i].value, "-._~");
    }
    if (u->fragment) {
        nv_buf_append_str(&b, "#");
        append_escaped(&b, u->fragment, "-_.!~*'();/?:@&=+$,[]");
    }
    if (b.failed) {
        nv_buf_free(&b);
        oom(e);
        return NULL;
    }
    return nv_buf_steal(&b);
}
