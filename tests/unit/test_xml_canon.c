#include "check.h"
#include "util/error.h"
#include "xml/canon.h"
#include "xml/doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libvirt's rule, as the engine passes it (engine/compare.c) */
static const char *const unordered_names[] = {"devices", NULL};
static const nv_xml_order ORDER = {.root_children = unordered_names};

static nv_xml_node *parse(const char *s)
{
    nv_err e;
    nv_xml_node *r = nv_xml_parse(s, strlen(s), "c.xml", &e);
    if (!r)
        check_fail(__FILE__, __LINE__, "parse: %s", e.msg);
    return r;
}

static const char *canon(const char *s)
{
    static char out[4096];
    nv_err e;
    nv_xml_node *r = parse(s);
    if (!r)
        return "(parse failed)";
    char *c = nv_xml_canon_string(r, &ORDER, &e);
    snprintf(out, sizeof out, "%s", c ? c : e.msg);
    free(c);
    nv_xml_free(r);
    return out;
}

static int equal(const char *a, const char *b)
{
    nv_err e;
    nv_xml_node *x = parse(a), *y = parse(b);
    int r = x && y ? nv_xml_canon_equal(x, y, &ORDER, &e) : -1;
    nv_xml_free(x);
    nv_xml_free(y);
    return r;
}

TEST(xml_canon_drops_indentation_keeps_text)
{
    CHECK_STR(canon("<domain>\n  <name> my vm </name>\n  <memory unit='KiB'>1024</memory>\n"
                    "  <devices>\n  </devices>\n</domain>\n"),
              "<domain><name> my vm </name><memory unit=\"KiB\">1024</memory><devices/></domain>");
    /* a leaf holding only whitespace counts as empty */
    CHECK_STR(canon("<a><b> \n\t</b></a>"), "<a><b/></a>");
    /* mixed content keeps its words and their spacing */
    CHECK_STR(canon("<a>\n  Some <b>bold</b> words\n</a>"), "<a>\n  Some <b>bold</b> words\n</a>");
    CHECK_STR(canon("<d>line one\n  line two</d>"), "<d>line one\n  line two</d>");
}

TEST(xml_canon_sorts_attributes)
{
    CHECK_STR(canon("<a z='1' b='2' xmlns:q='u' a='3'><q:x m='1' l='2'/></a>"),
              "<a a=\"3\" b=\"2\" xmlns:q=\"u\" z=\"1\"><q:x l=\"2\" m=\"1\"/></a>");
}

TEST(xml_canon_sorts_devices_only)
{
    const char *doc = "<domain><devices>"
                      "<interface type='network'><source network='b'/></interface>"
                      "<disk device='disk'/>"
                      "<interface type='network'><source network='a'/></interface>"
                      "<controller type='usb'/>"
                      "</devices><os><boot dev='hd'/><boot dev='cdrom'/></os></domain>";
    CHECK_STR(canon(doc), "<domain><devices>"
                          "<controller type=\"usb\"/>"
                          "<disk device=\"disk\"/>"
                          "<interface type=\"network\"><source network=\"a\"/></interface>"
                          "<interface type=\"network\"><source network=\"b\"/></interface>"
                          "</devices><os><boot dev=\"hd\"/><boot dev=\"cdrom\"/></os></domain>");
    /* <devices> deeper than the root's children is not special */
    CHECK_STR(canon("<r><x><devices><b/><a/></devices></x></r>"),
              "<r><x><devices><b/><a/></devices></x></r>");
    /* and the root itself is not either */
    CHECK_STR(canon("<devices><b/><a/></devices>"), "<devices><b/><a/></devices>");
}

