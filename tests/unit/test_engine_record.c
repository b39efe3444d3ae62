/* The record of what apply declared: round trip, corrupt files, file
 * naming per URI, a missing file. */
#include "check.h"
#include "engine/record.h"
#include "util/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[64];

static const char *mkdir_tmp(void) { return check_tmpdir(tmpdir, "record"); }
static void rm_rf(const char *dir) { check_rm_tree(dir); }

static void write_text(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        check_fail(__FILE__, __LINE__, "cannot write %s", path);
        return;
    }
    fwrite(text, 1, len, f);
    fclose(f);
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + i * 7);
}

#define UUID_A "0a0a0a0a-0000-4000-8000-000000000001"
#define HEX64_A "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define HEX64_B "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"

TEST(record_round_trip)
{
    const char *dir = mkdir_tmp();
    char path[256];
    /* the directory is created on save, however deep */
    snprintf(path, sizeof path, "%s/state/deeper/x.record", dir);

    nv_record r = {0};
    nv_err e;
    nv_err_clear(&e);
    uint8_t u[3][16], d1[32], d2[32];
    fill(u[0], 16, 1);
    fill(u[1], 16, 50);
    fill(u[2], 16, 99);
    fill(d1, 32, 3);
    fill(d2, 32, 200);
    CHECK_INT(nv_record_put(&r, NV_KIND_DOMAIN, u[0], d1, d2, &e), 0);
    CHECK_INT(nv_record_put(&r, NV_KIND_NETWORK, u[1], NULL, NULL, &e), 0);
    CHECK_INT(nv_record_put(&r, NV_KIND_POOL, u[2], d2, d1, &e), 0);
    /* the same UUID as another kind is another entry */
    CHECK_INT(nv_record_put(&r, NV_KIND_POOL, u[0], NULL, NULL, &e), 0);
    CHECK_INT(r.n, 4);
    /* many entries: the array grows */
    for (int i = 0; i < 100; i++) {
        uint8_t ux[16];
        fill(ux, 16, (uint8_t)(i + 120));
        ux[0] = 0xee;
        ux[1] = (uint8_t)i;
        CHECK_INT(nv_record_put(&r, NV_KIND_DOMAIN, ux, d1, d1, &e), 0);
    }
    CHECK_INT(r.n, 104);
    CHECK_INT(nv_record_save(path, "qemu:///system?socket=/x y\nz\033\xff", &r, &e), 0);

    nv_record back = {0};
    CHECK_INT(nv_record_load(path, &back, &e), 0);
    CHECK_INT(back.n, r.n);
    for (size_t i = 0; i < r.n && i < back.n; i++) {
        nv_record_entry *a = &r.v[i], *b = nv_record_find(&back, a->kind, a->uuid);
        CHECK(b != NULL);
        if (!b)
            continue;
        CHECK_INT(b->has_digests, a->has_digests);
        if (a->has_digests) {
            CHECK_MEM(b->def_digest, a->def_digest, 32);
            CHECK_MEM(b->xml_digest, a->xml_digest, 32);
        }
    }
    nv_record_entry *en = nv_record_find(&back, NV_KIND_NETWORK, u[1]);
    CHECK(en && !en->has_digests);
    CHECK(nv_record_find(&back, NV_KIND_DOMAIN, u[1]) == NULL); /* kind matters */

    /* the file: a header, the URI on one line, one line per entry */
    char *text;
    size_t len;
    CHECK_INT(nv_read_file(path, NV_FILE_MAX, &text, &len, &e), 0);
    /* the URI on one line of text: control characters and non-ASCII as %XX */
    static const char head[] = "nixvirt-record 1\nuri qemu:///system?socket=/x y%0Az%1B%FF\n";
    CHECK(strncmp(text, head, sizeof head - 1) == 0);
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    CHECK_INT(lines, 2 + 104);
    CHECK(strstr(text, "\nnetwork ") != NULL);
    CHECK(strstr(text, " - -\n") != NULL);
    free(text);

    /* saving again replaces the file; nothing else is left in the directory */
    nv_record_put(&back, NV_KIND_DOMAIN, u[0], NULL, NULL, &e); /* digests dropped */
    CHECK_INT(nv_record_save(path, "qemu:///system", &back, &e), 0);
    nv_record third = {0};
    CHECK_INT(nv_record_load(path, &third, &e), 0);
    CHECK_INT(third.n, 104);
    en = nv_record_find(&third, NV_KIND_DOMAIN, u[0]);
    CHECK(en && !en->has_digests);
    char sub[256];
    snprintf(sub, sizeof sub, "%s/state/deeper", dir);
    DIR *dh = opendir(sub);
    int files = 0;
    for (struct dirent *de; dh && (de = readdir(dh));)
        files += de->d_name[0] != '.';
    if (dh)
        closedir(dh);
    CHECK_INT(files, 1);

    nv_record_free(&r);
    nv_record_free(&back);
    nv_record_free(&third);
    CHECK_INT(r.n, 0);
    rm_rf(dir);
}

