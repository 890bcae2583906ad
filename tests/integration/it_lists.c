/*
 * it_lists: contracts.list's filters and sort keys through a real server
 * (PROTOCOL.md §6.4, issue 7).
 *
 * On a server pinned to 2026-06-15 with a 30-day expiring window
 * (--thresholds 30,7): the lifecycle filter returns exactly the contracts
 * whose `lifecycle` member says so, and moves with the server's clock
 * (admin.clock.set); date and amount ranges, sort keys both ways with
 * keyset pages; a cursor reused with other filters is bad_request `cursor`;
 * every bad filter value is bad_request naming its field; a supplement's
 * reason is found by q.
 */
#include <string.h>

#include "harness.h"
#include "test.h"

/* The numbers of every page of a listing, space-separated, in *out. */
static void walk(struct ctl_client *c, const char *args_json, int limit, char *out, size_t len)
{
    json_t *cursor = NULL;
    size_t o = 0;

    out[0] = '\0';
    for (int guard = 0; guard < 100; guard++) {
        json_t *args = json_loads(args_json, 0, NULL);
        REQUIRE(args);
        json_object_set_new(args, "limit", json_integer(limit));
        if (cursor)
            json_object_set(args, "cursor", cursor);
        json_t *page = it_call(c, "contracts.list", args, NULL);
        json_decref(cursor);
        cursor = NULL;
        if (!page)
            break;
        json_t *items = json_object_get(page, "items");
        for (size_t i = 0; i < json_array_size(items) && o < len; i++)
            o += (size_t)snprintf(out + o, len - o, "%s%s", o ? " " : "",
                                  it_str(json_array_get(items, i), "number"));
        if (json_is_string(json_object_get(page, "next_cursor")))
            cursor = json_incref(json_object_get(page, "next_cursor"));
        json_decref(page);
        if (!cursor)
            break;
    }
    json_decref(cursor);
}

static void check_walk(struct ctl_client *c, const char *args, const char *want)
{
    char got[2048];

    for (int limit = 1; limit <= 50; limit += 49) {
        walk(c, args, limit, got, sizeof got);
        CHECKF(strcmp(got, want) == 0, "%s (limit %d):\n got  %s\n want %s", args, limit, got,
               want);
    }
}

static json_t *create(struct ctl_client *c, const char *number, const char *fields)
{
    json_t *f = json_loads(fields, 0, NULL);
    REQUIRE(f);
    json_object_set_new(f, "number", json_string(number));
    json_t *rec = it_contract_create(c, f);
    REQUIRE(rec);
    return rec;
}

