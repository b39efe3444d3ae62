#include "check.h"
#include "util/error.h"
#include "xml/canon.h"
#include "xml/diff.h"
#include "xml/doc.h"
#include "xml/path.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libvirt's rule, as the engine passes it (engine/compare.c) */
static const char *const unordered_names[] = {"devices", NULL};
static const nv_xml_order ORDER = {.root_children = unordered_names};

static nv_xml_node *parse(const char *s)
{
    nv_err e;
    nv_xml_node *r = nv_xml_parse(s, strlen(s), "d.xml", &e);
    if (!r)
        check_fail(__FILE__, __LINE__, "parse: %s", e.msg);
    return r;
}

/* The diff of two documents as text (static storage). */
static const char *diff_text(const nv_xml_node *a, const nv_xml_node *b)
{
    static char out[8192];
    nv_err e;
    nv_xml_diff_list d = {0};
    if (nv_xml_diff(a, b, &ORDER, &d, &e) < 0) {
        snprintf(out, sizeof out, "error: %s", e.msg);
    } else {
        char *s = nv_xml_diff_to_string(&d, &e);
        snprintf(out, sizeof out, "%s", s ? s : e.msg);
        free(s);
    }
    nv_xml_diff_free(&d);
    return out;
}

static const char *diff(const char *a, const char *b)
{
    nv_xml_node *x = parse(a), *y = parse(b);
    const char *r = x && y ? diff_text(x, y) : "(parse failed)";
    nv_xml_free(x);
    nv_xml_free(y);
    return r;
}

TEST(xml_diff_values)
{
    CHECK_STR(diff("<domain><memory unit='KiB'>32768</memory><vcpu>2</vcpu></domain>",
                   "<domain>\n  <memory unit='KiB'>49152</memory>\n  <vcpu placement='static'>2</vcpu>\n</domain>"),
              "/domain/memory: 32768 → 49152\n"
              "/domain/vcpu/@placement: (absent) → static\n");
    CHECK_STR(diff("<a x='1' y='2'/>", "<a x='1'/>"), "/a/@y: 2 → (absent)\n");
    CHECK_STR(diff("<a><b>t</b></a>", "<a><b/></a>"), "/a/b: t → (absent)\n");
    CHECK_STR(diff("<a><b/></a>", "<a><b>t</b></a>"), "/a/b: (absent) → t\n");
}

TEST(xml_diff_indexes_and_elements)
{
    const char *a = "<domain><devices>"
                    "<interface type='network'><mac address='52:54:00:00:00:01'/></interface>"
                    "<interface type='network'><mac address='52:54:00:aa:bb:cc'/></interface>"
                    "<disk device='disk'/>"
                    "</devices></domain>";
    const char *b = "<domain><devices>"
                    "<interface type='network'><mac address='52:54:00:00:00:01'/></interface>"
                    "<interface type='network'><mac address='52:54:00:11:22:33'/></interface>"
                    "</devices></domain>";
    CHECK_STR(diff(a, b), "/domain/devices/interface[2]/mac/@address: 52:54:00:aa:bb:cc → "
                          "52:54:00:11:22:33\n"
                          "/domain/devices/disk: <disk device=\"disk\"/> → (absent)\n");
    CHECK_STR(diff("<r><x/></r>", "<r><x/><x a='1'/></r>"), "/r/x[2]: (absent) → <x a=\"1\"/>\n");
    CHECK_STR(diff("<r><x/><y/></r>", "<r><y/></r>"), "/r/x: <x/> → (absent)\n");
}

/* Under <devices> identical devices pair up first, wherever they sit. */
TEST(xml_diff_devices_pair_by_content)
{
    const char *a = "<domain><devices>"
                    "<disk><target dev='vda'/></disk>"
                    "<disk><target dev='vdb'/></disk>"
                    "<disk><target dev='vdc'/></disk>"
                    "</devices></domain>";
    const char *b = "<domain><devices>"
                    "<disk><target dev='vdc'/></disk>"
                    "<disk><target dev='vda'/></disk>"
                    "</devices></domain>";
    CHECK_STR(diff(a, b), "/domain/devices/disk[2]: <disk><target dev=\"vdb\"/></disk> → (absent)\n");
    /* positions are those in the documents, not in the sorted form */
    CHECK_STR(diff("<domain><devices><interface type='user'/><interface type='network'/>"
                   "</devices></domain>",
                   "<domain><devices><interface type='user'/><interface type='bridge'/>"
                   "</devices></domain>"),
              "/domain/devices/interface[2]/@type: network → bridge\n");
    /* reordering devices is no change at all */
    CHECK_STR(diff(a, "<domain><devices><disk><target dev='vdb'/></disk>"
                      "<disk><target dev='vdc'/></disk><disk><target dev='vda'/></disk>"
                      "</devices></domain>"),
              "");
}

