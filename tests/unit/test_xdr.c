#include "check.h"
#include "xdr/xdr.h"

#include <stdint.h>
#include <stdlib.h>

/* ---- encoding --------------------------------------------------------- */

TEST(xdr_put_integers_big_endian)
{
    nv_buf b;
    nv_buf_init(&b, 0);
    CHECK_INT(nv_xdr_put_u32(&b, 0x01020304u), 0);
    CHECK_INT(nv_xdr_put_i32(&b, -2), 0);
    CHECK_INT(nv_xdr_put_u64(&b, 0x1122334455667788ull), 0);
    CHECK_INT(nv_xdr_put_i64(&b, -1), 0);
    CHECK_INT(nv_xdr_put_bool(&b, 7), 0);
    CHECK_INT(nv_xdr_put_enum(&b, 2), 0);
    static const uint8_t want[] = {
        1, 2, 3, 4,
        0xff, 0xff, 0xff, 0xfe,
        0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0, 0, 0, 1,
        0, 0, 0, 2,
    };
    CHECK_INT(b.len, sizeof want);
    CHECK_MEM(b.data, want, sizeof want);
    nv_buf_free(&b);
}

TEST(xdr_put_opaque_and_string_padding)
{
    nv_buf b;
    nv_buf_init(&b, 0);
    CHECK_INT(nv_xdr_put_fopaque(&b, "abcde", 5), 0);
    CHECK_INT(nv_xdr_put_opaque(&b, "xy", 2, 10), 0);
    CHECK_INT(nv_xdr_put_string(&b, "", 10), 0);
    CHECK_INT(nv_xdr_put_string(&b, "four", 10), 0);
    static const uint8_t want[] = {
        'a', 'b', 'c', 'd', 'e', 0, 0, 0,
        0, 0, 0, 2, 'x', 'y', 0, 0,
        0, 0, 0, 0,
        0, 0, 0, 4, 'f', 'o', 'u', 'r',
    };
    CHECK_INT(b.len, sizeof want);
    CHECK_MEM(b.data, want, sizeof want);
    CHECK(!b.failed);
    nv_buf_free(&b);
}

TEST(xdr_put_refuses_over_max_and_null)
{
    nv_buf b;
    nv_buf_init(&b, 0);
    CHECK_INT(nv_xdr_put_string(&b, "toolong", 6), -1);
    CHECK(b.failed);
    nv_buf_free(&b);

    nv_buf_init(&b, 0);
    CHECK_INT(nv_xdr_put_string(&b, NULL, 6), -1);
    CHECK(b.failed);
    nv_buf_free(&b);

    nv_buf_init(&b, 0);
    CHECK_INT(nv_xdr_put_opaque(&b, "abc", 3, 2), -1);
    CHECK(b.failed);
    nv_buf_free(&b);

    nv_buf_init(&b, 0);
    CHECK_INT(nv_xdr_put_array_len(&b, 17, 16), -1);
    CHECK(b.failed);
    /* sticky */
    CHECK_INT(nv_xdr_put_u32(&b, 1), -1);
    nv_buf_free(&b);

    nv_buf_init(&b, 0);
    CHECK_INT(nv_xdr_put_array_len(&b, 16, 16), 0);
    CHECK_INT(nv_xdr_put_optional(&b, 5), 0);
    CHECK_INT(nv_xdr_put_optional(&b, 0), 0);
    static const uint8_t want[] = { 0, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0, 0 };
    CHECK_MEM(b.data, want, sizeof want);
    nv_buf_free(&b);
}

TEST(xdr_put_respects_buffer_limit)
{
    nv_buf b;
    nv_buf_init(&b, 6);
    CHECK_INT(nv_xdr_put_u32(&b, 1), 0);
    CHECK_INT(nv_xdr_put_u32(&b, 2), -1);
    CHECK(b.failed);
    nv_buf_free(&b);

    /* the padding must fit too: 4 + 2 + 2 bytes > 7 */
    nv_buf_init(&b, 7);
    CHECK_INT(nv_xdr_put_opaque(&b, "ab", 2, 8), -1);
    CHECK(b.failed);
    nv_buf_free(&b);
}

/* ---- decoding --------------------------------------------------------- */

