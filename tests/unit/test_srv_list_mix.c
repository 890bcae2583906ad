/*
 * contracts.list under random combinations of filters (db_list.c,
 * db_list_plan.c): kind, status, owner and currency together (the
 * combination index, contracts_combo, with its IN lists: a currency held
 * only by deleted contracts, include_deleted), lifecycles (their end-date
 * ranges on the combination index), date ranges, `text` of one, two and
 * more characters and `q` (a probe, the search index, a walk that keeps
 * the hits by id), every sort both ways, pages of 1 to 7 — read page by
 * page under every plan the planner can be forced to (its own choice, walk,
 * seek, walk with its budget run out, walk keeping q's hits by id) and
 * compared with an oracle in C: the record's own members, and for q the
 * search index's hits.
 */

#include "db_list.h"
#include "db_list-private.h"
#include "expiry.h"
#include "test_srv_db_util.h"

#define N_CONTRACTS 220

static uint32_t rng_state = 777;
/* room for every id of a listing (the edits add some) */
static size_t ids_cap = (N_CONTRACTS + 200) * 40;

static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return (rng_state >> 8) % n;
}

static void date_at(int64_t offset, char out[11])
{
    srv_date_format(srv_today() + offset, out);
}

static const char *const owners[] = {"admin", "ana", "bob"};
static const char *const statuses[] = {"draft", "active", "expired", "terminated"};
static const char *const currencies[] = {"EUR", "USD", "RON"};
static const char *const lifecycles[] = {"upcoming", "active",     "expiring",
                                         "expired",  "terminated", "unknown"};
static const char *const words[] = {"lift", "clean", "paper", "audit", "zq", "ab"};

static json_t *fixture_args(int i)
{
    static const char *const renewals[] = {"none", "none", "auto", "evergreen"};
    char number[16], title[64], end[11], start[11];
    int64_t end_off = (int64_t)rnd(600) - 250, start_off = end_off - (int64_t)rnd(400);
    json_t *o;

    snprintf(number, sizeof(number), "M-%03d", (i * 53) % 1000);
    snprintf(title, sizeof(title), "%s %s %c%d", words[rnd(6)], words[rnd(6)], 'A' + (int)rnd(26),
             (int)rnd(9));
    o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s}", "number", number, "title", title,
                  "counterparty", rnd(2) ? "Acme" : "Zeta x", "kind",
                  rnd(2) ? "client" : "supplier", "status", statuses[rnd(4)], "owner",
                  owners[rnd(3)], "currency", currencies[rnd(3)], "amount_cents",
                  (json_int_t)(rnd(10) * 1000), "renewal", renewals[rnd(4)]);
    date_at(end_off, end);
    date_at(start_off, start);
    if (rnd(6))
        json_object_set_new(o, "end_date", json_string(end));
    if (rnd(4))
        json_object_set_new(o, "start_date", json_string(start));
    return o;
}

static void delete_contract(struct tdb *t, json_t **rec)
{
    struct srv_write *w = t_write(
        t, SRV_W_CONTRACT_DELETE, "admin",
        json_pack("{s:s, s:I}", "id", t_str(*rec, "id"), "version", t_int(*rec, "version")));
    REQUIRE(w->code == PACTA_OK);
    json_decref(*rec);
    *rec = json_incref(json_object_get(w->result, "contract"));
    srv_write_free(w);
}

/* N_CONTRACTS contracts, every 9th deleted, and three in CHF all deleted:
 * a currency the live rows do not hold. */
static json_t *fixture(struct tdb *t)
{
    json_t *all = json_array();

    t_add_user(t, "ana", "editor");
    t_add_user(t, "bob", "editor");
    for (int i = 0; i < N_CONTRACTS + 3; i++) {
        json_t *args = fixture_args(i), *rec;
        if (i >= N_CONTRACTS) {
            char number[16];
            snprintf(number, sizeof(number), "CHF-%d", i);
            json_object_set_new(args, "currency", json_string("CHF"));
            json_object_set_new(args, "number", json_string(number));
        }
        rec = t_create(t, "admin", args);
        REQUIRE(rec);
        if (i % 9 == 4 || i >= N_CONTRACTS)
            delete_contract(t, &rec);
        json_array_append_new(all, rec);
    }
    return all;
}

