/* Input files must be text, and must be regular files: nv_text_check and
 * nv_read_file / nv_read_text_file. */
#include "check.h"
#include "util/file.h"
#include "util/text.h"
#include "xml/doc.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int text_ok(const char *s, size_t n)
{
    nv_err e;
    return nv_text_check("f", s, n, &e);
}

TEST(text_accepts_text)
{
    static const char ok[] = "plain ascii\ttab\r\nline two\n"
                             "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80" /* é € U+1F600 */
                             "\xef\xbb\xbf"                         /* U+FEFF (a BOM) */
                             "\xc2\xa0"                             /* U+00A0 */
                             "\xed\x9f\xbf\xee\x80\x80"             /* U+D7FF U+E000 */
                             "\xf4\x8f\xbf\xbf";                    /* U+10FFFF */
    CHECK_INT(text_ok(ok, sizeof ok - 1), 0);
    CHECK_INT(text_ok("", 0), 0);
}

TEST(text_refuses_the_rest)
{
    static const struct {
        const char *s;
        size_t n;
        const char *want;
    } bad[] = {
        {"\0", 1, "f:1: not text: a NUL byte"},
        {"d1\n\0d2\n", 7, "f:2: not text: a NUL byte"},
        {"a\n\nb\033[2J", 9, "f:3: not text: control character U+001B"},
        {"\x7f", 1, "control character U+007F"},
        {"\x01", 1, "control character U+0001"},
        {"\f", 1, "control character U+000C"},
        {"\v", 1, "control character U+000B"},
        {"\xc2\x85", 2, "control character U+0085"}, /* NEL, a C1 control */
        {"\xc2\x9f", 2, "control character U+009F"},
        {"\xff", 1, "f:1: not text: invalid UTF-8 (byte 0xff)"},
        {"\x80", 1, "invalid UTF-8 (byte 0x80)"},
        {"\xc0\x80", 2, "invalid UTF-8 (byte 0xc0)"},     /* overlong NUL */
        {"\xc1\xbf", 2, "invalid UTF-8"},                 /* overlong */
        {"\xe0\x9f\xbf", 3, "invalid UTF-8 (byte 0xe0)"}, /* overlong */
        {"\xf0\x8f\xbf\xbf", 4, "invalid UTF-8"},         /* overlong */
        {"\xed\xa0\x80", 3, "invalid UTF-8 (byte 0xed)"}, /* a surrogate */
        {"\xf4\x90\x80\x80", 4, "invalid UTF-8"},         /* above U+10FFFF */
        {"\xf5\x80\x80\x80", 4, "invalid UTF-8"},
        {"ok\n\xc3", 4, "f:2: not text: invalid UTF-8 (byte 0xc3)"}, /* cut short */
        {"\xe2\x82", 2, "invalid UTF-8"},
        {"\xe2\x28\xa1", 3, "invalid UTF-8"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        nv_err e;
        nv_err_clear(&e);
        if (nv_text_check("f", bad[i].s, bad[i].n, &e) != -1)
            check_fail(__FILE__, __LINE__, "case %zu accepted", i);
        else if (!strstr(e.msg, bad[i].want) || e.kind != NV_ERR_INPUT)
            check_fail(__FILE__, __LINE__, "case %zu: [%s] lacks [%s]", i, e.msg, bad[i].want);
    }
}

static char dir[64];

static void mk_tmp(void) { check_tmpdir(dir, "text"); }
static void rm_tmp(void) { check_rm_tree(dir); }

TEST(read_text_file_names_file_and_line)
{
    mk_tmp();
    char path[128];
    snprintf(path, sizeof path, "%s/keep", dir);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    fwrite("d1\n\0d2\n", 1, 7, f);
    fclose(f);
    char *data = NULL;
    size_t len = 0;
    nv_err e;
    nv_err_clear(&e);
    /* the plain reader gives every byte, NUL included */
    CHECK_INT(nv_read_file(path, NV_FILE_MAX, &data, &len, &e), 0);
    CHECK_INT(len, 7);
    free(data);
    data = NULL;
    CHECK_INT(nv_read_text_file(path, NV_FILE_MAX, &data, &len, &e), -1);
    CHECK(data == NULL);
    char want[160];
    snprintf(want, sizeof want, "%s:2: not text: a NUL byte", path);
    CHECK_STR(e.msg, want);
    rm_tmp();
}

/* A FIFO nobody writes to would block open() and read() forever: refused
 * at once. (An alarm ends the test binary if it blocks.) */
TEST(read_file_refuses_fifo_socket_device_directory)
{
    mk_tmp();
    char fifo[128], sock[128];
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    snprintf(sock, sizeof sock, "%s/sock", dir);
    CHECK_INT(mkfifo(fifo, 0600), 0);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", sock);
    CHECK_INT(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    static const struct {
        const char *path, *want;
    } cases[] = {
        {NULL, "a FIFO, not a regular file"},
        {NULL, "a socket, not a regular file"},
        {"/dev/zero", "/dev/zero: cannot read: a character device, not a regular file"},
        {"/tmp", "/tmp: cannot read: a directory, not a regular file"},
    };
    alarm(10);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *p = i == 0 ? fifo : i == 1 ? sock : cases[i].path;
        char *data = NULL;
        size_t len;
        nv_err e;
        nv_err_clear(&e);
        CHECK_INT(nv_read_text_file(p, NV_FILE_MAX, &data, &len, &e), -1);
        CHECK(strstr(e.msg, p) != NULL);
        if (!strstr(e.msg, cases[i].want))
            check_fail(__FILE__, __LINE__, "case %zu: [%s] lacks [%s]", i, e.msg, cases[i].want);
        CHECK(data == NULL);
    }
    alarm(0);
    close(s);
    rm_tmp();
}

/* The null device is the one device accepted: it reads as empty
 * (`virtpurge --keep /dev/null`, as NixVirt allows). */
TEST(read_file_null_device_is_empty)
{
    char *data = NULL;
    size_t len = 99;
    nv_err e;
    nv_err_clear(&e);
    CHECK_INT(nv_read_text_file("/dev/null", NV_FILE_MAX, &data, &len, &e), 0);
    CHECK(data != NULL);
    CHECK_INT((int)len, 0);
    CHECK_STR(data, "");
    free(data);
}

/* Definitions are read through nv_xml_parse_file: checked as UTF-8 unless
 * they declare ISO-8859-1 (checked byte by byte) or another encoding. */
TEST(xml_file_must_be_text)
{
    mk_tmp();
#define T(s) s, sizeof(s) - 1
    static const struct {
        const char *text;
        size_t len;
        const char *want; /* NULL: parses */
    } cases[] = {
        {T("<domain>\n<name>a\0b</name></domain>"), ":2: not text: a NUL byte"},
        {T("<domain>\n\n<name>a\033[1Ab</name></domain>"), ":3: not text: control character U+001B"},
        {T("<domain><name>a\x7f</name></domain>"), ":1: not text: control character U+007F"},
        {T("<domain><name>caf\xe9</name></domain>"), ":1: not text: invalid UTF-8 (byte 0xe9)"},
        {T("<?xml version='1.0' encoding='UTF-8'?>\n<domain><name>caf\xe9</name></domain>"), ":2: not text: invalid UTF-8"},
        {T("<?xml version='1.0' encoding='ISO-8859-1'?>\n<domain><name>caf\xe9</name></domain>"), NULL},
        {T("<?xml version='1.0' encoding='ISO-8859-1'?>\n<domain><name>x\x85</name></domain>"),
         ":2: not text: control character U+0085"},
        {T("\0\0\0\0\0\0\0\0"), ":1: not text: a NUL byte"},
    };
#undef T
    char path[128];
    snprintf(path, sizeof path, "%s/d.xml", dir);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FILE *f = fopen(path, "wb");
        if (!f)
            break;
        fwrite(cases[i].text, 1, cases[i].len, f);
        fclose(f);
        nv_err e;
        nv_err_clear(&e);
        nv_xml_node *r = nv_xml_parse_file(path, &e);
        if (!cases[i].want) {
            if (!r)
                check_fail(__FILE__, __LINE__, "case %zu refused: %s", i, e.msg);
        } else if (r) {
            check_fail(__FILE__, __LINE__, "case %zu accepted", i);
        } else if (!strstr(e.msg, cases[i].want) || strncmp(e.msg, path, strlen(path)) != 0) {
            check_fail(__FILE__, __LINE__, "case %zu: [%s] lacks [%s]", i, e.msg, cases[i].want);
        }
        nv_xml_free(r);
    }
    rm_tmp();
}

