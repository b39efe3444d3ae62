#include "check.h"
#include "util/error.h"
#include "xml/doc.h"
#include "xml/path.h"

#include <dirent.h>
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static nv_xml_node *parse(const char *s, nv_err *e)
{
    nv_err_clear(e);
    return nv_xml_parse(s, strlen(s), "t.xml", e);
}

TEST(xml_parse_elements_attributes_lines)
{
    nv_err e;
    nv_xml_node *r = parse("<?xml version='1.0'?>\n"
                           "<domain type='kvm' xmlns:qemu='urn:q' id=\"7\">\n"
                           "  <name>vm</name>\n"
                           "  <qemu:commandline><qemu:arg value='-S'/></qemu:commandline>\n"
                           "</domain>\n",
                           &e);
    CHECK(r != NULL);
    if (!r)
        return;
    CHECK_STR(r->name, "domain");
    CHECK_INT(r->line, 2);
    CHECK_INT(r->nattrs, 3);
    CHECK_STR(r->attrs[0].name, "type");
    CHECK_STR(r->attrs[1].name, "xmlns:qemu");
    CHECK_STR(r->attrs[1].value, "urn:q");
    CHECK_STR(r->attrs[2].name, "id");
    CHECK_STR(nv_xml_attr(r, "id"), "7");
    CHECK(nv_xml_attr(r, "missing") == NULL);
    nv_xml_node *n = nv_xml_child(r, "name");
    CHECK(n != NULL && n->line == 3);
    CHECK_STR(nv_xml_text(n), "vm");
    nv_xml_node *q = nv_xml_child(r, "qemu:commandline");
    CHECK(q != NULL && q->line == 4);
    CHECK_STR(nv_xml_attr(nv_xml_child(q, "qemu:arg"), "value"), "-S");
    CHECK(nv_xml_text(r) == NULL); /* has element children */
    CHECK(nv_xml_root(q) == r);
    /* text between elements is kept in order: "\n  ", name, "\n  ", qemu, "\n" */
    CHECK(r->first->type == NV_XML_TEXT && strcmp(r->first->text, "\n  ") == 0);
    CHECK(r->first->next == n);
    CHECK(r->last->type == NV_XML_TEXT && strcmp(r->last->text, "\n") == 0);
    nv_xml_free(r);
}

TEST(xml_parse_text_merging_entities_cdata)
{
    nv_err e;
    nv_xml_node *r = parse("<a>x &amp; y &#x41;<!-- gone --><![CDATA[<z>]]>&lt;<?pi x?>!</a>", &e);
    CHECK(r != NULL);
    if (!r)
        return;
    CHECK(r->first != NULL && r->first == r->last); /* one text node */
    CHECK_STR(nv_xml_text(r), "x & y A<z><!");
    nv_xml_free(r);
}

TEST(xml_parse_mixed_content_order)
{
    nv_err e;
    nv_xml_node *r = parse("<p>one<b>two</b>three<i/></p>", &e);
    CHECK(r != NULL);
    if (!r)
        return;
    const nv_xml_node *c = r->first;
    CHECK(c && c->type == NV_XML_TEXT && strcmp(c->text, "one") == 0);
    c = c ? c->next : NULL;
    CHECK(c && c->type == NV_XML_ELEMENT && strcmp(c->name, "b") == 0);
    c = c ? c->next : NULL;
    CHECK(c && c->type == NV_XML_TEXT && strcmp(c->text, "three") == 0);
    c = c ? c->next : NULL;
    CHECK(c && c->type == NV_XML_ELEMENT && strcmp(c->name, "i") == 0 && c->next == NULL);
    CHECK_INT(nv_xml_count(r, NULL), 2);
    CHECK_INT(nv_xml_count(r, "b"), 1);
    CHECK_STR(nv_xml_text(nv_xml_child(r, "i")), "");
    nv_xml_free(r);
}

