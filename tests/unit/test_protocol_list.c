/*
 * libpacta-protocol: contracts.list's filters and sort, and the saved-view
 * decoders that reuse them (list_args.c), table-driven: each bad input is
 * bad_request naming its field; good ones decode to the expected struct and
 * to the canonical filter and sort objects a view stores.
 */
#include <pacta/protocol.h>

#include "test.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct bad_case {
    const char *json, *field, *message;
};

static int decode_list(const json_t *args, struct pacta_error *err)
{
    struct pacta_list_args a;
    return pacta_decode_list(args, &a, err);
}

static int decode_filter(const json_t *args, struct pacta_error *err)
{
    struct pacta_list_args a;
    return pacta_decode_list_filter(args, &a, err);
}

static int decode_save(const json_t *args, struct pacta_error *err)
{
    struct pacta_view_save_args a;
    return pacta_decode_view_save(args, &a, err);
}

static int decode_delete(const json_t *args, struct pacta_error *err)
{
    const char *name;
    return pacta_decode_view_delete(args, &name, err);
}

static void check_bad(const char *what, int (*decode)(const json_t *, struct pacta_error *),
                      const struct bad_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_error_t jerr;
        json_t *args = json_loads(cases[i].json, JSON_DECODE_ANY, &jerr);
        struct pacta_error err = {0};

        REQUIRE(args);
        int rc = decode(args, &err);
        CHECKF(rc == -PACTA_BAD_REQUEST && err.code == PACTA_BAD_REQUEST &&
                   strcmp(err.field, cases[i].field) == 0 &&
                   (!cases[i].message || strstr(err.message, cases[i].message)),
               "%s %s: rc %d field \"%s\" message \"%s\", want \"%s\" \"%s\"", what, cases[i].json,
               rc, err.field, err.message, cases[i].field,
               cases[i].message ? cases[i].message : "");
        json_decref(args);
    }
}

static const struct bad_case bad_filters[] = {
    {"{\"lifecycle\":\"soon\"}", "lifecycle", "must be one of"},
    {"{\"lifecycle\":1}", "lifecycle", "must be a string"},
    {"{\"currency\":\"EURO\"}", "currency", NULL},
    {"{\"currency\":\"XTS\"}", "currency", NULL},
    {"{\"end_from\":\"2026-02-30\"}", "end_from", "date"},
    {"{\"end_to\":\"tomorrow\"}", "end_to", "date"},
    {"{\"start_from\":20260101}", "start_from", "must be a string"},
    {"{\"start_to\":\"2026-1-1\"}", "start_to", "date"},
    {"{\"sign_from\":\"\"}", "sign_from", "date"},
    {"{\"sign_to\":\"1899-12-31\"}", "sign_to", "date"},
    {"{\"end_from\":\"2026-05-01\",\"end_to\":\"2026-04-30\"}", "end_to", "before end_from"},
    {"{\"start_from\":\"2026-05-01\",\"start_to\":\"2026-04-30\"}", "start_to", NULL},
    {"{\"sign_from\":\"2026-05-01\",\"sign_to\":\"2026-04-30\"}", "sign_to", NULL},
    {"{\"currency\":\"EUR\",\"amount_min\":-1}", "amount_min", "between"},
    {"{\"currency\":\"EUR\",\"amount_max\":1000000000000001}", "amount_max", "between"},
    {"{\"currency\":\"EUR\",\"amount_min\":1.5}", "amount_min", "must be an integer"},
    {"{\"currency\":\"EUR\",\"amount_max\":\"5\"}", "amount_max", "must be an integer"},
    {"{\"currency\":\"EUR\",\"amount_min\":10,\"amount_max\":9}", "amount_max", "less than"},
    {"{\"amount_min\":10}", "currency", "required with amount_min"},
    {"{\"amount_max\":10}", "currency", "required with"},
    {"{\"status\":\"open\"}", "status", NULL},
    {"{\"kind\":\"both\"}", "kind", NULL},
    {"{\"owner\":\"Not A User\"}", "owner", NULL},
    {"{\"text\":\"\"}", "text", NULL},
    {"{\"q\":\"   \"}", "q", NULL},
    {"{\"include_deleted\":\"yes\"}", "include_deleted", "must be a boolean"},
    {"{\"lifecycles\":\"active\"}", "lifecycles", "unknown field"},
};

