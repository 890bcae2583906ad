/*
 * A q probe (db_list.c) is a walk that tests q in C on the rows the other
 * filters let through; the filters it leaves to SQL (an amount without a
 * currency, a filter whose index is not the walk's) can refuse every row
 * of the walk before q is tested once, so its VM step budget is what stops
 * it.  That budget is a multiple of the page: for a page of 1 or 2 it was
 * rounded down to 0, which turns the budget off, and such a probe read the
 * whole table whatever its cost (a walk planned without it has the walk's
 * budget).  Here such a probe must run out, as larger pages' probes do, and
 * the page stays what it is.
 */
#include "db_list.h"
#include "test_srv_db_util.h"

#define ROWS 600

static void test_small_page_probe_runs_out(struct tdb *t)
{
    for (int i = 0; i < ROWS; i++) {
        char number[16];
        snprintf(number, sizeof(number), "P-%04d", i);
        json_decref(t_create(t, "admin", t_contract_args(number, "Quay works", "client")));
    }
    for (int limit = 1; limit <= 3; limit++) {
        /* every amount is 0, and an amount without a currency has no
         * index: the walk refuses every row in SQL; q is on every row */
        struct pacta_list_args a = {.q = "quay",
                                    .has_amount_min = 1,
                                    .amount_min = 1,
                                    .sort = PACTA_SORT_TITLE,
                                    .limit = limit};
        sqlite3 *r = srv_db_reader_acquire(t->db);
        struct srv_list_explain e;
        struct pacta_error err;
        json_t *page = NULL;
        long out0, out1, probes0 = srv__list_probes(&out0);

        REQUIRE(srv__list_explain(r, &a, &e, &err) == 0);
        CHECKF(e.probe && e.plan == SRV_LIST_WALK, "limit %d: %s, probe %d", limit,
               srv__list_plan_name(e.plan), e.probe);
        srv__list_explain_clear(&e);
        REQUIRE(srv_db_read_contracts(r, &a, &page, &err) == 0);
        CHECK(json_array_size(json_object_get(page, "items")) == 0);
        CHECK(json_is_null(json_object_get(page, "next_cursor")));
        /* the page's read transaction ended with it, the interrupted
         * probe's statement included (a reader left in one would hold the
         * WAL back from every checkpoint) */
        CHECK(sqlite3_get_autocommit(r));
        json_decref(page);
        CHECK(srv__list_probes(&out1) == probes0 + 1);
        CHECKF(out1 == out0 + 1, "limit %d: the probe read all %d rows", limit, ROWS);
        srv_db_reader_release(t->db, r);
    }
}

int main(void)
{
    struct tdb t;

    t_open(&t);
    test_small_page_probe_runs_out(&t);
    t_close(&t);
    return t_finish();
}