/* Changed devices pair with the most similar one, not the one in the same
 * sorted position. */
TEST(xml_diff_devices_pair_by_similarity)
{
    CHECK_STR(diff("<domain><devices>"
                   "<controller type='usb' index='0'/>"
                   "<controller type='ide' index='0'/>"
                   "</devices></domain>",
                   "<domain><devices>"
                   "<controller type='ide' index='0'><address slot='1'/></controller>"
                   "<controller type='pci' index='0' model='pci-root'/>"
                   "<controller type='usb' index='0' model='piix3-uhci'/>"
                   "</devices></domain>"),
              "/domain/devices/controller[1]/address: (absent) → <address slot=\"1\"/>\n"
              "/domain/devices/controller[2]: (absent) → "
              "<controller index=\"0\" model=\"pci-root\" type=\"pci\"/>\n"
              "/domain/devices/controller[3]/@model: (absent) → piix3-uhci\n");
    /* interfaces are told apart by their MAC */
    CHECK_STR(diff("<domain><devices>"
                   "<interface type='network'><mac address='52:54:00:00:00:02'/><model type='e1000'/></interface>"
                   "<interface type='network'><mac address='52:54:00:00:00:01'/><model type='e1000'/></interface>"
                   "</devices></domain>",
                   "<domain><devices>"
                   "<interface type='network'><mac address='52:54:00:00:00:01'/><model type='virtio'/></interface>"
                   "<interface type='network'><mac address='52:54:00:00:00:02'/><model type='rtl8139'/></interface>"
                   "</devices></domain>"),
              "/domain/devices/interface[1]/model/@type: e1000 → virtio\n"
              "/domain/devices/interface[2]/model/@type: e1000 → rtl8139\n");
}

TEST(xml_diff_reorder_outside_devices)
{
    CHECK_STR(diff("<domain><os><boot dev='hd'/><loader/></os></domain>",
                   "<domain><os><loader/><boot dev='hd'/></os></domain>"),
              "/domain/os: order boot, loader → loader, boot\n");
    /* same-named children swapped show as value changes */
    CHECK_STR(diff("<domain><os><boot dev='hd'/><boot dev='cdrom'/></os></domain>",
                   "<domain><os><boot dev='cdrom'/><boot dev='hd'/></os></domain>"),
              "/domain/os/boot[1]/@dev: hd → cdrom\n/domain/os/boot[2]/@dev: cdrom → hd\n");
    CHECK_STR(diff("<a>x<b/></a>", "<a><b/>x</a>"), "/a: order #text, b → b, #text\n");
}

TEST(xml_diff_roots_and_quoting)
{
    CHECK_STR(diff("<domain/>", "<network/>"),
              "/domain: <domain/> → (absent)\n/network: (absent) → <network/>\n");
    CHECK_STR(diff("<a v=''/>", "<a v=' x'/>"), "/a/@v: \"\" → \" x\"\n");
    CHECK_STR(diff("<a>one</a>", "<a>two\nlines \"q\"</a>"), "/a: one → \"two\\nlines \\\"q\\\"\"\n");
    CHECK_STR(diff("<a v='(absent)'/>", "<a/>"), "/a/@v: \"(absent)\" → (absent)\n");
}

TEST(xml_diff_cuts_long_values)
{
    char big[600];
    char a[700], b[700];
    /* 'é' is two bytes: the cut must not split it */
    size_t n = 0;
    while (n + 2 < 500) {
        big[n++] = '\xc3';
        big[n++] = '\xa9';
    }
    big[n] = '\0';
    snprintf(a, sizeof a, "<a>%s</a>", big);
    snprintf(b, sizeof b, "<a>x</a>");
    const char *d = diff(a, b);
    const char *arrow = strstr(d, " → ");
    CHECK(arrow != NULL);
    if (!arrow)
        return;
    /* "/a: " + 200 bytes of é pairs + "…" */
    CHECK_INT(arrow - d, 4 + NV_XML_DIFF_SHOW + 3);
    CHECK(strncmp(arrow - 3, "…", 3) == 0);
    CHECK(strncmp(arrow - 5, "\xc3\xa9", 2) == 0);
    /* shifted by one byte, byte 200 is inside a character: cut before it */
    snprintf(a, sizeof a, "<a>x%s</a>", big);
    d = diff(a, b);
    arrow = strstr(d, " → ");
    CHECK(arrow != NULL);
    if (arrow) {
        CHECK_INT(arrow - d, 4 + NV_XML_DIFF_SHOW - 1 + 3);
        CHECK(strncmp(arrow - 5, "\xc3\xa9", 2) == 0);
    }
}

