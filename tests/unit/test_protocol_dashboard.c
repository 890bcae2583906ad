/*
 * The dashboard codec of libpacta-protocol (pacta/dashboard.h): what the
 * server encodes, a client decodes to the same figures; a missing or
 * ill-typed member is refused naming it; unknown members are ignored;
 * the arguments of stats.dashboard and dashboard.watch are strict.
 */
#include <string.h>

#include <pacta/dashboard.h>

#include "test.h"

static void fill(struct pacta_dashboard *d, struct pacta_dashboard_value *values)
{
    memset(d, 0, sizeof *d);
    strcpy(d->today, "2026-11-22");
    d->as_of_seq = 1042;
    d->window_days = 90;
    d->total = 17;
    d->by_status[PACTA_DASH_DRAFT] = 3;
    d->by_status[PACTA_DASH_ACTIVE] = 10;
    d->by_status[PACTA_DASH_EXPIRED] = 2;
    d->by_status[PACTA_DASH_TERMINATED] = 2;
    d->by_lifecycle[PACTA_DASH_LC_UPCOMING] = 1;
    d->by_lifecycle[PACTA_DASH_LC_ACTIVE] = 7;
    d->by_lifecycle[PACTA_DASH_LC_EXPIRING] = 3;
    d->by_lifecycle[PACTA_DASH_LC_EXPIRED] = 2;
    d->by_lifecycle[PACTA_DASH_LC_TERMINATED] = 2;
    d->by_lifecycle[PACTA_DASH_LC_UNKNOWN] = 2;
    d->by_kind[PACTA_DASH_CLIENT] = 9;
    d->by_kind[PACTA_DASH_SUPPLIER] = 8;
    d->expiring[0] = 1;
    d->expiring[1] = 2;
    d->expiring[2] = 3;
    d->notice_due = 4;
    d->notice_passed = 1;
    memset(values, 0, 2 * sizeof *values);
    strcpy(values[0].currency, "EUR");
    values[0].contracts = 9;
    strcpy(values[0].amount_cents, "123456789012345678901234"); /* past 2^63 */
    strcpy(values[1].currency, "RON");
    values[1].contracts = 1;
    strcpy(values[1].amount_cents, "0");
    d->values = values;
    d->n_values = 2;
    d->n_recent = 2;
    d->recent[0].seq = 1042;
    strcpy(d->recent[0].event, "contract.updated");
    strcpy(d->recent[0].contract_id, "0193a5f2-7c1e-7b3a-9f00-1a2b3c4d5e6f");
    strcpy(d->recent[0].number, "C-2026-001");
    strcpy(d->recent[0].title, "Curățenie scări");
    strcpy(d->recent[0].actor, "ana");
    strcpy(d->recent[0].at, "2026-11-22T14:02:03.123Z");
    d->recent[1].seq = 1000;
    strcpy(d->recent[1].event, "server.reset");
    strcpy(d->recent[1].actor, "admin");
    strcpy(d->recent[1].at, "2026-11-22T14:00:00.000Z");
}