TEST(xml_canon_equal_ignores_layout_and_device_order)
{
    const char *a = "<domain type='kvm'>\n  <name>x</name>\n  <devices>\n"
                    "    <disk type='file'><target dev='vda'/></disk>\n"
                    "    <interface type='user'/>\n  </devices>\n</domain>";
    const char *b = "<domain type=\"kvm\"><name>x</name><devices><interface type=\"user\">"
                    "</interface><disk type=\"file\">\n<target dev=\"vda\"/></disk></devices>"
                    "</domain>";
    CHECK_INT(equal(a, b), 1);
    /* order outside devices matters */
    CHECK_INT(equal("<domain><os><boot dev='hd'/><boot dev='cdrom'/></os></domain>",
                    "<domain><os><boot dev='cdrom'/><boot dev='hd'/></os></domain>"),
              0);
    /* meaningful text matters, including its surrounding spaces */
    CHECK_INT(equal("<domain><name>x</name></domain>", "<domain><name> x</name></domain>"), 0);
    CHECK_INT(equal("<domain><name>x</name></domain>", "<domain><name>y</name></domain>"), 0);
    CHECK_INT(equal("<domain a='1'/>", "<domain a='2'/>"), 0);
}

TEST(xml_canon_is_idempotent_and_in_place)
{
    nv_err e;
    nv_xml_node *r = nv_xml_parse_file(check_data_path("xml/domain.xml"), &e);
    CHECK(r != NULL);
    if (!r)
        return;
    char *once = nv_xml_canon_string(r, &ORDER, &e);
    CHECK(once != NULL);
    CHECK_INT(nv_xml_canon(r, &ORDER, &e), 0);
    nv_xml_node *again = parse(once);
    char *twice = again ? nv_xml_canon_string(again, &ORDER, &e) : NULL;
    CHECK_STR(once, twice);
    CHECK(again && nv_xml_equal(r, again)); /* in place gives the same tree */
    /* devices came out sorted by name: disk, emulator, graphics, interface... */
    nv_xml_node *dev = nv_xml_child(r, "devices");
    CHECK(dev && dev->first && strcmp(dev->first->name, "disk") == 0);
    free(once);
    free(twice);
    nv_xml_free(again);
    nv_xml_free(r);
}

TEST(xml_canon_merges_text_split_by_removal)
{
    nv_err e;
    nv_xml_node *r = parse("<a>x<b/>y</a>");
    if (!r)
        return;
    nv_xml_free(nv_xml_child(r, "b"));
    CHECK_INT(nv_xml_canon(r, &ORDER, &e), 0);
    CHECK(r->first && r->first == r->last);
    CHECK_STR(nv_xml_text(r), "xy");
    nv_xml_free(r);
}

/* The unordered rule is the caller's: without it <devices> keeps its order,
 * and another list makes another element unordered. */
TEST(xml_canon_order_is_a_parameter)
{
    nv_err e;
    const char *a = "<domain><devices><disk/><console/></devices><os><boot/><loader/></os></domain>";
    const char *b = "<domain><devices><console/><disk/></devices><os><loader/><boot/></os></domain>";
    nv_xml_node *x = parse(a), *y = parse(b);
    if (!x || !y)
        return;
    static const char *const os_only[] = {"os", NULL};
    const nv_xml_order os_order = {.root_children = os_only};
    static const char *const both[] = {"devices", "os", NULL};
    const nv_xml_order both_order = {.root_children = both};
    CHECK_INT(nv_xml_canon_equal(x, y, NULL, &e), 0);
    CHECK_INT(nv_xml_canon_equal(x, y, &ORDER, &e), 0);     /* <os> still ordered */
    CHECK_INT(nv_xml_canon_equal(x, y, &os_order, &e), 0);  /* <devices> now ordered */
    CHECK_INT(nv_xml_canon_equal(x, y, &both_order, &e), 1);
    /* only children of the root count: a nested <devices> keeps its order */
    nv_xml_node *n1 = parse("<domain><x><devices><a/><b/></devices></x></domain>");
    nv_xml_node *n2 = parse("<domain><x><devices><b/><a/></devices></x></domain>");
    CHECK_INT(nv_xml_canon_equal(n1, n2, &ORDER, &e), 0);
    nv_xml_free(n1);
    nv_xml_free(n2);
    nv_xml_free(x);
    nv_xml_free(y);
}
