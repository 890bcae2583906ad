/*
 * contracts.list ranked by relevance (q, sort relevance) when the search
 * index ranks its hits alone and only the first of them are read as rows
 * (db_list.c, RANKED): every page walk gives exactly the order a full
 * ranking gives — by bm25, ties in creation order — whatever share of the
 * first hits the other filters (kind, deleted) refuse, at any page size.
 *
 * The fixture makes the ranking known without asking SQLite: contract i has
 * 1 + i % 4 words "alpha" in a description of four words and every other
 * column alike, so the contracts rank in four groups (most "alpha" first)
 * and, inside a group, by creation (i).
 */
#include "db_list.h"
#include "test_srv_db_util.h"

#define N 240

static int tf(int i)
{
    return 1 + i % 4;
}

/* Which contracts are suppliers, and which get deleted, per case. */
enum pick { NONE, LOWEST_GROUP, HALF_TOP_AND_SOME, DELETED_TOP };

static int is_supplier(enum pick pick, int i)
{
    switch (pick) {
    case LOWEST_GROUP: /* every first hit is refused */
        return tf(i) == 1;
    case HALF_TOP_AND_SOME: /* half of the top group, a few further down */
        return (tf(i) == 4 && i % 8 == 3) || (tf(i) == 2 && i % 16 == 1);
    default:
        return 0;
    }
}

static int is_deleted(int i)
{
    return tf(i) == 4 && i < 200; /* 50 of the top group's 60 */
}

/* The expected numbers, space-separated: the contracts `keep` keeps, by
 * tf descending then i. */
static void expected(int (*keep)(enum pick, int), enum pick pick, char *out, size_t len)
{
    size_t o = 0;
    out[0] = '\0';
    for (int g = 4; g >= 1; g--)
        for (int i = 0; i < N; i++)
            if (tf(i) == g && keep(pick, i))
                o += (size_t)snprintf(out + o, len - o, "%sR-%03d", o ? " " : "", i);
}

static int keep_all(enum pick pick, int i)
{
    (void)pick;
    (void)i;
    return 1;
}

static int keep_not_deleted(enum pick pick, int i)
{
    (void)pick;
    return !is_deleted(i);
}

static void make(struct tdb *t, enum pick pick, json_t *recs[N])
{
    for (int i = 0; i < N; i++) {
        char number[16], desc[64] = "";
        snprintf(number, sizeof number, "R-%03d", i);
        for (int w = 0; w < 4; w++)
            strcat(desc, w < tf(i) ? "alpha " : "filler ");
        desc[strlen(desc) - 1] = '\0';
        recs[i] = t_create(t, "admin",
                           json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "number", number, "title",
                                     "Ranked", "counterparty", "Omega Co", "kind",
                                     is_supplier(pick, i) ? "supplier" : "client", "currency",
                                     "EUR", "description", desc));
        REQUIRE(recs[i] != NULL);
    }
}

static void check_walk(struct tdb *t, struct pacta_list_args a, const char *want, const char *what)
{
    static char got[N * 8];
    static const int limits[] = {1, 5, 7, 50, 500};

    for (size_t l = 0; l < sizeof limits / sizeof *limits; l++) {
        a.limit = limits[l];
        t_list_numbers(t, a, got, sizeof got, N + 2);
        CHECKF(strcmp(got, want) == 0, "%s, pages of %d:\n got  %.200s\n want %.200s", what,
               limits[l], got, want);
    }
}

static void test_filters_refuse_first_hits(void)
{
    static char want[N * 8];
    struct tdb t;
    json_t *recs[N];

    /* no filter: the full ranking; kind: the first hits all refused, or half of them */
    for (enum pick pick = NONE; pick <= HALF_TOP_AND_SOME; pick++) {
        t_open(&t);
        make(&t, pick, recs);
        expected(keep_all, NONE, want, sizeof want);
        check_walk(&t, (struct pacta_list_args){.q = "alph"}, want, "every hit");
        if (pick != NONE) {
            expected(is_supplier, pick, want, sizeof want);
            check_walk(&t, (struct pacta_list_args){.q = "alph", .kind = "supplier"}, want,
                       pick == LOWEST_GROUP ? "suppliers, lowest group" : "suppliers, half");
        }
        for (int i = 0; i < N; i++)
            json_decref(recs[i]);
        t_close(&t);
    }
}

static void test_deleted_first_hits(void)
{
    static char want[N * 8];
    struct tdb t;
    json_t *recs[N];

    t_open(&t);
    make(&t, NONE, recs);
    for (int i = 0; i < N; i++)
        if (is_deleted(i))
            CHECK(t_write_code(&t, SRV_W_CONTRACT_DELETE, "admin",
                               json_pack("{s:s, s:I}", "id", t_str(recs[i], "id"), "version",
                                         t_int(recs[i], "version"))) == PACTA_OK);
    expected(keep_not_deleted, NONE, want, sizeof want);
    check_walk(&t, (struct pacta_list_args){.q = "alph"}, want, "deleted top hits");
    expected(keep_all, NONE, want, sizeof want);
    check_walk(&t, (struct pacta_list_args){.q = "alph", .include_deleted = 1}, want,
               "include_deleted");
    /* nothing matches: an empty page, no cursor */
    check_walk(&t, (struct pacta_list_args){.q = "alph", .kind = "supplier"}, "", "no supplier");
    for (int i = 0; i < N; i++)
        json_decref(recs[i]);
    t_close(&t);
}

int main(void)
{
    test_filters_refuse_first_hits();
    test_deleted_first_hits();
    return t_finish();
}
