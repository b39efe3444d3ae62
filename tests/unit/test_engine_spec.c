#include "check.h"
#include "engine/spec.h"
#include "rpc/proto.gen.h"
#include "util/error.h"
#include "xml/doc.h"
#include "xml/path.h"
#include "util/uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Expected values below were computed independently (Python hashlib) for
 * SHA-256(uuid bytes || index as 4 bytes big-endian). */
#define DOM_UUID "8f3b1c52-4c1e-4b8e-9d2a-0a1b2c3d4e5f"
#define NET_UUID "d9b1a1c0-0e6f-4a8c-8f6b-3c2d1e0f9a8b"

static int parse(nv_spec *s, enum nv_spec_kind k, const char *xml, nv_err *e)
{
    nv_err_clear(e);
    return nv_spec_parse(s, k, "dom.xml", xml, strlen(xml), e);
}

TEST(spec_uuid_forms)
{
    uint8_t u[NV_UUID_LEN];
    char s[NV_UUID_STR_LEN];
    static const uint8_t want[NV_UUID_LEN] = {0x8f, 0x3b, 0x1c, 0x52, 0x4c, 0x1e, 0x4b, 0x8e,
                                              0x9d, 0x2a, 0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f};
    const char *ok[] = {
        DOM_UUID,
        "8F3B1C52-4C1E-4B8E-9D2A-0A1B2C3D4E5F",
        "8f3b1c524c1e4b8e9d2a0a1b2c3d4e5f",
        "  \n\t8f3b1c52-4c1e-4b8e-9d2a-0a1b2c3d4e5f\r\n ",
        "8f 3b 1c 52 4c 1e 4b 8e 9d 2a 0a 1b 2c 3d 4e 5f",
        "-8f3b-1c52--4c1e4b8e9d2a0a1b2c3d4e5f",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        memset(u, 0, sizeof u);
        if (nv_uuid_parse(ok[i], u) != 0)
            check_fail(__FILE__, __LINE__, "rejected '%s'", ok[i]);
        else
            CHECK_MEM(u, want, NV_UUID_LEN);
    }
    const char *bad[] = {
        "", "xyz", "8f3b1c52-4c1e-4b8e-9d2a-0a1b2c3d4e5",  /* 31 digits */
        "8f3b1c52-4c1e-4b8e-9d2a-0a1b2c3d4e5f0",           /* 33 digits */
        "8f3b1c52-4c1e-4b8e-9d2a-0a1b2c3d4e5f-",           /* dash after the end */
        "8-f3b1c52-4c1e-4b8e-9d2a-0a1b2c3d4e5f",           /* dash inside a pair */
        "8f3b1c52-4c1e-4b8e-9d2a-0a1b2c3d4e5g",
        "8f3b1c52-4c1e-4b8e-9d2a-0a1b2c3d4e5f x",
        "{8f3b1c52-4c1e-4b8e-9d2a-0a1b2c3d4e5f}",
        "\v8f3b1c52-4c1e-4b8e-9d2a-0a1b2c3d4e5f",           /* \v is not skipped */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (nv_uuid_parse(bad[i], u) == 0)
            check_fail(__FILE__, __LINE__, "accepted '%s'", bad[i]);
    }
    nv_uuid_format(want, s);
    CHECK_STR(s, DOM_UUID);
}

TEST(spec_mac_derivation_vectors)
{
    uint8_t u[NV_UUID_LEN];
    char mac[NV_MAC_STR_LEN];
    CHECK_INT(nv_uuid_parse(DOM_UUID, u), 0);
    nv_spec_mac_derive(u, 0, mac);
    CHECK_STR(mac, "52:54:00:2d:4f:8e");
    nv_spec_mac_derive(u, 1, mac);
    CHECK_STR(mac, "52:54:00:f2:14:bc");
    nv_spec_mac_derive(u, 2, mac);
    CHECK_STR(mac, "52:54:00:ed:d6:8c");
    nv_spec_mac_derive(u, 3, mac);
    CHECK_STR(mac, "52:54:00:19:11:02");
    CHECK_INT(nv_uuid_parse(NET_UUID, u), 0);
    nv_spec_mac_derive(u, 0, mac);
    CHECK_STR(mac, "52:54:00:b1:2d:88");
}

