#include <stdio.h>
#include <string.h>

#include "check.h"
#include "engine/live.h"

/* A running domain's definition, with parts to vary. */
static char *dom(char *buf, size_t n, const char *machine, const char *mem, const char *vcpu, const char *devs)
{
    snprintf(buf, n,
             "<domain type='qemu'><name>d</name><uuid>11111111-2222-3333-4444-555555555555</uuid>"
             "<memory unit='KiB'>131072</memory>%s%s"
             "<os><type arch='x86_64' machine='%s'>hvm</type></os>"
             "<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>"
             "<controller type='pci' index='0' model='pcie-root'/>%s</devices></domain>",
             mem, vcpu, machine, devs);
    return buf;
}

#define NIC1 "<interface type='user'><mac address='52:54:00:00:00:01'/><model type='virtio'/></interface>"
#define NIC2 "<interface type='user'><mac address='52:54:00:00:00:02'/><model type='virtio'/></interface>"
#define NIC1_DOWN                                                                                                      \
    "<interface type='user'><mac address='52:54:00:00:00:01'/><model type='virtio'/><link state='down'/></interface>"
#define DISK_B "<disk type='file' device='disk'><source file='/b.img'/><target dev='vdb' bus='virtio'/></disk>"
#define DISK_B2 "<disk type='file' device='disk'><source file='/c.img'/><target dev='vdb' bus='virtio'/></disk>"
#define CD1 "<disk type='file' device='cdrom'><source file='/a.iso'/><target dev='sdc' bus='sata'/><readonly/></disk>"
#define CD2 "<disk type='file' device='cdrom'><source file='/b.iso'/><target dev='sdc' bus='sata'/><readonly/></disk>"
#define MEM128 "<currentMemory unit='KiB'>131072</currentMemory>"
#define MEM96 "<currentMemory unit='KiB'>98304</currentMemory>"
#define V1 "<vcpu current='1'>2</vcpu>"
#define V2 "<vcpu current='2'>2</vcpu>"

/* Plans before -> after; returns the plan's steps as "what;what;" or "restart: why". */
static void plan(const char *before, const char *after, int strict, char *out, size_t n)
{
    nv_err e;
    nv_err_clear(&e);
    nv_xml_node *b = nv_xml_parse(before, strlen(before), "before", &e);
    nv_xml_node *a = nv_xml_parse(after, strlen(after), "after", &e);
    nv_live_plan p;
    out[0] = 0;
    if (!b || !a || nv_live_plan_make(b, a, strict, &p, &e) < 0) {
        snprintf(out, n, "error: %s", e.msg);
    } else if (p.restart[0]) {
        snprintf(out, n, "restart: %s", p.restart);
        nv_live_plan_free(&p);
    } else {
        for (size_t i = 0; i < p.n; i++)
            snprintf(out + strlen(out), n - strlen(out), "%s;", p.v[i].what);
        nv_live_plan_free(&p);
    }
    nv_xml_free(a);
    nv_xml_free(b);
}

TEST(live_devices_added_and_removed)
{
    char b[2048], a[2048], out[512];
    plan(dom(b, sizeof b, "q35", MEM128, V1, NIC1 DISK_B), dom(a, sizeof a, "q35", MEM128, V1, NIC1 NIC2), 1, out,
         sizeof out);
    CHECK_STR(out, "detach disk vdb;attach interface 52:54:00:00:00:02;");
    /* the same XML: nothing to do */
    plan(b, b, 1, out, sizeof out);
    CHECK_STR(out, "");
}

TEST(live_memory_vcpus)
{
    char b[2048], a[2048], out[512];
    plan(dom(b, sizeof b, "q35", MEM128, V1, NIC1), dom(a, sizeof a, "q35", MEM96, V2, NIC1), 1, out, sizeof out);
    CHECK_STR(out, "set memory 98304 KiB;set vcpus 2;");
    /* fewer vCPUs: QEMU cannot */
    plan(dom(b, sizeof b, "q35", MEM128, V2, NIC1), dom(a, sizeof a, "q35", MEM128, V1, NIC1), 1, out, sizeof out);
    CHECK(strncmp(out, "restart: fewer vCPUs", 20) == 0);
    /* a new maximum */
    plan(dom(b, sizeof b, "q35", MEM128, V1, NIC1), dom(a, sizeof a, "q35", MEM128, "<vcpu current='1'>4</vcpu>", NIC1),
         1, out, sizeof out);
    CHECK_STR(out, "restart: /domain/vcpu changed");
}

TEST(live_updates)
{
    char b[2048], a[2048], out[512];
    plan(dom(b, sizeof b, "q35", MEM128, V1, NIC1 CD1), dom(a, sizeof a, "q35", MEM128, V1, NIC1_DOWN CD2), 1, out,
         sizeof out);
    CHECK_STR(out, "update interface 52:54:00:00:00:01;update disk sdc;");
    /* a changed disk (not removable media) is no update */
    plan(dom(b, sizeof b, "q35", MEM128, V1, DISK_B), dom(a, sizeof a, "q35", MEM128, V1, DISK_B2), 1, out, sizeof out);
    CHECK(strncmp(out, "restart: disk vdb changed", 25) == 0);
}

