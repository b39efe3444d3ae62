/* The state directory's rules (nv_strict_*, applied by the record): no
 * symlink is ever followed, files are 0600, nothing writable by another
 * user is trusted, and every refusal names the path. */
#include "check.h"
#include "engine/record.h"
#include "util/file.h"
#include "util/strict.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmp[64];

static const char *mk_tmp(void) { return check_tmpdir(tmp, "strict"); }
static void rm_tmp(void) { check_rm_tree(tmp); }

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        check_fail(__FILE__, __LINE__, "cannot write %s", path);
        return;
    }
    fputs(text, f);
    fclose(f);
}

static int has(const char *path, const char *text)
{
    char *d = NULL;
    size_t n;
    nv_err e;
    int ok = nv_read_file(path, 1024, &d, &n, &e) == 0 && strcmp(d, text) == 0;
    free(d);
    return ok;
}

static void one_entry(nv_record *r)
{
    uint8_t u[16] = {1, 2, 3};
    nv_err e;
    memset(r, 0, sizeof *r);
    nv_record_put(r, NV_KIND_DOMAIN, u, NULL, NULL, &e);
}

#define CHECK_MSG(e, a, b)                                                                       \
    do {                                                                                         \
        if (!strstr((e).msg, (a)) || !strstr((e).msg, (b)))                                     \
            check_fail(__FILE__, __LINE__, "[%s] lacks [%s] or [%s]", (e).msg, (a), (b));        \
    } while (0)

/* The attack: another user plants <record>.tmp.<pid> -> a file of root's.
 * apply used to open it with O_CREAT|O_TRUNC and write the record into the
 * target. Now it is refused and the target is untouched. */
TEST(strict_symlinked_temporary_not_followed)
{
    const char *dir = mk_tmp();
    char path[256], tmpf[300], victim[256];
    snprintf(path, sizeof path, "%s/x.record", dir);
    snprintf(tmpf, sizeof tmpf, "%s.tmp.%ld", path, (long)getpid());
    snprintf(victim, sizeof victim, "%s/victim", dir);
    put(victim, "precious\n");
    CHECK_INT(symlink(victim, tmpf), 0);
    nv_record r;
    one_entry(&r);
    nv_err e;
    nv_err_clear(&e);
    CHECK_INT(nv_record_save(path, "qemu:///system", &r, &e), -1);
    CHECK_MSG(e, tmpf, "symbolic link");
    CHECK(has(victim, "precious\n"));
    CHECK(access(path, F_OK) != 0);
    /* a regular file left there by a crashed run is replaced */
    unlink(tmpf);
    put(tmpf, "stale");
    CHECK_INT(nv_record_save(path, "qemu:///system", &r, &e), 0);
    CHECK(access(tmpf, F_OK) != 0);
    struct stat st;
    CHECK_INT(stat(path, &st), 0);
    CHECK_INT(st.st_mode & 07777, 0600);
    nv_record_free(&r);
    rm_tmp();
}

TEST(strict_symlinked_record_and_lock_refused)
{
    const char *dir = mk_tmp();
    char path[256], lock[300], victim[256];
    snprintf(path, sizeof path, "%s/x.record", dir);
    snprintf(lock, sizeof lock, "%s.lock", path);
    snprintf(victim, sizeof victim, "%s/victim", dir);
    put(victim, "nixvirt-record 1\n");
    nv_err e;
    nv_err_clear(&e);
    /* the record as a link: neither read nor replaced */
    CHECK_INT(symlink(victim, path), 0);
    nv_record r;
    CHECK_INT(nv_record_load(path, &r, &e), -1);
    CHECK_MSG(e, path, "symbolic link");
    one_entry(&r);
    CHECK_INT(nv_record_save(path, "qemu:///system", &r, &e), -1);
    CHECK_MSG(e, path, "symbolic link");
    nv_record_free(&r);
    struct stat st;
    CHECK_INT(lstat(path, &st), 0);
    CHECK(S_ISLNK(st.st_mode));
    /* the lock as a link (to a missing file, or to an existing one) */
    unlink(path);
    char missing[300];
    snprintf(missing, sizeof missing, "%s/created-by-us", dir);
    CHECK_INT(symlink(missing, lock), 0);
    CHECK_INT(nv_record_lock(path, &e), -1);
    CHECK_MSG(e, lock, "symbolic link");
    CHECK(access(missing, F_OK) != 0);
    unlink(lock);
    CHECK_INT(symlink(victim, lock), 0);
    CHECK_INT(nv_record_lock(path, &e), -1);
    CHECK_MSG(e, lock, "symbolic link");
    rm_tmp();
}