TEST(record_put_replaces)
{
    nv_record r = {0};
    nv_err e;
    uint8_t u[16], d1[32], d2[32];
    fill(u, 16, 9);
    fill(d1, 32, 1);
    fill(d2, 32, 2);
    CHECK(nv_record_find(&r, NV_KIND_DOMAIN, u) == NULL); /* empty record */
    CHECK_INT(nv_record_put(&r, NV_KIND_DOMAIN, u, d1, d2, &e), 0);
    CHECK_INT(nv_record_put(&r, NV_KIND_DOMAIN, u, d2, d1, &e), 0);
    CHECK_INT(r.n, 1);
    nv_record_entry *en = nv_record_find(&r, NV_KIND_DOMAIN, u);
    CHECK(en && en->has_digests);
    if (en)
        CHECK_MEM(en->def_digest, d2, 32);
    /* one digest alone is no proof of anything */
    CHECK_INT(nv_record_put(&r, NV_KIND_DOMAIN, u, d1, NULL, &e), 0);
    CHECK(en && !en->has_digests);
    nv_record_free(&r);
}

TEST(record_missing_file_is_empty)
{
    const char *dir = mkdir_tmp();
    char path[256];
    snprintf(path, sizeof path, "%s/none/x.record", dir);
    nv_record r = {0};
    nv_err e;
    nv_err_clear(&e);
    CHECK_INT(nv_record_load(path, &r, &e), 0);
    CHECK_INT(r.n, 0);
    nv_record_free(&r);

    /* a directory where the file should be, or a file where a directory
     * should be, is an error, not an empty record */
    snprintf(path, sizeof path, "%s", dir);
    CHECK_INT(nv_record_load(path, &r, &e), -1);
    char file[256];
    snprintf(file, sizeof file, "%s/f", dir);
    write_text(file, "x", 1);
    snprintf(path, sizeof path, "%s/f/x.record", dir);
    CHECK_INT(nv_record_load(path, &r, &e), -1);
    CHECK(strstr(e.msg, "cannot read the record") != NULL);
    rm_rf(dir);
}