TEST(live_other_changes_restart)
{
    char b[2048], a[2048], out[512];
    plan(dom(b, sizeof b, "pc", MEM128, V1, NIC1), dom(a, sizeof a, "q35", MEM128, V1, NIC1 NIC2), 1, out, sizeof out);
    CHECK(strstr(out, "restart: /domain/os/type/@machine") == out);
    /* a controller libvirt added for a new device */
    plan(dom(b, sizeof b, "q35", MEM128, V1, NIC1),
         dom(a, sizeof a, "q35", MEM128, V1, NIC1 NIC2 "<controller type='pci' model='pcie-root-port'/>"), 1, out,
         sizeof out);
    CHECK(strncmp(out, "restart: ", 9) == 0);
}

/* A dry run compares with the definition: what it does not set does not
 * count, and its units may differ from the daemon's. */
TEST(live_plan_against_definition)
{
    char b[2048], a[2048], out[512];
    /* the daemon has the alias "q35" as the machine it stands for */
    dom(b, sizeof b, "pc-q35-7.2", MEM128, V1, NIC1 "<memballoon model='virtio'/>");
    snprintf(a, sizeof a,
             "<domain type='qemu'><name>d</name><uuid>11111111-2222-3333-4444-555555555555</uuid>"
             "<memory unit='MiB'>128</memory><currentMemory unit='MiB'>96</currentMemory>%s"
             "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>%s</devices></domain>",
             V1, NIC1 NIC2);
    plan(b, a, 0, out, sizeof out);
    CHECK_STR(out, "set memory 98304 KiB;attach interface 52:54:00:00:00:02;");
    /* strictly, the balloon and the controller are gone: a restart */
    plan(b, a, 1, out, sizeof out);
    CHECK(strncmp(out, "restart: ", 9) == 0);
}

/* A define places devices anew: an added NIC moves the balloon's address.
 * That is no reason to restart, and the NIC is attached without the
 * persistent address. */
TEST(live_addresses_do_not_count)
{
    char b[2048], a[2048], out[512];
    dom(b, sizeof b, "q35", MEM128, V1,
        "<interface type='user'><mac address='52:54:00:00:00:01'/><model type='virtio'/>"
        "<address type='pci' bus='0x01'/></interface>"
        "<memballoon model='virtio'><address type='pci' bus='0x02'/></memballoon>");
    dom(a, sizeof a, "q35", MEM128, V1,
        "<interface type='user'><mac address='52:54:00:00:00:01'/><model type='virtio'/>"
        "<address type='pci' bus='0x01'/></interface>"
        "<interface type='user'><mac address='52:54:00:00:00:02'/><model type='virtio'/>"
        "<address type='pci' bus='0x02'/></interface>"
        "<memballoon model='virtio'><address type='pci' bus='0x03'/></memballoon>");
    plan(b, a, 1, out, sizeof out);
    CHECK_STR(out, "attach interface 52:54:00:00:00:02;");

    nv_err e;
    nv_err_clear(&e);
    nv_xml_node *bt = nv_xml_parse(b, strlen(b), "b", &e), *at = nv_xml_parse(a, strlen(a), "a", &e);
    nv_live_plan p;
    CHECK(bt && at && nv_live_plan_make(bt, at, 1, &p, &e) == 0);
    if (p.n == 1) {
        CHECK(strstr(p.v[0].xml, "52:54:00:00:00:02") != NULL);
        CHECK(strstr(p.v[0].xml, "<address") == NULL);
    }
    nv_live_plan_free(&p);
    nv_xml_free(bt);
    nv_xml_free(at);
}

/* hostdev (by its source, numbers in any base) and filesystem (by target dir) */
TEST(live_hostdev_filesystem)
{
    char b[2048], a[2048], out[512];
    plan(dom(b, sizeof b, "q35", MEM128, V1,
             "<hostdev mode='subsystem' type='pci' managed='yes'><source>"
             "<address domain='0x0000' bus='0x03' slot='0x00' function='0x0'/></source></hostdev>"),
         dom(a, sizeof a, "q35", MEM128, V1,
             "<hostdev mode='subsystem' type='pci' managed='yes'><source>"
             "<address domain='0x0000' bus='0x03' slot='0x00' function='0x0'/></source></hostdev>"
             "<filesystem type='mount'><driver type='virtiofs'/><source dir='/srv'/><target dir='srv'/></filesystem>"),
         1, out, sizeof out);
    CHECK_STR(out, "attach filesystem srv;");
    plan(a, b, 1, out, sizeof out);
    CHECK_STR(out, "detach filesystem srv;");
    /* another host device: one out, one in */
    dom(a, sizeof a, "q35", MEM128, V1,
        "<hostdev mode='subsystem' type='pci' managed='yes'><source>"
        "<address domain='0x0000' bus='0x04' slot='0x00' function='0x0'/></source></hostdev>");
    plan(b, a, 1, out, sizeof out);
    CHECK(strstr(out, "detach hostdev address,domain=0,bus=3,slot=0,function=0;") == out);
    CHECK(strstr(out, "attach hostdev address,domain=0,bus=4,slot=0,function=0;") != NULL);
    /* a changed hostdev (same source) restarts, naming what changed */
    dom(a, sizeof a, "q35", MEM128, V1,
        "<hostdev mode='subsystem' type='pci' managed='no'><source>"
        "<address domain='0x0000' bus='0x03' slot='0x00' function='0x0'/></source></hostdev>");
    plan(b, a, 1, out, sizeof out);
    CHECK_STR(out, "restart: hostdev address,domain=0,bus=3,slot=0,function=0 changed (/hostdev/@managed)");
}
