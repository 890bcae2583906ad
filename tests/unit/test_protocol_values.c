/*
 * libpacta-protocol: value validators (date, uuid, currency, username),
 * UUIDv7, the contract field table, pacta_field_validate and
 * pacta_contract_check.
 */
#include <pacta/protocol.h>

#include "test.h"

struct str_case {
    const char *s;
    int valid;
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_dates(void)
{
    static const struct str_case cases[] = {
        {"2026-01-10", 1},
        {"2024-02-29", 1},
        {"2000-02-29", 1},
        {"1900-01-01", 1},
        {"9999-12-31", 1},
        {"2026-12-31", 1},
        {"2026-04-30", 1},
        {"2023-02-28", 1},
        {"2023-02-29", 0},
        {"1900-02-29", 0},
        {"2100-02-29", 0},
        {"2026-13-01", 0},
        {"2026-00-10", 0},
        {"2026-01-00", 0},
        {"2026-01-32", 0},
        {"2026-04-31", 0},
        {"2026-1-1", 0},
        {"2026-01-1", 0},
        {"26-01-01", 0},
        {"1899-12-31", 0},
        {"0000-01-01", 0},
        {"2026/01/01", 0},
        {"2026-01-01T00:00:00Z", 0},
        {" 2026-01-01", 0},
        {"2026-01-01 ", 0},
        {"2026-0a-01", 0},
        {"", 0},
        {"+202-01-01", 0},
        {"2026--1-01", 0},
    };
    for (size_t i = 0; i < N(cases); i++)
        CHECKF(pacta_valid_date(cases[i].s) == cases[i].valid, "\"%s\"", cases[i].s);
    CHECK(!pacta_valid_date(NULL));
}

static void test_uuids(void)
{
    static const struct str_case cases[] = {
        {"0193a5f2-7c1e-7b3a-9f00-123456789abc", 1}, {"00000000-0000-0000-0000-000000000000", 1},
        {"550e8400-e29b-41d4-a716-446655440000", 1}, {"0193A5F2-7C1E-7B3A-9F00-123456789ABC", 0},
        {"0193a5f27c1e7b3a9f00123456789abc", 0},     {"{0193a5f2-7c1e-7b3a-9f00-123456789abc}", 0},
        {"0193a5f2-7c1e-7b3a-9f00-123456789ab", 0},  {"0193a5f2-7c1e-7b3a-9f00-123456789abcd", 0},
        {"0193a5f2-7c1e-7b3a-9f00_123456789abc", 0}, {"0193a5f2-7c1e-7b3a-9f0g-123456789abc", 0},
        {"0193a5f-27c1e-7b3a-9f00-123456789abc", 0}, {"", 0},
    };
    for (size_t i = 0; i < N(cases); i++)
        CHECKF(pacta_valid_uuid(cases[i].s) == cases[i].valid, "\"%s\"", cases[i].s);
    CHECK(!pacta_valid_uuid(NULL));

    char out[37];
    const uint8_t r[10] = {0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88, 0x77, 0x66};
    pacta_uuid_v7(out, 0x0193a5f27c1eULL, r);
    CHECK_STR(out, "0193a5f2-7c1e-7fee-9dcc-bbaa99887766");
    CHECK(pacta_valid_uuid(out));
    const uint8_t z[10] = {0};
    pacta_uuid_v7(out, 0, z);
    CHECK_STR(out, "00000000-0000-7000-8000-000000000000");
    /* time-ordered: a later ms sorts after as text */
    char later[37];
    pacta_uuid_v7(later, 1, z);
    CHECK(strcmp(out, later) < 0);
}

static void test_currencies(void)
{
    static const struct str_case cases[] = {
        {"EUR", 1}, {"USD", 1}, {"GBP", 1}, {"JPY", 1}, {"CHF", 1},  {"RON", 1}, {"AED", 1},
        {"ZWG", 1}, {"XCG", 1}, {"XAU", 1}, {"XDR", 1}, {"ZMW", 1},  {"SLE", 1}, {"VES", 1},
        {"EU", 0},  {"eur", 0}, {"Eur", 0}, {"XXY", 0}, {"EURO", 0}, {"", 0},    {"HRK", 0},
        {"XTS", 0}, {"XXX", 0}, {"DEM", 0}, {"AAA", 0}, {"ZZZ", 0},  {"E R", 0},
    };
    for (size_t i = 0; i < N(cases); i++)
        CHECKF(pacta_valid_currency(cases[i].s) == cases[i].valid, "\"%s\"", cases[i].s);
    CHECK(!pacta_valid_currency(NULL));
}

static void test_usernames(void)
{
    char max[66];
    memset(max, 'a', 64);
    max[64] = '\0';
    CHECK(pacta_valid_username(max));
    max[64] = 'a';
    max[65] = '\0';
    CHECK(!pacta_valid_username(max));
    static const struct str_case cases[] = {
        {"ana", 1},  {"a", 1},    {"0day", 1},  {"j.doe", 1},      {"j_doe-2", 1},
        {"ana.", 1}, {"", 0},     {".ana", 0},  {"-ana", 0},       {"_ana", 0},
        {"Ana", 0},  {"an a", 0}, {"ana@x", 0}, {"an\xc3\xa1", 0},
    };
    for (size_t i = 0; i < N(cases); i++)
        CHECKF(pacta_valid_username(cases[i].s) == cases[i].valid, "\"%s\"", cases[i].s);
    CHECK(!pacta_valid_username(NULL));
}

static void test_field_table(void)
{
    static const char *const order[] = {
        "number",    "title",       "counterparty", "kind",         "status",
        "sign_date", "start_date",  "end_date",     "amount_cents", "currency",
        "owner",     "description", "notice_days",  "renewal",      "renewal_months",
    };
    size_t n = 0;
    for (const struct pacta_field_def *d = pacta_contract_fields; d->name; d++, n++) {
        REQUIRE(n < N(order));
        CHECK_STR(d->name, order[n]);
        CHECK(pacta_contract_field(d->name) == d);
    }
    CHECK(n == N(order));
    CHECK(pacta_contract_field("version") == NULL);
    CHECK(pacta_contract_field("id") == NULL);
    CHECK(pacta_contract_field("nope") == NULL);
    CHECK(pacta_contract_field(NULL) == NULL);

    const struct pacta_field_def *d = pacta_contract_field("number");
    CHECK(d->type == PACTA_FT_TEXT && (d->flags & PACTA_FF_REQUIRED) && d->min == 1 &&
          d->max == 64);
    d = pacta_contract_field("description");
    CHECK(d->type == PACTA_FT_TEXT && (d->flags & PACTA_FF_MULTILINE) && d->min == 0 &&
          d->max == 10000);
    d = pacta_contract_field("amount_cents");
    CHECK(d->type == PACTA_FT_INT && d->min == 0 && d->max == 1000000000000000LL);
    d = pacta_contract_field("end_date");
    CHECK(d->type == PACTA_FT_DATE && (d->flags & PACTA_FF_NULLABLE));
    d = pacta_contract_field("status");
    CHECK(d->type == PACTA_FT_ENUM && !(d->flags & PACTA_FF_REQUIRED));
    CHECK_STR(d->values[0], "draft");
}

/* ---- pacta_field_validate -------------------------------------------------- */

struct field_case {
    const char *field;
    const char *json; /* the value as JSON text */
    int valid;
};

/* A string of `n` copies of `unit` (JSON-quoted). */
static char *repeat(const char *unit, size_t n)
{
    size_t u = strlen(unit);
    char *s = malloc(u * n + 3);
    s[0] = '"';
    for (size_t i = 0; i < n; i++)
        memcpy(s + 1 + i * u, unit, u);
    s[1 + u * n] = '"';
    s[2 + u * n] = '\0';
    return s;
}

static void check_field(const char *field, const char *json, int valid)
{
    const struct pacta_field_def *def = pacta_contract_field(field);
    REQUIRE(def != NULL);
    json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);
    REQUIRE(v != NULL);
    struct pacta_error err = {0};
    int rc = pacta_field_validate(def, v, &err);
    if (valid) {
        CHECKF(rc == 0, "%s = %.60s: %s", field, json, err.message);
    } else {
        CHECKF(rc == -(int)PACTA_BAD_REQUEST && err.code == PACTA_BAD_REQUEST,
               "%s = %.60s accepted", field, json);
        CHECKF(strcmp(err.field, field) == 0, "%s: field \"%s\"", field, err.field);
        CHECK(err.message[0] != '\0');
    }
    json_decref(v);
}