static void test_round_trip(void)
{
    struct pacta_dashboard d, back;
    struct pacta_dashboard_value values[2];
    struct pacta_error err = {0};

    fill(&d, values);
    json_t *j = pacta_dashboard_to_json(&d);
    REQUIRE(j);
    /* the wire shape PROTOCOL.md shows */
    CHECK(json_integer_value(json_object_get(json_object_get(j, "by_status"), "active")) == 10);
    CHECK(json_integer_value(json_object_get(json_object_get(j, "notice"), "days")) == 30);
    CHECK(json_integer_value(
              json_object_get(json_array_get(json_object_get(j, "expiring"), 2), "days")) == 90);
    CHECK(json_is_string(json_object_get(json_array_get(json_object_get(j, "value_by_currency"), 0),
                                         "amount_cents")));
    CHECK(json_is_null(
        json_object_get(json_array_get(json_object_get(j, "recent_changes"), 1), "contract_id")));

    CHECK(pacta_dashboard_from_json(j, &back, &err) == 0);
    CHECK_STR(back.today, "2026-11-22");
    CHECK(back.as_of_seq == 1042 && back.window_days == 90 && back.total == 17);
    CHECK(memcmp(back.by_status, d.by_status, sizeof d.by_status) == 0);
    CHECK(memcmp(back.by_lifecycle, d.by_lifecycle, sizeof d.by_lifecycle) == 0);
    CHECK(memcmp(back.by_kind, d.by_kind, sizeof d.by_kind) == 0);
    CHECK(memcmp(back.expiring, d.expiring, sizeof d.expiring) == 0);
    CHECK(back.notice_due == 4 && back.notice_passed == 1);
    REQUIRE(back.n_values == 2);
    CHECK_STR(back.values[0].currency, "EUR");
    CHECK_STR(back.values[0].amount_cents, "123456789012345678901234");
    CHECK(back.values[0].contracts == 9);
    CHECK_STR(back.values[1].amount_cents, "0");
    REQUIRE(back.n_recent == 2);
    CHECK_STR(back.recent[0].title, "Curățenie scări");
    CHECK_STR(back.recent[0].contract_id, "0193a5f2-7c1e-7b3a-9f00-1a2b3c4d5e6f");
    CHECK(back.recent[1].contract_id[0] == '\0' && back.recent[1].number[0] == '\0');
    CHECK(back.recent[1].seq == 1000);
    pacta_dashboard_clear(&back);
    CHECK(back.values == NULL);

    /* members a newer server may add are ignored */
    json_object_set_new(j, "something_new", json_pack("{s:i}", "x", 1));
    json_object_set_new(json_object_get(j, "by_status"), "archived", json_integer(5));
    CHECK(pacta_dashboard_from_json(j, &back, &err) == 0);
    pacta_dashboard_clear(&back);
    json_decref(j);
}

/* Each case breaks one member of a valid object; the error names it. */
static void test_refusals(void)
{
    static const struct {
        const char *path, *sub; /* object member, and a member inside it (or NULL) */
        const char *json;       /* the new value */
        const char *field;
    } cases[] = {
        {"today", NULL, "\"22.11.2026\"", "today"},
        {"today", NULL, "null", "today"},
        {"as_of_seq", NULL, "-1", "as_of_seq"},
        {"total", NULL, "1.5", "total"},
        {"lifecycle_window_days", NULL, "4000", "lifecycle_window_days"},
        {"by_status", NULL, "[]", "by_status"},
        {"by_status", "active", "\"10\"", "by_status.active"},
        {"by_lifecycle", "expiring", "null", "by_lifecycle.expiring"},
        {"by_kind", "supplier", "-2", "by_kind.supplier"},
        {"expiring", NULL, "[]", "expiring"},
        {"notice", NULL, "3", "notice"},
        {"notice", "passed", "true", "notice.passed"},
        {"value_by_currency", NULL, "{}", "value_by_currency"},
        {"recent_changes", NULL, "[1]", "recent_changes"},
    };
    struct pacta_dashboard d;
    struct pacta_dashboard_value values[2];

    fill(&d, values);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *j = pacta_dashboard_to_json(&d);
        json_t *v = json_loads(cases[i].json, JSON_DECODE_ANY, NULL);
        struct pacta_dashboard back;
        struct pacta_error err = {0};
        REQUIRE(v);
        if (cases[i].sub)
            json_object_set_new(json_object_get(j, cases[i].path), cases[i].sub, v);
        else
            json_object_set_new(j, cases[i].path, v);
        CHECKF(pacta_dashboard_from_json(j, &back, &err) == -PACTA_BAD_REQUEST, "case %zu", i);
        CHECKF(strcmp(err.field, cases[i].field) == 0, "case %zu: field %s", i, err.field);
        pacta_dashboard_clear(&back);
        json_decref(j);
    }

    /* inside the arrays */
    static const struct {
        const char *array, *member, *json, *field;
    } inner[] = {
        {"value_by_currency", "amount_cents", "12", "value_by_currency.amount_cents"},
        {"value_by_currency", "amount_cents", "\"-12\"", "value_by_currency.amount_cents"},
        {"value_by_currency", "amount_cents", "\"012\"", "value_by_currency.amount_cents"},
        {"value_by_currency", "currency", "\"EURO\"", "value_by_currency.currency"},
        {"recent_changes", "seq", "\"1\"", "recent_changes.seq"},
        {"recent_changes", "actor", "null", "recent_changes.actor"},
        {"recent_changes", "number", "7", "recent_changes.number"},
        {"expiring", "days", "31", "expiring.days"},
    };
    for (size_t i = 0; i < sizeof inner / sizeof inner[0]; i++) {
        json_t *j = pacta_dashboard_to_json(&d);
        struct pacta_dashboard back;
        struct pacta_error err = {0};
        json_object_set_new(json_array_get(json_object_get(j, inner[i].array), 0), inner[i].member,
                            json_loads(inner[i].json, JSON_DECODE_ANY, NULL));
        CHECKF(pacta_dashboard_from_json(j, &back, &err) == -PACTA_BAD_REQUEST, "inner %zu", i);
        CHECKF(strcmp(err.field, inner[i].field) == 0, "inner %zu: field %s", i, err.field);
        pacta_dashboard_clear(&back);
        json_decref(j);
    }

    struct pacta_dashboard back;
    struct pacta_error err = {0};
    json_t *arr = json_array();
    CHECK(pacta_dashboard_from_json(arr, &back, &err) == -PACTA_BAD_REQUEST);
    pacta_dashboard_clear(&back);
    json_decref(arr);
}