TEST(xdr_get_integers)
{
    static const uint8_t in[] = {
        1, 2, 3, 4,
        0xff, 0xff, 0xff, 0xfe,
        0x80, 0, 0, 0,
        0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
        0x80, 0, 0, 0, 0, 0, 0, 0,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfd,
        0, 0, 0, 1,
        0xff, 0xff, 0xff, 0xff,
    };
    nv_xdr_dec d;
    nv_xdr_dec_init(&d, in, sizeof in);
    uint32_t u;
    int32_t i;
    uint64_t u64;
    int64_t i64;
    int bo;
    CHECK_INT(nv_xdr_get_u32(&d, &u), 0);
    CHECK_INT(u, 0x01020304);
    CHECK_INT(nv_xdr_get_i32(&d, &i), 0);
    CHECK_INT(i, -2);
    CHECK_INT(nv_xdr_get_i32(&d, &i), 0);
    CHECK_INT(i, INT32_MIN);
    CHECK_INT(nv_xdr_get_u64(&d, &u64), 0);
    CHECK(u64 == 0x1122334455667788ull);
    CHECK_INT(nv_xdr_get_i64(&d, &i64), 0);
    CHECK(i64 == INT64_MIN);
    CHECK_INT(nv_xdr_get_i64(&d, &i64), 0);
    CHECK(i64 == -3);
    CHECK_INT(nv_xdr_get_bool(&d, &bo), 0);
    CHECK_INT(bo, 1);
    CHECK_INT(nv_xdr_get_enum(&d, &i), 0);
    CHECK_INT(i, -1);
    CHECK_INT(nv_xdr_dec_remaining(&d), 0);
    CHECK_INT(nv_xdr_dec_finish(&d), 0);
}

TEST(xdr_get_truncated_integers_fail_sticky)
{
    static const uint8_t in[] = { 0, 0, 0, 5, 0, 0, 0 };
    nv_xdr_dec d;
    nv_xdr_dec_init(&d, in, sizeof in);
    uint32_t u = 99;
    uint64_t u64 = 99;
    CHECK_INT(nv_xdr_get_u32(&d, &u), 0);
    CHECK_INT(u, 5);
    CHECK_INT(nv_xdr_get_u32(&d, &u), -1);
    CHECK_INT(u, 0);
    CHECK(d.failed);
    CHECK_STR(d.why, "message truncated");
    /* sticky even for requests that would fit */
    CHECK_INT(nv_xdr_get_pad(&d, 0), -1);
    CHECK_INT(nv_xdr_dec_remaining(&d), 0);
    CHECK_INT(nv_xdr_dec_finish(&d), -1);

    /* a hyper with only half of it present */
    static const uint8_t half[] = { 0, 0, 0, 1 };
    nv_xdr_dec_init(&d, half, sizeof half);
    CHECK_INT(nv_xdr_get_u64(&d, &u64), -1);
    CHECK(u64 == 0);

    /* an empty cursor */
    nv_xdr_dec_init(&d, NULL, 100);
    CHECK_INT(nv_xdr_get_u32(&d, &u), -1);
}

TEST(xdr_get_bool_and_optional_reject_other_values)
{
    static const uint8_t two[] = { 0, 0, 0, 2 };
    nv_xdr_dec d;
    int v = 5;
    nv_xdr_dec_init(&d, two, sizeof two);
    CHECK_INT(nv_xdr_get_bool(&d, &v), -1);
    CHECK_INT(v, 0);
    nv_xdr_dec_init(&d, two, sizeof two);
    CHECK_INT(nv_xdr_get_optional(&d, &v), -1);
    CHECK_INT(v, 0);
    static const uint8_t ok[] = { 0, 0, 0, 1, 0, 0, 0, 0 };
    nv_xdr_dec_init(&d, ok, sizeof ok);
    CHECK_INT(nv_xdr_get_optional(&d, &v), 0);
    CHECK_INT(v, 1);
    CHECK_INT(nv_xdr_get_optional(&d, &v), 0);
    CHECK_INT(v, 0);
}

TEST(xdr_get_fixed_opaque_checks_padding)
{
    static const uint8_t good[] = { 'a', 'b', 'c', 'd', 'e', 0, 0, 0 };
    static const uint8_t badpad[] = { 'a', 'b', 'c', 'd', 'e', 0, 1, 0 };
    static const uint8_t shortpad[] = { 'a', 'b', 'c', 'd', 'e', 0, 0 };
    char out[5];
    nv_xdr_dec d;
    nv_xdr_dec_init(&d, good, sizeof good);
    CHECK_INT(nv_xdr_get_fopaque(&d, out, 5), 0);
    CHECK_MEM(out, "abcde", 5);
    CHECK_INT(nv_xdr_dec_finish(&d), 0);

    nv_xdr_dec_init(&d, badpad, sizeof badpad);
    CHECK_INT(nv_xdr_get_fopaque(&d, out, 5), -1);
    CHECK_STR(d.why, "non-zero padding");
    CHECK_MEM(out, "\0\0\0\0\0", 5);

    nv_xdr_dec_init(&d, shortpad, sizeof shortpad);
    CHECK_INT(nv_xdr_get_fopaque(&d, out, 5), -1);
    CHECK_STR(d.why, "message truncated");

    /* 16 bytes, no padding */
    uint8_t uuid[16], in16[16];
    for (int i = 0; i < 16; i++)
        in16[i] = (uint8_t)(i * 17);
    nv_xdr_dec_init(&d, in16, sizeof in16);
    CHECK_INT(nv_xdr_get_fopaque(&d, uuid, 16), 0);
    CHECK_MEM(uuid, in16, 16);
}

