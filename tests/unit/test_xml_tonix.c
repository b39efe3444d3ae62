#include "check.h"
#include "util/buf.h"
#include "util/errlist.h"
#include "util/error.h"
#include "xml/doc.h"
#include "xml/schema.h"
#include "xml/tonix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char last_err[1024];
static char last_warn[1024];

/* The Nix text for xml (as kind), or NULL with last_err set. Caller frees. */
static char *tonix(const char *kind, const char *xml, unsigned flags)
{
    nv_err e;
    nv_err_clear(&e);
    last_err[0] = last_warn[0] = 0;
    nv_xml_node *r = nv_xml_parse(xml, strlen(xml), "t.xml", &e);
    if (!r) {
        snprintf(last_err, sizeof last_err, "%s", e.msg);
        return NULL;
    }
    nv_errlist w = {0};
    nv_buf out;
    nv_buf_init(&out, 0);
    char *res = NULL;
    if (nv_xml_to_nix(r, nv_xml_schema_find(kind), "t.xml", flags, &w, &out, &e) == 0)
        res = nv_buf_steal(&out);
    else
        snprintf(last_err, sizeof last_err, "%s", e.msg);
    if (w.n)
        snprintf(last_warn, sizeof last_warn, "%s", w.v[0]);
    nv_buf_free(&out);
    nv_errlist_free(&w);
    nv_xml_free(r);
    return res;
}

#define CHECK_NIX(kind, xml, flags, want)                                                  \
    do {                                                                                   \
        char *got_ = tonix(kind, xml, flags);                                              \
        if (!got_)                                                                         \
            check_fail(__FILE__, __LINE__, "xml2nix failed: %s", last_err);                \
        else                                                                               \
            CHECK_STR(got_, want);                                                         \
        free(got_);                                                                        \
    } while (0)

TEST(tonix_schema_tables)
{
    const nv_xml_schema *d = nv_xml_schema_find("domain");
    CHECK(d != NULL);
    CHECK(nv_xml_schema_find("pool") == &nv_xml_schema_pool);
    CHECK(nv_xml_schema_find("storagepool") == NULL);
    CHECK_STR(NV_XML_SCHEMA_STR(d, d->types[0].name), "domain");
    CHECK(d->ntypes > 100);
}

TEST(tonix_leaves_attributes_and_text_keys)
{
    CHECK_NIX("domain",
              "<domain type='kvm'>\n  <name>a</name>\n  <memory unit='KiB'>1024</memory>\n"
              "  <vcpu>2</vcpu>\n  <features><acpi/></features>\n</domain>\n",
              0,
              "{\n"
              "  type = \"kvm\";\n"
              "  name = \"a\";\n"
              "  memory = {\n"
              "    unit = \"KiB\";\n"
              "    count = \"1024\";\n"
              "  };\n"
              "  vcpu = \"2\";\n"
              "  features = {\n"
              "    acpi = true;\n"
              "  };\n"
              "}\n");
}

TEST(tonix_repeated_elements_are_lists_in_order)
{
    /* disks before and after an interface: same-named order kept */
    CHECK_NIX("domain",
              "<domain><devices><disk type='file'/><interface type='user'/><disk type='block'/>"
              "</devices></domain>",
              0,
              "{\n"
              "  devices = {\n"
              "    disk = [\n"
              "      {\n"
              "        type = \"file\";\n"
              "      }\n"
              "      {\n"
              "        type = \"block\";\n"
              "      }\n"
              "    ];\n"
              "    interface = [\n"
              "      {\n"
              "        type = \"user\";\n"
              "      }\n"
              "    ];\n"
              "  };\n"
              "}\n");
}

TEST(tonix_fold_and_attribute_child_clash)
{
    /* os.type is folded the NixVirt way; os firmware= beside <firmware>
     * needs `@firmware` */
    CHECK_NIX("domain",
              "<domain><os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type>"
              "<firmware><feature enabled='no' name='secure-boot'/></firmware></os></domain>",
              0,
              "{\n"
              "  os = {\n"
              "    \"@firmware\" = \"efi\";\n"
              "    arch = \"x86_64\";\n"
              "    machine = \"q35\";\n"
              "    type = \"hvm\";\n"
              "    firmware = {\n"
              "      feature = [\n"
              "        {\n"
              "          enabled = \"no\";\n"
              "          name = \"secure-boot\";\n"
              "        }\n"
              "      ];\n"
              "    };\n"
              "  };\n"
              "}\n");
    /* without a clash the attribute keeps its plain name */
    CHECK_NIX("domain", "<domain><os firmware='efi'><type>hvm</type></os></domain>", 0,
              "{\n  os = {\n    firmware = \"efi\";\n    type = \"hvm\";\n  };\n}\n");
}

TEST(tonix_strings_and_keys_are_escaped)
{
    CHECK_NIX("domain",
              "<domain><description>a \"b\" \\ ${x} $y\n\ttab</description></domain>", 0,
              "{\n  description = \"a \\\"b\\\" \\\\ \\${x} $y\\n\\ttab\";\n}\n");
    /* a key that is not a Nix identifier is quoted */
    CHECK_NIX("domain", "<domain><features><nested-hv state='on'/></features></domain>", 0,
              "{\n  features = {\n    nested-hv = {\n      state = \"on\";\n    };\n  };\n}\n");
}

TEST(tonix_namespaced_elements_by_uri)
{
    /* another prefix for QEMU's namespace: the key is the table's */
    CHECK_NIX("domain",
              "<domain xmlns:q='http://libvirt.org/schemas/domain/qemu/1.0'>"
              "<q:commandline><q:arg value='-S'/></q:commandline></domain>",
              0,
              "{\n"
              "  \"qemu:commandline\" = {\n"
              "    \"qemu:arg\" = [\n"
              "      {\n"
              "        value = \"-S\";\n"
              "      }\n"
              "    ];\n"
              "  };\n"
              "}\n");
}

