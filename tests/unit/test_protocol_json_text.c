/*
 * pacta_json_compact against jansson's own json_dumps(JSON_COMPACT |
 * JSON_ENCODE_ANY): the same bytes for every string byte value, every
 * escape, valid and invalid UTF-8 (nocheck strings), embedded NULs, reals,
 * empty containers, member order after deletes and re-sets, a real event,
 * and thousands of random documents.  Every response, event and change-log
 * payload of pactad is written by it, so "the same bytes" is the contract
 * (PROTOCOL.md: a replayed event is byte-for-byte what live subscribers got).
 *
 * pacta_json_parse_plain against json_loadb(JSON_DECODE_ANY |
 * JSON_REJECT_DUPLICATES), as pacta_request_parse calls it: wherever the
 * plain parser answers, jansson answers the same value with its members in
 * the same order; requests as clients send them are plain; and random
 * documents, with and without random whitespace, and single-byte mutations
 * of them never make the two disagree.
 */
#include <stdint.h>

#include <pacta/json_text.h>

#include "test.h"

static int same(const json_t *v)
{
    char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    size_t len = 12345;
    char *got = pacta_json_compact(v, &len);
    int ok = (!want && !got) ||
             (want && got && strcmp(want, got) == 0 && len == strlen(want) && got[len] == 0);
    if (!ok)
        fprintf(stderr, "  jansson: %s\n  ours:    %s\n", want ? want : "(NULL)",
                got ? got : "(NULL)");
    free(want);
    free(got);
    return ok;
}

static void test_scalars(void)
{
    json_t *v[] = {json_null(),
                   json_true(),
                   json_false(),
                   json_integer(0),
                   json_integer(-1),
                   json_integer(INT64_MAX),
                   json_integer(INT64_MIN),
                   json_real(0.0),
                   json_real(1.5),
                   json_real(-2.0),
                   json_real(1e300),
                   json_real(1.0 / 3.0),
                   json_string(""),
                   json_string("plain"),
                   json_object(),
                   json_array()};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        CHECKF(same(v[i]), "scalar %zu", i);
        json_decref(v[i]);
    }
}

/* Every byte value alone and inside text, and every escape jansson makes. */
static void test_string_bytes(void)
{
    for (int c = 0; c < 256; c++) {
        char s[8] = {'a', (char)c, 'b'};
        json_t *one = json_stringn_nocheck(s + 1, 1);
        json_t *mid = json_stringn_nocheck(s, 3);
        CHECKF(same(one), "byte 0x%02X alone", c);
        CHECKF(same(mid), "byte 0x%02X inside", c);
        json_decref(one);
        json_decref(mid);
    }
    const char *texts[] = {
        "quote \" backslash \\ slash / tab \t nl \n cr \r bs \b ff \f bell \a esc \x1b del \x7f",
        "Ümlaut, €, 𝄞 and 漢字",
        "\xc3\xa9t\xc3\xa9",
        "ends with escape\n",
        "\"",
        "\\\\"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        json_t *v = json_string(texts[i]);
        REQUIRE(v);
        CHECKF(same(v), "text %zu", i);
        json_t *o = json_pack("{s:o}", texts[i], v); /* the same as a key */
        CHECKF(same(o), "key %zu", i);
        json_decref(o);
    }
    /* embedded NUL */
    json_t *nul = json_stringn("a\0b", 3);
    CHECK(same(nul));
    json_decref(nul);
}

/* What jansson refuses to encode (only nocheck strings can hold it), ours
 * refuses too. */
static void test_invalid_utf8(void)
{
    const char *bad[] = {"\x80",
                         "\xc0\xaf",
                         "\xc1\xbf",
                         "\xe0\x80\xaf",
                         "\xed\xa0\x80",
                         "\xf4\x90\x80\x80",
                         "\xf5\x80\x80\x80",
                         "\xc3",
                         "\xe2\x82",
                         "\xff",
                         "ok\xfe"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *v = json_string_nocheck(bad[i]);
        CHECKF(same(v), "invalid %zu", i);
        size_t len = 7;
        CHECK(pacta_json_compact(v, &len) == NULL && len == 7);
        json_t *o = json_pack("{s:s,s:o}", "a", "b", "c", v);
        CHECKF(same(o), "invalid %zu in an object", i);
        struct pacta_buf b = {0};
        pacta_buf_add(&b, "keep", 4);
        CHECK(pacta_json_append(&b, o) == -1 && b.len == 4 && memcmp(b.p, "keep", 4) == 0);
        free(b.p);
        json_decref(o);
    }
    CHECK(pacta_json_compact(NULL, NULL) == NULL);
}

