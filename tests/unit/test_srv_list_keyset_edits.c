/*
 * contracts.list keyset pages while others edit (PROTOCOL.md §6.4 "Pages
 * while others edit"), with many ties: a third of the contracts are
 * volatile (their sort keys, their match and their existence change
 * between pages: titles of other case, amounts, dates set and cleared,
 * status, number, deletes, new contracts), the other two thirds are stable
 * (only edits that change neither a sort key nor any filter's answer).
 * Every stable contract that the listing held before the walk must come
 * back exactly once and in the same order, for every sort key both ways,
 * with filters that make each plan (walk, seek, range, text, fts, q probe)
 * and counts near the planner's bound, so that the volatile edits make it
 * change plans between pages of one walk.
 */
#include "db_list.h"
#include "test_srv_db_util.h"

#define N_ROWS 240

static uint32_t rng_state = 4242;

static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return (rng_state >> 8) % n;
}

struct row {
    char id[40];
    json_int_t version;
    int stable;
    int deleted;
};

static struct row rows[N_ROWS * 8];
/* pages read by each plan (and by a q probe), and walks whose pages did
 * not all take the same plan */
static int plan_pages[SRV_LIST_RANGE + 1], probe_pages, mixed_walks;
static int nrows;

static const char *const titles[] = {"alpha", "Alpha", "ALPHA", "beta", "Beta", "gamma"};
static const char *const dates[] = {"2026-03-01", "2026-06-15", "2026-06-15", "2027-01-01", NULL};

static void set_date(json_t *o, const char *field, const char *v)
{
    json_object_set_new(o, field, v ? json_string(v) : json_null());
}

static json_t *new_args(int i, int stable)
{
    char number[32];
    json_t *o;
    const char *end = dates[rnd(5)], *start = dates[rnd(5)];

    snprintf(number, sizeof(number), "%c-%04d", stable ? 'S' : 'V', i);
    /* start <= end, or one of them missing */
    if (start && end && strcmp(start, end) > 0) {
        const char *x = start;
        start = end;
        end = x;
    }
    /* the rare values (1 row in 20) make the narrow filters: seeks,
     * and plans that change as volatile edits make them more common */
    o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s}", "number", number, "title",
                  titles[rnd(20) == 0 ? rnd(3) : 3 + rnd(3)], "counterparty",
                  rnd(2) ? "Acme" : "acme", "kind", rnd(20) ? "client" : "supplier", "currency",
                  "EUR", "status", rnd(20) == 0 ? "draft" : "active", "amount_cents",
                  (json_int_t)(rnd(3) * 100), "description",
                  rnd(20) ? "common words here" : "common and rare words", "owner", "admin");
    set_date(o, "end_date", end);
    set_date(o, "start_date", start);
    set_date(o, "sign_date", dates[rnd(5)]);
    return o;
}

static void add_row(struct tdb *t, int stable)
{
    json_t *rec = t_create(t, "admin", new_args(nrows, stable));
    struct row *r = &rows[nrows++];

    REQUIRE(rec);
    snprintf(r->id, sizeof(r->id), "%s", t_str(rec, "id"));
    r->version = t_int(rec, "version");
    r->stable = stable;
    json_decref(rec);
}

static int update(struct tdb *t, struct row *r, json_t *changes)
{
    struct srv_write *w = t_write(t, SRV_W_CONTRACT_UPDATE, "admin",
                                  json_pack("{s:s, s:I, s:o, s:s}", "id", r->id, "version",
                                            r->version, "changes", changes, "reason", "zzneutral"));
    int code = w->code;

    if (code == PACTA_OK)
        r->version = t_int(json_object_get(w->result, "contract"), "version");
    srv_write_free(w);
    return code;
}