TEST(xml_diff_with_ignored_paths)
{
    nv_err e;
    nv_xml_node *want = parse("<pool type='dir'><name>p</name><target><path>/x</path></target></pool>");
    nv_xml_node *got = parse("<pool type='dir'>\n<name>p</name>\n<capacity unit='bytes'>10</capacity>\n"
                             "<allocation unit='bytes'>5</allocation><available unit='bytes'>5</available>"
                             "<target><path>/x</path><permissions><mode>0755</mode></permissions>"
                             "</target></pool>");
    if (!want || !got)
        return;
    CHECK_STR(diff_text(want, got),
              "/pool/capacity: (absent) → <capacity unit=\"bytes\">10</capacity>\n"
              "/pool/allocation: (absent) → <allocation unit=\"bytes\">5</allocation>\n"
              "/pool/available: (absent) → <available unit=\"bytes\">5</available>\n"
              "/pool/target/permissions: (absent) → <permissions><mode>0755</mode></permissions>\n");
    const char *ignore[] = {"capacity", "allocation", "available", "target/permissions"};
    CHECK_INT(nv_xml_remove_paths(want, ignore, 4, &e), 0);
    CHECK_INT(nv_xml_remove_paths(got, ignore, 4, &e), 4);
    CHECK_STR(diff_text(want, got), "");
    nv_xml_free(want);
    nv_xml_free(got);
}

TEST(xml_diff_entries_are_structured)
{
    nv_err e;
    nv_xml_node *a = parse("<a x='1'><b/></a>"), *b = parse("<a><c/></a>");
    nv_xml_diff_list d = {0};
    CHECK_INT(nv_xml_diff(a, b, &ORDER, &d, &e), 0);
    CHECK_INT(d.n, 3);
    if (d.n == 3) {
        CHECK_INT(d.v[0].kind, NV_XML_DIFF_REMOVED);
        CHECK_STR(d.v[0].path, "/a/@x");
        CHECK_STR(d.v[0].before, "1");
        CHECK(d.v[0].after == NULL);
        CHECK_INT(d.v[1].kind, NV_XML_DIFF_REMOVED);
        CHECK_STR(d.v[1].path, "/a/b");
        CHECK_INT(d.v[2].kind, NV_XML_DIFF_ADDED);
        CHECK_STR(d.v[2].path, "/a/c");
        CHECK_STR(d.v[2].after, "<c/>");
    }
    nv_xml_diff_free(&d);
    CHECK(d.v == NULL && d.n == 0);
    nv_xml_free(a);
    nv_xml_free(b);
}

/* The diff is empty exactly when the canonical forms are equal. */
TEST(xml_diff_empty_iff_canonically_equal)
{
    const char *docs[] = {
        "<domain><name>a</name><devices><disk d='1'/><disk d='2'/></devices></domain>",
        "<domain>\n <name>a</name>\n <devices>\n  <disk d='2'/>\n  <disk d='1'/>\n </devices>\n</domain>",
        "<domain><devices><disk d='1'/><disk d='2'/></devices><name>a</name></domain>",
        "<domain><name>a</name><devices><disk d='1'/><disk d='2'/><disk d='2'/></devices></domain>",
        "<domain><name>a</name><devices><disk d='1'/></devices></domain>",
        "<domain><name>a </name><devices><disk d='1'/><disk d='2'/></devices></domain>",
        "<domain><name>a</name><devices><disk d='1'/><disk d='2' e=''/></devices></domain>",
        "<domain><name>a<x/></name><devices><disk d='1'/><disk d='2'/></devices></domain>",
        "<domain><name><x/>a</name><devices><disk d='1'/><disk d='2'/></devices></domain>",
        "<domain><name>a</name><devices><disk d='2'/>t<disk d='1'/></devices></domain>",
        "<domain><name>a</name><devices><disk d='1'/>t<disk d='2'/></devices></domain>",
    };
    size_t n = sizeof docs / sizeof docs[0];
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            nv_err e;
            nv_xml_node *a = parse(docs[i]), *b = parse(docs[j]);
            if (!a || !b) {
                nv_xml_free(a);
                nv_xml_free(b);
                continue;
            }
            int eq = nv_xml_canon_equal(a, b, &ORDER, &e);
            const char *d = diff_text(a, b);
            if (eq != (d[0] == '\0'))
                check_fail(__FILE__, __LINE__, "docs %zu and %zu: equal=%d but diff \"%s\"", i, j,
                           eq, d);
            nv_xml_free(a);
            nv_xml_free(b);
        }
    }
}

