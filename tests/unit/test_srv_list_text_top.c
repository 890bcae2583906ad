/*
 * contracts.list `text` read as TEXT top (db_list_sql.c): sorted by a key
 * the search index stores (number, title, counterparty), a TEXT page takes
 * the first candidates in that order from contracts_fts_content, then
 * their rows and the filters, and widens when the filters refuse too many.
 *
 * Every listing, paged by cursors of 7 in both directions, with and
 * without the deleted rows and with another filter, is the same sequence
 * whichever way it is read (TEXT top, forced; a walk of the sort index,
 * forced; the planner's own choice): none skipped, none twice, in
 * NOCASE order for titles and counterparties (their case differs here),
 * with text of one or two characters (the short index) and of three (the
 * trigram index).  Most of the first candidates by title are deleted, so
 * TEXT top has to widen, and that is checked to happen; an edit that
 * changes a row's title keeps the stored key in step.
 */
#include <stdio.h>

#include "db_list.h"
#include "test_srv_db_util.h"

static json_t *contract(int i, const char *title, const char *counterparty, const char *status)
{
    char number[32];

    snprintf(number, sizeof number, "T-%04d", (i * 37) % 1000);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "number", number, "title", title,
                     "counterparty", counterparty, "kind", "client", "currency", "EUR", "end_date",
                     "2027-01-31", "status", status);
}

static void fixture(struct tdb *t)
{
    /* "Î" in 60 titles and "zzt" (any case) in 60, interleaved with 120
     * others; the 30 "Îa..." titles (first by title among the Î ones)
     * deleted, so are 10 of the zz ones */
    static const char *const cps[] = {"alfa", "Beta", "ZZtop", "gamma", "zzTOP", "Delta"};
    for (int i = 0; i < 240; i++) {
        char title[64];
        const char *status = i % 9 == 0 ? "terminated" : "active";

        if (i % 4 == 0)
            snprintf(title, sizeof title, "Î%c lucrare %d", i < 120 ? 'a' : 'b', i);
        else if (i % 4 == 1)
            snprintf(title, sizeof title, "%s %d", i % 8 == 1 ? "ZZT lift" : "zzt ascensor", i);
        else
            snprintf(title, sizeof title, "Office %d", i);
        json_t *row = t_create(t, "admin", contract(i, title, cps[i % 6], status));
        REQUIRE(row);
        if ((i % 4 == 0 && i < 120) || (i % 4 == 1 && i % 24 == 1)) {
            struct srv_write *w =
                t_write(t, SRV_W_CONTRACT_DELETE, "admin",
                        json_pack("{s:s, s:I}", "id", t_str(row, "id"), "version",
                                  (json_int_t)json_integer_value(json_object_get(row, "version"))));
            CHECK(w->code == PACTA_OK);
            srv_write_free(w);
        }
        json_decref(row);
    }
}

struct text_out {
    char *p;
    size_t len, o;
};

static void add_item(const json_t *it, void *ctx)
{
    struct text_out *out = ctx;
    out->o += (size_t)snprintf(out->p + out->o, out->len - out->o, "%s/%s/%s ", t_str(it, "number"),
                               t_str(it, "title"), t_str(it, "counterparty"));
}

/* Every page of `a` by cursors, the numbers and ids in one string; the
 * plan of the first page in *plan and *top. */
static void listing(struct tdb *t, struct pacta_list_args a, enum srv_list_force force, char *out,
                    size_t len, enum srv_list_plan *plan, int *top)
{
    sqlite3 *r = srv_db_reader_acquire(t->db);
    struct pacta_error err;
    struct srv_list_explain e;
    struct text_out o = {out, len, 0};

    out[0] = '\0';
    srv__list_force(force);
    REQUIRE(srv__list_explain(r, &a, &e, &err) == 0);
    srv__list_force(SRV_LIST_AUTO);
    *plan = e.plan;
    *top = e.text_top;
    srv__list_explain_clear(&e);
    srv_db_reader_release(t->db, r);
    t_pages(t, a, force, add_item, &o);
}