/* One edit of a volatile contract (or a new one, or a delete). */
static void volatile_edit(struct tdb *t)
{
    int at = (int)rnd((uint32_t)nrows);
    struct row *r = &rows[at];
    json_t *c;

    if (r->stable || r->deleted)
        return;
    switch (rnd(10)) {
    case 0:
        add_row(t, 0);
        return;
    case 1: {
        struct srv_write *w = t_write(t, SRV_W_CONTRACT_DELETE, "admin",
                                      json_pack("{s:s, s:I}", "id", r->id, "version", r->version));
        if (w->code == PACTA_OK)
            r->deleted = 1;
        srv_write_free(w);
        return;
    }
    case 2:
        c = json_pack("{s:s}", "title", titles[rnd(6)]);
        break;
    case 3:
        c = json_pack("{s:I}", "amount_cents", (json_int_t)(rnd(3) * 100));
        break;
    case 4:
        c = json_object();
        set_date(c, "end_date", rnd(2) ? NULL : "2027-06-01");
        break;
    case 5:
        c = json_object();
        set_date(c, "sign_date", dates[rnd(5)]);
        break;
    case 6:
        c = json_pack("{s:s}", "status", rnd(2) ? "active" : "draft");
        break;
    case 7:
        c = json_pack("{s:s}", "description", rnd(2) ? "common rare" : "nothing");
        break;
    case 8:
        c = json_pack("{s:s}", "kind", rnd(2) ? "client" : "supplier");
        break;
    default:
        c = json_pack("{s:s}", "counterparty", rnd(2) ? "Acme" : "ACME");
        break;
    }
    update(t, r, c);
}

/* Every volatile contract to the rare values of the narrow filters, or back
 * to the common ones: the planner's counts cross its bound mid-walk. */
static void burst(struct tdb *t, int rare)
{
    for (int i = 0; i < nrows; i++) {
        struct row *r = &rows[i];
        if (r->stable || r->deleted)
            continue;
        CHECK(update(t, r,
                     json_pack("{s:s, s:s, s:s, s:s}", "kind", rare ? "supplier" : "client",
                               "status", rare ? "draft" : "active", "title",
                               rare ? titles[i % 3] : titles[3 + i % 3], "description",
                               rare ? "common rare" : "common")) == PACTA_OK);
    }
}

/* An edit of a stable contract that moves no key and no filter. */
static void stable_edit(struct tdb *t)
{
    int at = (int)rnd((uint32_t)nrows);
    struct row *r = &rows[at];

    if (!r->stable)
        return;
    CHECK(update(t, r, json_pack("{s:I}", "notice_days", (json_int_t)rnd(30))) == PACTA_OK);
}

/* The ids of a listing read with no edits in between (every page, the
 * narrowest filter's index: another plan than most walks), space-separated. */
static char *full(struct tdb *t, struct pacta_list_args a)
{
    sqlite3 *r = srv_db_reader_acquire(t->db);
    size_t o = 0, cap = 64 * 1024;
    char *out = calloc(1, cap), *cursor = NULL;

    a.limit = 500;
    srv__list_force(SRV_LIST_FORCE_SEEK);
    for (int pages = 0; pages < 100; pages++) {
        struct pacta_error err;
        json_t *page = NULL, *it;
        size_t i;

        a.cursor = cursor;
        REQUIRE(srv_db_read_contracts(r, &a, &page, &err) == 0);
        json_array_foreach(json_object_get(page, "items"), i, it) o +=
            (size_t)snprintf(out + o, cap - o, "%s%s", o ? " " : "", t_str(it, "id"));
        if (!t_page_next(page, &cursor))
            break;
    }
    srv__list_force(SRV_LIST_AUTO);
    free(cursor);
    srv_db_reader_release(t->db, r);
    return out;
}

static int is_stable(const char *id)
{
    for (int i = 0; i < nrows; i++)
        if (strcmp(rows[i].id, id) == 0)
            return rows[i].stable;
    return 0;
}

/* Keeps only the stable ids of a space-separated list. */
static void stable_only(char *ids)
{
    char *out = ids, *save = NULL, *copy = strdup(ids);

    *out = '\0';
    for (char *id = strtok_r(copy, " ", &save); id; id = strtok_r(NULL, " ", &save))
        if (is_stable(id))
            out += sprintf(out, "%s%s", out == ids ? "" : " ", id);
    free(copy);
}