TEST(xml_parse_malformed_reports_file_and_line)
{
    nv_err e;
    CHECK(parse("<a>\n<b>\n</a>", &e) == NULL);
    CHECK_STR(e.msg, "t.xml:3: mismatched tag");
    CHECK_INT(e.kind, NV_ERR_INPUT);
    CHECK(parse("", &e) == NULL);
    CHECK(strncmp(e.msg, "t.xml:1: ", 9) == 0);
    CHECK(parse("<a x='1' x='2'/>", &e) == NULL);
    CHECK(strstr(e.msg, "duplicate attribute") != NULL);
    CHECK(parse("<a>&undefined;</a>", &e) == NULL);
    CHECK(strstr(e.msg, "undefined entity") != NULL);
    CHECK(parse("<a>&#1;</a>", &e) == NULL);
    CHECK(parse("<a/><b/>", &e) == NULL);
    CHECK(strstr(e.msg, "junk after document element") != NULL);
    const char nul[] = "<a>\0</a>";
    CHECK(nv_xml_parse(nul, sizeof nul - 1, "n.xml", &e) == NULL);
    CHECK(parse("<a>\xff</a>", &e) == NULL); /* not UTF-8 */
}

TEST(xml_parse_rejects_doctype)
{
    nv_err e;
    const char *laughs = "<?xml version='1.0'?>\n"
                         "<!DOCTYPE lolz [\n"
                         " <!ENTITY lol 'lol'>\n"
                         " <!ENTITY lol2 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>\n"
                         "]>\n"
                         "<lolz>&lol2;</lolz>";
    CHECK(parse(laughs, &e) == NULL);
    CHECK(strstr(e.msg, "t.xml:") == e.msg);
    CHECK(strstr(e.msg, "DOCTYPE declarations are not allowed") != NULL);
    CHECK(parse("<!DOCTYPE domain SYSTEM 'x.dtd'><domain/>", &e) == NULL);
    CHECK(strstr(e.msg, "DOCTYPE") != NULL);
}

static char *nested(int depth)
{
    char *s = malloc((size_t)depth * 7 + 1);
    char *p = s;
    for (int i = 0; i < depth; i++)
        p += sprintf(p, "<a>");
    for (int i = 0; i < depth; i++)
        p += sprintf(p, "</a>");
    return s;
}

TEST(xml_parse_depth_limit)
{
    nv_err e;
    char *ok = nested(NV_XML_MAX_DEPTH);
    nv_xml_node *r = parse(ok, &e);
    CHECK(r != NULL);
    nv_xml_free(r);
    free(ok);
    char *deep = nested(NV_XML_MAX_DEPTH + 1);
    CHECK(parse(deep, &e) == NULL);
    CHECK_STR(e.msg, "t.xml:1: elements nested deeper than 256 levels");
    free(deep);
}

TEST(xml_parse_size_limit)
{
    nv_err e;
    size_t n = NV_XML_MAX_INPUT + 1;
    char *big = malloc(n);
    memset(big, ' ', n);
    memcpy(big, "<a>", 3);
    memcpy(big + n - 4, "</a>", 4);
    CHECK(nv_xml_parse(big, n, "big.xml", &e) == NULL);
    CHECK_STR(e.msg, "big.xml: document is larger than 4194304 bytes");
    /* exactly at the limit is accepted */
    memcpy(big + n - 5, "</a>", 4);
    big[n - 1] = ' ';
    nv_xml_node *r = nv_xml_parse(big, n - 1, "big.xml", &e);
    CHECK(r != NULL);
    if (r)
        CHECK_INT(strlen(nv_xml_text(r)), n - 1 - 7);
    nv_xml_free(r);
    free(big);
}

TEST(xml_parse_file_with_declared_encoding)
{
    nv_err e;
    nv_xml_node *r = nv_xml_parse_file(check_data_path("xml/mixed.xml"), &e);
    CHECK(r != NULL);
    if (!r) {
        check_fail(__FILE__, __LINE__, "%s", e.msg);
        return;
    }
    /* ISO-8859-1 input comes out as UTF-8 */
    CHECK_STR(nv_xml_find_value(r, "name"), "caf\xc3\xa9");
    /* attribute whitespace is normalised by the parser */
    CHECK_STR(nv_xml_find_value(r, "title/@attr"), "tab and newline");
    nv_xml_node *info = nv_xml_find(r, "metadata/app:info");
    CHECK(info != NULL);
    if (info)
        CHECK_STR(nv_xml_attr(info, "xmlns:app"), "urn:example:app");
    nv_xml_free(r);
    CHECK(nv_xml_parse_file(check_data_path("xml/does-not-exist.xml"), &e) == NULL);
    CHECK(strstr(e.msg, "does-not-exist.xml: cannot read") != NULL);
}

