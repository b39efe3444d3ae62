#include "check.h"
#include "engine/log.h"
#include "xml/diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What the log functions write to stderr while fn runs. */
static char *capture(void (*fn)(void))
{
    static char out[8192];
    fflush(stderr);
    FILE *tmp = tmpfile();
    int saved = dup(2);
    if (!tmp || saved < 0) {
        check_fail(__FILE__, __LINE__, "tmpfile/dup failed");
        return out;
    }
    dup2(fileno(tmp), 2);
    fn();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    size_t n = fread(out, 1, sizeof out - 1, tmp);
    out[n] = '\0';
    fclose(tmp);
    return out;
}

static const uint8_t uuid[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

/* a daemon's name with a terminal escape, a CR and a forged log line */
static const char *hostile = "vm\x1b[2J\rfake\ndomain 00000000-0000-0000-0000-000000000000: undefine";

static void log_hostile_obj(void)
{
    nv_log_obj("network", uuid, "stop dependant domain %s", hostile);
}

static void log_hostile_line(void)
{
    nv_log("connect to %s", hostile);
    nv_log_warn("%s", "bad\x07name");
}

static void log_hostile_diff(void)
{
    nv_xml_diff_entry en = {.kind = NV_XML_DIFF_CHANGED, .path = "/domain/description",
                            .before = "a\x1b]0;title\x07", .after = "b\nnixvirt: fake"};
    nv_xml_diff_list d = {.v = &en, .n = 1, .cap = 1};
    nv_log_diff(&d);
}

TEST(log_escapes_control_characters_from_peers)
{
    nv_log_verbose = 1;
    const char *o = capture(log_hostile_obj);
    CHECK_STR(o, "network 01020304-0506-0708-090a-0b0c0d0e0f10: stop dependant domain "
                 "vm\\x1b[2J\\rfake\\ndomain 00000000-0000-0000-0000-000000000000: undefine\n");
    o = capture(log_hostile_line);
    CHECK(strstr(o, "connect to vm\\x1b[2J\\rfake\\ndomain") != NULL);
    CHECK(strstr(o, "nixvirt: warning: bad\\x07name\n") != NULL);
    CHECK(strchr(o, '\x1b') == NULL && strchr(o, '\r') == NULL && strchr(o, '\x07') == NULL);
    o = capture(log_hostile_diff);
    CHECK(strchr(o, '\x1b') == NULL && strchr(o, '\x07') == NULL);
    CHECK(strstr(o, "b\\nnixvirt: fake") != NULL);
    CHECK_INT(strchr(o, '\n') == o + strlen(o) - 1, 1); /* one line */
    nv_log_verbose = 0;
}