static void test_same_listings(struct tdb *t)
{
    static const char *const texts[] = {"Î", "zz", "zzt", "ZZT a"};
    static const enum pacta_list_sort sorts[] = {PACTA_SORT_TITLE, PACTA_SORT_COUNTERPARTY,
                                                 PACTA_SORT_NUMBER};
    static char top[65536], walk[65536], chosen[65536];
    long tops0, widened0, tops1, widened1;
    int listings = 0;

    tops0 = srv__list_text_tops(&widened0);
    for (size_t x = 0; x < sizeof(texts) / sizeof(texts[0]); x++)
        for (size_t s = 0; s < sizeof(sorts) / sizeof(sorts[0]); s++)
            for (int desc = 0; desc < 2; desc++)
                for (int filter = 0; filter < 3; filter++) {
                    struct pacta_list_args a = {.text = texts[x],
                                                .sort = sorts[s],
                                                .desc = desc,
                                                .limit = 7,
                                                .include_deleted = filter == 1,
                                                .status = filter == 2 ? "terminated" : NULL};
                    enum srv_list_plan plan;
                    int is_top;

                    listing(t, a, SRV_LIST_FORCE_SEEK, top, sizeof top, &plan, &is_top);
                    /* (the status index is narrower than the text) */
                    CHECKF(filter == 2 || (plan == SRV_LIST_TEXT && is_top),
                           "\"%s\" sort %d: forced seek is plan %d, top %d", texts[x],
                           (int)sorts[s], (int)plan, is_top);
                    listing(t, a, SRV_LIST_FORCE_WALK, walk, sizeof walk, &plan, &is_top);
                    listing(t, a, SRV_LIST_AUTO, chosen, sizeof chosen, &plan, &is_top);
                    CHECKF(strcmp(top, walk) == 0 && strcmp(top, chosen) == 0,
                           "\"%s\" sort %d desc %d filter %d:\n top  %s\n walk %s\n auto %s",
                           texts[x], (int)sorts[s], desc, filter, top, walk, chosen);
                    CHECKF(strlen(top) > 0, "\"%s\": nothing listed", texts[x]);
                    listings++;
                }
    tops1 = srv__list_text_tops(&widened1);
    CHECKF(tops1 - tops0 >= listings, "%ld TEXT top pages for %d listings", tops1 - tops0,
           listings);
    /* the deleted Îa titles come first by title: the first 32 candidates
     * hold too few live ones */
    CHECKF(widened1 > widened0, "TEXT top never widened");
}

/* A title edit moves the row in the stored order too. */
static void test_edit(struct tdb *t)
{
    struct pacta_list_args a = {.text = "zzt", .sort = PACTA_SORT_TITLE, .limit = 7};
    static char before[65536], after[65536], walk[65536];
    enum srv_list_plan plan;
    int top;
    sqlite3 *r;
    json_t *page = NULL, *first;
    struct pacta_error err;

    listing(t, a, SRV_LIST_FORCE_SEEK, before, sizeof before, &plan, &top);
    r = srv_db_reader_acquire(t->db);
    REQUIRE(srv_db_read_contracts(r, &a, &page, &err) == 0);
    srv_db_reader_release(t->db, r);
    first = json_array_get(json_object_get(page, "items"), 0);
    REQUIRE(first);
    struct srv_write *w =
        t_write(t, SRV_W_CONTRACT_UPDATE, "admin",
                json_pack("{s:s, s:I, s:{s:s}, s:s}", "id", t_str(first, "id"), "version",
                          (json_int_t)json_integer_value(json_object_get(first, "version")),
                          "changes", "title", "zzz zzt last now", "reason", "rename"));
    CHECKF(w->code == PACTA_OK, "%s", w->err.message);
    srv_write_free(w);
    json_decref(page);
    listing(t, a, SRV_LIST_FORCE_SEEK, after, sizeof after, &plan, &top);
    listing(t, a, SRV_LIST_FORCE_WALK, walk, sizeof walk, &plan, &top);
    CHECKF(strcmp(after, walk) == 0 && strcmp(after, before) != 0 &&
               strstr(after, "zzz zzt last now") != NULL,
           "after the edit:\n top  %s\n walk %s", after, walk);
}

int main(void)
{
    struct tdb t;

    t_open(&t);
    fixture(&t);
    test_same_listings(&t);
    test_edit(&t);
    t_close(&t);
    return test_summary();
}