/* TEST_MIX_ROWS more contracts written straight in one statement (the
 * planner's bounds and counts at a larger size), read back as records. */
static void bulk(struct tdb *t, json_t *all, long n)
{
    sqlite3 *c = t_raw(t), *r;
    sqlite3_stmt *st = NULL;
    char sql[2048];

    sqlite3_busy_timeout(c, 10000);
    snprintf(sql, sizeof(sql),
             "WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < %ld)"
             " INSERT INTO contracts (id, number, title, counterparty, kind, status, start_date,"
             " end_date, amount_cents, currency, owner, renewal, created_at, updated_at,"
             " updated_by, deleted_at) SELECT printf('%%08x-0000-7000-8000-%%012x', x, x),"
             " 'B-' || x, (CASE x %% 5 WHEN 0 THEN 'lift ' WHEN 1 THEN 'clean ' WHEN 2 THEN"
             " 'audit ' ELSE 'paper ' END) || (CASE x %% 7 WHEN 0 THEN 'zq' ELSE 'ab' END) ||"
             " ' ' || x, CASE x %% 3 WHEN 0 THEN 'Acme' ELSE 'Zeta x' END,"
             " CASE x %% 2 WHEN 0 THEN 'client' ELSE 'supplier' END,"
             " CASE x %% 4 WHEN 0 THEN 'draft' WHEN 1 THEN 'active' WHEN 2 THEN 'expired'"
             " ELSE 'terminated' END, CASE WHEN x %% 4 = 0 THEN NULL ELSE"
             " date('now', ((x * 7) %% 600 - 250 - x %% 300) || ' days') END, CASE WHEN x %% 6 = 0 "
             "THEN NULL"
             " ELSE date('now', ((x * 7) %% 600 - 250) || ' days') END, (x %% 10) * 1000,"
             " CASE x %% 3 WHEN 0 THEN 'EUR' WHEN 1 THEN 'USD' ELSE 'RON' END,"
             " CASE x %% 5 WHEN 0 THEN 'ana' WHEN 1 THEN 'bob' ELSE 'admin' END,"
             " CASE x %% 4 WHEN 3 THEN 'evergreen' ELSE 'none' END, '2026-01-01T00:00:00.000Z',"
             " '2026-01-01T00:00:00.000Z', 'admin', CASE WHEN x %% 11 = 0 THEN"
             " '2026-01-02T00:00:00.000Z' END FROM s WHERE 1",
             n);
    CHECKF(sqlite3_exec(c, sql, NULL, NULL, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(c));
    sqlite3_close(c);
    r = srv_db_reader_acquire(t->db);
    REQUIRE(sqlite3_prepare_v2(r, "SELECT id FROM contracts WHERE number LIKE 'B-%'", -1, &st,
                               NULL) == SQLITE_OK);
    json_t *ids = json_array();
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(ids, json_string((const char *)sqlite3_column_text(st, 0)));
    sqlite3_finalize(st);
    srv_db_reader_release(t->db, r);
    size_t i;
    json_t *id;
    json_array_foreach(ids, i, id) json_array_append_new(all, t_get(t, json_string_value(id)));
    json_decref(ids);
}

/* ---- the oracle ----------------------------------------------------------- */

static int in_range(const char *v, const char *from, const char *to)
{
    if (!from && !to)
        return 1;
    return v && (!from || strcmp(v, from) >= 0) && (!to || strcmp(v, to) <= 0);
}

static int matches(const json_t *rec, const struct pacta_list_args *a, const json_t *qhits)
{
    if (!a->include_deleted && !json_is_null(json_object_get(rec, "deleted_at")))
        return 0;
    if ((a->status && strcmp(t_str(rec, "status"), a->status)) ||
        (a->kind && strcmp(t_str(rec, "kind"), a->kind)) ||
        (a->owner && strcmp(t_str(rec, "owner"), a->owner)) ||
        (a->currency && strcmp(t_str(rec, "currency"), a->currency)) ||
        (a->lifecycle && strcmp(t_str(rec, "lifecycle"), a->lifecycle)))
        return 0;
    if (!in_range(t_str(rec, "end_date"), a->end_from, a->end_to) ||
        !in_range(t_str(rec, "start_date"), a->start_from, a->start_to))
        return 0;
    if (a->text && !strcasestr(t_str(rec, "number"), a->text) &&
        !strcasestr(t_str(rec, "title"), a->text) &&
        !strcasestr(t_str(rec, "counterparty"), a->text))
        return 0;
    if (a->q && !json_object_get(qhits, t_str(rec, "id")))
        return 0;
    return 1;
}

static const char *key_of(const json_t *rec, const char *field)
{
    const char *v = t_str(rec, field);
    return v ? v : "9999-99-99";
}

static enum pacta_list_sort cmp_sort;
static int cmp_desc;

static int compare(const void *px, const void *py)
{
    const json_t *x = *(json_t *const *)px, *y = *(json_t *const *)py;
    int c;

    switch (cmp_sort) {
    case PACTA_SORT_TITLE:
        c = t_key_cmp(t_str(x, "title"), t_str(y, "title"));
        break;
    case PACTA_SORT_END_DATE:
        c = strcmp(key_of(x, "end_date"), key_of(y, "end_date"));
        break;
    case PACTA_SORT_START_DATE:
        c = strcmp(key_of(x, "start_date"), key_of(y, "start_date"));
        break;
    case PACTA_SORT_AMOUNT:
        c = (t_int(x, "amount_cents") > t_int(y, "amount_cents")) -
            (t_int(x, "amount_cents") < t_int(y, "amount_cents"));
        break;
    default:
        c = strcmp(t_str(x, "number"), t_str(y, "number"));
        break;
    }
    if (c == 0)
        c = strcmp(t_str(x, "id"), t_str(y, "id"));
    return cmp_desc ? -c : c;
}

/* The ids of q's hits (the search index itself). */
static json_t *q_hits(struct tdb *t, const char *q)
{
    sqlite3 *r = srv_db_reader_acquire(t->db);
    char *match = srv__list_fts_query(q);
    sqlite3_stmt *st = NULL;
    json_t *hits = json_object();

    REQUIRE(sqlite3_prepare_v2(r, "SELECT id FROM contracts_fts WHERE contracts_fts MATCH ?", -1,
                               &st, NULL) == SQLITE_OK);
    sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW)
        json_object_set_new(hits, (const char *)sqlite3_column_text(st, 0), json_true());
    sqlite3_finalize(st);
    free(match);
    srv_db_reader_release(t->db, r);
    return hits;
}