/* Member order is insertion order, also after deletes and re-sets. */
static void test_order(void)
{
    json_t *o = json_object();
    for (int i = 0; i < 40; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", (i * 17) % 40);
        json_object_set_new(o, k, json_integer(i));
    }
    json_object_del(o, "k3");
    json_object_set_new(o, "k5", json_string("reset"));
    json_object_set_new(o, "k3", json_null());
    CHECK(same(o));
    json_decref(o);
}

/* A contract.updated event as pactad builds it. */
static void test_event(void)
{
    json_t *rec = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:s,s:n,s:s,s:n,s:I,s:s,s:s,s:s,s:i,s:s,s:i,s:I,s:s,s:s,s:s,s:n}",
        "id", "0192e1a4-7c1e-7a3b-9f00-1234567890ab", "number", "C-2024/17", "title",
        "Wartung \"Nord\"", "counterparty", "Acme Ltd", "kind", "supplier", "status", "active",
        "sign_date", "start_date", "2024-01-01", "end_date", "amount_cents", (json_int_t)1234567,
        "currency", "EUR", "owner", "admin", "description", "line one\nline two\ttab",
        "notice_days", 90, "renewal", "auto", "renewal_months", 12, "version", (json_int_t)42,
        "created_at", "2024-01-01T00:00:00.000Z", "updated_at", "2026-11-22T15:00:00.123Z",
        "updated_by", "admin", "deleted_at");
    json_t *ev = json_pack("{s:o,s:[s],s:s,s:s}", "contract", rec, "changed", "amount_cents",
                           "actor", "admin", "reason", "Preis §4");
    CHECK(same(ev));
    size_t len;
    char *text = pacta_json_compact(ev, &len);
    json_t *back = json_loads(text, 0, NULL);
    CHECK(back && json_equal(back, ev));
    json_decref(back);
    free(text);
    json_decref(ev);
}

static uint64_t rng = 88172645463325252ull;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static json_t *random_string(void)
{
    static const char *parts[] = {"a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\x01", "\x1f",
                                  "é", "€", "𝄞", "漢", "0",  "{", "}",  ":",  ","};
    char s[64] = "";
    int n = (int)rnd(8);
    for (int i = 0; i < n; i++)
        strcat(s, parts[rnd(sizeof parts / sizeof parts[0])]);
    return json_string(s);
}