TEST(record_corrupt_files)
{
    static const struct {
        const char *text;
        size_t len; /* 0: strlen */
        const char *want;
    } cases[] = {
        {"", 0, "empty record file"},
        {"\n\n", 0, "empty record file"},
        {"nixvirt-record 2\n", 0, ":1: not a nixvirt record"},
        {"something else\n", 0, ":1: not a nixvirt record"},
        {"nixvirt-record 1\nuri x\ndomain\n", 0, ":3: corrupt record line"},
        {"nixvirt-record 1\nuri x\nvm " UUID_A " - -\n", 0, ":3: corrupt record line"},
        {"nixvirt-record 1\ndomain not-a-uuid - -\n", 0, ":2: corrupt record line"},
        {"nixvirt-record 1\ndomain " UUID_A " -\n", 0, ":2: corrupt record line"},
        {"nixvirt-record 1\ndomain " UUID_A " - " HEX64_A "\n", 0, ":2: corrupt record line"},
        {"nixvirt-record 1\ndomain " UUID_A " " HEX64_A " -\n", 0, ":2: corrupt record line"},
        {"nixvirt-record 1\ndomain " UUID_A " " HEX64_A " abc\n", 0, ":2: corrupt record line"},
        {"nixvirt-record 1\ndomain " UUID_A " " HEX64_A " " HEX64_B "0\n", 0, ":2: corrupt record line"},
        {"nixvirt-record 1\ndomain " UUID_A " " HEX64_A " "
         "FFEEDDCCBBAA99887766554433221100ffeeddccbbaa99887766554433221100\n",
         0, ":2: corrupt record line"},
        {"nixvirt-record 1\ndomain " UUID_A " " HEX64_A " "
         "ffeeddccbbaa99887766554433221100ffeeddccbbaa9988776655443322110g\n",
         0, ":2: corrupt record line"},
        {"nixvirt-record 1\ndomain " UUID_A " - - extra\n", 0, ":2: corrupt record line"},
        {"nixvirt-record 1\nnetwork " UUID_A " - -\npool " UUID_A " - - -\n", 0, ":3: corrupt record line"},
        /* a blank after the last field; a field too long for its place */
        {"nixvirt-record 1\ndomain " UUID_A " - - \n", 0, ":2: corrupt record line"},
        {"nixvirt-record 1\ndomaindomaindomaindomain " UUID_A " - -\n", 0, ":2: corrupt record line"},
        {"nixvirt-record 1\ndomain " UUID_A UUID_A " - -\n", 0, ":2: corrupt record line"},
        /* a file of zeros, or zeros after the header */
        {"\0\0\0\0\0\0\0\0", 8, ":1: not text: a NUL byte (a corrupt record"},
        {"nixvirt-record 1\ndomain " UUID_A " - -\n\0\0\0\0", sizeof("nixvirt-record 1\ndomain " UUID_A " - -\n") + 3,
         ":3: not text: a NUL byte"},
        /* other bytes that are not text */
        {"nixvirt-record 1\nuri a\033b\n", 0, ":2: not text: control character U+001B"},
        {"nixvirt-record 1\nuri \xff\n", 0, ":2: not text: invalid UTF-8"},
    };
    const char *dir = mkdir_tmp();
    char path[256];
    snprintf(path, sizeof path, "%s/x.record", dir);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_text(path, cases[i].text, cases[i].len ? cases[i].len : strlen(cases[i].text));
        nv_record r = {0};
        nv_err e;
        nv_err_clear(&e);
        if (nv_record_load(path, &r, &e) != -1) {
            check_fail(__FILE__, __LINE__, "case %zu accepted", i);
        } else if (!strstr(e.msg, cases[i].want) || !strstr(e.msg, path)) {
            check_fail(__FILE__, __LINE__, "case %zu: [%s] lacks [%s]", i, e.msg, cases[i].want);
        }
        CHECK_INT(r.n, 0);
        nv_record_free(&r);
    }

    /* the forms the saver writes, and a record without entries, are fine */
    static const char *const good[] = {
        "nixvirt-record 1\n",
        "nixvirt-record 1\nuri qemu:///system\n",
        "nixvirt-record 1\nuri qemu:///system\ndomain " UUID_A " - -\n",
        "nixvirt-record 1\nuri qemu:///system\npool " UUID_A " " HEX64_A " " HEX64_B "\n",
        "nixvirt-record 1\nuri qemu:///system\nnetwork " UUID_A " " HEX64_A " " HEX64_B, /* no last newline */
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        write_text(path, good[i], strlen(good[i]));
        nv_record r = {0};
        nv_err e;
        nv_err_clear(&e);
        if (nv_record_load(path, &r, &e) != 0)
            check_fail(__FILE__, __LINE__, "good case %zu refused: %s", i, e.msg);
        CHECK_INT(r.n, i >= 2 ? 1 : 0);
        nv_record_free(&r);
    }
    rm_rf(dir);
}

