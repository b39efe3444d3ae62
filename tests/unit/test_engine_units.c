/* Sizes shown with their units: libvirt's unit names, the display form,
 * and the rewrite of a definition's size elements. */
#include "check.h"
#include "engine/units.h"
#include "xml/doc.h"
#include "xml/write.h"

#include <stdlib.h>

TEST(units_scale_libvirt_names)
{
    CHECK(nv_units_scale("b") == 1);
    CHECK(nv_units_scale("bytes") == 1);
    CHECK(nv_units_scale("KiB") == 1024);
    CHECK(nv_units_scale("k") == 1024);
    CHECK(nv_units_scale("K") == 1024);
    CHECK(nv_units_scale("KB") == 1000);
    CHECK(nv_units_scale("MiB") == 1024 * 1024);
    CHECK(nv_units_scale("mib") == 1024 * 1024);
    CHECK(nv_units_scale("G") == 1024ull * 1024 * 1024);
    CHECK(nv_units_scale("TB") == 1000ull * 1000 * 1000 * 1000);
    CHECK(nv_units_scale("EiB") == 1ull << 60);
    CHECK(nv_units_scale("") == 0);
    CHECK(nv_units_scale("cows") == 0);
    CHECK(nv_units_scale("KiBs") == 0);
}

TEST(units_format_largest_exact_unit)
{
    char s[64];
    nv_units_format(32ull << 20, s, sizeof s);
    CHECK_STR(s, "32 MiB");
    nv_units_format(49152ull * 1024, s, sizeof s);
    CHECK_STR(s, "48 MiB");
    nv_units_format(1536ull * 1024 * 1024, s, sizeof s);
    CHECK_STR(s, "1536 MiB");
    nv_units_format(1000000000ull, s, sizeof s);
    CHECK_STR(s, "1 GB");
    nv_units_format(1000, s, sizeof s);
    CHECK_STR(s, "1 KB");
    nv_units_format(1023, s, sizeof s);
    CHECK_STR(s, "1023 B");
    nv_units_format(0, s, sizeof s);
    CHECK_STR(s, "0 B");
    nv_units_format(1ull << 63, s, sizeof s);
    CHECK_STR(s, "8 EiB");
}

static char *normalised(const char *xml)
{
    nv_err e;
    nv_xml_node *t = nv_xml_parse(xml, strlen(xml), "t", &e);
    if (!t || nv_units_normalise(t, &e) < 0) {
        nv_xml_free(t);
        return NULL;
    }
    char *s = nv_xml_to_string(t, NULL, &e);
    nv_xml_free(t);
    return s;
}

TEST(units_normalise_domain)
{
    char *a = normalised("<domain><memory unit='MiB'>32</memory><currentMemory>32768</currentMemory>"
                         "<memtune><hard_limit unit='G'>1</hard_limit></memtune>"
                         "<devices><disk><address type='drive' unit='0'/></disk></devices>"
                         "<vcpu>2</vcpu></domain>");
    CHECK_STR(a, "<domain><memory>32 MiB</memory><currentMemory>32 MiB</currentMemory>"
                 "<memtune><hard_limit>1 GiB</hard_limit></memtune>"
                 "<devices><disk><address type=\"drive\" unit=\"0\"/></disk></devices>"
                 "<vcpu>2</vcpu></domain>");
    free(a);
}

TEST(units_normalise_storage_and_leaves_the_rest)
{
    char *a = normalised("<volume><capacity>67108864</capacity><allocation unit='KB'>5</allocation>"
                         "<target><memory>7</memory></target></volume>");
    CHECK_STR(a, "<volume><capacity>64 MiB</capacity><allocation>5 KB</allocation>"
                 "<target><memory>7</memory></target></volume>");
    free(a);
    /* not a number, an unknown unit, an overflow: shown as written */
    a = normalised("<domain><memory unit='MiB'>lots</memory><maxMemory unit='parsecs'>3</maxMemory>"
                   "<currentMemory unit='EiB'>99</currentMemory></domain>");
    CHECK_STR(a, "<domain><memory unit=\"MiB\">lots</memory><maxMemory unit=\"parsecs\">3</maxMemory>"
                 "<currentMemory unit=\"EiB\">99</currentMemory></domain>");
    free(a);
    /* a network has no unit-less sizes */
    a = normalised("<network><capacity>5</capacity></network>");
    CHECK_STR(a, "<network><capacity>5</capacity></network>");
    free(a);
}