TEST(xml_build_and_mutate)
{
    nv_err e;
    nv_xml_node *r = nv_xml_new_element("r", &e);
    nv_xml_node *a = nv_xml_new_element("a", &e);
    nv_xml_node *b = nv_xml_new_element("b", &e);
    nv_xml_node *t = nv_xml_new_text("hi", &e);
    nv_xml_append(r, b);
    nv_xml_insert_before(r, a, b);
    nv_xml_append(r, t);
    CHECK(r->first == a && a->next == b && b->next == t && r->last == t);
    CHECK(a->parent == r && t->prev == b);
    CHECK_INT(nv_xml_set_attr(a, "x", "1", &e), 0);
    CHECK_INT(nv_xml_set_attr(a, "y", "2", &e), 0);
    CHECK_INT(nv_xml_set_attr(a, "x", "3", &e), 0);
    CHECK_INT(a->nattrs, 2);
    CHECK_STR(nv_xml_attr(a, "x"), "3");
    CHECK_INT(nv_xml_remove_attr(a, "x"), 1);
    CHECK_INT(nv_xml_remove_attr(a, "x"), 0);
    CHECK_STR(a->attrs[0].name, "y");

    nv_xml_node *c = nv_xml_clone(r, &e);
    CHECK(c != NULL && nv_xml_equal(r, c));
    nv_xml_set_attr(nv_xml_child(c, "a"), "y", "changed", &e);
    CHECK(!nv_xml_equal(r, c));
    nv_xml_free(c);

    nv_xml_unlink(b);
    CHECK(a->next == t && t->prev == a && b->parent == NULL);
    nv_xml_append(r, b); /* moves to the end */
    CHECK(r->last == b);
    nv_xml_free(a); /* unlinks itself */
    CHECK(r->first == t);
    CHECK(nv_xml_child(r, NULL) == b);
    CHECK(nv_xml_next(b, NULL) == NULL);
    nv_xml_free(r);
    nv_xml_free(NULL);
}

TEST(xml_equal_is_exact)
{
    nv_err e;
    nv_xml_node *a = parse("<a x='1' y='2'><b/>t</a>", &e);
    nv_xml_node *b = parse("<a x='1' y='2'><b/>t</a>", &e);
    nv_xml_node *c = parse("<a y='2' x='1'><b/>t</a>", &e);
    nv_xml_node *d = parse("<a x='1' y='2'><b/>u</a>", &e);
    nv_xml_node *f = parse("<a x='1' y='2'><b/></a>", &e);
    CHECK(nv_xml_equal(a, b));
    CHECK(!nv_xml_equal(a, c)); /* attribute order matters here */
    CHECK(!nv_xml_equal(a, d));
    CHECK(!nv_xml_equal(a, f));
    CHECK(!nv_xml_equal(f, a));
    nv_xml_free(a);
    nv_xml_free(b);
    nv_xml_free(c);
    nv_xml_free(d);
    nv_xml_free(f);
}