TEST(record_path_per_uri)
{
    char a[4352], b[4352], c[4352];
    nv_err e;
    nv_err_clear(&e);
    CHECK_INT(nv_record_path("/state", "qemu:///system", 0, a, sizeof a, &e), 0);
    CHECK_INT(nv_record_path("/state", "qemu:///session", 1, b, sizeof b, &e), 0);
    CHECK_INT(nv_record_path("/state", "qemu:///system?socket=/tmp/x", 0, c, sizeof c, &e), 0);
    /* in the state directory, named readably after the URI */
    CHECK(strncmp(a, "/state/qemu_system-", 19) == 0);
    CHECK(strncmp(b, "/state/qemu_session-", 20) == 0);
    CHECK(strncmp(c, "/state/qemu_system_socket_tmp_x-", 32) == 0);
    size_t la = strlen(a);
    CHECK(la > 7 && strcmp(a + la - 7, ".record") == 0);
    CHECK(strcmp(a, b) != 0 && strcmp(a, c) != 0 && strcmp(b, c) != 0);
    /* the same URI always gives the same file */
    char a2[4352];
    CHECK_INT(nv_record_path("/state", "qemu:///system", 0, a2, sizeof a2, &e), 0);
    CHECK_STR(a2, a);
    /* URIs that only differ in characters the readable part drops still differ */
    CHECK_INT(nv_record_path("/state", "qemu:///system?socket=/tmp/x/", 0, a2, sizeof a2, &e), 0);
    CHECK(strcmp(a2, c) != 0);
    CHECK_INT(nv_record_path("/state", "qemu+ssh://root@h/system", 0, a2, sizeof a2, &e), 0);
    CHECK_INT(nv_record_path("/state", "qemu+ssh://root_h/system", 0, b, sizeof b, &e), 0);
    CHECK(strcmp(a2, b) != 0);
    /* a long URI: the readable part is cut, the name stays unique and short */
    char longuri[2048];
    memset(longuri, 'a', sizeof longuri - 1);
    longuri[sizeof longuri - 1] = '\0';
    memcpy(longuri, "qemu:///", 8);
    CHECK_INT(nv_record_path("/state", longuri, 0, a2, sizeof a2, &e), 0);
    CHECK(strlen(a2) < 100);
    CHECK(strchr(a2 + 7, '/') == NULL);

    /* defaults: /var/lib/nixvirt for system connections; XDG_STATE_HOME or
     * ~/.local/state for session ones */
    char *old_xdg = getenv("XDG_STATE_HOME") ? strdup(getenv("XDG_STATE_HOME")) : NULL;
    char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    CHECK_INT(nv_record_path(NULL, "qemu:///system", 0, a, sizeof a, &e), 0);
    CHECK(strncmp(a, "/var/lib/nixvirt/qemu_system-", 29) == 0);
    setenv("XDG_STATE_HOME", "/xdg", 1);
    setenv("HOME", "/home/u", 1);
    CHECK_INT(nv_record_path(NULL, "qemu:///session", 1, a, sizeof a, &e), 0);
    CHECK(strncmp(a, "/xdg/nixvirt/qemu_session-", 26) == 0);
    setenv("XDG_STATE_HOME", "relative", 1); /* not absolute: ignored, as the spec says */
    CHECK_INT(nv_record_path(NULL, "qemu:///session", 1, a, sizeof a, &e), 0);
    CHECK(strncmp(a, "/home/u/.local/state/nixvirt/qemu_session-", 42) == 0);
    unsetenv("XDG_STATE_HOME");
    unsetenv("HOME");
    CHECK_INT(nv_record_path(NULL, "qemu:///session", 1, a, sizeof a, &e), -1);
    CHECK(strstr(e.msg, "--state-dir") != NULL);
    /* --state-dir wins over everything */
    CHECK_INT(nv_record_path("/s", "qemu:///session", 1, a, sizeof a, &e), 0);
    CHECK(strncmp(a, "/s/qemu_session-", 16) == 0);
    if (old_xdg)
        setenv("XDG_STATE_HOME", old_xdg, 1);
    if (old_home)
        setenv("HOME", old_home, 1);
    free(old_xdg);
    free(old_home);

    /* a state directory too long for the buffer is an error, not a cut name */
    char longdir[4200];
    memset(longdir, 'd', sizeof longdir - 1);
    longdir[0] = '/';
    longdir[sizeof longdir - 1] = '\0';
    CHECK_INT(nv_record_path(longdir, "qemu:///system", 0, a, 256, &e), -1);
}