static void test_field_validate(void)
{
    static const struct field_case cases[] = {
        {"number", "\"C-2026-001\"", 1},
        {"number", "\"\"", 0},
        {"number", "\"   \"", 0},
        {"number", "null", 0},
        {"number", "12", 0},
        {"number", "\"C-1\\n\"", 0},
        {"number", "\"C\\t1\"", 0},
        {"title", "\"Caf\\u00e9 supply\"", 1},
        {"title", "\"a\\u0085b\"", 0}, /* C1 control NEL */
        {"title", "\"a\\u007fb\"", 0}, /* DEL */
        {"title", "\"\\u00a0\"", 0},   /* only a no-break space: blank */
        {"title", "[\"x\"]", 0},
        {"counterparty", "\"ACME S.A.\"", 1},
        {"counterparty", "{}", 0},
        {"kind", "\"client\"", 1},
        {"kind", "\"supplier\"", 1},
        {"kind", "\"Client\"", 0},
        {"kind", "\"partner\"", 0},
        {"kind", "1", 0},
        {"status", "\"draft\"", 1},
        {"status", "\"active\"", 1},
        {"status", "\"expired\"", 1},
        {"status", "\"terminated\"", 1},
        {"status", "\"deleted\"", 0},
        {"status", "null", 0},
        {"sign_date", "null", 1},
        {"sign_date", "\"2024-02-29\"", 1},
        {"start_date", "\"2023-02-29\"", 0},
        {"start_date", "\"2026-13-01\"", 0},
        {"end_date", "\"2026-1-1\"", 0},
        {"end_date", "20260101", 0},
        {"amount_cents", "0", 1},
        {"amount_cents", "1250000", 1},
        {"amount_cents", "1000000000000000", 1},
        {"amount_cents", "1000000000000001", 0},
        {"amount_cents", "-1", 0},
        {"amount_cents", "12.5", 0},
        {"amount_cents", "1.0", 0},
        {"amount_cents", "\"100\"", 0},
        {"amount_cents", "true", 0},
        {"amount_cents", "null", 0},
        {"currency", "\"EUR\"", 1},
        {"currency", "\"EU\"", 0},
        {"currency", "\"eur\"", 0},
        {"currency", "\"XXY\"", 0},
        {"currency", "null", 0},
        {"owner", "\"ana\"", 1},
        {"owner", "\"Ana\"", 0},
        {"owner", "\"\"", 0},
        {"owner", "null", 0},
        {"description", "\"\"", 1},
        {"description", "\"   \"", 1},
        {"description", "\"line 1\\nline 2\\n\\tindented\"", 1},
        {"description", "\"a\\rb\"", 0},
        {"description", "\"a\\u0007b\"", 0},
        {"description", "\"a\\u001bb\"", 0},
        {"description", "null", 0},
        {"notice_days", "0", 1},
        {"notice_days", "3650", 1},
        {"notice_days", "3651", 0},
        {"notice_days", "-5", 0},
        {"renewal", "\"none\"", 1},
        {"renewal", "\"auto\"", 1},
        {"renewal", "\"evergreen\"", 1},
        {"renewal", "\"yearly\"", 0},
    };
    for (size_t i = 0; i < N(cases); i++)
        check_field(cases[i].field, cases[i].json, cases[i].valid);

    /* lengths are code points: 64 two-byte characters fit "number" */
    char *s = repeat("\xc3\xa9", 64);
    check_field("number", s, 1);
    free(s);
    s = repeat("x", 65);
    check_field("number", s, 0);
    free(s);
    s = repeat("\xe2\x82\xac", 200); /* € */
    check_field("title", s, 1);
    free(s);
    s = repeat("x", 201);
    check_field("title", s, 0);
    free(s);
    s = repeat("x", 201);
    check_field("counterparty", s, 0);
    free(s);
    s = repeat("\xf0\x9f\x93\x84", 10000); /* 4-byte emoji */
    check_field("description", s, 1);
    free(s);
    s = repeat("x", 10001);
    check_field("description", s, 0);
    free(s);
}

