/*
 * contracts.list ranked by relevance while others edit: the pages of a
 * relevance walk must not skip or repeat a contract that matches for the
 * whole walk and whose own text does not change, whatever happens to the
 * others between pages (contracts deleted above the page boundary, new
 * hits, edits of other contracts' text, which move every bm25 score a
 * little), nor when the page's last row itself is deleted or edited out
 * of the hits (the next page goes on from where that row was).
 *
 * The fixture (as test_srv_list_ranked.c): contract i has 1 + i % 4 words
 * "alpha" in a description of four words and every other column alike, so
 * the ranking is four groups of equal scores, in creation order inside a
 * group — page boundaries fall inside ties.
 */
#include "db_list.h"
#include "test_srv_db_util.h"

#define N 80

static int tf(int i)
{
    return 1 + i % 4;
}

static json_t *args_of(int i, const char *number)
{
    char desc[64] = "";
    for (int w = 0; w < 4; w++)
        strcat(desc, w < tf(i) ? "alpha " : "filler ");
    desc[strlen(desc) - 1] = '\0';
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "number", number, "title", "Ranked",
                     "counterparty", "Omega Co", "kind", i % 3 ? "client" : "supplier", "currency",
                     "EUR", "description", desc);
}

static json_t *recs[N + 200];
static int nrecs;

static void make(struct tdb *t)
{
    for (int i = 0; i < N; i++) {
        char number[16];
        snprintf(number, sizeof number, "R-%03d", i);
        recs[nrecs++] = t_create(t, "admin", args_of(i, number));
        REQUIRE(recs[nrecs - 1] != NULL);
    }
}

/* The numbers of a listing read at once, space-separated. */
static void listing(struct tdb *t, struct pacta_list_args a, char *out, size_t len)
{
    a.limit = 500;
    t_list_numbers(t, a, out, len, 10);
}

static int index_of(const char *number)
{
    for (int i = 0; i < nrecs; i++)
        if (strcmp(t_str(recs[i], "number"), number) == 0)
            return i;
    return -1;
}

/* Between two pages: `what` 0 deletes a contract the walk has passed, 1
 * creates a new hit, 2 edits the text of a contract that is no hit. */
static void edit(struct tdb *t, int what, int step, const char *passed, int *touched)
{
    char number[16];
    if (what == 0 && passed) {
        int i = index_of(passed);
        REQUIRE(i >= 0);
        CHECK(t_write_code(t, SRV_W_CONTRACT_DELETE, "admin",
                           json_pack("{s:s, s:I}", "id", t_str(recs[i], "id"), "version",
                                     t_int(recs[i], "version"))) == PACTA_OK);
        touched[i] = 1;
    } else if (what == 1) {
        snprintf(number, sizeof number, "N-%03d", step);
        recs[nrecs] = t_create(t, "admin", args_of(step, number));
        REQUIRE(recs[nrecs] != NULL);
        touched[nrecs++] = 1;
    } else if ((what == 3 || what == 4) && passed) {
        /* the page's last row: out of the hits, or deleted (still a hit of
         * the index, refused by the listing) */
        int i = index_of(passed);
        REQUIRE(i >= 0);
        if (what == 3) {
            struct srv_write *w =
                t_write(t, SRV_W_CONTRACT_UPDATE, "admin",
                        json_pack("{s:s, s:I, s:{s:s}}", "id", t_str(recs[i], "id"), "version",
                                  t_int(recs[i], "version"), "changes", "description",
                                  "no match any more"));
            CHECK(w->code == PACTA_OK);
            if (w->code == PACTA_OK) {
                json_decref(recs[i]);
                recs[i] = json_incref(json_object_get(w->result, "contract"));
            }
            srv_write_free(w);
        } else {
            CHECK(t_write_code(t, SRV_W_CONTRACT_DELETE, "admin",
                               json_pack("{s:s, s:I}", "id", t_str(recs[i], "id"), "version",
                                         t_int(recs[i], "version"))) == PACTA_OK);
        }
        touched[i] = 1;
    } else if (what == 2) {
        snprintf(number, sizeof number, "X-%03d", step);
        json_t *a = args_of(0, number);
        json_object_set_new(a, "description", json_string("nothing to see here at all today"));
        recs[nrecs] = t_create(t, "admin", a);
        REQUIRE(recs[nrecs] != NULL);
        touched[nrecs++] = 1;
    }
}