TEST(tonix_metadata_keeps_foreign_xml)
{
    /* the prefix declared on the root travels with the fragment */
    CHECK_NIX("domain",
              "<domain xmlns:app='urn:app'><metadata><app:data v='1'>x</app:data></metadata></domain>",
              0,
              "{\n"
              "  metadata = [\n"
              "    {\n"
              "      _nixvirtXml = \"elem\";\n"
              "      name = \"app:data\";\n"
              "      attrs = [\n"
              "        {\n"
              "          _nixvirtXml = \"attr\";\n"
              "          name = \"xmlns:app\";\n"
              "          value = \"urn:app\";\n"
              "        }\n"
              "        {\n"
              "          _nixvirtXml = \"attr\";\n"
              "          name = \"v\";\n"
              "          value = \"1\";\n"
              "        }\n"
              "      ];\n"
              "      body = \"x\";\n"
              "    }\n"
              "  ];\n"
              "}\n");
}

TEST(tonix_unknown_xml_is_an_error_with_its_line)
{
    char *r = tonix("domain", "<domain>\n<devices>\n<disk/>\n<frobnicator/>\n</devices>\n</domain>", 0);
    CHECK(r == NULL);
    CHECK(strstr(last_err, "t.xml:4: unknown element <frobnicator> in <devices>") != NULL);
    free(r);
    r = tonix("domain", "<domain>\n<name bogus='1'>x</name></domain>", 0);
    CHECK(r == NULL);
    CHECK(strstr(last_err, "t.xml:2: unknown attribute 'bogus' on <name>") != NULL);
    free(r);
    r = tonix("domain", "<domain><name>a</name><name>b</name></domain>", 0);
    CHECK(r == NULL);
    CHECK(strstr(last_err, "<name> may appear only once in <domain>") != NULL);
    free(r);
    r = tonix("network", "<domain/>", 0);
    CHECK(r == NULL);
    CHECK(strstr(last_err, "root element is <domain>, not <network>") != NULL);
    free(r);
    /* text where the schema has none */
    r = tonix("domain", "<domain><devices>text</devices></domain>", 0);
    CHECK(r == NULL);
    CHECK(strstr(last_err, "<devices> has text") != NULL);
    free(r);
}

TEST(tonix_lenient_keeps_unknown_xml_raw)
{
    CHECK_NIX("pool", "<pool type='dir' x='1'>\n<name>p</name>\n<bogus a='b'/>\n</pool>",
              NV_XML_TONIX_LENIENT,
              "{\n"
              "  type = \"dir\";\n"
              "  name = \"p\";\n"
              "  _xml = [\n"
              "    {\n"
              "      _nixvirtXml = \"elem\";\n"
              "      name = \"bogus\";\n"
              "      attrs = [\n"
              "        {\n"
              "          _nixvirtXml = \"attr\";\n"
              "          name = \"a\";\n"
              "          value = \"b\";\n"
              "        }\n"
              "      ];\n"
              "      body = null;\n"
              "    }\n"
              "  ];\n"
              "  _attrs = {\n"
              "    x = \"1\";\n"
              "  };\n"
              "}\n");
    CHECK(strstr(last_warn, "t.xml:1: warning: unknown attribute 'x' on <pool>") != NULL);
}

TEST(tonix_child_named_like_an_attribute)
{
    /* <controller model=...> with an empty <model/>: `model = true` would be
     * read as the attribute, so the child is a list */
    CHECK_NIX("domain",
              "<domain><devices><controller type='scsi' model='virtio-scsi'><model/></controller>"
              "</devices></domain>",
              0,
              "{\n"
              "  devices = {\n"
              "    controller = [\n"
              "      {\n"
              "        type = \"scsi\";\n"
              "        \"@model\" = \"virtio-scsi\";\n"
              "        model = [\n"
              "          true\n"
              "        ];\n"
              "      }\n"
              "    ];\n"
              "  };\n"
              "}\n");
}

TEST(tonix_fragment_declares_outer_prefix_even_if_rebound_inside)
{
    /* app: on <app:foo> comes from the root; the inner rebinding does not
     * cover <app:foo> itself, so the root's declaration goes on the fragment */
    char *r = tonix("domain",
                    "<domain xmlns:app='urn:a'><metadata><app:foo><app:bar xmlns:app='urn:b'/></app:foo>"
                    "</metadata></domain>",
                    0);
    CHECK(r != NULL);
    if (r) {
        CHECK(strstr(r, "name = \"xmlns:app\";\n          value = \"urn:a\";") != NULL);
        CHECK(strstr(r, "name = \"xmlns:app\";\n              value = \"urn:b\";") != NULL);
    }
    free(r);
    /* a fragment that declares its own namespace gets nothing added */
    r = tonix("domain", "<domain xmlns:app='urn:a'><metadata><x:y xmlns:x='urn:x'/></metadata></domain>", 0);
    CHECK(r != NULL);
    if (r)
        CHECK(strstr(r, "urn:a") == NULL);
    free(r);
}

TEST(tonix_lenient_prefixed_attribute_brings_its_declaration)
{
    CHECK_NIX("volume", "<volume xmlns:x='urn:x' x:tag='1'><name>v</name></volume>", NV_XML_TONIX_LENIENT,
              "{\n"
              "  name = \"v\";\n"
              "  _attrs = {\n"
              "    \"x:tag\" = \"1\";\n"
              "    \"xmlns:x\" = \"urn:x\";\n"
              "  };\n"
              "}\n");
}
