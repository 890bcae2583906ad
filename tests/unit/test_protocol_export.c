/*
 * libpacta-protocol: the export decoders (export.contracts, export.read,
 * export.cancel), table-driven: each bad input names its field.
 */
#include <pacta/protocol.h>

#include "test.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define UUID "0193a5f2-7c1e-7b3a-9f00-1a2b3c4d5e6f"

struct bad_case {
    const char *json, *code, *field;
};

static void check_bad(int (*decode)(const json_t *, struct pacta_error *),
                      const struct bad_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_error_t jerr;
        json_t *args = json_loads(cases[i].json, 0, &jerr);
        struct pacta_error err = {0};
        REQUIRE(args);
        int rc = decode(args, &err);
        CHECKF(rc != 0 && strcmp(pacta_code_name(err.code), cases[i].code) == 0 &&
                   strcmp(err.field, cases[i].field) == 0,
               "%s: rc %d code %s field \"%s\" (%s), want %s \"%s\"", cases[i].json, rc,
               pacta_code_name(err.code), err.field, err.message, cases[i].code, cases[i].field);
        json_decref(args);
    }
}

static int decode_export(const json_t *args, struct pacta_error *err)
{
    struct pacta_export_args a;
    return pacta_decode_export(args, &a, err);
}

static int decode_read(const json_t *args, struct pacta_error *err)
{
    struct pacta_export_read_args a;
    return pacta_decode_export_read(args, &a, err);
}

static int decode_cancel(const json_t *args, struct pacta_error *err)
{
    const char *id;
    return pacta_decode_export_cancel(args, &id, err);
}

static void test_export_ok(void)
{
    struct pacta_export_args a;
    struct pacta_error err = {0};
    json_t *args = json_pack("{s:s, s:{s:s, s:s, s:b}, s:b}", "format", "csv", "filters", "status",
                             "active", "q", "lift", "include_deleted", 1, "bom", 1);
    CHECK(pacta_decode_export(args, &a, &err) == 0);
    CHECK(a.format == PACTA_EXPORT_CSV && a.bom == 1 && a.contract_id == NULL);
    CHECK_STR(a.filters.status, "active");
    CHECK_STR(a.filters.q, "lift");
    CHECK(a.filters.include_deleted == 1 && a.filters.cursor == NULL && a.filters.limit == 0);
    json_decref(args);

    args = json_pack("{s:s, s:s}", "format", "pdf", "contract_id", UUID);
    CHECK(pacta_decode_export(args, &a, &err) == 0);
    CHECK(a.format == PACTA_EXPORT_PDF && a.contract_id && strcmp(a.contract_id, UUID) == 0);
    json_decref(args);

    /* null is absent; an empty filters object goes with contract_id */
    args =
        json_pack("{s:s, s:n, s:s, s:{}}", "format", "pdf", "bom", "contract_id", UUID, "filters");
    CHECK(pacta_decode_export(args, &a, &err) == 0 && a.format == PACTA_EXPORT_PDF);
    json_decref(args);

    /* escape_formulas: csv only, off unless asked */
    args = json_pack("{s:s, s:b}", "format", "csv", "escape_formulas", 1);
    CHECK(pacta_decode_export(args, &a, &err) == 0 && a.escape_formulas == 1 && a.bom == 0);
    json_decref(args);
    args = json_pack("{s:s}", "format", "csv");
    CHECK(pacta_decode_export(args, &a, &err) == 0 && a.escape_formulas == 0);
    json_decref(args);

    CHECK_STR(pacta_export_format_name(PACTA_EXPORT_XLSX), "xlsx");
    CHECK_STR(pacta_export_format_name((enum pacta_export_format)9), "");
}