static void test_contract_check(void)
{
    static const struct {
        const char *json;
        int valid;
    } cases[] = {
        {"{}", 1},
        {"{\"start_date\":\"2026-01-01\",\"end_date\":\"2026-12-31\"}", 1},
        {"{\"start_date\":\"2026-01-01\",\"end_date\":\"2026-01-01\"}", 1},
        {"{\"start_date\":\"2026-01-01\",\"end_date\":null}", 1},
        {"{\"start_date\":null,\"end_date\":\"2026-01-01\"}", 1},
        {"{\"start_date\":\"2026-01-02\",\"end_date\":\"2026-01-01\"}", 0},
        {"{\"start_date\":\"2027-01-01\",\"end_date\":\"2026-12-31\"}", 0},
    };
    for (size_t i = 0; i < N(cases); i++) {
        json_t *c = json_loads(cases[i].json, 0, NULL);
        REQUIRE(c != NULL);
        struct pacta_error err = {0};
        int rc = pacta_contract_check(c, &err);
        if (cases[i].valid) {
            CHECKF(rc == 0, "%s", cases[i].json);
        } else {
            CHECKF(rc == -(int)PACTA_BAD_REQUEST, "%s", cases[i].json);
            CHECK_STR(err.field, "end_date");
        }
        json_decref(c);
    }
}

int main(void)
{
    test_dates();
    test_uuids();
    test_currencies();
    test_usernames();
    test_field_table();
    test_field_validate();
    test_contract_check();
    return test_summary();
}
