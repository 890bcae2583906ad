/* Decoders of the expiry and notification ops, the renewal term field and
 * the read-only derived fields (protocol/src/args.c, fields.c). */
#include <string.h>

#include <pacta/protocol.h>

#include "test.h"

static json_t *load(const char *text)
{
    json_t *j = json_loads(text, 0, NULL);
    REQUIRE(j != NULL);
    return j;
}

static void expect_bad(int rc, const struct pacta_error *err, const char *field)
{
    CHECK(rc == -PACTA_BAD_REQUEST);
    CHECKF(strcmp(err->field, field) == 0, "field %s, want %s", err->field, field);
}

static void test_list(void)
{
    struct pacta_notifications_list_args a;
    struct pacta_error err;
    json_t *j = load("{}");
    CHECK(pacta_decode_notifications_list(j, &a, &err) == 0);
    CHECK(a.limit == PACTA_LIST_DEFAULT_LIMIT && a.cursor == 0 && !a.unread_only);
    json_decref(j);
    j = load("{\"unread_only\":true,\"cursor\":\"42\",\"limit\":500}");
    CHECK(pacta_decode_notifications_list(j, &a, &err) == 0);
    CHECK(a.limit == 500 && a.cursor == 42 && a.unread_only);
    json_decref(j);
    static const struct {
        const char *args, *field;
    } bad[] = {
        {"{\"unread_only\":1}", "unread_only"},
        {"{\"cursor\":\"x1\"}", "cursor"},
        {"{\"cursor\":\"0\"}", "cursor"},
        {"{\"cursor\":12}", "cursor"},
        {"{\"limit\":0}", "limit"},
        {"{\"limit\":501}", "limit"},
        {"{\"unread\":true}", "unread"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        j = load(bad[i].args);
        expect_bad(pacta_decode_notifications_list(j, &a, &err), &err, bad[i].field);
        json_decref(j);
    }
}

static void test_mark_read_prefs_expiring(void)
{
    struct pacta_error err;
    json_t *ids = NULL, *j = load("{\"ids\":[1,2,3]}");
    int v;
    CHECK(pacta_decode_notifications_mark_read(j, &ids, &err) == 0 && json_array_size(ids) == 3);
    json_decref(ids);
    json_decref(j);
    static const char *const bad_ids[] = {"{}", "{\"ids\":[]}", "{\"ids\":[0]}",
                                          "{\"ids\":[\"1\"]}", "{\"ids\":5}"};
    for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
        j = load(bad_ids[i]);
        expect_bad(pacta_decode_notifications_mark_read(j, &ids, &err), &err, "ids");
        CHECK(ids == NULL);
        json_decref(j);
    }
    j = load("{}");
    CHECK(pacta_decode_user_preferences(j, &v, &err) == 0 && v == -1);
    CHECK(pacta_decode_contracts_expiring(j, &v, &err) == 0 && v == 30);
    json_decref(j);
    j = load("{\"digest\":true,\"days\":7}");
    expect_bad(pacta_decode_user_preferences(j, &v, &err), &err, "days");
    expect_bad(pacta_decode_contracts_expiring(j, &v, &err), &err, "digest");
    json_decref(j);
    j = load("{\"digest\":false}");
    CHECK(pacta_decode_user_preferences(j, &v, &err) == 0 && v == 0);
    json_decref(j);
    j = load("{\"days\":3651}");
    expect_bad(pacta_decode_contracts_expiring(j, &v, &err), &err, "days");
    json_decref(j);
}

static void test_clock(void)
{
    struct pacta_error err;
    int64_t ms = 0;
    CHECK(pacta_parse_timestamp("1970-01-01T00:00:00Z", &ms) == 0 && ms == 0);
    CHECK(pacta_parse_timestamp("2026-11-22T14:02:03.123Z", &ms) == 0 && ms == 1795356123123LL);
    CHECK(pacta_parse_timestamp("2024-02-29T00:00:00Z", &ms) == 0);
    CHECK(pacta_parse_timestamp("2023-02-29T00:00:00Z", &ms) == -1);
    CHECK(pacta_parse_timestamp("2026-11-22T24:00:00Z", &ms) == -1);
    CHECK(pacta_parse_timestamp("2026-11-22 14:02:03Z", &ms) == -1);
    CHECK(pacta_parse_timestamp("2026-11-22T14:02:03", &ms) == -1);
    json_t *j = load("{\"now\":\"2027-01-01T00:00:00.000Z\"}");
    CHECK(pacta_decode_clock_set(j, &ms, &err) == 0 && ms == 1798761600000LL);
    json_decref(j);
    j = load("{\"now\":\"tomorrow\"}");
    expect_bad(pacta_decode_clock_set(j, &ms, &err), &err, "now");
    json_decref(j);
}

static void test_fields(void)
{
    struct pacta_error err;
    const struct pacta_field_def *d = pacta_contract_field("renewal_months");
    REQUIRE(d != NULL);
    json_t *v = json_integer(0);
    expect_bad(pacta_field_validate(d, v, &err), &err, "renewal_months");
    json_decref(v);
    v = json_integer(120);
    CHECK(pacta_field_validate(d, v, &err) == 0);
    json_decref(v);
    /* derived members are read-only in create and in update's changes */
    static const char *const derived[] = {"notice_deadline", "days_left", "lifecycle"};
    for (size_t i = 0; i < 3; i++) {
        char text[256];
        struct pacta_create_args c;
        struct pacta_update_args u;
        snprintf(text, sizeof text,
                 "{\"number\":\"N\",\"title\":\"T\",\"counterparty\":\"C\",\"kind\":\"client\","
                 "\"currency\":\"EUR\",\"%s\":1}",
                 derived[i]);
        json_t *j = load(text);
        expect_bad(pacta_decode_create(j, &c, &err), &err, derived[i]);
        CHECK(strcmp(err.message, "read-only field") == 0);
        json_decref(j);
        snprintf(text, sizeof text,
                 "{\"id\":\"0193a5f2-7c1e-7b3a-9f00-1a2b3c4d5e6f\",\"version\":1,"
                 "\"changes\":{\"%s\":null}}",
                 derived[i]);
        j = load(text);
        expect_bad(pacta_decode_update(j, &u, &err), &err, derived[i]);
        json_decref(j);
    }
}

int main(void)
{
    test_list();
    test_mark_read_prefs_expiring();
    test_clock();
    test_fields();
    return test_summary();
}