TEST(record_save_unchanged_keeps_file)
{
    const char *dir = mkdir_tmp();
    char path[256];
    snprintf(path, sizeof path, "%s/x.record", dir);
    nv_record r = {0};
    nv_err e;
    uint8_t u[16];
    fill(u, 16, 4);
    nv_record_put(&r, NV_KIND_DOMAIN, u, NULL, NULL, &e);
    CHECK_INT(nv_record_save(path, "qemu:///system", &r, &e), 0);
    struct stat st1, st2;
    CHECK_INT(stat(path, &st1), 0);
    /* identical content: the file is not rewritten (same inode) */
    CHECK_INT(nv_record_save(path, "qemu:///system", &r, &e), 0);
    CHECK_INT(stat(path, &st2), 0);
    CHECK_INT(st1.st_ino, st2.st_ino);
    /* different content: replaced by rename (a new inode) */
    nv_record_put(&r, NV_KIND_NETWORK, u, NULL, NULL, &e);
    CHECK_INT(nv_record_save(path, "qemu:///system", &r, &e), 0);
    CHECK_INT(stat(path, &st2), 0);
    CHECK(st1.st_ino != st2.st_ino);
    nv_record_free(&r);
    rm_rf(dir);
}

/* 0 when another process can take the lock on path right now */
static int lock_free_elsewhere(const char *lockpath)
{
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(lockpath, O_RDWR);
        _exit(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : 1);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 2;
}

TEST(record_lock)
{
    const char *dir = mkdir_tmp();
    char path[256], lockpath[300];
    snprintf(path, sizeof path, "%s/a/b/x.record", dir);
    snprintf(lockpath, sizeof lockpath, "%s.lock", path);
    nv_err e;
    nv_err_clear(&e);
    int fd = nv_record_lock(path, &e); /* creates the directory and the lock file */
    CHECK(fd >= 0);
    CHECK_INT(access(lockpath, F_OK), 0);
    CHECK_INT(lock_free_elsewhere(lockpath), 1);
    nv_record_unlock(fd);
    CHECK_INT(lock_free_elsewhere(lockpath), 0);
    /* a directory that cannot be made is an error */
    char bad[300], file[300];
    snprintf(file, sizeof file, "%s/file", dir);
    write_text(file, "x", 1);
    snprintf(bad, sizeof bad, "%s/file/x.record", dir);
    CHECK_INT(nv_record_lock(bad, &e), -1);
    rm_rf(dir);
}

/* A record past the 4 MiB of other inputs (~24,000 objects) loads: it has
 * its own bound, NV_RECORD_MAX; a file beyond that is refused. */
TEST(record_beyond_input_limit)
{
    const char *dir = mkdir_tmp();
    char path[256];
    snprintf(path, sizeof path, "%s/x.record", dir);
    nv_record r = {0};
    nv_err e;
    nv_err_clear(&e);
    uint8_t u[16], d[32];
    fill(d, 32, 9);
    size_t n = 30000;
    for (size_t i = 0; i < n; i++) {
        fill(u, 16, 1);
        memcpy(u, &i, sizeof i);
        CHECK_INT(nv_record_put(&r, NV_KIND_DOMAIN, u, d, d, &e), 0);
    }
    CHECK_INT(nv_record_save(path, "qemu:///system", &r, &e), 0);
    struct stat st;
    CHECK_INT(stat(path, &st), 0);
    CHECK((size_t)st.st_size > NV_FILE_MAX);
    nv_record back;
    CHECK_INT(nv_record_load(path, &back, &e), 0);
    CHECK_INT(back.n, n);
    nv_record_free(&back);
    /* beyond the bound: refused by its size, not read */
    CHECK_INT(truncate(path, (off_t)NV_RECORD_MAX + 1), 0);
    CHECK_INT(nv_record_load(path, &back, &e), -1);
    CHECK(strstr(e.msg, "larger than 67108864 bytes") != NULL);
    nv_record_free(&r);
    rm_rf(dir);
}

/* nv_record_sync saves only what changed since the record was loaded or
 * synced: a put that repeats an entry is no change. */