/* Small random documents in a few shapes: the property above must hold for
 * every pair, including device reorders and text among devices. */
static unsigned long rng_state;

static unsigned rnd(unsigned n)
{
    rng_state = rng_state * 6364136223846793005UL + 1442695040888963407UL;
    return (unsigned)((rng_state >> 33) % n);
}

static void random_element(char *buf, size_t cap, int depth)
{
    static const char *const names[] = {"disk", "interface", "boot", "mac"};
    static const char *const texts[] = {"", "x", " y", "\n  "};
    const char *name = names[rnd(4)];
    size_t len = strlen(buf);
    snprintf(buf + len, cap - len, "<%s%s%s>%s", name, rnd(2) ? " a='1'" : "",
             rnd(3) == 0 ? " b='2'" : "", texts[rnd(4)]);
    if (depth < 2) {
        unsigned kids = rnd(3);
        for (unsigned i = 0; i < kids; i++)
            random_element(buf, cap, depth + 1);
    }
    len = strlen(buf);
    snprintf(buf + len, cap - len, "</%s>", name);
}

static void random_doc(char *buf, size_t cap)
{
    snprintf(buf, cap, "<domain><devices>%s", rnd(8) == 0 ? "t" : "");
    unsigned n = rnd(4);
    for (unsigned i = 0; i < n; i++)
        random_element(buf, cap, 1);
    size_t len = strlen(buf);
    snprintf(buf + len, cap - len, "</devices><os>");
    n = rnd(3);
    for (unsigned i = 0; i < n; i++)
        random_element(buf, cap, 1);
    len = strlen(buf);
    snprintf(buf + len, cap - len, "</os></domain>");
}

TEST(xml_diff_property_on_random_documents)
{
    enum { N = 120 };
    static char docs[N][2048];
    nv_xml_node *trees[N];
    rng_state = 12345;
    for (int i = 0; i < N; i++) {
        random_doc(docs[i], sizeof docs[i]);
        trees[i] = parse(docs[i]);
    }
    int equal_pairs = 0, failed = 0;
    for (int i = 0; i < N && !failed; i++) {
        for (int j = 0; j < N && !failed; j++) {
            if (!trees[i] || !trees[j])
                continue;
            nv_err e;
            int eq = nv_xml_canon_equal(trees[i], trees[j], &ORDER, &e);
            const char *d = diff_text(trees[i], trees[j]);
            equal_pairs += eq == 1 && i != j;
            if (eq != (d[0] == '\0')) {
                check_fail(__FILE__, __LINE__, "%s vs %s: equal=%d, diff \"%s\"", docs[i],
                           docs[j], eq, d);
                failed = 1;
            }
        }
    }
    /* shuffling devices (without text among them) changes nothing */
    for (int i = 0; i < N && !failed; i++) {
        nv_err e;
        nv_xml_node *c = trees[i] ? nv_xml_clone(trees[i], &e) : NULL;
        nv_xml_node *dev = c ? nv_xml_child(c, "devices") : NULL;
        if (!dev || (dev->first && dev->first->type == NV_XML_TEXT)) {
            nv_xml_free(c);
            continue;
        }
        for (size_t k = nv_xml_count(dev, NULL); k > 1; k--) {
            nv_xml_node *m = nv_xml_child(dev, NULL);
            for (unsigned r = rnd((unsigned)k); r > 0; r--)
                m = nv_xml_next(m, NULL);
            nv_xml_append(dev, m);
        }
        const char *d = diff_text(trees[i], c);
        if (d[0] != '\0' || nv_xml_canon_equal(trees[i], c, &ORDER, &e) != 1) {
            check_fail(__FILE__, __LINE__, "%s shuffled: diff \"%s\"", docs[i], d);
            failed = 1;
        }
        nv_xml_free(c);
    }
    for (int i = 0; i < N; i++)
        nv_xml_free(trees[i]);
    /* the generator must produce some canonically equal pairs too */
    CHECK(equal_pairs > 0);
    if (getenv("CHECK_VERBOSE"))
        printf("random documents: %d canonically equal pairs\n", equal_pairs);
}
