/*
 * libpacta-protocol: base64 of binary chunks (RFC 4648 §4 test vectors,
 * every byte value round trip, and the strict decoder's refusals).
 */
#include <pacta/protocol.h>

#include "test.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_vectors(void)
{
    static const struct {
        const char *plain, *b64;
    } cases[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        char out[32];
        uint8_t back[32];
        size_t len = strlen(cases[i].plain), n;
        size_t w = pacta_base64_encode((const uint8_t *)cases[i].plain, len, out);
        CHECK_STR(out, cases[i].b64);
        CHECK(w == PACTA_BASE64_ENCODED_LEN(len));
        CHECK(pacta_base64_decode(out, w, back, sizeof back, &n) == 0);
        CHECKF(n == len && memcmp(back, cases[i].plain, len) == 0, "round trip of \"%s\"",
               cases[i].plain);
    }
}

static void test_all_bytes(void)
{
    uint8_t in[256], back[256];
    char text[PACTA_BASE64_ENCODED_LEN(256) + 1];
    for (int i = 0; i < 256; i++)
        in[i] = (uint8_t)(255 - i);
    for (size_t len = 250; len <= 256; len++) {
        size_t n = 0, w = pacta_base64_encode(in, len, text);
        CHECK(w <= sizeof text - 1 && strlen(text) == w);
        CHECK(pacta_base64_decode(text, w, back, sizeof back, &n) == 0);
        CHECK(n == len && memcmp(in, back, len) == 0);
        CHECK(PACTA_BASE64_DECODED_MAX(w) >= n);
    }
    /* the exact capacity fits, one byte less does not */
    size_t n, w = pacta_base64_encode(in, 9, text);
    CHECK(pacta_base64_decode(text, w, back, 9, &n) == 0 && n == 9);
    CHECK(pacta_base64_decode(text, w, back, 8, &n) == -1);
}

static void test_refused(void)
{
    static const char *const bad[] = {
        "Zg",                      /* no padding */
        "Zg=",                     /* short padding */
        "Zh==",                    /* unused bits set (one text per chunk) */
        "Zm9=",                    /* unused bits set */
        "Zm9v\n",                  /* line break */
        "Zm 9v",                   /* white space */
        "Zg==Zg==",                /* padding inside */
        "Z===",                    /* three pads */
        "=Zm9",                    /* pad first */
        "Zm-v",                    /* base64url alphabet is not this one */
        "Zm_v",     "Zm9\xc3\xa9", /* not ASCII */
    };
    for (size_t i = 0; i < N(bad); i++) {
        uint8_t out[16];
        size_t n;
        CHECKF(pacta_base64_decode(bad[i], strlen(bad[i]), out, sizeof out, &n) == -1,
               "accepted \"%s\"", bad[i]);
    }
}

int main(void)
{
    test_vectors();
    test_all_bytes();
    test_refused();
    return test_summary();
}
