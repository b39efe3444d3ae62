/* The per-object report: counts derived from the actions, volumes apart,
 * restarts apart from starts; and the definitions kept for dry runs. */
#include "check.h"
#include "engine/defstore.h"
#include "engine/report.h"
#include "engine/spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

TEST(report_counts)
{
    nv_report r = {0};
    uint8_t u[16] = {1};
    nv_report_act(nv_report_add(&r, "domain", "a", u), NV_ACT_REDEFINE | NV_ACT_RESTART);
    nv_report_act(nv_report_add(&r, "domain", "b", u), NV_ACT_DEFINE | NV_ACT_START);
    nv_report_act(nv_report_add(&r, "network", "n", u), NV_ACT_UNCHANGED | NV_ACT_STOP);
    nv_report_act(nv_report_add(&r, "pool", "p", u), NV_ACT_COMPARE);
    nv_report_act(nv_report_add(&r, "domain", "old", u), NV_ACT_REMOVE);
    nv_report_act(nv_report_add(&r, "volume", "v1", NULL), NV_ACT_CREATE);
    nv_report_act(nv_report_add(&r, "volume", "v2", NULL), NV_ACT_CREATE);
    nv_report_act(nv_report_add(&r, "volume", "v3", NULL), NV_ACT_DELETE);
    nv_report_obj *bad = nv_report_add(&r, "domain", "bad", u);
    nv_report_error(bad, "refused: %d", 7);
    nv_report_counts c;
    nv_report_count(&r, &c);
    CHECK_INT(c.changed, 1);
    CHECK_INT(c.restarted, 1);
    CHECK_INT(c.started, 1);
    CHECK_INT(c.defined, 1);
    CHECK_INT(c.unchanged, 1);
    CHECK_INT(c.stopped, 1);
    CHECK_INT(c.compare, 1);
    CHECK_INT(c.removed, 1);
    CHECK_INT(c.vol_created, 2);
    CHECK_INT(c.vol_deleted, 1);
    CHECK_INT(c.failed, 1);
    CHECK_STR(bad->error, "refused: 7");
    CHECK_STR(r.v[0]->uuid, "01000000-0000-0000-0000-000000000000");
    CHECK_STR(r.v[5]->uuid, "");
    CHECK_STR(nv_act_name(NV_ACT_RESTART), "restart");
    CHECK_STR(nv_act_name(NV_ACT_DELETE), "delete");
    nv_report_free(&r);
    /* setters take NULL (an entry that could not be stored) */
    nv_report_act(NULL, NV_ACT_START);
    nv_report_note(NULL, "x");
    nv_report_error(NULL, "x");
}

static const char dom[] =
    "<domain type='qemu'>\n  <name>d</name>\n  <uuid>11111111-2222-3333-4444-555555555555</uuid>\n"
    "  <memory unit='MiB'>32</memory>\n</domain>\n";