static void walk_with_edits(struct tdb *t, struct pacta_list_args a, int what, const char *name)
{
    static char want[16384], got[16384], pruned[16384];
    int touched[N + 200] = {0};
    char *cursor = NULL, last[16] = "";
    size_t o = 0;
    sqlite3 *r;

    listing(t, a, want, sizeof want);
    got[0] = '\0';
    for (int pages = 0; pages < 200; pages++) {
        struct pacta_error err;
        json_t *page = NULL, *it;
        size_t i;

        a.cursor = cursor;
        r = srv_db_reader_acquire(t->db);
        REQUIRE(srv_db_read_contracts(r, &a, &page, &err) == 0);
        srv_db_reader_release(t->db, r);
        json_array_foreach(json_object_get(page, "items"), i, it)
        {
            o += (size_t)snprintf(got + o, sizeof got - o, "%s%s", o ? " " : "",
                                  t_str(it, "number"));
            snprintf(last, sizeof last, "%s", t_str(it, "number"));
        }
        if (!t_page_next(page, &cursor))
            break;
        /* the first contract of the walk is above every later boundary */
        char first[16] = "";
        sscanf(got, "%15s", first);
        int fi = index_of(first);
        if (what == 3 || what == 4)
            edit(t, what, pages, last, touched);
        else
            edit(t, what, pages, fi >= 0 && !touched[fi] ? first : NULL, touched);
        if (what == 0 && fi >= 0 && touched[fi]) { /* delete the next one passed */
            char *p = got;
            for (int k = 0; k < pages + 1 && p; k++)
                p = strchr(p + 1, ' ');
            if (p) {
                char n[16] = "";
                sscanf(p + 1, "%15s", n);
                int ni = index_of(n);
                if (ni >= 0 && !touched[ni])
                    edit(t, 0, pages, n, touched);
            }
        }
    }
    free(cursor);
    /* the untouched contracts, in the first listing's order, exactly once */
    size_t w = 0;
    char *copy = strdup(got), *save = NULL;
    for (char *n = strtok_r(copy, " ", &save); n; n = strtok_r(NULL, " ", &save)) {
        int i = index_of(n);
        if (i >= 0 && !touched[i])
            w += (size_t)snprintf(pruned + w, sizeof pruned - w, "%s%s", w ? " " : "", n);
    }
    free(copy);
    copy = strdup(want);
    static char want_pruned[16384];
    w = 0;
    for (char *n = strtok_r(copy, " ", &save); n; n = strtok_r(NULL, " ", &save)) {
        int i = index_of(n);
        if (i >= 0 && !touched[i])
            w += (size_t)snprintf(want_pruned + w, sizeof want_pruned - w, "%s%s", w ? " " : "", n);
    }
    free(copy);
    CHECKF(strcmp(pruned, want_pruned) == 0, "%s:\n got  %.400s\n want %.400s", name, pruned,
           want_pruned);
}

/* A cursor by position (["o", fingerprint, offset]), as servers before
 * handed out, still reads the page at that position. */
static void test_offset_cursor(void)
{
    static char all[16384];
    struct tdb t;
    struct pacta_list_args a = {.q = "alpha", .limit = 6};
    char fp[17], want[256] = "", got[256] = "";
    sqlite3 *r;
    struct pacta_error err;
    json_t *page = NULL, *it;
    size_t i, o = 0;

    nrecs = 0;
    t_open(&t);
    make(&t);
    listing(&t, a, all, sizeof all);
    /* the 7th to 12th numbers of the full ranking */
    char *copy = strdup(all), *save = NULL;
    int k = 0;
    for (char *n = strtok_r(copy, " ", &save); n; n = strtok_r(NULL, " ", &save), k++)
        if (k >= 6 && k < 12)
            o += (size_t)snprintf(want + o, sizeof want - o, "%s%s", o ? " " : "", n);
    free(copy);
    srv__list_fingerprint(&a, PACTA_SORT_RELEVANCE, fp);
    char *cursor = srv__list_b64_json(json_pack("[s, s, i]", "o", fp, 6));
    a.cursor = cursor;
    r = srv_db_reader_acquire(t.db);
    CHECK(srv_db_read_contracts(r, &a, &page, &err) == 0);
    srv_db_reader_release(t.db, r);
    o = 0;
    json_array_foreach(json_object_get(page, "items"), i, it) o +=
        (size_t)snprintf(got + o, sizeof got - o, "%s%s", o ? " " : "", t_str(it, "number"));
    CHECKF(strcmp(got, want) == 0, "offset cursor:\n got  %s\n want %s", got, want);
    json_decref(page);
    free(cursor);
    for (int j = 0; j < nrecs; j++)
        json_decref(recs[j]);
    t_close(&t);
}

int main(void)
{
    test_offset_cursor();
    static const char *const names[] = {"deletes above the boundary", "new hits",
                                        "other contracts' text", "last row out of the hits",
                                        "last row deleted"};
    for (int what = 0; what < 5; what++)
        for (int filtered = 0; filtered < 2; filtered++) {
            struct tdb t;
            char name[96];
            nrecs = 0;
            t_open(&t);
            make(&t);
            struct pacta_list_args a = {.q = "alpha", .limit = 6};
            if (filtered)
                a.kind = "client";
            snprintf(name, sizeof name, "%s%s", names[what], filtered ? ", clients" : "");
            walk_with_edits(&t, a, what, name);
            for (int i = 0; i < nrecs; i++)
                json_decref(recs[i]);
            t_close(&t);
        }
    return t_finish();
}