/* A file is read whole at any size up to the bound (its size from fstat:
 * one read), and refused beyond it, by its size, before anything is read. */
TEST(read_file_sizes_and_bound)
{
    mk_tmp();
    char path[128];
    snprintf(path, sizeof path, "%s/f", dir);
    static const size_t sizes[] = {0, 1, 4095, 4096, 4097, 65536, 100000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        FILE *f = fopen(path, "wb");
        CHECK(f != NULL);
        if (!f)
            break;
        for (size_t k = 0; k < sizes[i]; k++)
            fputc('a' + (int)(k % 26), f);
        fclose(f);
        char *data = NULL;
        size_t len = 0;
        nv_err e;
        nv_err_clear(&e);
        CHECK_INT(nv_read_file(path, 100000, &data, &len, &e), 0);
        CHECK_INT(len, sizes[i]);
        CHECK(data && data[len] == '\0');
        CHECK(data && (len == 0 || data[len - 1] == 'a' + (int)((len - 1) % 26)));
        free(data);
    }
    /* one byte over: refused; a sparse file of 1 GiB too, without reading it */
    FILE *f = fopen(path, "ab");
    CHECK(f != NULL);
    if (f) {
        fputc('x', f);
        fclose(f);
    }
    char *data = NULL;
    size_t len = 0;
    nv_err e;
    nv_err_clear(&e);
    CHECK_INT(nv_read_file(path, 100000, &data, &len, &e), -1);
    char want[200];
    snprintf(want, sizeof want, "%s: file is larger than 100000 bytes", path);
    CHECK_STR(e.msg, want);
    CHECK_INT(truncate(path, (off_t)1 << 30), 0);
    CHECK_INT(nv_read_file(path, 100000, &data, &len, &e), -1);
    CHECK_STR(e.msg, want);
    CHECK(data == NULL);
    rm_tmp();
}

