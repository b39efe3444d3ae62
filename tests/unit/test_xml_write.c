#include "check.h"
#include "util/error.h"
#include "xml/doc.h"
#include "xml/write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static nv_xml_node *parse(const char *s)
{
    nv_err e;
    nv_xml_node *r = nv_xml_parse(s, strlen(s), "w.xml", &e);
    if (!r)
        check_fail(__FILE__, __LINE__, "parse: %s", e.msg);
    return r;
}

/* Writes the tree of s and returns the text (static storage). */
static const char *written(const char *s)
{
    static char out[4096];
    nv_err e;
    nv_xml_node *r = parse(s);
    if (!r)
        return "(parse failed)";
    char *w = nv_xml_to_string(r, NULL, &e);
    snprintf(out, sizeof out, "%s", w ? w : e.msg);
    free(w);
    nv_xml_free(r);
    return out;
}

/* parse -> write -> parse gives an equal tree. */
static void check_round_trip(const char *s, const char *what)
{
    nv_err e;
    nv_xml_node *a = parse(s);
    if (!a)
        return;
    size_t len;
    char *w = nv_xml_to_string(a, &len, &e);
    CHECK(w != NULL);
    if (w) {
        CHECK_INT(strlen(w), len);
        nv_xml_node *b = nv_xml_parse(w, len, "again.xml", &e);
        CHECK(b != NULL);
        if (b && !nv_xml_equal(a, b))
            check_fail(__FILE__, __LINE__, "round trip differs for %s: %s", what, w);
        nv_xml_free(b);
    }
    free(w);
    nv_xml_free(a);
}

TEST(xml_write_basic_forms)
{
    CHECK_STR(written("<a/>"), "<a/>");
    CHECK_STR(written("<a></a>"), "<a/>");
    CHECK_STR(written("<?xml version='1.0'?><!-- c --><a x='1'  y=\"2\">\n <b/>t</a>"),
              "<a x=\"1\" y=\"2\">\n <b/>t</a>");
    CHECK_STR(written("<q:a xmlns:q='urn:x'><q:b q:c='d'/></q:a>"),
              "<q:a xmlns:q=\"urn:x\"><q:b q:c=\"d\"/></q:a>");
}

TEST(xml_write_escapes_text)
{
    CHECK_STR(written("<a>&amp;&lt;&gt;\"'&#13;\t\n]]&gt;</a>"),
              "<a>&amp;&lt;&gt;\"'&#13;\t\n]]&gt;</a>");
    CHECK_STR(written("<a><![CDATA[<x>&]]></a>"), "<a>&lt;x&gt;&amp;</a>");
    /* a raw CR LF in text is a newline to a parser */
    CHECK_STR(written("<a>x\r\ny</a>"), "<a>x\ny</a>");
}

TEST(xml_write_escapes_attributes)
{
    CHECK_STR(written("<a v='say \"hi\" &amp; &lt;go&gt;'/>"),
              "<a v=\"say &quot;hi&quot; &amp; &lt;go&gt;\"/>");
    CHECK_STR(written("<a v='&#9;&#10;&#13;x'/>"), "<a v=\"&#9;&#10;&#13;x\"/>");
    CHECK_STR(written("<a v=\"it's\"/>"), "<a v=\"it's\"/>");
}

TEST(xml_write_refuses_control_characters)
{
    nv_err e;
    nv_xml_node *r = nv_xml_new_element("a", &e);
    nv_xml_node *t = nv_xml_new_text("bell\x07", &e);
    nv_xml_append(r, t);
    CHECK(nv_xml_to_string(r, NULL, &e) == NULL);
    CHECK_STR(e.msg, "cannot write control character 0x07 in XML");
    nv_xml_free(t);
    nv_xml_set_attr(r, "v", "esc\x1b", &e);
    CHECK(nv_xml_to_string(r, NULL, &e) == NULL);
    CHECK(strstr(e.msg, "0x1b") != NULL);
    nv_xml_set_attr(r, "v", "fine\x7f\xc3\xa9", &e); /* DEL and non-ASCII are allowed */
    char *s = nv_xml_to_string(r, NULL, &e);
    CHECK_STR(s, "<a v=\"fine\x7f\xc3\xa9\"/>");
    free(s);
    nv_xml_free(r);
}

TEST(xml_write_text_node_alone)
{
    nv_err e;
    nv_xml_node *t = nv_xml_new_text("a<b", &e);
    char *s = nv_xml_to_string(t, NULL, &e);
    CHECK_STR(s, "a&lt;b");
    free(s);
    nv_xml_free(t);
}

TEST(xml_write_respects_buffer_limit)
{
    nv_err e;
    nv_xml_node *r = parse("<abcdef>0123456789</abcdef>");
    nv_buf b;
    nv_buf_init(&b, 10);
    CHECK_INT(nv_xml_write(r, &b, &e), -1);
    CHECK(strstr(e.msg, "exceeds 10 bytes") != NULL);
    nv_buf_free(&b);
    nv_xml_free(r);
}

TEST(xml_write_round_trips)
{
    check_round_trip("<a x='&#9;&#10;&#13;&amp;&quot;&apos;'>t&#13;\n<b/>&lt;&gt;<c>\xe2\x86\x92</c></a>",
                     "escapes");
    check_round_trip("<p>mixed <b>bold</b> and <i>it</i> text</p>", "mixed");
    check_round_trip("<domain xmlns:qemu='urn:q'><qemu:commandline/></domain>", "prefixes");
    const char *files[] = {"xml/domain.xml", "xml/network.xml", "xml/pool.xml",
                           "xml/volume.xml", "xml/mixed.xml"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        nv_err e;
        nv_xml_node *a = nv_xml_parse_file(check_data_path(files[i]), &e);
        CHECK(a != NULL);
        if (!a)
            continue;
        char *w = nv_xml_to_string(a, NULL, &e);
        check_round_trip(w, files[i]);
        free(w);
        nv_xml_free(a);
    }
}
