/*
 * contracts.list's planner sizes its walks by isqrt(page * largest rowid)
 * (db_list_plan.c).  The rowid is the file's: pactad only ever makes
 * consecutive ones, but a restored or hand-edited file may hold a contract
 * at a rowid near 2^63, where that product overflowed (undefined
 * behaviour) and the root was found by counting up to it, one step per
 * unit (seconds of CPU for a rowid of 10^15).  Here: the bound against an
 * independently computed root over the whole range, and a list over such a
 * file that still finds every contract.
 */
#include <math.h>

#include "db_list-private.h"
#include "test_srv_db_util.h"

/* isqrt(need * rows) in long double, clamped as the planner clamps it. */
static long expected(long need, long rows)
{
    long double v = sqrtl((long double)need * (long double)rows);
    long x = v > (long double)MAX_BOUND ? MAX_BOUND : (long)v;
    while (x < MAX_BOUND && (long double)(x + 1) * (x + 1) <= (long double)need * rows)
        x++;
    while ((long double)x * x > (long double)need * rows)
        x--;
    return x < MIN_BOUND ? MIN_BOUND : x;
}

static void test_bound(void)
{
    static const long needs[] = {1, 2, 3, 51, 101, 501, 50000, 50001, 1000000};
    static const long rows[] = {1,
                                2,
                                63,
                                4095,
                                4096,
                                4097,
                                1000000,
                                2500000000L / 51,
                                49019608,
                                49019609,
                                1000000000L,
                                1000000000000000L,
                                INT64_MAX - 1,
                                INT64_MAX};
    for (size_t i = 0; i < sizeof needs / sizeof needs[0]; i++)
        for (size_t j = 0; j < sizeof rows / sizeof rows[0]; j++)
            CHECKF(srv__list_bound(needs[i], rows[j]) == expected(needs[i], rows[j]),
                   "need %ld rows %ld: %ld, not %ld", needs[i], rows[j],
                   srv__list_bound(needs[i], rows[j]), expected(needs[i], rows[j]));
    /* every perfect square and its neighbours up to the clamp */
    for (long x = MIN_BOUND - 2; x <= MAX_BOUND + 2; x += 997)
        for (long d = -1; d <= 1; d++)
            CHECK(srv__list_bound(1, x * x + d) == expected(1, x * x + d));
    CHECK(srv__list_bound(0, 1000) == MIN_BOUND && srv__list_bound(51, 0) == MIN_BOUND);
}

static void test_huge_rowid(struct tdb *t)
{
    char numbers[4096];
    for (int i = 0; i < 300; i++) {
        char number[16];
        snprintf(number, sizeof number, "H-%03d", i);
        json_decref(t_create(t, "admin", t_contract_args(number, "Harbour works", "client")));
    }
    /* the last one moves to the largest rowid there is (the file poked
     * while the server's store is closed, as a restore would bring it) */
    char err[256] = "";
    t_close_db(t);
    sqlite3 *w = t_raw(t);
    REQUIRE(sqlite3_exec(w,
                         "UPDATE contracts SET rowid = 9223372036854775807 WHERE number = 'H-299'",
                         NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(w);
    REQUIRE(t_open_at(t, err, sizeof err) == 0);
    /* kind has an index, so the planner sizes a walk on it */
    struct pacta_list_args a = {.kind = "client", .limit = 50};
    t_list_numbers(t, a, numbers, sizeof numbers, 20);
    CHECK(strstr(numbers, "H-000") && strstr(numbers, "H-299"));
    size_t n = 0;
    for (const char *p = numbers; (p = strstr(p, "H-")); p++)
        n++;
    CHECKF(n == 300, "%zu of 300 contracts listed", n);
}

int main(void)
{
    struct tdb t;

    test_bound();
    t_open(&t);
    test_huge_rowid(&t);
    t_close(&t);
    return t_finish();
}
