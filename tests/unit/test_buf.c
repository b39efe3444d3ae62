#include "check.h"
#include "util/buf.h"
#include "util/error.h"

#include <stdlib.h>

TEST(buf_append_and_printf)
{
    nv_buf b;
    nv_buf_init(&b, 0);
    CHECK_INT(nv_buf_append_str(&b, "abc"), 0);
    CHECK_INT(nv_buf_printf(&b, "-%d-", 42), 0);
    CHECK_STR(nv_buf_cstr(&b), "abc-42-");
    CHECK_INT(b.len, 7);
    nv_buf_free(&b);
}

TEST(buf_refuses_growth_past_limit)
{
    nv_buf b;
    nv_buf_init(&b, 8);
    CHECK_INT(nv_buf_append(&b, "12345678", 8), 0);
    CHECK_INT(nv_buf_append(&b, "9", 1), -1);
    CHECK(b.failed);
    /* sticky: later appends fail too */
    CHECK_INT(nv_buf_append(&b, "", 0), -1);
    nv_buf_free(&b);
}

TEST(buf_steal_gives_string)
{
    nv_buf b;
    nv_buf_init(&b, 0);
    nv_buf_append_str(&b, "hello");
    char *s = nv_buf_steal(&b);
    CHECK_STR(s, "hello");
    CHECK(b.data == NULL);
    free(s);
}

TEST(err_prefix_and_sys)
{
    nv_err e;
    nv_err_clear(&e);
    CHECK_INT(nv_err_set(&e, NV_ERR_INPUT, "bad %s", "thing"), -1);
    nv_err_prefix(&e, "file.xml:%d", 3);
    CHECK_STR(e.msg, "file.xml:3: bad thing");
    nv_err_sys(&e, 2, "open %s", "x");
    CHECK_STR(e.msg, "open x: No such file or directory");
    CHECK_INT(e.kind, NV_ERR_SYSTEM);
}