static const struct bad_case bad_lists[] = {
    {"{\"sort\":\"size\"}", "sort", "must be one of"},
    {"{\"sort\":5}", "sort", "must be a string"},
    {"{\"order\":\"down\"}", "order", "asc, desc"},
    {"{\"sort\":\"title\",\"order\":1}", "order", "must be a string"},
    {"{\"sort\":\"relevance\"}", "sort", "needs q"},
    {"{\"q\":\"lift\",\"order\":\"desc\"}", "order", "relevance"},
    {"{\"q\":\"lift\",\"sort\":\"relevance\",\"order\":\"desc\"}", "order", NULL},
    {"{\"limit\":0}", "limit", "between 1 and 500"},
    {"{\"limit\":501}", "limit", NULL},
    {"{\"limit\":\"5\"}", "limit", "must be an integer"},
    {"{\"cursor\":\"\"}", "cursor", NULL},
    {"{\"lifecycle\":\"later\",\"sort\":\"title\"}", "lifecycle", NULL},
};

/* Filters accept no paging or sort: a view keeps those apart. */
static const struct bad_case bad_filter_only[] = {
    {"{\"sort\":\"title\"}", "sort", "unknown field"},
    {"{\"limit\":5}", "limit", "unknown field"},
    {"{\"cursor\":\"abc\"}", "cursor", "unknown field"},
    {"{\"order\":\"desc\"}", "order", "unknown field"},
    {"[]", "filter", "must be an object"},
};

static const struct bad_case bad_saves[] = {
    {"{\"filter\":{}}", "name", "required"},
    {"{\"name\":null,\"filter\":{}}", "name", "required"},
    {"{\"name\":\"  \",\"filter\":{}}", "name", NULL},
    {"{\"name\":\"a\\nb\",\"filter\":{}}", "name", NULL},
    {"{\"name\":\"x\"}", "filter", "required"},
    {"{\"name\":\"x\",\"filter\":[]}", "filter", "must be an object"},
    {"{\"name\":\"x\",\"filter\":{\"status\":\"open\"}}", "status", NULL},
    {"{\"name\":\"x\",\"filter\":{\"limit\":5}}", "limit", "unknown field"},
    {"{\"name\":\"x\",\"filter\":{},\"sort\":\"title\"}", "sort", "must be an object"},
    {"{\"name\":\"x\",\"filter\":{},\"sort\":{\"key\":\"size\"}}", "key", "must be one of"},
    {"{\"name\":\"x\",\"filter\":{},\"sort\":{\"key\":\"relevance\"}}", "key", "needs q"},
    {"{\"name\":\"x\",\"filter\":{},\"sort\":{\"order\":\"up\"}}", "order", NULL},
    {"{\"name\":\"x\",\"filter\":{},\"sort\":{\"by\":\"title\"}}", "by", "unknown field"},
    {"{\"name\":\"x\",\"filter\":{},\"view\":1}", "view", "unknown field"},
};

static const struct bad_case bad_deletes[] = {
    {"{}", "name", "required"},
    {"{\"name\":5}", "name", "must be a string"},
    {"{\"name\":\"x\",\"filter\":{}}", "filter", "unknown field"},
};

static void test_bad(void)
{
    check_bad("list", decode_list, bad_filters, N(bad_filters));
    check_bad("list", decode_list, bad_lists, N(bad_lists));
    check_bad("filter", decode_filter, bad_filters, N(bad_filters));
    check_bad("filter", decode_filter, bad_filter_only, N(bad_filter_only));
    check_bad("views.save", decode_save, bad_saves, N(bad_saves));
    check_bad("views.delete", decode_delete, bad_deletes, N(bad_deletes));

    /* a name of 100 characters is fine, 101 is not (characters, not bytes) */
    char name[512] = "";
    for (int i = 0; i < 101; i++)
        strcat(name, "é");
    json_t *args = json_pack("{s:s, s:{}}", "name", name, "filter");
    struct pacta_view_save_args v;
    struct pacta_error err = {0};
    CHECK(pacta_decode_view_save(args, &v, &err) == -PACTA_BAD_REQUEST);
    CHECK_STR(err.field, "name");
    name[strlen(name) - 2] = '\0';
    json_object_set_new(args, "name", json_string(name));
    CHECK(pacta_decode_view_save(args, &v, &err) == 0);
    json_decref(args);
}