TEST(strict_lock_private)
{
    const char *dir = mk_tmp();
    char path[256], lock[300], sub[256];
    snprintf(sub, sizeof sub, "%s/new/state", dir);
    snprintf(path, sizeof path, "%s/x.record", sub);
    snprintf(lock, sizeof lock, "%s.lock", path);
    nv_err e;
    nv_err_clear(&e);
    int fd = nv_record_lock(path, &e);
    CHECK(fd >= 0);
    struct stat st;
    CHECK_INT(stat(lock, &st), 0);
    CHECK_INT(st.st_mode & 07777, 0600);
    CHECK_INT(stat(sub, &st), 0); /* a directory it creates is private */
    CHECK_INT(st.st_mode & 07777, 0700);
    CHECK_INT(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    nv_record_unlock(fd);
    /* a lock an older version left 0644 is made private */
    CHECK_INT(chmod(lock, 0644), 0);
    fd = nv_record_lock(path, &e);
    CHECK(fd >= 0);
    nv_record_unlock(fd);
    CHECK_INT(stat(lock, &st), 0);
    CHECK_INT(st.st_mode & 07777, 0600);
    rm_tmp();
}

TEST(strict_writable_dir_or_record_refused)
{
    const char *dir = mk_tmp();
    char path[256], sub[256];
    snprintf(sub, sizeof sub, "%s/state", dir);
    snprintf(path, sizeof path, "%s/x.record", sub);
    CHECK_INT(mkdir(sub, 0700), 0);
    nv_record r;
    one_entry(&r);
    nv_err e;
    nv_err_clear(&e);
    CHECK_INT(nv_record_save(path, "qemu:///system", &r, &e), 0);
    /* the state directory writable by others, or by its group */
    static const unsigned modes[] = {0777, 0703, 0770, 01777};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        CHECK_INT(chmod(sub, modes[i]), 0);
        nv_record back;
        CHECK_INT(nv_record_load(path, &back, &e), -1);
        CHECK_MSG(e, sub, "writable by");
        CHECK_INT(nv_record_lock(path, &e), -1);
        CHECK_MSG(e, sub, "writable by");
        CHECK_INT(nv_record_save(path, "qemu:///system", &r, &e), -1);
        CHECK_MSG(e, sub, "writable by");
    }
    /* readable by everyone is fine (NixOS's StateDirectory is 0755) */
    CHECK_INT(chmod(sub, 0755), 0);
    nv_record back;
    CHECK_INT(nv_record_load(path, &back, &e), 0);
    nv_record_free(&back);
    /* the record writable by others */
    CHECK_INT(chmod(path, 0646), 0);
    CHECK_INT(nv_record_load(path, &back, &e), -1);
    CHECK_MSG(e, path, "writable by others");
    CHECK_INT(chmod(path, 0620), 0);
    CHECK_INT(nv_record_save(path, "qemu:///system", &r, &e), -1);
    CHECK_MSG(e, path, "writable by its group");
    CHECK_INT(chmod(path, 0644), 0);
    CHECK_INT(nv_record_load(path, &back, &e), 0);
    nv_record_free(&back);
    /* a directory above it writable by others: refused, unless sticky (/tmp) */
    CHECK_INT(chmod(dir, 0777), 0);
    CHECK_INT(nv_record_load(path, &back, &e), -1);
    CHECK_MSG(e, dir, "directory above the state directory");
    CHECK_INT(chmod(dir, 01777), 0);
    CHECK_INT(nv_record_load(path, &back, &e), 0);
    nv_record_free(&back);
    CHECK_INT(chmod(dir, 0700), 0);
    /* owned by another user (as root only: only root can give files away) */
    if (geteuid() == 0) {
        CHECK_INT(chown(path, 65534, 65534), 0);
        CHECK_INT(nv_record_load(path, &back, &e), -1);
        CHECK_MSG(e, path, "owned by uid 65534");
        CHECK_INT(chown(path, 0, 0), 0);
        CHECK_INT(chown(sub, 65534, 65534), 0);
        CHECK_INT(nv_record_lock(path, &e), -1);
        CHECK_MSG(e, sub, "owned by uid 65534");
        CHECK_INT(chown(sub, 0, 0), 0);
        char lock[300];
        snprintf(lock, sizeof lock, "%s.lock", path);
        int fd = nv_record_lock(path, &e);
        CHECK(fd >= 0);
        nv_record_unlock(fd);
        CHECK_INT(chown(lock, 65534, 65534), 0);
        CHECK_INT(nv_record_lock(path, &e), -1);
        CHECK_MSG(e, lock, "owned by uid 65534");
    }
    nv_record_free(&r);
    rm_tmp();
}

TEST(strict_dir_rules)
{
    nv_err e;
    nv_err_clear(&e);
    CHECK_INT(nv_strict_dir("/", &e), 0);
    CHECK_INT(nv_strict_dir("/tmp", &e), -1); /* the state directory itself is never shared */
    CHECK_MSG(e, "/tmp", "writable by others");
    CHECK_INT(nv_strict_dir("/nonexistent-nv", &e), -1);
    CHECK_MSG(e, "/nonexistent-nv", "cannot resolve");
    const char *dir = mk_tmp();
    CHECK_INT(nv_strict_dir(dir, &e), 0);
    /* a symlink to the directory is resolved, and the target checked */
    char link[256];
    snprintf(link, sizeof link, "%s/link", dir);
    char sub[256];
    snprintf(sub, sizeof sub, "%s/real", dir);
    CHECK_INT(mkdir(sub, 0777), 0);
    CHECK_INT(chmod(sub, 0777), 0);
    CHECK_INT(symlink(sub, link), 0);
    CHECK_INT(nv_strict_dir(link, &e), -1);
    CHECK_MSG(e, sub, "writable by others");
    CHECK_INT(chmod(sub, 0755), 0);
    CHECK_INT(nv_strict_dir(link, &e), 0);
    rm_tmp();
}