static void test_newer(void)
{
    struct pacta_dashboard a = {0}, b = {0};
    strcpy(a.today, "2026-11-22");
    strcpy(b.today, "2026-11-22");
    a.as_of_seq = 5;
    b.as_of_seq = 6;
    CHECK(pacta_dashboard_newer(&a, &b) == 1);
    CHECK(pacta_dashboard_newer(&b, &a) == 0);
    b.as_of_seq = 5;
    CHECK(pacta_dashboard_newer(&a, &b) == 0); /* the same figures */
    strcpy(b.today, "2026-11-23");
    CHECK(pacta_dashboard_newer(&a, &b) == 1); /* the day moved on */
}

static void test_args(void)
{
    struct pacta_error err = {0};
    int on = -1;
    json_t *a = json_object();
    CHECK(pacta_decode_stats_dashboard(a, &err) == 0);
    json_object_set_new(a, "days", json_integer(30));
    CHECK(pacta_decode_stats_dashboard(a, &err) == -PACTA_BAD_REQUEST);
    CHECK_STR(err.field, "days");
    json_decref(a);

    static const struct {
        const char *json;
        int rc, on;
        const char *field;
    } cases[] = {
        {"{\"on\":true}", 0, 1, ""},
        {"{\"on\":false}", 0, 0, ""},
        {"{}", -PACTA_BAD_REQUEST, 0, "on"},
        {"{\"on\":null}", -PACTA_BAD_REQUEST, 0, "on"},
        {"{\"on\":1}", -PACTA_BAD_REQUEST, 0, "on"},
        {"{\"on\":true,\"every\":2}", -PACTA_BAD_REQUEST, 0, "every"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *args = json_loads(cases[i].json, 0, NULL);
        memset(&err, 0, sizeof err);
        int rc = pacta_decode_dashboard_watch(args, &on, &err);
        CHECKF(rc == cases[i].rc, "watch case %zu: rc %d", i, rc);
        if (rc == 0)
            CHECK(on == cases[i].on);
        else
            CHECK_STR(err.field, cases[i].field);
        json_decref(args);
    }
    CHECK_STR(pacta_dashboard_lifecycle_name(PACTA_DASH_LC_EXPIRING), "expiring");
    CHECK_STR(pacta_dashboard_status_name(PACTA_DASH_STATUS__COUNT), "");
    CHECK_STR(pacta_op_name(PACTA_OP_STATS_DASHBOARD), "stats.dashboard");
    CHECK(pacta_op_min_role(PACTA_OP_DASHBOARD_WATCH) == PACTA_ROLE_VIEWER);
}

int main(void)
{
    test_round_trip();
    test_refusals();
    test_newer();
    test_args();
    return test_summary();
}