TEST(xdr_get_string_roundtrip_and_bounds)
{
    nv_buf b;
    nv_buf_init(&b, 0);
    nv_xdr_put_string(&b, "hello", 100);
    nv_xdr_put_string(&b, "", 100);
    nv_xdr_dec d;
    char *s = NULL;
    nv_xdr_dec_init(&d, b.data, b.len);
    CHECK_INT(nv_xdr_get_string(&d, &s, 100), 0);
    CHECK_STR(s, "hello");
    free(s);
    CHECK_INT(nv_xdr_get_string(&d, &s, 100), 0);
    CHECK_STR(s, "");
    free(s);
    CHECK_INT(nv_xdr_dec_finish(&d), 0);

    /* over its maximum: refused before anything else is looked at */
    nv_xdr_dec_init(&d, b.data, b.len);
    CHECK_INT(nv_xdr_get_string(&d, &s, 4), -1);
    CHECK(s == NULL);
    CHECK_STR(d.why, "length exceeds its maximum");
    /* exactly at the maximum is fine */
    nv_xdr_dec_init(&d, b.data, b.len);
    CHECK_INT(nv_xdr_get_string(&d, &s, 5), 0);
    free(s);
    nv_buf_free(&b);

    /* the padding of "hello" is missing */
    static const uint8_t nopad[] = { 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o' };
    nv_xdr_dec_init(&d, nopad, sizeof nopad);
    CHECK_INT(nv_xdr_get_string(&d, &s, 100), -1);
    CHECK(s == NULL);
    CHECK_STR(d.why, "length exceeds the rest of the message");

    static const uint8_t nul[] = { 0, 0, 0, 3, 'a', 0, 'b', 0 };
    nv_xdr_dec_init(&d, nul, sizeof nul);
    CHECK_INT(nv_xdr_get_string(&d, &s, 100), -1);
    CHECK(s == NULL);
    CHECK_STR(d.why, "string contains a NUL byte");

    static const uint8_t badpad[] = { 0, 0, 0, 1, 'a', 0, 0, 9 };
    nv_xdr_dec_init(&d, badpad, sizeof badpad);
    CHECK_INT(nv_xdr_get_string(&d, &s, 100), -1);
    CHECK(s == NULL);
    CHECK_STR(d.why, "non-zero padding");
}

TEST(xdr_get_lengths_near_uint32_max)
{
    static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff, 'a', 'b', 'c', 'd' };
    static const uint8_t huge3[] = { 0xff, 0xff, 0xff, 0xfd, 'a', 'b', 'c', 'd' };
    nv_xdr_dec d;
    char *s = NULL;
    uint8_t *o = NULL;
    uint32_t n = 1;

    /* with a maximum that would allow it, the bytes left must still refuse it */
    nv_xdr_dec_init(&d, huge, sizeof huge);
    CHECK_INT(nv_xdr_get_string(&d, &s, UINT32_MAX), -1);
    CHECK(s == NULL);
    CHECK_STR(d.why, "length exceeds the rest of the message");

    /* 0xfffffffd + padding 3 would wrap a 32-bit sum */
    nv_xdr_dec_init(&d, huge3, sizeof huge3);
    CHECK_INT(nv_xdr_get_opaque(&d, &o, &n, UINT32_MAX), -1);
    CHECK(o == NULL);
    CHECK_INT(n, 0);

    nv_xdr_dec_init(&d, huge, sizeof huge);
    CHECK_INT(nv_xdr_get_opaque(&d, &o, &n, 4194304), -1);
    CHECK_STR(d.why, "length exceeds its maximum");

    nv_xdr_dec_init(&d, huge, sizeof huge);
    CHECK_INT(nv_xdr_get_array_len(&d, &n, UINT32_MAX, 4), -1);
    CHECK_INT(n, 0);
    CHECK_STR(d.why, "array length exceeds the rest of the message");

    nv_xdr_dec_init(&d, huge, sizeof huge);
    CHECK_INT(nv_xdr_get_array_len(&d, &n, 16384, 4), -1);
    CHECK_STR(d.why, "array length exceeds its maximum");

    /* a huge element size must not overflow the check */
    static const uint8_t two[] = { 0, 0, 0, 2, 0, 0, 0, 0 };
    nv_xdr_dec_init(&d, two, sizeof two);
    CHECK_INT(nv_xdr_get_array_len(&d, &n, 16, SIZE_MAX / 2 + 1), -1);
}