static void test_good(void)
{
    struct pacta_list_args a;
    struct pacta_error err = {0};
    json_t *args =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:i, s:s}",
                  "lifecycle", "expiring", "currency", "EUR", "sign_from", "2025-01-01", "sign_to",
                  "2025-12-31", "start_from", "2026-01-01", "start_to", "2026-01-01", "end_from",
                  "2026-02-01", "end_to", "2026-03-01", "owner", "ana", "amount_min", (json_int_t)0,
                  "amount_max", (json_int_t)1000000000000000LL, "sort", "end_date", "order", "desc",
                  "limit", 20, "cursor", "abc");

    REQUIRE(pacta_decode_list(args, &a, &err) == 0);
    CHECK_STR(a.lifecycle, "expiring");
    CHECK_STR(a.currency, "EUR");
    CHECK_STR(a.sign_from, "2025-01-01");
    CHECK_STR(a.sign_to, "2025-12-31");
    CHECK_STR(a.start_from, "2026-01-01");
    CHECK_STR(a.start_to, "2026-01-01");
    CHECK_STR(a.end_from, "2026-02-01");
    CHECK_STR(a.end_to, "2026-03-01");
    CHECK(a.has_amount_min && a.amount_min == 0);
    CHECK(a.has_amount_max && a.amount_max == 1000000000000000LL);
    CHECK(a.sort == PACTA_SORT_END_DATE && a.desc == 1 && a.limit == 20);
    CHECK_STR(a.cursor, "abc");

    /* canonical: the filters in a fixed order, no paging or sort */
    json_t *f = pacta_list_filter_json(&a);
    char *text = json_dumps(f, JSON_COMPACT);
    CHECK_STR(text, "{\"owner\":\"ana\",\"lifecycle\":\"expiring\",\"currency\":\"EUR\","
                    "\"sign_from\":\"2025-01-01\",\"sign_to\":\"2025-12-31\","
                    "\"start_from\":\"2026-01-01\",\"start_to\":\"2026-01-01\","
                    "\"end_from\":\"2026-02-01\",\"end_to\":\"2026-03-01\",\"amount_min\":0,"
                    "\"amount_max\":1000000000000000}");
    free(text);
    /* ... which the filter decoder takes back as it is */
    struct pacta_list_args b;
    CHECK(pacta_decode_list_filter(f, &b, &err) == 0);
    CHECK_STR(b.end_to, "2026-03-01");
    CHECK(b.sort == PACTA_SORT_DEFAULT && b.limit == 0 && b.cursor == NULL);
    json_decref(f);
    json_t *s = pacta_list_sort_json(&a);
    text = json_dumps(s, JSON_COMPACT);
    CHECK_STR(text, "{\"key\":\"end_date\",\"order\":\"desc\"}");
    free(text);
    json_decref(s);
    json_decref(args);

    /* defaults: no sort is number asc, or relevance with q; null is absent */
    args = json_pack("{s:n, s:n, s:n}", "sort", "order", "lifecycle");
    REQUIRE(pacta_decode_list(args, &a, &err) == 0);
    CHECK(a.sort == PACTA_SORT_DEFAULT && !a.desc && !a.lifecycle);
    CHECK(a.limit == PACTA_LIST_DEFAULT_LIMIT);
    s = pacta_list_sort_json(&a);
    CHECK_STR(json_string_value(json_object_get(s, "key")), "number");
    json_decref(s);
    json_decref(args);
    args = json_pack("{s:s}", "q", "lift");
    REQUIRE(pacta_decode_list(args, &a, &err) == 0);
    s = pacta_list_sort_json(&a);
    CHECK_STR(json_string_value(json_object_get(s, "key")), "relevance");
    json_decref(s);
    json_decref(args);

    /* every sort name round-trips */
    for (int i = PACTA_SORT_NUMBER; i < PACTA_SORT__COUNT; i++)
        CHECK((int)pacta_list_sort_from_name(pacta_list_sort_name((enum pacta_list_sort)i)) == i);
    CHECK(pacta_list_sort_from_name("") == PACTA_SORT__COUNT);
    CHECK(pacta_list_sort_from_name(NULL) == PACTA_SORT__COUNT);
    CHECK_STR(pacta_list_sort_name(PACTA_SORT__COUNT), "");

    /* views.save */
    struct pacta_view_save_args v;
    args =
        json_pack("{s:s, s:{s:s, s:s}, s:{s:s, s:s}}", "name", "Ending soon", "filter", "lifecycle",
                  "expiring", "kind", "client", "sort", "key", "end_date", "order", "asc");
    REQUIRE(pacta_decode_view_save(args, &v, &err) == 0);
    CHECK_STR(v.name, "Ending soon");
    CHECK_STR(v.list.lifecycle, "expiring");
    CHECK_STR(v.list.kind, "client");
    CHECK(v.list.sort == PACTA_SORT_END_DATE && !v.list.desc);
    json_decref(args);
    args = json_pack("{s:s, s:{s:s}}", "name", "Search", "filter", "q", "lift");
    REQUIRE(pacta_decode_view_save(args, &v, &err) == 0);
    CHECK(v.list.sort == PACTA_SORT_DEFAULT);
    json_decref(args);
    const char *name;
    args = json_pack("{s:s}", "name", "Search");
    CHECK(pacta_decode_view_delete(args, &name, &err) == 0);
    CHECK_STR(name, "Search");
    json_decref(args);
}

int main(void)
{
    test_bad();
    test_good();
    return test_summary();
}