/* A stream (no size known ahead) of exactly the bound is read whole; one
 * byte more is refused. */
static int read_pipe(size_t n, size_t max, size_t *len, nv_err *e)
{
    int p[2];
    if (pipe(p) < 0)
        return -2;
    char buf[9000];
    memset(buf, 'q', sizeof buf);
    if (n > sizeof buf || write(p[1], buf, n) != (ssize_t)n)
        return -2;
    close(p[1]);
    char *data = NULL;
    int rc = nv_read_fd(p[0], "pipe", max, &data, len, e);
    close(p[0]);
    free(data);
    return rc;
}

TEST(read_fd_stream_bound_is_exact)
{
    nv_err e;
    size_t len = 0;
    CHECK_INT(read_pipe(5000, 5000, &len, &e), 0);
    CHECK_INT(len, 5000);
    CHECK_INT(read_pipe(100, 100, &len, &e), 0);
    CHECK_INT(len, 100);
    CHECK_INT(read_pipe(5001, 5000, &len, &e), -1);
    CHECK_STR(e.msg, "pipe: file is larger than 5000 bytes");
    CHECK_INT(read_pipe(0, 10, &len, &e), 0);
    CHECK_INT(len, 0);
}

/* Plain ASCII is skipped eight bytes at a time: whatever its place in the
 * word, a control character, DEL, a NUL or a bad UTF-8 byte is still found,
 * on the right line; a good multi-byte character is still accepted. */