/* Every bad filter value is bad_request with its field. */
static void test_bad_values(struct ctl_client *c)
{
    static const struct {
        const char *args, *field;
    } cases[] = {
        {"{\"lifecycle\":\"soon\"}", "lifecycle"},
        {"{\"currency\":\"EURO\"}", "currency"},
        {"{\"end_from\":\"2026-02-30\"}", "end_from"},
        {"{\"end_from\":\"2026-03-01\",\"end_to\":\"2026-02-01\"}", "end_to"},
        {"{\"start_to\":\"x\"}", "start_to"},
        {"{\"sign_from\":5}", "sign_from"},
        {"{\"amount_min\":100}", "currency"},
        {"{\"currency\":\"EUR\",\"amount_min\":-5}", "amount_min"},
        {"{\"currency\":\"EUR\",\"amount_min\":9,\"amount_max\":8}", "amount_max"},
        {"{\"sort\":\"size\"}", "sort"},
        {"{\"sort\":\"relevance\"}", "sort"},
        {"{\"order\":\"sideways\"}", "order"},
        {"{\"q\":\"lift\",\"order\":\"desc\"}", "order"},
        {"{\"cursor\":\"bm90IGEgY3Vyc29y\"}", "cursor"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *err = it_call_err(c, "contracts.list", json_loads(cases[i].args, 0, NULL));
        CHECKF(err && strcmp(it_err_code(err), "bad_request") == 0 &&
                   strcmp(it_err_field(err), cases[i].field) == 0,
               "%s: %s %s", cases[i].args, it_err_code(err), it_err_field(err));
        json_decref(err);
    }
}

int main(void)
{
    static const char *const extra[] = {"--fake-now", "2026-06-15T12:00:00Z", "--thresholds",
                                        "30,7", NULL};
    it_setup("it_lists");
    struct it_server *srv = it_server_start(extra);
    it_create_role_users(srv);
    struct ctl_client *ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    struct ctl_client *vi = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    struct ctl_client *admin = it_login_admin(srv);

    /* today 2026-06-15, window 30 days: until 2026-07-15.  No two share a
     * sort key the walks below use (ties go by id, which is random).  A-5 is
     * a draft past its end: expired by its dates and no business of the
     * expiry scheduler (an active one would be expired by it meanwhile). */
    json_t *recs[] = {
        create(ed, "A-1",
               "{\"title\":\"beta lift\",\"status\":\"active\",\"start_date\":\"2026-01-01\","
               "\"end_date\":\"2026-06-20\",\"currency\":\"EUR\",\"amount_cents\":500}"),
        create(ed, "A-2",
               "{\"title\":\"Alpha\",\"status\":\"active\",\"start_date\":\"2026-01-02\","
               "\"end_date\":\"2026-07-15\",\"currency\":\"EUR\",\"amount_cents\":900}"),
        create(ed, "A-3",
               "{\"title\":\"gamma\",\"status\":\"active\",\"start_date\":\"2026-02-01\",\"end_"
               "date\":\"2026-07-16\","
               "\"currency\":\"USD\",\"amount_cents\":900}"),
        create(ed, "A-4",
               "{\"title\":\"Delta\",\"status\":\"draft\",\"start_date\":\"2026-07-01\","
               "\"end_date\":\"2027-01-01\",\"currency\":\"EUR\",\"amount_cents\":100}"),
        create(ed, "A-5",
               "{\"title\":\"epsilon\",\"status\":\"draft\",\"start_date\":\"2026-03-01\","
               "\"end_date\":\"2026-06-01\",\"currency\":\"EUR\",\"amount_cents\":300}"),
        create(ed, "A-6",
               "{\"title\":\"zeta\",\"status\":\"terminated\",\"end_date\":\"2025-01-01\","
               "\"currency\":\"RON\"}"),
        create(ed, "A-7",
               "{\"title\":\"Eta\",\"status\":\"active\",\"start_date\":\"2026-04-01\",\"end_"
               "date\":\"2026-06-30\","
               "\"renewal\":\"evergreen\",\"currency\":\"EUR\",\"amount_cents\":700}"),
        create(ed, "A-8", "{\"title\":\"theta\",\"status\":\"active\",\"currency\":\"EUR\"}"),
    };
    const size_t nrecs = sizeof recs / sizeof recs[0];

    /* the lifecycle filter agrees with each record's lifecycle member */
    static const char *const lifecycles[] = {"upcoming", "active",     "expiring",
                                             "expired",  "terminated", "unknown"};
    for (size_t l = 0; l < 6; l++) {
        char want[256] = "", args[64];
        for (size_t i = 0; i < nrecs; i++) {
            json_t *cur = it_contract_get(vi, it_str(recs[i], "id"));
            if (cur && strcmp(it_str(cur, "lifecycle"), lifecycles[l]) == 0)
                snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s",
                         want[0] ? " " : "", it_str(cur, "number"));
            json_decref(cur);
        }
        snprintf(args, sizeof args, "{\"lifecycle\":\"%s\"}", lifecycles[l]);
        check_walk(vi, args, want);
    }
    check_walk(vi, "{\"lifecycle\":\"expiring\"}", "A-1 A-2");
    check_walk(vi, "{\"lifecycle\":\"expired\"}", "A-5");
    check_walk(vi, "{\"lifecycle\":\"unknown\"}", "A-8");
    check_walk(vi, "{\"lifecycle\":\"upcoming\"}", "A-4");
    check_walk(vi, "{\"lifecycle\":\"active\"}", "A-3 A-7");

    /* ranges, currency, sorts both ways */
    check_walk(vi, "{\"end_from\":\"2026-06-15\",\"end_to\":\"2026-07-15\"}", "A-1 A-2 A-7");
    check_walk(vi, "{\"end_to\":\"2026-06-30\",\"sort\":\"end_date\",\"order\":\"desc\"}",
               "A-7 A-1 A-5 A-6");
    check_walk(vi,
               "{\"currency\":\"EUR\",\"amount_min\":300,\"amount_max\":900,\"sort\":\"amount\"}",
               "A-5 A-1 A-7 A-2");
    check_walk(vi, "{\"sort\":\"title\"}", "A-2 A-1 A-4 A-5 A-7 A-3 A-8 A-6");
    check_walk(vi, "{\"sort\":\"end_date\"}", "A-6 A-5 A-1 A-7 A-2 A-3 A-4 A-8");
    check_walk(vi, "{\"sort\":\"end_date\",\"order\":\"desc\"}", "A-8 A-4 A-3 A-2 A-7 A-1 A-5 A-6");
    check_walk(vi, "{\"sort\":\"amount\",\"order\":\"desc\",\"kind\":\"supplier\"}", "");
    check_walk(vi, "{\"status\":\"active\",\"sort\":\"start_date\",\"order\":\"desc\"}",
               "A-8 A-7 A-3 A-2 A-1");

    /* the clock moves the lifecycle: six days later A-1 has expired (not
     * seven: the logins' tokens live 7 days and would end) */
    json_t *r =
        it_call(admin, "admin.clock.set", json_pack("{s:s}", "now", "2026-06-21T12:00:00Z"), NULL);
    REQUIRE(r);
    json_decref(r);
    check_walk(vi, "{\"lifecycle\":\"expired\"}", "A-1 A-5");
    check_walk(vi, "{\"lifecycle\":\"expiring\"}", "A-2 A-3");

    /* a cursor belongs to its listing */
    json_t *page =
        it_call(vi, "contracts.list", json_pack("{s:s, s:i}", "sort", "title", "limit", 2), NULL);
    REQUIRE(page && json_is_string(json_object_get(page, "next_cursor")));
    json_t *err = it_call_err(
        vi, "contracts.list",
        json_pack("{s:s, s:O}", "sort", "number", "cursor", json_object_get(page, "next_cursor")));
    CHECK_STR(it_err_code(err), "bad_request");
    CHECK_STR(it_err_field(err), "cursor");
    json_decref(err);
    err = it_call_err(vi, "contracts.list",
                      json_pack("{s:s, s:s, s:O}", "sort", "title", "kind", "client", "cursor",
                                json_object_get(page, "next_cursor")));
    CHECK_STR(it_err_field(err), "cursor");
    json_decref(err);
    json_decref(page);

    /* a supplement's reason finds its contract */
    r = it_contract_update(ed, it_str(recs[2], "id"), it_int(recs[2], "version"),
                           json_pack("{s:I}", "amount_cents", (json_int_t)950),
                           "indexare anuală Ianuarie", NULL);
    REQUIRE(r);
    json_decref(r);
    check_walk(vi, "{\"q\":\"indexare\"}", "A-3");
    check_walk(vi, "{\"q\":\"anuala\",\"sort\":\"amount\"}", "A-3");

    test_bad_values(vi);

    for (size_t i = 0; i < nrecs; i++)
        json_decref(recs[i]);
    ctl_client_close(admin);
    ctl_client_close(vi);
    ctl_client_close(ed);
    return it_done(test_summary());
}
