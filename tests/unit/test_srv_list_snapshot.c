/*
 * contracts.list reads a page with several statements (the planner's
 * counts, then the page, again for RANGE's re-reads, a probe's re-plan):
 * they must all see the same database, or a count taken before a write
 * decides what a statement after it returns.
 *
 * RANGE (db_list.c) stops taking more entries once it has taken as many as
 * the range's count; when contracts enter the range between that count and
 * the page, the page ended early and said it was the last: contracts that
 * matched all along were never listed.  Here writes land exactly between
 * the two (from a trace callback on the reader, as the page's statement
 * starts), and every contract that matched before the walk must come back
 * exactly once.
 */
#include "db_list.h"
#include "test_srv_db_util.h"

#define IN_RANGE 51 /* the page's limit + 1: one statement takes them all */
#define LIMIT 50
#define ENTERING 5

static struct tdb *cur;
static int armed, fired;

static json_t *contract(const char *number, const char *title)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "number", number, "title", title,
                     "counterparty", "Acme Ltd", "kind", "client", "currency", "EUR", "end_date",
                     "2030-06-30");
}

/* When the page's RANGE statement starts (it alone reads contracts NOT
 * INDEXED), contracts enter the range before every one already there. */
static int on_stmt(unsigned type, void *ctx, void *stmt, void *x)
{
    const char *sql = sqlite3_sql(stmt);

    (void)type;
    (void)ctx;
    (void)x;
    if (!armed || !sql || !strstr(sql, "NOT INDEXED"))
        return 0;
    armed = 0;
    for (int i = 0; i < ENTERING; i++) {
        char number[16];
        snprintf(number, sizeof(number), "R-0%02d", i);
        json_decref(t_create(cur, "admin", contract(number, "Quay")));
    }
    fired = 1;
    return 0;
}

static void test_range_count_then_writes(struct tdb *t)
{
    struct pacta_list_args a = {.limit = LIMIT, .end_from = "2030-01-01", .text = "q"};
    json_t *seen = json_object();
    char *cursor = NULL;
    int pages = 0, want = 0;

    /* 51 in the range, one in three without a "q" (the text filter refuses
     * it after the range's entries are taken) */
    for (int i = 0; i < IN_RANGE; i++) {
        char number[16];
        snprintf(number, sizeof(number), "R-%03d", 100 + i);
        json_decref(t_create(t, "admin", contract(number, i % 3 ? "Quay" : "Dock")));
        want += i % 3 != 0;
    }
    for (int i = 0; i < 20; i++) { /* others, outside the range */
        char number[16];
        snprintf(number, sizeof(number), "A-%03d", i);
        json_t *args = contract(number, "Quay");
        json_object_set_new(args, "end_date", json_string("2026-01-01"));
        json_decref(t_create(t, "admin", args));
    }

    sqlite3 *r = srv_db_reader_acquire(t->db);
    struct srv_list_explain e;
    struct pacta_error err;

    REQUIRE(srv__list_explain(r, &a, &e, &err) == 0);
    CHECKF(e.plan == SRV_LIST_RANGE, "plan %s, want range", srv__list_plan_name(e.plan));
    srv__list_explain_clear(&e);

    cur = t;
    armed = 1;
    sqlite3_trace_v2(r, SQLITE_TRACE_STMT, on_stmt, NULL);
    do {
        json_t *page = NULL, *it;
        size_t i;

        a.cursor = cursor;
        REQUIRE(srv_db_read_contracts(r, &a, &page, &err) == 0);
        CHECK(sqlite3_get_autocommit(r)); /* its read transaction ended */
        json_array_foreach(json_object_get(page, "items"), i, it)
        {
            json_int_t n = json_integer_value(json_object_get(seen, t_str(it, "number")));
            json_object_set_new(seen, t_str(it, "number"), json_integer(n + 1));
        }
        free(cursor);
        cursor = json_is_string(json_object_get(page, "next_cursor"))
                     ? strdup(t_str(page, "next_cursor"))
                     : NULL;
        json_decref(page);
    } while (cursor && ++pages < 20);
    sqlite3_trace_v2(r, 0, NULL, NULL);
    srv_db_reader_release(t->db, r);
    CHECK(fired);

    /* every contract that matched before the walk, exactly once */
    for (int i = 0; i < IN_RANGE; i++) {
        char number[16];
        snprintf(number, sizeof(number), "R-%03d", 100 + i);
        json_int_t n = json_integer_value(json_object_get(seen, number));
        CHECKF(n == (i % 3 ? 1 : 0), "%s seen %lld times", number, (long long)n);
    }
    printf("%d matched before the walk, %zu listed (%d entered meanwhile)\n", want,
           json_object_size(seen), ENTERING);
    json_decref(seen);
}

/* A caller in a transaction of its own (an export's snapshot) keeps it:
 * the page neither commits nor nests one. */
static void test_caller_transaction(struct tdb *t)
{
    sqlite3 *r = srv_db_reader_acquire(t->db);
    struct pacta_list_args a = {.limit = 5, .end_from = "2030-01-01", .text = "q"};
    struct pacta_error err;
    json_t *page = NULL;

    REQUIRE(sqlite3_exec(r, "BEGIN", NULL, NULL, NULL) == SQLITE_OK);
    CHECK(srv_db_read_contracts(r, &a, &page, &err) == 0);
    CHECK(json_array_size(json_object_get(page, "items")) == 5);
    CHECK(!sqlite3_get_autocommit(r));
    CHECK(sqlite3_exec(r, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
    json_decref(page);
    srv_db_reader_release(t->db, r);
}

int main(void)
{
    struct tdb t;

    t_open(&t);
    test_range_count_then_writes(&t);
    test_caller_transaction(&t);
    t_close(&t);
    return t_finish();
}