TEST(spec_kind_names)
{
    enum nv_spec_kind k;
    CHECK_STR(nv_spec_kind_name(NV_SPEC_DOMAIN), "domain");
    CHECK_STR(nv_spec_kind_name(NV_SPEC_VOLUME), "volume");
    CHECK_INT(nv_spec_kind_from_name("pool", &k), 0);
    CHECK_INT(k, NV_SPEC_POOL);
    CHECK_INT(nv_spec_kind_from_name("network", &k), 0);
    CHECK_INT(k, NV_SPEC_NETWORK);
    CHECK_INT(nv_spec_kind_from_name("Domain", &k), -1);
}

TEST(spec_domain_file_fills_macs)
{
    nv_spec s;
    nv_err e;
    if (nv_spec_read(&s, NV_SPEC_DOMAIN, check_data_path("xml/domain.xml"), &e) < 0) {
        check_fail(__FILE__, __LINE__, "%s", e.msg);
        return;
    }
    CHECK_STR(s.name, "web-1");
    CHECK(s.has_uuid);
    CHECK_STR(s.uuid_str, DOM_UUID);
    /* interfaces 0 and 2 get MACs; 1 keeps its own but still counts */
    CHECK_INT(s.nmacs, 2);
    if (s.nmacs == 2) {
        CHECK_STR(s.macs[0].address, "52:54:00:2d:4f:8e");
        CHECK_INT(s.macs[0].index, 0);
        CHECK_INT(s.macs[0].line, 21);
        CHECK_STR(s.macs[1].address, "52:54:00:ed:d6:8c");
        CHECK_INT(s.macs[1].index, 2);
        CHECK_INT(s.macs[1].line, 29);
    }
    CHECK_STR(nv_xml_find_value(s.root, "devices/interface[1]/mac/@address"), "52:54:00:2d:4f:8e");
    CHECK_STR(nv_xml_find_value(s.root, "devices/interface[2]/mac/@address"), "52:54:00:aa:bb:cc");
    CHECK_STR(nv_xml_find_value(s.root, "devices/interface[3]/mac/@address"), "52:54:00:ed:d6:8c");
    CHECK_INT(nv_xml_count(nv_xml_find(s.root, "devices/interface[2]"), "mac"), 1);
    /* the serialised text carries the new MACs and parses to the same tree */
    CHECK(s.xml != NULL && strlen(s.xml) == s.xml_len);
    CHECK(strstr(s.xml, "<mac address=\"52:54:00:2d:4f:8e\"/>") != NULL);
    nv_xml_node *again = nv_xml_parse(s.xml, s.xml_len, "sent.xml", &e);
    CHECK(again != NULL && nv_xml_equal(again, s.root));
    nv_xml_free(again);
    nv_spec_free(&s);
    CHECK(s.root == NULL && s.xml == NULL);
}

TEST(spec_domain_macs_are_deterministic_and_complete)
{
    nv_spec s;
    nv_err e;
    const char *xml = "<domain type='kvm'><name>d</name><uuid>" DOM_UUID "</uuid>"
                      "<devices><interface type='user'><mac/></interface></devices>"
                      "<devices><interface type='user'><mac address=''/></interface>"
                      "<interface type='user'/></devices></domain>";
    CHECK_INT(parse(&s, NV_SPEC_DOMAIN, xml, &e), 0);
    CHECK_INT(s.nmacs, 3);
    /* a <mac> without an address is completed, not duplicated */
    CHECK_INT(nv_xml_count(nv_xml_find(s.root, "devices/interface"), "mac"), 1);
    CHECK_STR(nv_xml_find_value(s.root, "devices[1]/interface/mac/@address"), "52:54:00:2d:4f:8e");
    CHECK_STR(nv_xml_find_value(s.root, "devices[2]/interface[1]/mac/@address"), "52:54:00:f2:14:bc");
    CHECK_STR(nv_xml_find_value(s.root, "devices[2]/interface[2]/mac/@address"), "52:54:00:ed:d6:8c");
    char *first = s.xml;
    s.xml = NULL;
    nv_spec_free(&s);
    CHECK_INT(parse(&s, NV_SPEC_DOMAIN, xml, &e), 0);
    CHECK_STR(s.xml, first);
    free(first);
    nv_spec_free(&s);
}