TEST(record_sync_only_changes)
{
    const char *dir = mkdir_tmp();
    char path[256];
    snprintf(path, sizeof path, "%s/x.record", dir);
    nv_record r = {0};
    nv_err e;
    nv_err_clear(&e);
    uint8_t u[16], d1[32], d2[32];
    fill(u, 16, 4);
    fill(d1, 32, 1);
    fill(d2, 32, 2);
    /* a record never stored is written, even empty */
    CHECK_INT(nv_record_sync(path, "qemu:///system", &r, &e), 0);
    CHECK_INT(access(path, F_OK), 0);
    nv_record_put(&r, NV_KIND_DOMAIN, u, d1, d2, &e);
    CHECK_INT(r.changes, 1);
    CHECK_INT(nv_record_sync(path, "qemu:///system", &r, &e), 0);
    CHECK_INT(r.changes, 0);
    nv_record_free(&r);

    CHECK_INT(nv_record_load(path, &r, &e), 0);
    CHECK_INT(r.changes, 0);
    CHECK_INT(r.stored, 1);
    nv_record_put(&r, NV_KIND_DOMAIN, u, d1, d2, &e); /* the same again */
    CHECK_INT(r.changes, 0);
    /* nothing changed: not saved, so not even checked (a save would refuse
     * the directory now) */
    CHECK_INT(chmod(dir, 0777), 0);
    CHECK_INT(nv_record_sync(path, "qemu:///system", &r, &e), 0);
    /* a change is saved, with every check */
    nv_record_put(&r, NV_KIND_DOMAIN, u, d2, d1, &e);
    CHECK_INT(r.changes, 1);
    CHECK_INT(nv_record_sync(path, "qemu:///system", &r, &e), -1);
    CHECK_INT(chmod(dir, 0700), 0);
    CHECK_INT(nv_record_sync(path, "qemu:///system", &r, &e), 0);
    nv_record back;
    CHECK_INT(nv_record_load(path, &back, &e), 0);
    CHECK(back.n == 1 && memcmp(back.v[0].def_digest, d2, 32) == 0);
    nv_record_free(&back);
    /* digests dropped, and a removal: changes */
    nv_record_put(&r, NV_KIND_DOMAIN, u, NULL, NULL, &e);
    CHECK_INT(r.changes, 1);
    nv_record_remove(&r, nv_record_find(&r, NV_KIND_DOMAIN, u));
    CHECK_INT(r.changes, 2);
    nv_record_free(&r);
    rm_rf(dir);
}

/* nv_record_still: a record read without the lock is used under it only
 * when the file is still the one read (apply's early thread). */
TEST(record_still_the_file_read)
{
    const char *dir = mkdir_tmp();
    char path[256];
    snprintf(path, sizeof path, "%s/x.record", dir);
    nv_record r = {0}, loaded = {0};
    nv_err e;
    uint8_t u[16];
    fill(u, 16, 7);
    /* missing, and still missing: the same (empty) record */
    CHECK_INT(nv_record_load(path, &loaded, &e), 0);
    CHECK_INT(nv_record_still(path, &loaded), 1);
    /* then written by another run: not the same */
    nv_record_put(&r, NV_KIND_DOMAIN, u, NULL, NULL, &e);
    CHECK_INT(nv_record_save(path, "qemu:///system", &r, &e), 0);
    CHECK_INT(nv_record_still(path, &loaded), 0);
    nv_record_free(&loaded);
    /* read: the same until it is replaced */
    CHECK_INT(nv_record_load(path, &loaded, &e), 0);
    CHECK_INT(nv_record_still(path, &loaded), 1);
    nv_record_put(&r, NV_KIND_NETWORK, u, NULL, NULL, &e);
    CHECK_INT(nv_record_save(path, "qemu:///system", &r, &e), 0);
    CHECK_INT(nv_record_still(path, &loaded), 0);
    nv_record_free(&loaded);
    /* read, then removed: not the same */
    CHECK_INT(nv_record_load(path, &loaded, &e), 0);
    CHECK_INT(unlink(path), 0);
    CHECK_INT(nv_record_still(path, &loaded), 0);
    /* a record not loaded from a file is never "still" it */
    CHECK_INT(nv_record_still(path, &r), 0);
    nv_record_free(&loaded);
    nv_record_free(&r);
    rm_rf(dir);
}
