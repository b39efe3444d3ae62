#include <string.h>

#include "check.h"
#include "util/error.h"

static size_t ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && strcmp(s + n - k, tail) == 0;
}

TEST(err_prefix_short_chain)
{
    nv_err e;
    nv_err_set(&e, NV_ERR_INPUT, "bad thing");
    nv_err_prefix(&e, "inner %d", 1);
    nv_err_prefix(&e, "outer");
    CHECK_STR(e.msg, "outer: inner 1: bad thing");
    CHECK_INT(e.kind, NV_ERR_INPUT);
}

/* Many long contexts: the cause stays whole at the end, the newest context
 * at the start, and the ones between are cut to "...". */
TEST(err_prefix_keeps_cause_whole)
{
    char cause[301], ctx[201];
    memset(cause, 'c', 300);
    cause[300] = '\0';
    memcpy(cause, "CAUSE", 5);
    memset(ctx, 'x', 200);
    ctx[200] = '\0';
    nv_err e;
    nv_err_set(&e, NV_ERR_LIBVIRT, "%s", cause);
    for (int i = 0; i < 20; i++)
        nv_err_prefix(&e, "ctx%02d %s", i, ctx);
    nv_err_prefix(&e, "newest");
    CHECK(ends_with(e.msg, cause));
    CHECK(strncmp(e.msg, "newest: ctx19 ", 14) == 0);
    CHECK(strstr(e.msg, "...: CAUSE") != NULL);
    CHECK(strlen(e.msg) < sizeof e.msg);
    CHECK_INT(e.kind, NV_ERR_LIBVIRT);
}

/* A cause too long for any context beside it stays as it is; one that
 * leaves a little room gets a shortened context. */
TEST(err_prefix_long_cause)
{
    char cause[1024];
    memset(cause, 'c', sizeof cause - 1);
    cause[sizeof cause - 1] = '\0';
    nv_err e;
    nv_err_set(&e, NV_ERR_PROTOCOL, "%s", cause);
    nv_err_prefix(&e, "context");
    CHECK_STR(e.msg, cause);

    cause[1000] = '\0';
    nv_err_set(&e, NV_ERR_PROTOCOL, "%s", cause);
    char big[400];
    memset(big, 'p', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    nv_err_prefix(&e, "%s", big);
    CHECK(ends_with(e.msg, cause));
    CHECK_INT((int)strlen(e.msg), 1023);
    CHECK(strncmp(e.msg + 1023 - 1000 - 5, "...: ", 5) == 0);
}

/* A message written into msg directly (not through nv_err_set) is a cause
 * as a whole, whatever an earlier error left behind. */
TEST(err_prefix_direct_message)
{
    nv_err e;
    nv_err_set(&e, NV_ERR_INPUT, "old");
    nv_err_prefix(&e, "a");
    strcpy(e.msg, "direct cause");
    nv_err_prefix(&e, "ctx");
    CHECK_STR(e.msg, "ctx: direct cause");
}

TEST(err_sys_appends_errno_text)
{
    nv_err e;
    nv_err_sys(&e, 2, "open %s", "f");
    CHECK_STR(e.msg, "open f: No such file or directory");
    CHECK_INT(e.code, 2);
}