TEST(spec_network_mac_by_forward_mode)
{
    nv_spec s;
    nv_err e;
    if (nv_spec_read(&s, NV_SPEC_NETWORK, check_data_path("xml/network.xml"), &e) < 0) {
        check_fail(__FILE__, __LINE__, "%s", e.msg);
        return;
    }
    /* spaces between pairs in the file's UUID are accepted and normalised */
    CHECK_STR(s.uuid_str, NET_UUID);
    CHECK_INT(s.nmacs, 1);
    CHECK_STR(nv_xml_find_value(s.root, "mac/@address"), "52:54:00:b1:2d:88");
    CHECK_INT(s.macs[0].index, 0);
    CHECK_INT(s.macs[0].line, 1);
    nv_spec_free(&s);

    struct {
        const char *forward;
        int want_mac;
    } cases[] = {
        {"", 1},
        {"<forward/>", 1},
        {"<forward mode=''/>", 1},
        {"<forward mode='nat'/>", 1},
        {"<forward mode='route'/>", 1},
        {"<forward mode='open'/>", 1},
        {"<forward mode='bridge'/>", 0},
        {"<forward mode='private'/>", 0},
        {"<forward mode='vepa'/>", 0},
        {"<forward mode='passthrough'/>", 0},
        {"<forward mode='hostdev'/>", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char xml[256];
        snprintf(xml, sizeof xml, "<network><name>n</name><uuid>%s</uuid>%s</network>", NET_UUID,
                 cases[i].forward);
        CHECK_INT(parse(&s, NV_SPEC_NETWORK, xml, &e), 0);
        if ((nv_xml_child(s.root, "mac") != NULL) != cases[i].want_mac)
            check_fail(__FILE__, __LINE__, "forward '%s': mac %s", cases[i].forward,
                       cases[i].want_mac ? "missing" : "added");
        CHECK_INT(s.nmacs, cases[i].want_mac);
        nv_spec_free(&s);
    }
    /* an existing MAC is kept */
    CHECK_INT(parse(&s, NV_SPEC_NETWORK,
                    "<network><name>n</name><uuid>" NET_UUID "</uuid>"
                    "<mac address='52:54:00:01:02:03'/></network>",
                    &e),
              0);
    CHECK_INT(s.nmacs, 0);
    CHECK_STR(nv_xml_find_value(s.root, "mac/@address"), "52:54:00:01:02:03");
    nv_spec_free(&s);
}

TEST(spec_pool_and_volume)
{
    nv_spec s;
    nv_err e;
    CHECK_INT(nv_spec_read(&s, NV_SPEC_POOL, check_data_path("xml/pool.xml"), &e), 0);
    CHECK_STR(s.name, "images");
    CHECK_STR(s.uuid_str, "3e1f2d4c-5b6a-7988-1726-354453627180");
    CHECK_INT(s.nmacs, 0);
    nv_spec_free(&s);
    /* volumes have no UUID */
    CHECK_INT(nv_spec_read(&s, NV_SPEC_VOLUME, check_data_path("xml/volume.xml"), &e), 0);
    CHECK_STR(s.name, "web-1.qcow2");
    CHECK(!s.has_uuid);
    nv_spec_free(&s);
}

TEST(spec_errors_name_file_and_line)
{
    nv_spec s;
    nv_err e;
    CHECK_INT(parse(&s, NV_SPEC_DOMAIN, "<network>\n<name>x</name>\n</network>", &e), -1);
    CHECK_STR(e.msg, "dom.xml:1: expected <domain> as the root element, found <network>");
    CHECK_INT(e.kind, NV_ERR_INPUT);
    CHECK(s.root == NULL); /* nothing left to free */
    CHECK_INT(parse(&s, NV_SPEC_DOMAIN, "\n<domain>\n  <uuid>" DOM_UUID "</uuid>\n</domain>", &e), -1);
    CHECK_STR(e.msg, "dom.xml:2: missing <name>");
    CHECK_INT(parse(&s, NV_SPEC_DOMAIN, "<domain>\n<name> \n</name></domain>", &e), -1);
    CHECK_STR(e.msg, "dom.xml:2: empty <name>");
    CHECK_INT(parse(&s, NV_SPEC_POOL, "<pool>\n<name><b/></name></pool>", &e), -1);
    CHECK_STR(e.msg, "dom.xml:2: <name> must contain only text");
    CHECK_INT(parse(&s, NV_SPEC_DOMAIN, "<domain>\n\n<name>x</name>\n</domain>", &e), -1);
    CHECK_STR(e.msg, "dom.xml:1: missing <uuid>");
    CHECK_INT(parse(&s, NV_SPEC_NETWORK, "<network><name>x</name>\n\n\n<uuid>xyz</uuid></network>", &e), -1);
    CHECK_STR(e.msg, "dom.xml:4: invalid UUID 'xyz'");
    CHECK_INT(parse(&s, NV_SPEC_POOL, "<pool><name>x</name>\n<uuid><a/></uuid></pool>", &e), -1);
    CHECK_STR(e.msg, "dom.xml:2: invalid UUID '(contains elements)'");
    CHECK_INT(parse(&s, NV_SPEC_VOLUME, "<volume><name>x</name>\n<bad></volume>", &e), -1);
    CHECK_STR(e.msg, "dom.xml:2: mismatched tag");
    CHECK_INT(nv_spec_read(&s, NV_SPEC_VOLUME, check_data_path("xml/nope.xml"), &e), -1);
    CHECK(strstr(e.msg, "nope.xml: cannot read") != NULL);
}

/* A document within the 4 MiB input limit, n interfaces without MACs, and
 * a <description> padding it to total bytes. */
static char *big_domain(size_t total, size_t n, size_t *len)
{
    static const char head[] = "<domain type='qemu'><name>big</name><uuid>" DOM_UUID "</uuid><devices>";
    static const char iface[] = "<interface type='user'/>";
    static const char mid[] = "</devices><description>";
    static const char tail[] = "</description></domain>";
    size_t fixed = strlen(head) + n * strlen(iface) + strlen(mid) + strlen(tail);
    if (fixed > total)
        return NULL;
    char *d = malloc(total + 1), *p = d;
    if (!d)
        return NULL;
    p += sprintf(p, "%s", head);
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s", iface);
    p += sprintf(p, "%s", mid);
    memset(p, 'x', total - fixed);
    p += total - fixed;
    p += sprintf(p, "%s", tail);
    *len = (size_t)(p - d);
    return d;
}

/* libvirt takes at most 4 MiB (REMOTE_STRING_MAX) per define: a file just
 * under it that grows past it with its MACs is an error naming the file at
 * read time, not "cannot encode the message" at the define. */
TEST(spec_too_large_after_mac_fill_in)
{
    CHECK_INT(NV_SPEC_XML_MAX, REMOTE_STRING_MAX);
    size_t len = 0;
    char *d = big_domain(NV_SPEC_XML_MAX - 100, 1000, &len);
    CHECK(d != NULL);
    if (!d)
        return;
    CHECK_INT(len, NV_SPEC_XML_MAX - 100);
    nv_spec s;
    nv_err e;
    nv_err_clear(&e);
    CHECK_INT(nv_spec_parse(&s, NV_SPEC_DOMAIN, "big.xml", d, len, &e), -1);
    CHECK_INT(e.kind, NV_ERR_INPUT);
    CHECK(strncmp(e.msg, "big.xml: the definition is ", 27) == 0);
    CHECK(strstr(e.msg, "bytes once its MAC addresses are filled in, more than the 4194304 libvirt accepts") != NULL);
    free(d);
    /* with room for the MACs it is fine, and what is sent fits */
    d = big_domain(NV_SPEC_XML_MAX - 100000, 1000, &len);
    CHECK(d != NULL);
    if (!d)
        return;
    CHECK_INT(nv_spec_parse(&s, NV_SPEC_DOMAIN, "big.xml", d, len, &e), 0);
    CHECK_INT(s.nmacs, 1000);
    CHECK(s.xml_len <= NV_SPEC_XML_MAX);
    nv_spec_free(&s);
    free(d);
}