static char *expected(json_t *all, const struct pacta_list_args *a, const json_t *qhits)
{
    json_t **v = calloc(json_array_size(all), sizeof(json_t *));
    char *out = calloc(1, json_array_size(all) * 40 + 1);
    size_t n = 0, i, o = 0;
    json_t *rec;

    json_array_foreach(all, i, rec) if (matches(rec, a, qhits)) v[n++] = rec;
    cmp_sort = a->sort ? a->sort : PACTA_SORT_NUMBER;
    cmp_desc = a->desc;
    qsort(v, n, sizeof(v[0]), compare);
    for (i = 0; i < n; i++)
        o += (size_t)sprintf(out + o, "%s%s", o ? " " : "", t_str(v[i], "id"));
    free(v);
    return out;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* A list of ids put in id order, in place (ids are all 36 characters). */
static void sort_ids(char *ids)
{
    size_t n = 0, len = strlen(ids);
    char **v = calloc(len / 36 + 1, sizeof(char *)), *copy = strdup(ids), *save = NULL;

    for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
        v[n++] = tok;
    qsort(v, n, sizeof(v[0]), cmp_str);
    ids[0] = '\0';
    for (size_t i = 0, o = 0; i < n; i++)
        o += (size_t)sprintf(ids + o, "%s%s", i ? " " : "", v[i]);
    free(v);
    free(copy);
}

/* Every page; the ids in order.  Each page holds at most `limit`. */
static char *walk(struct tdb *t, struct pacta_list_args a)
{
    char *ids = calloc(1, ids_cap), *cursor = NULL;
    size_t o = 0;
    sqlite3 *r = srv_db_reader_acquire(t->db);

    for (int pages = 0; pages < 100000; pages++) {
        struct pacta_error err;
        json_t *page = NULL, *it;
        size_t i;

        a.cursor = cursor;
        if (srv_db_read_contracts(r, &a, &page, &err) != 0) {
            CHECKF(0, "list: %s %s", err.field, err.message);
            break;
        }
        CHECK(json_array_size(json_object_get(page, "items")) <= (size_t)a.limit);
        json_array_foreach(json_object_get(page, "items"), i, it) o +=
            (size_t)sprintf(ids + o, "%s%s", o ? " " : "", t_str(it, "id"));
        if (!t_page_next(page, &cursor))
            break;
    }
    free(cursor);
    srv_db_reader_release(t->db, r);
    return ids;
}

/* A random listing: each filter present or not. */
static struct pacta_list_args random_args(char *end_from, char *end_to)
{
    static const enum pacta_list_sort sorts[] = {PACTA_SORT_DEFAULT, PACTA_SORT_TITLE,
                                                 PACTA_SORT_END_DATE, PACTA_SORT_START_DATE,
                                                 PACTA_SORT_AMOUNT};
    static const char *const texts[] = {"z", "Q", "zq", "e ", "a", "lif", "M-0", "x"};
    static const char *const qs[] = {"lift", "clean paper", "au", "zq", "acme", "ab lift"};
    struct pacta_list_args a = {0};

    if (rnd(3) == 0)
        a.kind = rnd(2) ? "client" : "supplier";
    if (rnd(3) == 0)
        a.status = statuses[rnd(4)];
    if (rnd(3) == 0)
        a.owner = owners[rnd(3)];
    if (rnd(3) == 0)
        a.currency = rnd(4) ? currencies[rnd(3)] : "CHF";
    if (rnd(3) == 0)
        a.lifecycle = lifecycles[rnd(6)];
    if (rnd(5) == 0) {
        date_at((int64_t)rnd(400) - 200, end_from);
        a.end_from = end_from;
    }
    if (rnd(5) == 0) {
        date_at((int64_t)rnd(400) - 100, end_to);
        a.end_to = end_to;
    }
    if (rnd(4) == 0)
        a.text = texts[rnd(8)];
    if (rnd(3) == 0)
        a.q = qs[rnd(6)];
    a.include_deleted = rnd(3) == 0;
    a.sort = sorts[rnd(5)];
    a.desc = (int)rnd(2);
    a.limit = 1 + (int)rnd(7);
    return a;
}

/* One random edit of a live contract, or a new one; the ids it changed
 * are marked in `touched`. */
static void random_edit(struct tdb *t, json_t *all, json_t *touched, int step)
{
    size_t at = rnd((uint32_t)json_array_size(all));
    json_t *rec = json_array_get(all, at), *changes;
    struct srv_write *w;
    char buf[64];

    if (step % 6 == 1) {
        json_t *args = fixture_args(1000 + step);
        snprintf(buf, sizeof(buf), "E-%04d", step);
        json_object_set_new(args, "number", json_string(buf));
        json_t *created = t_create(t, "admin", args);
        REQUIRE(created);
        json_object_set_new(touched, t_str(created, "id"), json_true());
        json_array_append_new(all, created);
        return;
    }
    if (!json_is_null(json_object_get(rec, "deleted_at")))
        return;
    if (step % 9 == 4) {
        w = t_write(
            t, SRV_W_CONTRACT_DELETE, "admin",
            json_pack("{s:s, s:I}", "id", t_str(rec, "id"), "version", t_int(rec, "version")));
    } else {
        switch (rnd(5)) {
        case 0:
            snprintf(buf, sizeof(buf), "%s %s %d", words[rnd(6)], words[rnd(6)], step);
            changes = json_pack("{s:s}", "title", buf);
            break;
        case 1:
            date_at((int64_t)rnd(600) - 250, buf);
            changes = json_pack("{s:s, s:n}", "end_date", buf, "start_date");
            break;
        case 2:
            changes = json_pack("{s:s}", "owner", owners[rnd(3)]);
            break;
        case 3:
            changes = json_pack("{s:s}", "currency", currencies[rnd(3)]);
            break;
        default:
            changes = json_pack("{s:s}", "status", statuses[rnd(4)]);
            break;
        }
        w = t_write(t, SRV_W_CONTRACT_UPDATE, "admin",
                    json_pack("{s:s, s:I, s:o, s:s}", "id", t_str(rec, "id"), "version",
                              t_int(rec, "version"), "changes", changes, "reason", "edit"));
    }
    if (w->code != PACTA_OK) { /* a status change the contract's state refuses */
        srv_write_free(w);
        return;
    }
    json_object_set_new(touched, t_str(rec, "id"), json_true());
    json_array_set(all, at, json_object_get(w->result, "contract"));
    srv_write_free(w);
}

/*
 * PROTOCOL.md 6.4: a contract that matches the filters for the whole walk
 * and keeps its sort key is returned exactly once, whatever changes
 * between pages.  Here any edit counts as a change: every contract no edit
 * touched is seen once if it matches and never if not, and none is seen
 * twice.  Key sorts only (a ranked listing promises less).
 */
static void test_edits_between_pages(struct tdb *t, json_t *all, int listings)
{
    int step = 0;

    for (int c = 0; c < listings; c++) {
        char end_from[11], end_to[11];
        struct pacta_list_args a = random_args(end_from, end_to);
        enum srv_list_force force = a.q && c % 2 ? SRV_LIST_FORCE_QIDS : SRV_LIST_AUTO;
        json_t *before = json_deep_copy(all), *touched = json_object(), *seen = json_object();
        json_t *qhits = a.q ? q_hits(t, a.q) : NULL, *rec, *count;
        char *cursor = NULL;
        const char *id;
        size_t i;

        if (!a.sort)
            a.sort = PACTA_SORT_NUMBER;
        a.limit = 2 + (int)rnd(4);
        srv__list_force(force);
        for (int pages = 0; pages < 100000; pages++) {
            sqlite3 *r = srv_db_reader_acquire(t->db);
            struct pacta_error err;
            json_t *page = NULL, *it;

            a.cursor = cursor;
            REQUIRE(srv_db_read_contracts(r, &a, &page, &err) == 0);
            srv_db_reader_release(t->db, r);
            json_array_foreach(json_object_get(page, "items"), i, it)
            {
                id = t_str(it, "id");
                json_object_set_new(
                    seen, id, json_integer(json_integer_value(json_object_get(seen, id)) + 1));
            }
            if (!t_page_next(page, &cursor))
                break;
            if (pages < 4)
                for (int e = 0; e < 2; e++)
                    random_edit(t, all, touched, ++step);
        }
        srv__list_force(SRV_LIST_AUTO);
        free(cursor);
        json_array_foreach(before, i, rec)
        {
            id = t_str(rec, "id");
            if (json_object_get(touched, id))
                continue;
            json_int_t n = json_integer_value(json_object_get(seen, id));
            CHECKF(n == (matches(rec, &a, qhits) ? 1 : 0),
                   "edits, listing %d (force %d, q \"%s\", text \"%s\", sort %s %s): %s seen "
                   "%lld times",
                   c, (int)force, a.q ? a.q : "", a.text ? a.text : "",
                   pacta_list_sort_name(a.sort), a.desc ? "desc" : "asc", t_str(rec, "number"),
                   (long long)n);
        }
        json_object_foreach(seen, id, count)
        {
            if (json_integer_value(count) > 1)
                CHECKF(json_object_get(touched, id), "edits, listing %d: untouched %s seen twice",
                       c, id);
        }
        json_decref(qhits);
        json_decref(seen);
        json_decref(touched);
        json_decref(before);
    }
}

int main(void)
{
    static const enum srv_list_force forces[] = {SRV_LIST_AUTO, SRV_LIST_FORCE_WALK,
                                                 SRV_LIST_FORCE_SEEK, SRV_LIST_FORCE_FALLBACK,
                                                 SRV_LIST_FORCE_QIDS};
    struct tdb t;
    json_t *all;
    int listings = 0, nonempty = 0, cases = 300;

    /* another seed, more cases: TEST_MIX_SEED, TEST_MIX_CASES */
    if (getenv("TEST_MIX_SEED"))
        rng_state = (uint32_t)strtoul(getenv("TEST_MIX_SEED"), NULL, 10);
    if (getenv("TEST_MIX_CASES"))
        cases = atoi(getenv("TEST_MIX_CASES"));
    t_open(&t);
    all = fixture(&t);
    if (getenv("TEST_MIX_ROWS"))
        bulk(&t, all, atol(getenv("TEST_MIX_ROWS")));
    ids_cap = (json_array_size(all) + 200) * 40;
    for (int c = 0; c < cases; c++) {
        char end_from[11], end_to[11];
        struct pacta_list_args a = random_args(end_from, end_to);
        json_t *qhits = a.q ? q_hits(&t, a.q) : NULL;
        char *want = expected(all, &a, qhits);

        if (a.q && !a.sort)
            sort_ids(want);

        nonempty += want[0] != '\0';
        for (size_t f = 0; f < sizeof(forces) / sizeof(forces[0]); f++) {
            if (forces[f] == SRV_LIST_FORCE_QIDS && !a.q)
                continue;
            srv__list_force(forces[f]);
            char *got = walk(&t, a);
            if (a.q && !a.sort) /* by relevance: the same rows, each once */
                sort_ids(got);
            listings++;
            CHECKF(strcmp(got, want) == 0,
                   "case %d force %zu: kind %s status %s owner %s currency %s lifecycle %s end"
                   " %s..%s text \"%s\" q \"%s\" deleted %d sort %s %s limit %d:\n got  %s\n"
                   " want %s",
                   c, f, a.kind ? a.kind : "-", a.status ? a.status : "-", a.owner ? a.owner : "-",
                   a.currency ? a.currency : "-", a.lifecycle ? a.lifecycle : "-",
                   a.end_from ? a.end_from : "", a.end_to ? a.end_to : "", a.text ? a.text : "",
                   a.q ? a.q : "", a.include_deleted,
                   pacta_list_sort_name(a.sort ? a.sort : PACTA_SORT_NUMBER),
                   a.desc ? "desc" : "asc", a.limit, got, want);
            free(got);
        }
        srv__list_force(SRV_LIST_AUTO);
        free(want);
        json_decref(qhits);
    }
    printf("%d listings compared, %d of %d non-empty\n", listings, nonempty, cases);
    CHECK(nonempty > cases / 5);
    test_edits_between_pages(&t, all, cases / 8);
    json_decref(all);
    t_close(&t);
    return t_finish();
}
