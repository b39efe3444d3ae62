/* nv_spec_read_text gives what nv_spec_read and nv_spec_drop_tree give
 * (the text to send byte for byte, name, line, UUID, MACs; the same
 * error), whether it went through the tree or not; and it does not, for
 * ordinary definitions. */
#include "check.h"
#include "engine/spec.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define U "8f3b1c52-4c1e-4b8e-9d2a-0a1b2c3d4e5f"

static char path[4096];

static void put(const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        check_fail(__FILE__, __LINE__, "cannot write %s", path);
        return;
    }
    fputs(text, f);
    fclose(f);
}

/* Both ways on the file at path; returns whether the text way used the tree. */
static int same(enum nv_spec_kind kind, const char *what)
{
    nv_spec a, b;
    nv_err ea, eb;
    nv_err_clear(&ea);
    nv_err_clear(&eb);
    int ra = nv_spec_read(&a, kind, path, &ea);
    if (ra == 0 && kind != NV_SPEC_POOL && nv_spec_drop_tree(&a, &ea) < 0)
        ra = -1;
    unsigned long before = nv_spec_tree_reads;
    int rb = nv_spec_read_text(&b, kind, path, &eb);
    int tree = nv_spec_tree_reads != before;
    if (ra != rb) {
        check_fail(__FILE__, __LINE__, "%s: tree %d, text %d (%s | %s)", what, ra, rb, ea.msg, eb.msg);
    } else if (ra < 0) {
        if (strcmp(ea.msg, eb.msg) != 0 || ea.kind != eb.kind)
            check_fail(__FILE__, __LINE__, "%s: errors differ: [%s] [%s]", what, ea.msg, eb.msg);
    } else {
        if (a.xml_len != b.xml_len || memcmp(a.xml, b.xml, a.xml_len) != 0)
            check_fail(__FILE__, __LINE__, "%s: text differs:\n%s\n%s", what, a.xml, b.xml);
        if (strcmp(a.name, b.name) != 0 || a.name_line != b.name_line)
            check_fail(__FILE__, __LINE__, "%s: name [%s]:%lu vs [%s]:%lu", what, a.name, a.name_line, b.name,
                       b.name_line);
        if (a.has_uuid != b.has_uuid || memcmp(a.uuid, b.uuid, 16) != 0 || strcmp(a.uuid_str, b.uuid_str) != 0)
            check_fail(__FILE__, __LINE__, "%s: UUIDs differ", what);
        if (strcmp(a.file, b.file) != 0 || a.kind != b.kind || (kind != NV_SPEC_POOL && (a.root || b.root)))
            check_fail(__FILE__, __LINE__, "%s: file, kind or tree differ", what);
        if (a.nmacs != b.nmacs) {
            check_fail(__FILE__, __LINE__, "%s: %zu vs %zu MACs", what, a.nmacs, b.nmacs);
        } else {
            for (size_t i = 0; i < a.nmacs; i++)
                if (strcmp(a.macs[i].address, b.macs[i].address) != 0 || a.macs[i].index != b.macs[i].index ||
                    a.macs[i].line != b.macs[i].line)
                    check_fail(__FILE__, __LINE__, "%s: MAC %zu differs", what, i);
        }
        nv_spec_free(&a);
        nv_spec_free(&b);
    }
    return tree;
}

static void case_(enum nv_spec_kind kind, const char *text, int want_tree)
{
    put(text);
    int tree = same(kind, text);
    if (want_tree >= 0 && tree != want_tree)
        check_fail(__FILE__, __LINE__, "%s: %s the tree", text, tree ? "went through" : "did without");
}