static void walk_with_edits(struct tdb *t, const char *name, struct pacta_list_args a,
                            int edits_per_page, enum srv_list_force force)
{
    char *want = full(t, a), *got = calloc(1, 64 * 1024), *cursor = NULL;
    int narrow = (a.kind || a.status || a.text || a.q) && !a.desc; /* half the walks */
    size_t o = 0;
    int pages = 0, first_plan = -1, mixed = 0;

    stable_only(want);
    for (; pages < 2000; pages++) {
        sqlite3 *r = srv_db_reader_acquire(t->db);
        struct pacta_error err = {0};
        json_t *page = NULL, *it;
        size_t i;

        a.cursor = cursor;
        srv__list_force(force);
        struct srv_list_explain e;
        REQUIRE(srv__list_explain(r, &a, &e, &err) == 0);
        plan_pages[e.plan]++;
        probe_pages += e.probe;
        if (pages == 0)
            first_plan = (int)e.plan;
        else if ((int)e.plan != first_plan)
            mixed = 1;
        srv__list_explain_clear(&e);
        int rc = srv_db_read_contracts(r, &a, &page, &err);
        srv__list_force(SRV_LIST_AUTO);
        srv_db_reader_release(t->db, r);
        if (rc != 0) {
            CHECKF(0, "%s: page %d: %s %s", name, pages, err.field, err.message);
            break;
        }
        json_array_foreach(json_object_get(page, "items"), i, it) o +=
            (size_t)snprintf(got + o, 64 * 1024 - o, "%s%s", o ? " " : "", t_str(it, "id"));
        if (!t_page_next(page, &cursor))
            break;
        if (narrow && (pages == 0 || pages == 3))
            burst(t, pages == 0);
        for (int e = 0; e < edits_per_page; e++) {
            volatile_edit(t);
            if (a.sort != PACTA_SORT_UPDATED_AT) /* any edit moves that key */
                stable_edit(t);
        }
    }
    free(cursor);
    mixed_walks += mixed;
    stable_only(got);
    size_t d = 0;
    while (got[d] && got[d] == want[d])
        d++;
    while (d > 0 && got[d - 1] != ' ')
        d--;
    CHECKF(strcmp(got, want) == 0,
           "%s (%d pages), from the first difference:\n got  %.300s\n want %.300s", name, pages,
           got + d, want + d);
    free(got);
    free(want);
}

struct shape {
    const char *name;
    struct pacta_list_args a;
};

static const struct shape shapes[] = {
    {"all", {0}},
    {"active", {.status = "active"}},
    {"draft", {.status = "draft"}},
    {"client", {.kind = "client"}},
    {"supplier", {.kind = "supplier"}},
    {"end range", {.end_from = "2026-06-01", .end_to = "2026-12-31"}},
    {"sign to", {.sign_to = "2026-06-15"}},
    {"start from", {.start_from = "2026-06-15"}},
    {"amount", {.currency = "EUR", .has_amount_min = 1, .amount_min = 100}},
    {"text 3", {.text = "lph"}},
    {"text 3 + draft", {.text = "lph", .status = "draft"}},
    {"text 2", {.text = "ET"}},
    {"q common", {.q = "common"}},
    {"q rare", {.q = "rare"}},
    {"q rare + active", {.q = "rar", .status = "active"}},
    {"deleted too", {.include_deleted = 1}},
    {"unknown", {.lifecycle = "unknown"}},
    {"expired", {.lifecycle = "expired"}},
};

int main(void)
{
    int walks = 0;

    /* a fresh database for each shape: the volatile edits make the rare
     * values common in a few walks */
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
        struct tdb t;

        t_open(&t);
        nrows = 0;
        for (int i = 0; i < N_ROWS; i++)
            add_row(&t, i % 3 != 0);
        for (int sort = PACTA_SORT_NUMBER; sort < PACTA_SORT_RELEVANCE; sort++)
            for (int desc = 0; desc < 2; desc++) {
                struct pacta_list_args a = shapes[s].a;
                char name[128];

                a.sort = (enum pacta_list_sort)sort;
                a.desc = desc;
                a.limit = 3 + (int)rnd(6);
                snprintf(name, sizeof(name), "%s, sort %s %s, limit %d", shapes[s].name,
                         pacta_list_sort_name(a.sort), desc ? "desc" : "asc", a.limit);
                /* a quarter of the walks seek (fts for q) on every page */
                walk_with_edits(&t, name, a, 1,
                                sort % 4 == 3 ? SRV_LIST_FORCE_SEEK : SRV_LIST_AUTO);
                walks++;
            }
        t_close(&t);
    }
    long ran_out, probes = srv__list_probes(&ran_out);
    printf("%d walks (%d changed plan), %ld q probes (%ld ran out); pages by plan:", walks,
           mixed_walks, probes, ran_out);
    for (int p = 0; p <= SRV_LIST_RANGE; p++)
        printf(" %s %d", srv__list_plan_name((enum srv_list_plan)p), plan_pages[p]);
    printf(", q probe %d\n", probe_pages);
    /* every keyset plan ran, and plans changed within walks */
    for (int p = 0; p <= SRV_LIST_RANGE; p++)
        CHECKF(p == SRV_LIST_RANKED || plan_pages[p] > 0, "no page by %s",
               srv__list_plan_name((enum srv_list_plan)p));
    CHECK(probe_pages > 0 && ran_out > 0 && mixed_walks > 0);
    return t_finish();
}