TEST(xml_path_find)
{
    nv_err e;
    nv_xml_node *r = parse("<domain><devices>"
                           "<disk n='1'/><interface n='a'><mac address='m1'/></interface>"
                           "</devices><devices><interface n='b'/><interface n='c'/></devices>"
                           "<os><type>hvm</type></os></domain>",
                           &e);
    CHECK(r != NULL);
    if (!r)
        return;
    CHECK_STR(nv_xml_attr(nv_xml_find(r, "devices/interface"), "n"), "a");
    CHECK_STR(nv_xml_attr(nv_xml_find(r, "devices[2]/interface[2]"), "n"), "c");
    CHECK(nv_xml_find(r, "devices[1]/interface[2]") == NULL);
    CHECK_STR(nv_xml_attr(nv_xml_find(r, "/domain/devices[2]/interface"), "n"), "b");
    CHECK(nv_xml_find(r, "/domain") == r);
    CHECK(nv_xml_find(r, "/network/devices") == NULL);
    CHECK_STR(nv_xml_find_value(r, "os/type"), "hvm");
    CHECK_STR(nv_xml_find_value(r, "devices/interface/mac/@address"), "m1");
    /* the first interface that has the attribute */
    CHECK_STR(nv_xml_find_value(r, "devices/interface/@n"), "a");
    CHECK(nv_xml_find_value(r, "devices/interface/@none") == NULL);
    CHECK(nv_xml_find(r, "devices/interface/@n") == NULL);
    /* malformed paths match nothing */
    CHECK(nv_xml_find(r, "") == NULL);
    CHECK(nv_xml_find(r, "devices//disk") == NULL);
    CHECK(nv_xml_find(r, "devices[0]") == NULL);
    CHECK(nv_xml_find(r, "devices[x]") == NULL);
    CHECK(nv_xml_find(r, "@a/b") == NULL);
    /* a path from a nested element, and an absolute one from there */
    nv_xml_node *os = nv_xml_child(r, "os");
    CHECK_STR(nv_xml_find_value(os, "type"), "hvm");
    CHECK_STR(nv_xml_find_value(os, "/domain/os/type"), "hvm");
    nv_xml_free(r);
}

TEST(xml_path_remove)
{
    nv_err e;
    nv_xml_node *r = parse("<pool type='dir'><name>p</name><capacity>1</capacity>"
                           "<allocation>2</allocation><available>3</available>"
                           "<target><path>/x</path><permissions><mode>0711</mode></permissions>"
                           "</target><x a='1'/><x a='2'/><x a='3'/></pool>",
                           &e);
    CHECK(r != NULL);
    if (!r)
        return;
    const char *ignore[] = {"capacity", "/pool/allocation", "available", "target/permissions",
                            "missing/thing", "/volume/capacity"};
    CHECK_INT(nv_xml_remove_paths(r, ignore, 6, &e), 4);
    CHECK(nv_xml_child(r, "capacity") == NULL);
    CHECK(nv_xml_child(r, "allocation") == NULL);
    CHECK(nv_xml_child(r, "available") == NULL);
    CHECK(nv_xml_find(r, "target/permissions") == NULL);
    CHECK_STR(nv_xml_find_value(r, "target/path"), "/x");
    CHECK_INT(nv_xml_remove_path(r, "x[2]", &e), 1);
    CHECK_INT(nv_xml_count(r, "x"), 2);
    CHECK_STR(nv_xml_find_value(r, "x[2]/@a"), "3");
    CHECK_INT(nv_xml_remove_path(r, "x/@a", &e), 2);
    CHECK_INT(nv_xml_remove_path(r, "@type", &e), 1);
    CHECK(nv_xml_attr(r, "type") == NULL);
    CHECK_INT(nv_xml_remove_path(r, "x", &e), 2);
    CHECK_INT(nv_xml_count(r, NULL), 2); /* name, target */
    CHECK_INT(nv_xml_remove_path(r, "/pool", &e), -1);
    CHECK(strstr(e.msg, "root") != NULL);
    CHECK_INT(nv_xml_remove_path(r, "a[", &e), -1);
    CHECK(strstr(e.msg, "malformed XML path") != NULL);
    nv_xml_free(r);
}

/* ---- lines: the tree's, counted from offsets, are expat's own ---------- */

/* expat's XML_GetCurrentLineNumber at each event the tree keeps a line of:
 * every start tag, and the first character data after a tag (inside the
 * root), in document order. */
typedef struct ref_lines {
    XML_Parser p;
    unsigned long v[4096];
    size_t n;
    int depth, in_text;
} ref_lines;

static void XMLCALL ref_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    (void)name;
    (void)atts;
    ref_lines *r = ud;
    if (r->n < 4096)
        r->v[r->n++] = (unsigned long)XML_GetCurrentLineNumber(r->p);
    r->depth++;
    r->in_text = 0;
}

static void XMLCALL ref_end(void *ud, const XML_Char *name)
{
    (void)name;
    ref_lines *r = ud;
    r->depth--;
    r->in_text = 0;
}