TEST(spec_text_matches_the_tree)
{
    snprintf(path, sizeof path, "/tmp/nv-test-spec-XXXXXX");
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    close(fd);
    /* ordinary definitions: no tree */
    case_(NV_SPEC_DOMAIN,
          "<?xml version='1.0'?>\n<!-- made by hand -->\n<domain type='qemu'>\n  <name>vm1</name>\n  <uuid>" U
          "</uuid>\n  <memory unit='MiB'>32</memory>\n  <devices>\n    <interface type='network'>\n"
          "      <source network='default'/>\n    </interface>\n    <interface type='user'><mac/></interface>\n"
          "    <interface type='user'><mac address=''/><mac/></interface>\n"
          "    <interface type='user'><mac address='52:54:00:01:02:03'/></interface>\n"
          "    <hostdev><interface/></hostdev>\n  </devices>\n  <devices><interface type='user'/></devices>\n"
          "  <interface type='user'/>\n</domain>\n<!-- after -->\n",
          0);
    case_(NV_SPEC_DOMAIN,
          "<domain><name> a &amp; b &lt;c&gt; \"q\" </name><uuid>\n " U " \n</uuid>"
          "<description><![CDATA[x < y & z]]> and&#10;\r\nlines\r\n</description>"
          "<os a='1&#10;2&#9;3&quot;4&amp;5&lt;6' b=\"'\"><type></type><empty></empty></os>"
          "<qemu:commandline xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'><qemu:arg value='-x'/>"
          "</qemu:commandline><?pi data?><name>second</name></domain>",
          0);
    case_(NV_SPEC_DOMAIN, "<?xml version='1.0' encoding='ISO-8859-1'?><domain><name>caf\xe9</name><uuid>" U
                          "</uuid></domain>", 0);
    case_(NV_SPEC_DOMAIN, "<domain><name>n<!-- c -->m</name><uuid>" U "</uuid></domain>", 0);
    /* lines (of <name> and of each interface that gets a MAC) with CR LF, a
     * lone CR and a mix of both, as expat counts them */
    case_(NV_SPEC_DOMAIN,
          "<?xml version='1.0'?>\r\n<domain type='qemu'>\r\n  <name>vm1</name>\r\n  <uuid>" U
          "</uuid>\r\n  <devices>\r\n    <interface type='user'/>\r\n\r\n"
          "    <interface type='user'><mac/></interface>\r\n  </devices>\r\n</domain>\r\n",
          0);
    case_(NV_SPEC_DOMAIN,
          "<domain>\r<name>n</name>\r\r<uuid>" U "</uuid>\r<devices>\r<interface type='user'/>\r"
          "<interface type='user'/></devices>\r</domain>\r",
          0);
    case_(NV_SPEC_DOMAIN,
          "\n\r\n\r<domain>\n\r<name>n</name><devices>\r\n\n\r<interface type='user'/></devices>\r<uuid>" U
          "</uuid></domain>",
          -1);
    case_(NV_SPEC_NETWORK, "<network>\r\n<name>n</name>\r<uuid>" U "</uuid>\r\n</network>", 0);
    case_(NV_SPEC_NETWORK, "<network>\n<name>n</name>\n<uuid>" U "</uuid>\n<forward mode='nat'/>\n</network>", 0);
    case_(NV_SPEC_NETWORK, "<network><name>n</name><uuid>" U "</uuid></network>", 0);
    case_(NV_SPEC_NETWORK, "<network><name>n</name><uuid>" U "</uuid><forward mode='bridge'/></network>", 0);
    case_(NV_SPEC_NETWORK, "<network><name>n</name><uuid>" U "</uuid><forward/><forward mode='bridge'/></network>",
          0);
    case_(NV_SPEC_NETWORK, "<network><name>n</name><mac address='52:54:00:01:02:03'/><uuid>" U "</uuid></network>",
          0);
    case_(NV_SPEC_NETWORK, "<network><forward mode='route'/><name>n</name></network>", -1);
    case_(NV_SPEC_NETWORK, "<network><name>n</name><forward mode='passthroughxxxxxxxxxxxxxxxx'/><uuid>" U
                           "</uuid></network>", 1);
    case_(NV_SPEC_VOLUME, "<volume><name>v.qcow2</name><uuid>not one</uuid><capacity>1</capacity></volume>", 0);
    case_(NV_SPEC_POOL, "<pool type='dir'><name>p</name><uuid>" U "</uuid><target><path>/x</path></target></pool>",
          1);
    /* what the way without a tree leaves to the tree */
    case_(NV_SPEC_DOMAIN, "<domain><name>d</name><devices><interface type='user'/></devices><uuid>" U
                          "</uuid></domain>", 1);
    case_(NV_SPEC_DOMAIN, "<domain><name>d</name><devices><interface type='user'><mac/></interface></devices>"
                          "<uuid>" U "</uuid></domain>", 1);
    case_(NV_SPEC_NETWORK, "<network><name>n</name><uuid>" U "</uuid><mac/><forward mode='bridge'/></network>", 1);
    case_(NV_SPEC_NETWORK, "<network><name>n</name><uuid>" U "</uuid><mac address=''/></network>", 1);
    /* errors, each as the tree says it */
    static const char *const bad[] = {
        "<network><name>x</name><uuid>" U "</uuid></network>",
        "\n<domain>\n  <uuid>" U "</uuid>\n</domain>",
        "<domain>\n<name> \n</name><uuid>" U "</uuid></domain>",
        "<domain>\n<name><b/></name><uuid>" U "</uuid></domain>",
        "<domain>\n\n<name>x</name>\n</domain>",
        "<domain><name>x</name>\n\n\n<uuid>xyz</uuid></domain>",
        "<domain><name>x</name>\n<uuid><a/></uuid></domain>",
        "<domain><name>x</name>\n<uuid></uuid></domain>",
        "<domain><name>x</name>\n<bad></domain>",
        "<!DOCTYPE domain><domain><name>x</name><uuid>" U "</uuid></domain>",
        "<domain><name>x</name><uuid>" U "</uuid><a>&#1;</a></domain>",
        "<domain><name>x</name><uuid>" U "</uuid></domain><extra/>",
        "",
        "\x01",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        case_(NV_SPEC_DOMAIN, bad[i], -1);
    /* nested deeper than the tree takes */
    static char deep[300 * 7 + 200];
    char *p = deep;
    p += sprintf(p, "<domain><name>x</name><uuid>" U "</uuid>");
    for (int i = 0; i < 300; i++)
        p += sprintf(p, "<a>");
    for (int i = 0; i < 300; i++)
        p += sprintf(p, "</a>");
    sprintf(p, "</domain>");
    case_(NV_SPEC_DOMAIN, deep, -1);
    unlink(path);
    /* the test data */
    static const struct {
        const char *file;
        enum nv_spec_kind kind;
    } data[] = {
        {"xml/domain.xml", NV_SPEC_DOMAIN}, {"xml/network.xml", NV_SPEC_NETWORK},
        {"xml/pool.xml", NV_SPEC_POOL},     {"xml/volume.xml", NV_SPEC_VOLUME},
        {"xml/mixed.xml", NV_SPEC_DOMAIN},
    };
    for (size_t i = 0; i < sizeof data / sizeof data[0]; i++) {
        snprintf(path, sizeof path, "%s", check_data_path(data[i].file));
        same(data[i].kind, data[i].file);
    }
}

/* A definition that outgrows libvirt's limit once its MACs are filled in:
 * the same error either way. */
TEST(spec_text_too_large)
{
    snprintf(path, sizeof path, "/tmp/nv-test-spec-XXXXXX");
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    FILE *f = fdopen(fd, "w");
    if (!f)
        return;
    fputs("<domain type='qemu'><name>big</name><uuid>" U "</uuid><devices>", f);
    for (int i = 0; i < 1000; i++)
        fputs("<interface type='user'/>", f);
    fputs("</devices><description>", f);
    long at = ftell(f);
    for (long i = at; i < (long)NV_SPEC_XML_MAX - 100 - 23; i++)
        fputc('x', f);
    fputs("</description></domain>", f);
    fclose(f);
    same(NV_SPEC_DOMAIN, "large");
    unlink(path);
}

/* libvirt's own test documents, when NV_LIBVIRT_SRC points at its source
 * (as test_xml_corpus.c): both ways agree on every one, and most need no
 * tree. */
TEST(spec_text_libvirt_corpus)
{
    const char *root = getenv("NV_LIBVIRT_SRC");
    if (!root || !*root)
        return;
    static const struct {
        const char *dir;
        enum nv_spec_kind kind;
    } dirs[] = {
        {"tests/qemuxml2argvdata", NV_SPEC_DOMAIN},    {"tests/qemuxml2xmloutdata", NV_SPEC_DOMAIN},
        {"tests/networkxml2xmlin", NV_SPEC_NETWORK},   {"tests/networkxml2xmlout", NV_SPEC_NETWORK},
        {"tests/storagevolxml2xmlin", NV_SPEC_VOLUME}, {"tests/storagevolxml2xmlout", NV_SPEC_VOLUME},
    };
    size_t files = 0, trees = 0;
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", root, dirs[i].dir);
        DIR *d = opendir(path);
        if (!d) {
            check_fail(__FILE__, __LINE__, "cannot open %s", path);
            continue;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
            size_t n = strlen(de->d_name);
            if (n < 5 || strcmp(de->d_name + n - 4, ".xml") != 0)
                continue;
            snprintf(path, sizeof path, "%s/%s/%s", root, dirs[i].dir, de->d_name);
            files++;
            trees += (size_t)same(dirs[i].kind, de->d_name);
        }
        closedir(d);
    }
    printf("  libvirt corpus: %zu definitions, %zu through the tree\n", files, trees);
    CHECK(trees * 5 < files);
}