TEST(xdr_get_opaque_variable)
{
    static const uint8_t in[] = { 0, 0, 0, 3, 1, 2, 3, 0, 0, 0, 0, 0 };
    nv_xdr_dec d;
    uint8_t *o = NULL;
    uint32_t n = 9;
    nv_xdr_dec_init(&d, in, sizeof in);
    CHECK_INT(nv_xdr_get_opaque(&d, &o, &n, 3), 0);
    CHECK_INT(n, 3);
    CHECK(o && o[0] == 1 && o[1] == 2 && o[2] == 3);
    free(o);
    CHECK_INT(nv_xdr_get_opaque(&d, &o, &n, 3), 0);
    CHECK_INT(n, 0);
    CHECK(o == NULL);
    CHECK_INT(nv_xdr_dec_finish(&d), 0);

    /* truncated in the middle of the data */
    nv_xdr_dec_init(&d, in, 6);
    CHECK_INT(nv_xdr_get_opaque(&d, &o, &n, 3), -1);
    CHECK(o == NULL);
    CHECK_INT(n, 0);
}

TEST(xdr_get_array_len_bounds)
{
    /* 3 elements of at least 4 bytes need 12 bytes after the count */
    static const uint8_t in[] = { 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3 };
    nv_xdr_dec d;
    uint32_t n;
    nv_xdr_dec_init(&d, in, sizeof in);
    CHECK_INT(nv_xdr_get_array_len(&d, &n, 3, 4), 0);
    CHECK_INT(n, 3);
    nv_xdr_dec_init(&d, in, sizeof in - 1);
    CHECK_INT(nv_xdr_get_array_len(&d, &n, 3, 4), -1);
    nv_xdr_dec_init(&d, in, sizeof in);
    CHECK_INT(nv_xdr_get_array_len(&d, &n, 2, 4), -1);
    /* elements of 8 bytes cannot fit */
    nv_xdr_dec_init(&d, in, sizeof in);
    CHECK_INT(nv_xdr_get_array_len(&d, &n, 3, 8), -1);
    /* elem_min 0 counts as 1 byte */
    nv_xdr_dec_init(&d, in, 7);
    CHECK_INT(nv_xdr_get_array_len(&d, &n, 3, 0), 0);
    nv_xdr_dec_init(&d, in, 6);
    CHECK_INT(nv_xdr_get_array_len(&d, &n, 3, 0), -1);
}

TEST(xdr_finish_rejects_trailing_bytes)
{
    static const uint8_t in[] = { 0, 0, 0, 1, 0 };
    nv_xdr_dec d;
    uint32_t u;
    nv_xdr_dec_init(&d, in, sizeof in);
    CHECK_INT(nv_xdr_get_u32(&d, &u), 0);
    CHECK_INT(nv_xdr_dec_remaining(&d), 1);
    CHECK_INT(nv_xdr_dec_finish(&d), -1);
    CHECK_STR(d.why, "unexpected data after the end of the message");
    /* the first reason wins */
    nv_xdr_dec_fail(&d, "other");
    CHECK_STR(d.why, "unexpected data after the end of the message");
}

TEST(xdr_pad_rules)
{
    nv_buf b;
    nv_buf_init(&b, 0);
    CHECK_INT(nv_xdr_put_pad(&b, 3), 0);
    CHECK_INT(b.len, 3);
    CHECK_INT(nv_xdr_put_pad(&b, 4), -1);
    nv_buf_free(&b);
    static const uint8_t z[] = { 0, 0, 0, 0 };
    nv_xdr_dec d;
    nv_xdr_dec_init(&d, z, sizeof z);
    CHECK_INT(nv_xdr_get_pad(&d, 4), -1);
    nv_xdr_dec_init(&d, z, sizeof z);
    CHECK_INT(nv_xdr_get_pad(&d, 3), 0);
    CHECK_INT(nv_xdr_dec_remaining(&d), 1);
    CHECK_INT(NV_XDR_PAD(0), 0);
    CHECK_INT(NV_XDR_PAD(1), 3);
    CHECK_INT(NV_XDR_PAD(4), 0);
    CHECK_INT(NV_XDR_PAD(UINT32_MAX), 1);
}