static json_t *random_value(int depth)
{
    switch (rnd(depth > 4 ? 6 : 8)) {
    case 0:
        return json_null();
    case 1:
        return json_boolean(rnd(2));
    case 2:
        return json_integer((json_int_t)rnd(2000000) - 1000000);
    case 3:
        return json_real((double)rnd(100000) / 64.0);
    case 4:
    case 5:
        return random_string();
    case 6: {
        json_t *a = json_array();
        for (unsigned i = rnd(5); i > 0; i--)
            json_array_append_new(a, random_value(depth + 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (unsigned i = rnd(6); i > 0; i--) {
            json_t *k = random_string();
            json_object_set_new(o, json_string_value(k), random_value(depth + 1));
            json_decref(k);
        }
        return o;
    }
    }
}

static void test_random(void)
{
    int bad = 0;
    for (int i = 0; i < 5000; i++) {
        json_t *v = random_value(0);
        if (!same(v) && bad++ < 5)
            fprintf(stderr, "random document %d differs\n", i);
        json_decref(v);
    }
    CHECKF(bad == 0, "%d random documents differ", bad);
}

/* 1 if the plain parser accepted buf; fails the test where it disagrees. */
static int plain_agrees(const char *buf, size_t len)
{
    json_t *plain = pacta_json_parse_plain(buf, len);
    json_error_t jerr;
    json_t *ref = json_loadb(buf, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    int ok = 1;
    if (plain) {
        char *a = json_dumps(plain, JSON_COMPACT | JSON_ENCODE_ANY);
        char *b = ref ? json_dumps(ref, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        ok = ref && json_equal(plain, ref) && a && b && strcmp(a, b) == 0;
        if (!ok)
            fprintf(stderr, "  input %.*s\n  plain:   %s\n  jansson: %s\n", (int)len, buf, a,
                    b ? b : jerr.text);
        free(a);
        free(b);
    }
    CHECK(ok);
    json_decref(ref);
    int accepted = plain != NULL;
    json_decref(plain);
    return accepted;
}

static void test_plain_cases(void)
{
    const char *plain[] = {
        "{\"id\":7,\"op\":\"contracts.update\",\"args\":{\"id\":\"0192e1a4-7c1e-7a3b-9f00-"
        "1234567890ab\",\"version\":3,\"changes\":{\"amount_cents\":12345}}}",
        " { \"a\" : [ 1 , -2 , 0 , -0 , 123456789012345678 , true , false , null ] "
        ",\n\t\"b\":{}\r} ",
        "{\"\":\"\",\"x\":[[],[{}]],\"s\":\"printable ~!@#$%^&*()_+{}[]:;'<>,./? all\"}",
        "[]",
        "{}",
        "5",
        "\"x\"",
        "null",
        "-12"};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        CHECKF(plain_agrees(plain[i], strlen(plain[i])), "plain case %zu not accepted", i);
    /* outside the subset: the plain parser steps aside for jansson */
    const char *other[] = {
        "{\"a\":\"esc\\\"aped\"}",
        "{\"a\":\"caf\xc3\xa9\"}",
        "{\"a\":1.5}",
        "{\"a\":1e3}",
        "{\"a\":1234567890123456789}",
        "{\"a\":-98765432109876543210}",                       /* past int64 (fuzz_protocol) */
        "{\"a\":1234567890123456789012345678901234567890123}", /* UBSan: no overflow */
        "{\"a\":01}",
        "{\"a\":1,\"a\":2}",
        "{\"a\":tru}",
        "{\"a\":truex}",
        "{\"a\":1}x",
        "{\"a\":1,}",
        "[1,]",
        "{\"a\" 1}",
        "",
        "   ",
        "{\"a\":\"tab\there\"}",
        "\xef\xbb\xbf{}",
        "{\"a\":-}",
        "{\"a\":12a}",
        "{\"a\":\"\x7f\"}",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"};
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        CHECKF(!plain_agrees(other[i], strlen(other[i])), "case %zu should be left to jansson", i);
    CHECK(!plain_agrees("{\"a\":1}\0", 8)); /* a NUL after the value */
}

/* Random documents (the random_value generator above, whose strings are
 * often outside the plain subset) as compact text, indented text, and with
 * one byte changed, dropped or added. */
static void test_plain_random(void)
{
    int accepted = 0;
    static const char junk[] = "{}[]:,\" \\-0129aeflnrstu.\t\n\x01\x80\xc3";
    for (int i = 0; i < 4000; i++) {
        json_t *v = random_value(0);
        char *text =
            json_dumps(v, JSON_ENCODE_ANY | (i % 3 == 0 ? JSON_INDENT(i % 5) : JSON_COMPACT));
        json_decref(v);
        if (!text)
            continue;
        size_t len = strlen(text);
        accepted += plain_agrees(text, len);
        char *m = malloc(len + 2);
        for (int k = 0; k < 4 && len > 0; k++) {
            size_t at = rnd((unsigned)len);
            memcpy(m, text, len + 1);
            size_t mlen = len;
            switch (rnd(3)) {
            case 0:
                m[at] = junk[rnd(sizeof junk - 1)];
                break;
            case 1:
                memmove(m + at, m + at + 1, len - at);
                mlen--;
                break;
            default:
                memmove(m + at + 1, m + at, len - at + 1);
                m[at] = junk[rnd(sizeof junk - 1)];
                mlen++;
                break;
            }
            plain_agrees(m, mlen);
        }
        free(m);
        free(text);
    }
    CHECKF(accepted > 400, "only %d random documents were plain", accepted);
}

int main(void)
{
    test_scalars();
    test_string_bytes();
    test_invalid_utf8();
    test_order();
    test_event();
    test_random();
    test_plain_cases();
    test_plain_random();
    return test_summary();
}
