/*
 * contracts.list `q` is split on spaces into words (PROTOCOL.md §6.4), and
 * a space is what the protocol calls one (protocol/src/text.c: a `q` of
 * only those is "blank"): the no-break space a copy from a document brings,
 * the thin and ideographic spaces, not only U+0020.  Split on U+0020 alone,
 * "asoc<NBSP>lift" was one word, whose tokens FTS5 then wants next to each
 * other: it found nothing where "asoc lift" finds the contract.  Both ways
 * of testing q (the search index, and the row test of a q probe) split the
 * same way, and agree with each other.
 */
#include "db_list.h"
#include "db_list-private.h"
#include "test_srv_db_util.h"

static const char *const spaces[] = {
    " ",            /* U+0020 */
    "\xc2\xa0",     /* U+00A0 no-break space */
    "\xe2\x80\x89", /* U+2009 thin space */
    "\xe2\x80\xaf", /* U+202F narrow no-break space */
    "\xe3\x80\x80", /* U+3000 ideographic space */
    "\xe2\x80\x8b", /* U+200B zero width space */
};

/* The numbers of every page of a listing, space-separated. */
static void list(struct tdb *t, struct pacta_list_args a, char *out, size_t len)
{
    t_list_numbers(t, a, out, len, 20);
}

static json_t *contract(const char *number, const char *title, const char *counterparty)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "number", number, "title", title, "counterparty",
                     counterparty, "kind", "client", "currency", "EUR");
}

int main(void)
{
    struct tdb t;

    t_open(&t);
    json_decref(
        t_create(&t, "admin", contract("C-1", "Întreținere lift", "Asociația de proprietari")));
    json_decref(t_create(&t, "admin", contract("C-2", "Lift asociat", "Otis")));
    json_decref(t_create(&t, "admin", contract("C-3", "Curățenie", "Asociația Nord")));

    for (size_t s = 0; s < sizeof(spaces) / sizeof(spaces[0]); s++) {
        char q[64], got[256];
        snprintf(q, sizeof(q), "asoc%slift", spaces[s]);
        /* relevance (the search index), a sort key (a q probe), a forced
         * seek (the search index with a sort key) */
        for (int way = 0; way < 3; way++) {
            struct pacta_list_args a = {.q = q,
                                        .sort = way ? PACTA_SORT_NUMBER : PACTA_SORT_DEFAULT};
            srv__list_force(way == 2 ? SRV_LIST_FORCE_SEEK : SRV_LIST_AUTO);
            list(&t, a, got, sizeof(got));
            if (way == 0) /* ranked: C-2 has both in its title */
                CHECKF(strcmp(got, "C-2 C-1") == 0, "space %zu, relevance: \"%s\"", s, got);
            else
                CHECKF(strcmp(got, "C-1 C-2") == 0, "space %zu, way %d: \"%s\"", s, way, got);
        }
        srv__list_force(SRV_LIST_AUTO);

        /* the row test: two words, each found on its own */
        sqlite3 *r = srv_db_reader_acquire(t.db);
        struct srv_list_qmatch *m = NULL;
        const char *cols[2] = {"Întreținere lift", "Asociația de proprietari"};
        int lens[2] = {(int)strlen(cols[0]), (int)strlen(cols[1])};
        REQUIRE(srv__list_qmatch_new(r, q, &m) == 0);
        CHECKF(srv__list_qmatch_row(m, cols, lens, 2) == 1, "space %zu: row test", s);
        srv__list_qmatch_free(m);
        srv_db_reader_release(t.db, r);
    }
    /* a word with punctuation stays one phrase: its tokens in sequence */
    {
        char got[256];
        list(&t, (struct pacta_list_args){.q = "lift-asoc", .sort = PACTA_SORT_NUMBER}, got,
             sizeof(got));
        CHECKF(strcmp(got, "C-2") == 0, "lift-asoc: \"%s\"", got);
    }
    t_close(&t);
    return t_finish();
}
