/* JSON strings: escapes, and valid UTF-8 whatever the input. */
#include "check.h"
#include "util/json.h"

static void check_json(const char *in, const char *want, const char *file, int line)
{
    nv_buf b;
    nv_buf_init(&b, 0);
    nv_json_str(&b, in);
    const char *got = nv_buf_cstr(&b);
    if (!got || strcmp(got, want) != 0)
        check_fail(file, line, "json(%s): got %s, want %s", in ? in : "NULL", got ? got : "(null)", want);
    nv_buf_free(&b);
}
#define J(in, want) check_json(in, want, __FILE__, __LINE__)

TEST(json_strings)
{
    J(NULL, "null");
    J("", "\"\"");
    J("vm 1", "\"vm 1\"");
    J("a\"b\\c", "\"a\\\"b\\\\c\"");
    J("l1\nl2\tx\r\x1b[2J\x7f", "\"l1\\nl2\\tx\\u000d\\u001b[2J\\u007f\"");
    J("32 MiB \xe2\x86\x92 64 MiB", "\"32 MiB \xe2\x86\x92 64 MiB\"");
    J("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");
    /* invalid: a lone continuation byte, an overlong form, a surrogate, a cut sequence */
    J("a\x80z", "\"a\\ufffdz\"");
    J("\xc0\xaf", "\"\\ufffd\\ufffd\"");
    J("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
    J("\xe2\x86", "\"\\ufffd\\ufffd\"");
}