static void test_export_bad(void)
{
    static const struct bad_case cases[] = {
        {"{}", "bad_request", "format"},
        {"{\"format\":null}", "bad_request", "format"},
        {"{\"format\":1}", "bad_request", "format"},
        {"{\"format\":\"xls\"}", "bad_request", "format"},
        {"{\"format\":\"CSV\"}", "bad_request", "format"},
        {"{\"format\":\"csv\",\"filter\":{}}", "bad_request", "filter"},
        {"{\"format\":\"csv\",\"filters\":[]}", "bad_request", "filters"},
        {"{\"format\":\"csv\",\"filters\":\"active\"}", "bad_request", "filters"},
        {"{\"format\":\"csv\",\"filters\":{\"status\":\"open\"}}", "bad_request", "status"},
        {"{\"format\":\"csv\",\"filters\":{\"kind\":1}}", "bad_request", "kind"},
        {"{\"format\":\"csv\",\"filters\":{\"q\":\"  \"}}", "bad_request", "q"},
        {"{\"format\":\"csv\",\"filters\":{\"colour\":\"red\"}}", "bad_request", "colour"},
        {"{\"format\":\"csv\",\"filters\":{\"cursor\":\"abc\"}}", "bad_request", "cursor"},
        {"{\"format\":\"csv\",\"filters\":{\"limit\":10}}", "bad_request", "limit"},
        {"{\"format\":\"csv\",\"bom\":\"yes\"}", "bad_request", "bom"},
        {"{\"format\":\"xlsx\",\"bom\":true}", "bad_request", "bom"},
        {"{\"format\":\"csv\",\"escape_formulas\":1}", "bad_request", "escape_formulas"},
        {"{\"format\":\"xlsx\",\"escape_formulas\":true}", "bad_request", "escape_formulas"},
        {"{\"format\":\"pdf\",\"escape_formulas\":true}", "bad_request", "escape_formulas"},
        {"{\"format\":\"pdf\",\"contract_id\":\"x\"}", "bad_request", "contract_id"},
        {"{\"format\":\"pdf\",\"contract_id\":7}", "bad_request", "contract_id"},
        {"{\"format\":\"csv\",\"contract_id\":\"" UUID "\"}", "bad_request", "contract_id"},
        {"{\"format\":\"pdf\",\"contract_id\":\"" UUID "\",\"filters\":{\"kind\":\"client\"}}",
         "bad_request", "filters"},
    };
    check_bad(decode_export, cases, N(cases));
}

static void test_read(void)
{
    struct pacta_export_read_args a;
    struct pacta_error err = {0};
    json_t *args = json_pack("{s:s, s:i}", "export_id", UUID, "offset", 0);
    CHECK(pacta_decode_export_read(args, &a, &err) == 0);
    CHECK(a.offset == 0 && a.length == PACTA_EXPORT_CHUNK_MAX && strcmp(a.export_id, UUID) == 0);
    json_decref(args);
    args =
        json_pack("{s:s, s:I, s:i}", "export_id", UUID, "offset", (json_int_t)1 << 40, "length", 1);
    CHECK(pacta_decode_export_read(args, &a, &err) == 0);
    CHECK(a.offset == (int64_t)1 << 40 && a.length == 1);
    json_decref(args);

    static const struct bad_case cases[] = {
        {"{\"offset\":0}", "bad_request", "export_id"},
        {"{\"export_id\":\"nope\",\"offset\":0}", "bad_request", "export_id"},
        {"{\"export_id\":\"" UUID "\"}", "bad_request", "offset"},
        {"{\"export_id\":\"" UUID "\",\"offset\":-1}", "bad_request", "offset"},
        {"{\"export_id\":\"" UUID "\",\"offset\":1.5}", "bad_request", "offset"},
        {"{\"export_id\":\"" UUID "\",\"offset\":0,\"length\":0}", "bad_request", "length"},
        {"{\"export_id\":\"" UUID "\",\"offset\":0,\"length\":262145}", "bad_request", "length"},
        {"{\"export_id\":\"" UUID "\",\"offset\":0,\"size\":1}", "bad_request", "size"},
    };
    check_bad(decode_read, cases, N(cases));
}

static void test_cancel(void)
{
    const char *id = NULL;
    struct pacta_error err = {0};
    json_t *args = json_pack("{s:s}", "export_id", UUID);
    CHECK(pacta_decode_export_cancel(args, &id, &err) == 0 && id && strcmp(id, UUID) == 0);
    json_decref(args);
    static const struct bad_case cases[] = {
        {"{}", "bad_request", "export_id"},
        {"{\"export_id\":5}", "bad_request", "export_id"},
        {"{\"export_id\":\"" UUID "\",\"offset\":0}", "bad_request", "offset"},
    };
    check_bad(decode_cancel, cases, N(cases));
}

/* Amounts are exported in the currency's unit: the digits must be right. */
static void test_currency_digits(void)
{
    CHECK(pacta_currency_digits("EUR") == 2);
    CHECK(pacta_currency_digits("RON") == 2);
    CHECK(pacta_currency_digits("JPY") == 0);
    CHECK(pacta_currency_digits("BHD") == 3);
    CHECK(pacta_currency_digits("CLF") == 4);
    CHECK(pacta_currency_digits("XOF") == 0);
    CHECK(pacta_currency_digits(NULL) == 2);
}

int main(void)
{
    test_currency_digits();
    test_export_ok();
    test_export_bad();
    test_read();
    test_cancel();
    return test_summary();
}