static void XMLCALL ref_text(void *ud, const XML_Char *s, int len)
{
    (void)s;
    ref_lines *r = ud;
    if (r->depth > 0 && len > 0 && !r->in_text && r->n < 4096)
        r->v[r->n++] = (unsigned long)XML_GetCurrentLineNumber(r->p);
    r->in_text = r->depth > 0 && len > 0 ? 1 : r->in_text;
}

static void tree_lines(const nv_xml_node *n, unsigned long *v, size_t *k)
{
    for (; n; n = n->next) {
        if (*k < 4096)
            v[(*k)++] = n->line;
        if (n->type == NV_XML_ELEMENT)
            tree_lines(n->first, v, k);
    }
}

/* 1 when every line of data's tree is the one expat gives (also run over
 * libvirt's corpus: test_xml_corpus.c). */
int xml_lines_agree(const char *what, const char *data, size_t len);
int xml_lines_agree(const char *what, const char *data, size_t len)
{
    ref_lines *r = calloc(1, sizeof *r);
    unsigned long *got = calloc(4096, sizeof *got);
    int ok = 0;
    nv_err e;
    nv_xml_node *t = nv_xml_parse(data, len, what, &e);
    if (r && got && t && (r->p = XML_ParserCreate(NULL)) != NULL) {
        XML_SetUserData(r->p, r);
        XML_SetElementHandler(r->p, ref_start, ref_end);
        XML_SetCharacterDataHandler(r->p, ref_text);
        size_t k = 0;
        tree_lines(t, got, &k);
        ok = XML_Parse(r->p, data, (int)len, XML_TRUE) == XML_STATUS_OK && k == r->n && k > 0 &&
             memcmp(got, r->v, k * sizeof *got) == 0;
        if (!ok)
            fprintf(stderr, "    %s: %zu lines in the tree, %zu from expat\n", what, k, r->n);
        XML_ParserFree(r->p);
    }
    nv_xml_free(t);
    free(got);
    free(r);
    return ok;
}

TEST(xml_parse_lines_are_expats)
{
    static const char *const docs[] = {
        "<a>\n  <b x='1'\n     y='2'/>\n  text\n  <c>t<d/>u</c>\n</a>\n",
        "<?xml version='1.0'?>\r\n<a>\r\n  <b/>\r\n\r\n  <c>x\r\ny</c>\r\n</a>\r\n",
        "<a>\r<b/>\r\r<c>x\ry</c>\r</a>\r",
        "\n\r\n\r<a>\n\r<b/><c>\r\n\n\r<d/></c>\r<e>&amp;\r\n&lt;<![CDATA[\r\n]]>z</e></a>",
        "<a><!-- one\n two --><b/><?pi x\ny?>\n<c>&#10;&#13;x</c>\n</a>",
        "\xef\xbb\xbf<a>\n<b>\xc3\xa9\n\xe2\x82\xac</b>\n</a>",
        "<a\n>\n<b\r\n/>\r<c\r></c\r>\r\n</a\n>",
    };
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
        char what[32];
        snprintf(what, sizeof what, "doc %zu", i);
        CHECK(xml_lines_agree(what, docs[i], strlen(docs[i])));
    }
    /* and the XML files of the test data */
    static const char *const dirs[] = {"xml", "manifest"};
    size_t files = 0;
    for (size_t d = 0; d < 2; d++) {
        DIR *dp = opendir(check_data_path(dirs[d]));
        CHECK(dp != NULL);
        for (struct dirent *de; dp && (de = readdir(dp)) != NULL;) {
            size_t n = strlen(de->d_name), len;
            if (n < 5 || strcmp(de->d_name + n - 4, ".xml") != 0)
                continue;
            char path[512];
            snprintf(path, sizeof path, "%s/%s", check_data_path(dirs[d]), de->d_name);
            nv_err e;
            char *data = nv_xml_read_file(path, &len, &e);
            nv_xml_node *t = data ? nv_xml_parse(data, len, path, &e) : NULL;
            if (t) { /* only documents that parse */
                files++;
                CHECK(xml_lines_agree(path, data, len));
            }
            nv_xml_free(t);
            free(data);
        }
        if (dp)
            closedir(dp);
    }
    CHECK(files >= 10);
}