TEST(text_every_position)
{
    static const struct {
        const char *bytes;
        int ok;
    } cases[] = {
        {"\x01", 0}, {"\x1f", 0}, {"\x7f", 0}, {"\x80", 0}, {"\xff", 0}, {"", 0},
        {"\xc3\xa9", 1}, {"\t", 1}, {"\n", 1}, {"\r", 1}, {"~", 1}, {" ", 1},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t bl = cases[c].bytes[0] ? strlen(cases[c].bytes) : 1; /* "" stands for a NUL */
        for (size_t at = 0; at < 24; at++) {
            char buf[40];
            memset(buf, 'a', sizeof buf);
            buf[3] = '\n';
            memcpy(buf + 4 + at, cases[c].bytes[0] ? cases[c].bytes : "\0", bl);
            nv_err e;
            nv_err_clear(&e);
            int rc = nv_text_check("f", buf, 4 + 24 + 4, &e);
            if (rc != (cases[c].ok ? 0 : -1))
                check_fail(__FILE__, __LINE__, "case %zu at %zu: %d (%s)", c, at, rc, e.msg);
            else if (!cases[c].ok && strncmp(e.msg, "f:2: ", 5) != 0)
                check_fail(__FILE__, __LINE__, "case %zu at %zu: %s", c, at, e.msg);
        }
    }
}

/* nv_read_file_in (a manifest's definitions): the same bytes and the same
 * errors as nv_read_file, whatever mix of directories and path shapes. */
TEST(read_file_in_same_as_read_file)
{
    mk_tmp();
    char sub[128], fifo[160], files[4][160];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    CHECK_INT(mkdir(sub, 0700), 0);
    snprintf(fifo, sizeof fifo, "%s/fifo", sub);
    CHECK_INT(mkfifo(fifo, 0600), 0);
    snprintf(files[0], sizeof files[0], "%s/a", dir);
    snprintf(files[1], sizeof files[1], "%s/b", sub);
    snprintf(files[2], sizeof files[2], "%s/../sub/b", sub);
    snprintf(files[3], sizeof files[3], "%s//a", dir);
    for (int i = 0; i < 2; i++) {
        FILE *f = fopen(files[i], "wb");
        CHECK(f != NULL);
        if (f) {
            fprintf(f, "file %d", i);
            fclose(f);
        }
    }
    const char *paths[] = {files[0], files[1], files[1], files[2], files[0], files[3], fifo,
                           "/dev/zero", "/tmp", "/nonexistent-nv/x", "relative-nv-missing", "/", sub, files[0]};
    nv_dir d = NV_DIR_INIT;
    alarm(10);
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        char *a = NULL, *b = NULL;
        size_t la = 0, lb = 0;
        nv_err ea, eb;
        nv_err_clear(&ea);
        nv_err_clear(&eb);
        int ra = nv_read_file(paths[i], NV_FILE_MAX, &a, &la, &ea);
        int rb = nv_read_file_in(&d, paths[i], NV_FILE_MAX, &b, &lb, &eb);
        if (ra != rb || strcmp(ea.msg, eb.msg) != 0 || la != lb || (a && b && memcmp(a, b, la) != 0))
            check_fail(__FILE__, __LINE__, "%s: %d [%s] vs %d [%s]", paths[i], ra, ea.msg, rb, eb.msg);
        free(a);
        free(b);
    }
    alarm(0);
    /* a directory replaced by another of the same name is looked up again
     * once another directory came between */
    char moved[160];
    snprintf(moved, sizeof moved, "%s/moved", dir);
    CHECK_INT(rename(sub, moved), 0);
    CHECK_INT(mkdir(sub, 0700), 0);
    char *data = NULL;
    size_t len;
    nv_err e;
    CHECK_INT(nv_read_file_in(&d, files[0], NV_FILE_MAX, &data, &len, &e), 0);
    free(data);
    CHECK_INT(nv_read_file_in(&d, files[1], NV_FILE_MAX, &data, &len, &e), -1);
    CHECK(strstr(e.msg, "No such file") != NULL);
    nv_dir_close(&d);
    nv_dir_close(&d);
    rm_tmp();
}
