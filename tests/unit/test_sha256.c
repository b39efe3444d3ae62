#include "check.h"
#include "util/sha256.h"

#include <stdio.h>
#include <stdlib.h>

static void hex(const uint8_t d[NV_SHA256_LEN], char out[2 * NV_SHA256_LEN + 1])
{
    for (int i = 0; i < NV_SHA256_LEN; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static const char *digest_of(const char *s, size_t n)
{
    static char out[2 * NV_SHA256_LEN + 1];
    uint8_t d[NV_SHA256_LEN];
    nv_sha256(s, n, d);
    hex(d, out);
    return out;
}

TEST(sha256_empty)
{
    CHECK_STR(digest_of("", 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(sha256_abc)
{
    CHECK_STR(digest_of("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(sha256_448_bit_message)
{
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    CHECK_INT(strlen(m), 56);
    CHECK_STR(digest_of(m, strlen(m)), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(sha256_896_bit_message)
{
    const char *m = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                    "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    CHECK_STR(digest_of(m, strlen(m)), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST(sha256_million_a_in_odd_pieces)
{
    nv_sha256_ctx c;
    uint8_t d[NV_SHA256_LEN];
    char out[2 * NV_SHA256_LEN + 1];
    char chunk[997];
    memset(chunk, 'a', sizeof chunk);
    nv_sha256_init(&c);
    size_t left = 1000000;
    while (left) {
        size_t n = left < sizeof chunk ? left : sizeof chunk;
        nv_sha256_update(&c, chunk, n);
        left -= n;
    }
    nv_sha256_final(&c, d);
    hex(d, out);
    CHECK_STR(out, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Splitting the input at any point must not change the digest. */
TEST(sha256_incremental_matches_one_shot)
{
    char msg[200];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (char)('A' + i % 37);
    for (size_t len = 0; len <= sizeof msg; len += 7) {
        uint8_t whole[NV_SHA256_LEN];
        nv_sha256(msg, len, whole);
        for (size_t cut = 0; cut <= len; cut += 5) {
            nv_sha256_ctx c;
            uint8_t part[NV_SHA256_LEN];
            nv_sha256_init(&c);
            nv_sha256_update(&c, msg, cut);
            nv_sha256_update(&c, msg + cut, len - cut);
            nv_sha256_final(&c, part);
            CHECK_MEM(whole, part, NV_SHA256_LEN);
        }
    }
}

/* The CPU's SHA instructions (where present) and the portable code agree on
 * every length around the block boundaries and on long inputs. */
TEST(sha256_accelerated_matches_portable)
{
    static uint8_t msg[4096 + 130];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof msg; i++) {
        x = x * 1103515245u + 12345u;
        msg[i] = (uint8_t)(x >> 16);
    }
    int was = nv_sha256_portable(0);
    for (size_t len = 0; len <= sizeof msg; len += len < 200 ? 1 : 61) {
        uint8_t fast[NV_SHA256_LEN], slow[NV_SHA256_LEN];
        nv_sha256_portable(0);
        nv_sha256(msg, len, fast);
        nv_sha256_portable(1);
        nv_sha256(msg, len, slow);
        CHECK_MEM(fast, slow, NV_SHA256_LEN);
    }
    nv_sha256_portable(was);
}

TEST(sha256_portable_vectors)
{
    int was = nv_sha256_portable(1);
    CHECK_STR(digest_of("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                    "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    CHECK_STR(digest_of(m, strlen(m)), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
    nv_sha256_portable(was);
}