TEST(defstore_round_trip_and_digest_check)
{
    char dir[64] = "/tmp/nv-test-defs-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char rec[128], want[256];
    snprintf(rec, sizeof rec, "%s/qemu_system-0011.record", dir);
    nv_err e;
    nv_defstore ds;
    CHECK_INT(nv_defstore_init(&ds, rec, &e), 0);
    snprintf(want, sizeof want, "%s/qemu_system-0011.defs", dir);
    CHECK_STR(ds.dir, want);

    nv_spec s;
    CHECK_INT(nv_spec_parse(&s, NV_SPEC_DOMAIN, "d.xml", dom, sizeof dom - 1, &e), 0);
    uint8_t d1[32] = {1}, d2[32] = {2};
    CHECK(!nv_defstore_has(&ds, NV_KIND_DOMAIN, s.uuid));
    CHECK(nv_defstore_load(&ds, NV_KIND_DOMAIN, s.uuid, d1, &e) == NULL);
    CHECK_INT(nv_defstore_save(&ds, NV_KIND_DOMAIN, &s, d1, &e), 0);
    CHECK(nv_defstore_has(&ds, NV_KIND_DOMAIN, s.uuid));
    CHECK(!nv_defstore_has(&ds, NV_KIND_NETWORK, s.uuid));
    struct stat st;
    CHECK_INT(stat(ds.dir, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0700);
    char file[512];
    snprintf(file, sizeof file, "%s/domain-%s.xml", ds.dir, s.uuid_str);
    CHECK_INT(stat(file, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0600);

    nv_xml_node *t = nv_defstore_load(&ds, NV_KIND_DOMAIN, s.uuid, d1, &e);
    CHECK(t != NULL);
    if (t) {
        CHECK_STR(nv_xml_text(nv_xml_child(t, "name")), "d");
        CHECK(nv_xml_child(t, "memory") && nv_xml_attr(nv_xml_child(t, "memory"), "unit"));
    }
    nv_xml_free(t);
    /* kept for another definition: not used */
    CHECK(nv_defstore_load(&ds, NV_KIND_DOMAIN, s.uuid, d2, &e) == NULL);
    CHECK(strstr(e.msg, "another definition") != NULL);

    /* a torn file is not a definition: a cut header, or a cut document */
    FILE *f = fopen(file, "w");
    if (f) {
        fputs("nixvirt-def 1 01", f);
        fclose(f);
    }
    CHECK(nv_defstore_load(&ds, NV_KIND_DOMAIN, s.uuid, d1, &e) == NULL);
    f = fopen(file, "w");
    if (f) {
        fputs("nixvirt-def 1 0100000000000000000000000000000000000000000000000000000000000000\n<domain><name>d</na", f);
        fclose(f);
    }
    CHECK(nv_defstore_load(&ds, NV_KIND_DOMAIN, s.uuid, d1, &e) == NULL);
    /* a symlink in the directory is not followed, nor counted (as the next
     * run lists the directory: one run lists it once) */
    CHECK_INT(unlink(file), 0);
    CHECK_INT(symlink("/etc/passwd", file), 0);
    CHECK(nv_defstore_load(&ds, NV_KIND_DOMAIN, s.uuid, d1, &e) == NULL);
    nv_defstore_close(&ds);
    CHECK_INT(nv_defstore_init(&ds, rec, &e), 0);
    CHECK(!nv_defstore_has(&ds, NV_KIND_DOMAIN, s.uuid));
    CHECK_INT(nv_defstore_save(&ds, NV_KIND_DOMAIN, &s, d1, &e), -1);
    CHECK_INT(unlink(file), 0);

    /* pruning keeps what the record holds, drops the rest */
    CHECK_INT(nv_defstore_save(&ds, NV_KIND_DOMAIN, &s, d1, &e), 0);
    char junk[512];
    snprintf(junk, sizeof junk, "%s/pool-%s.xml.tmp123", ds.dir, s.uuid_str);
    f = fopen(junk, "w");
    if (f)
        fclose(f);
    nv_defstore_close(&ds); /* the next run lists the directory again */
    CHECK_INT(nv_defstore_init(&ds, rec, &e), 0);
    nv_record r = {0};
    CHECK_INT(nv_defstore_prune(&ds, &r, &e), 0);
    CHECK(!nv_defstore_has(&ds, NV_KIND_DOMAIN, s.uuid));
    CHECK(access(junk, F_OK) != 0);
    CHECK_INT(nv_defstore_save(&ds, NV_KIND_DOMAIN, &s, d1, &e), 0);
    CHECK_INT(nv_record_put(&r, NV_KIND_DOMAIN, s.uuid, d1, d1, &e), 0);
    CHECK_INT(nv_defstore_prune(&ds, &r, &e), 0);
    CHECK(nv_defstore_has(&ds, NV_KIND_DOMAIN, s.uuid));
    /* the next run sees the same: files of recorded objects stay, the rest go,
     * a file named with another spelling of a UUID is not taken for ours */
    nv_defstore_close(&ds);
    CHECK_INT(nv_defstore_init(&ds, rec, &e), 0);
    char upper[512]; /* the UUID with blanks for dashes, as nv_uuid_parse allows */
    snprintf(upper, sizeof upper, "%s/network-%s.xml", ds.dir, s.uuid_str);
    for (char *p = upper + strlen(ds.dir) + 9; *p && *p != '.'; p++)
        if (*p == '-')
            *p = ' ';
    f = fopen(upper, "w");
    if (f)
        fclose(f);
    CHECK(nv_defstore_has(&ds, NV_KIND_DOMAIN, s.uuid));
    CHECK(!nv_defstore_has(&ds, NV_KIND_NETWORK, s.uuid));
    CHECK_INT(nv_defstore_prune(&ds, &r, &e), 0);
    CHECK(access(upper, F_OK) != 0);
    CHECK_INT(access(file, F_OK), 0);
    nv_defstore_close(&ds);
    CHECK_INT(nv_defstore_init(&ds, rec, &e), 0);
    CHECK(nv_defstore_has(&ds, NV_KIND_DOMAIN, s.uuid));
    nv_record_free(&r);
    nv_spec_free(&s);
    nv_defstore_close(&ds);

    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
}

TEST(defstore_refuses_a_directory_others_can_write)
{
    char dir[64] = "/tmp/nv-test-defs-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char rec[128];
    snprintf(rec, sizeof rec, "%s/x.record", dir);
    nv_err e;
    nv_defstore ds;
    CHECK_INT(nv_defstore_init(&ds, rec, &e), 0);
    nv_spec s;
    CHECK_INT(nv_spec_parse(&s, NV_SPEC_DOMAIN, "d.xml", dom, sizeof dom - 1, &e), 0);
    uint8_t d1[32] = {1};
    CHECK_INT(mkdir(ds.dir, 0700), 0);
    CHECK_INT(chmod(ds.dir, 0777), 0);
    CHECK_INT(nv_defstore_save(&ds, NV_KIND_DOMAIN, &s, d1, &e), -1);
    CHECK(strstr(e.msg, "writable by others") != NULL);
    CHECK(nv_defstore_load(&ds, NV_KIND_DOMAIN, s.uuid, d1, &e) == NULL);
    /* a symlink in its place is refused too */
    CHECK_INT(rmdir(ds.dir), 0);
    CHECK_INT(symlink("/tmp", ds.dir), 0);
    CHECK_INT(nv_defstore_save(&ds, NV_KIND_DOMAIN, &s, d1, &e), -1);
    CHECK(strstr(e.msg, "not a directory") != NULL);
    nv_defstore_close(&ds);
    nv_spec_free(&s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
}
