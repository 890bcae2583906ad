/*
 * contracts.list's filters, sort keys and keyset pages (db_list.c, issue 7).
 *
 * Against an oracle written in C from the records themselves (lifecycle is
 * the record's own derived member, so the filter and srv_contract_derive
 * must agree): every filter alone and combined, every sort key both ways,
 * each walked page by page under each plan the planner can take (walk,
 * seek, its own choice) — the same rows in the same order every time.
 * Then pages with edits in between (sort keys changed, rows created and
 * deleted): every row that stays unchanged and matching is seen exactly
 * once.  Cursors of another listing are refused.  The plans themselves:
 * test_srv_list_plans.c.
 */

#include "test_srv_list_fixture.h"

/* ---- the oracle ----------------------------------------------------------- */

static const char *date_key(const json_t *rec, const char *field)
{
    const char *v = t_str(rec, field);
    return v ? v : "9999-99-99";
}

static int in_range(const char *v, const char *from, const char *to)
{
    if (!from && !to)
        return 1;
    return v && (!from || strcmp(v, from) >= 0) && (!to || strcmp(v, to) <= 0);
}

static int matches(const json_t *rec, const struct pacta_list_args *a)
{
    json_int_t amount = t_int(rec, "amount_cents");

    if (!a->include_deleted && !json_is_null(json_object_get(rec, "deleted_at")))
        return 0;
    if ((a->status && strcmp(t_str(rec, "status"), a->status)) ||
        (a->kind && strcmp(t_str(rec, "kind"), a->kind)) ||
        (a->owner && strcmp(t_str(rec, "owner"), a->owner)) ||
        (a->currency && strcmp(t_str(rec, "currency"), a->currency)) ||
        (a->lifecycle && strcmp(t_str(rec, "lifecycle"), a->lifecycle)))
        return 0;
    if (!in_range(t_str(rec, "sign_date"), a->sign_from, a->sign_to) ||
        !in_range(t_str(rec, "start_date"), a->start_from, a->start_to) ||
        !in_range(t_str(rec, "end_date"), a->end_from, a->end_to))
        return 0;
    if ((a->has_amount_min && amount < a->amount_min) ||
        (a->has_amount_max && amount > a->amount_max))
        return 0;
    if (a->text && !t_key_has(t_str(rec, "number"), a->text) &&
        !t_key_has(t_str(rec, "title"), a->text) && !t_key_has(t_str(rec, "counterparty"), a->text))
        return 0;
    return 1;
}

/* < 0 when x comes before y in the listing's order. */
static int compare(const json_t *x, const json_t *y, enum pacta_list_sort sort, int desc)
{
    int c = 0;

    switch (sort) {
    case PACTA_SORT_TITLE:
        c = t_key_cmp(t_str(x, "title"), t_str(y, "title")); /* no case, no accents */
        break;
    case PACTA_SORT_COUNTERPARTY:
        c = t_key_cmp(t_str(x, "counterparty"), t_str(y, "counterparty"));
        break;
    case PACTA_SORT_END_DATE:
        c = strcmp(date_key(x, "end_date"), date_key(y, "end_date"));
        break;
    case PACTA_SORT_START_DATE:
        c = strcmp(date_key(x, "start_date"), date_key(y, "start_date"));
        break;
    case PACTA_SORT_SIGN_DATE:
        c = strcmp(date_key(x, "sign_date"), date_key(y, "sign_date"));
        break;
    case PACTA_SORT_AMOUNT:
        c = (t_int(x, "amount_cents") > t_int(y, "amount_cents")) -
            (t_int(x, "amount_cents") < t_int(y, "amount_cents"));
        break;
    case PACTA_SORT_UPDATED_AT:
        c = strcmp(t_str(x, "updated_at"), t_str(y, "updated_at"));
        break;
    default:
        c = strcmp(t_str(x, "number"), t_str(y, "number"));
        break;
    }
    if (c == 0)
        c = strcmp(t_str(x, "id"), t_str(y, "id"));
    return desc ? -c : c;
}

static enum pacta_list_sort sort_for_qsort;
static int desc_for_qsort;

static int qsort_cmp(const void *x, const void *y)
{
    return compare(*(json_t *const *)x, *(json_t *const *)y, sort_for_qsort, desc_for_qsort);
}

/* The ids the listing must return, in order, space-separated. */
static char *expected(json_t *all, const struct pacta_list_args *a)
{
    json_t **v = calloc(json_array_size(all), sizeof(json_t *));
    size_t n = 0, i, o = 0;
    char *out = calloc(1, json_array_size(all) * 40 + 1);
    json_t *rec;

    json_array_foreach(all, i, rec) if (matches(rec, a)) v[n++] = rec;
    sort_for_qsort = a->sort ? a->sort : PACTA_SORT_NUMBER;
    desc_for_qsort = a->desc;
    qsort(v, n, sizeof(v[0]), qsort_cmp);
    for (i = 0; i < n; i++)
        o += (size_t)sprintf(out + o, "%s%s", o ? " " : "", t_str(v[i], "id"));
    free(v);
    return out;
}

/* ---- walking pages -------------------------------------------------------- */

/* Every page of a listing; the ids in order, space-separated.  Checks each
 * page's size. */
static char *walk(struct tdb *t, struct pacta_list_args a, int *pages)
{
    char *ids = calloc(1, MAX_IDS_TEXT), *cursor = NULL;
    size_t o = 0;
    sqlite3 *r = srv_db_reader_acquire(t->db);

    for (*pages = 0; *pages < 1000; (*pages)++) {
        struct pacta_error err;
        json_t *page = NULL, *it;
        size_t i;

        a.cursor = cursor;
        if (srv_db_read_contracts(r, &a, &page, &err) != 0) {
            CHECKF(0, "list: %s %s", err.field, err.message);
            break;
        }
        CHECK(json_array_size(json_object_get(page, "items")) <= (size_t)a.limit);
        json_array_foreach(json_object_get(page, "items"), i, it)
        {
            if (o < MAX_IDS_TEXT - 40)
                o += (size_t)sprintf(ids + o, "%s%s", o ? " " : "", t_str(it, "id"));
        }
        free(cursor);
        cursor = json_is_string(json_object_get(page, "next_cursor"))
                     ? strdup(t_str(page, "next_cursor"))
                     : NULL;
        CHECK(cursor || json_is_null(json_object_get(page, "next_cursor")));
        json_decref(page);
        if (!cursor)
            break;
    }
    (*pages)++;
    free(cursor);
    srv_db_reader_release(t->db, r);
    return ids;
}

struct filter_case {
    const char *name;
    struct pacta_list_args a;
};

static const struct filter_case filter_cases[] = {
    {"everything", {0}},
    {"deleted too", {.include_deleted = 1}},
    {"status", {.status = "active"}},
    {"kind", {.kind = "supplier"}},
    {"owner", {.owner = "bob"}},
    {"rare owner", {.owner = "rare"}},
    {"currency", {.currency = "USD"}},
    {"amount range",
     {.currency = "EUR",
      .has_amount_min = 1,
      .amount_min = 5000,
      .has_amount_max = 1,
      .amount_max = 12000}},
    {"amount min", {.currency = "RON", .has_amount_min = 1, .amount_min = 15000}},
    {"amount max", {.currency = "RON", .has_amount_max = 1, .amount_max = 3000}},
    {"end range", {.end_from = "2026-05-01", .end_to = "2026-12-31"}},
    /* by number, RANGE; the kind refuses some of its first entries */
    {"end range + kind", {.end_from = "2026-05-01", .end_to = "2026-12-31", .kind = "client"}},
    {"sign range + status",
     {.sign_from = "2025-06-01", .sign_to = "2026-12-31", .status = "active"}},
    {"end from", {.end_from = "2027-01-01"}},
    {"end to", {.end_to = "2026-01-01"}},
    {"start range", {.start_from = "2025-06-01", .start_to = "2026-06-15"}},
    {"sign to", {.sign_to = "2025-12-31"}},
    {"lifecycle upcoming", {.lifecycle = "upcoming"}},
    {"lifecycle active", {.lifecycle = "active"}},
    {"lifecycle expiring", {.lifecycle = "expiring"}},
    {"lifecycle expired", {.lifecycle = "expired"}},
    {"lifecycle terminated", {.lifecycle = "terminated"}},
    {"lifecycle unknown", {.lifecycle = "unknown"}},
    {"text", {.text = "ALPHA"}},
    /* text: under 3 characters the short index (one character or a pair);
     * case and accents folded (migration 20) */
    {"text short", {.text = "zu"}},
    {"text one letter", {.text = "E"}},
    {"text one accented letter", {.text = "é"}},
    {"text pair with an accent", {.text = "Éc"}},
    {"text one %", {.text = "%"}},
    {"text one _", {.text = "_"}},
    {"text accent, other case", {.text = "échaf"}},
    {"text accent, ASCII case", {.text = "ÉCHAF"}},
    {"text with space", {.text = "a s"}},
    {"text in numbers", {.text = "-01"}},
    {"text % literal", {.text = "ha%"}},
    {"text quote", {.text = "a\"b"}},
    {"text + sign range", {.text = "lease", .sign_to = "2026-06-01"}},
    {"status + owner", {.status = "active", .owner = "ana"}},
    {"expiring + kind", {.lifecycle = "expiring", .kind = "client"}},
    {"owner + end + currency", {.owner = "admin", .end_from = "2026-01-01", .currency = "EUR"}},
    {"text + status", {.text = "beta", .status = "draft", .include_deleted = 1}},
    {"active + amount",
     {.lifecycle = "active", .currency = "USD", .has_amount_min = 1, .amount_min = 10000}},
    {"nothing", {.owner = "rare", .status = "terminated", .kind = "client", .currency = "XAU"}},
    /* contracts_combo (schema_combo.h): columns left open become IN lists,
     * an end range after the owner is a range of the index */
    {"owner + expiring", {.owner = "ana", .lifecycle = "expiring"}},
    {"owner + kind + active", {.owner = "bob", .kind = "supplier", .lifecycle = "active"}},
    {"owner + unknown, deleted too",
     {.owner = "admin", .lifecycle = "unknown", .include_deleted = 1}},
    {"owner + end to", {.owner = "ana", .end_to = "2026-09-01"}},
    {"kind + currency", {.kind = "client", .currency = "RON"}},
    {"terminated + currency", {.lifecycle = "terminated", .currency = "EUR"}},
    {"expired + owner + kind", {.lifecycle = "expired", .owner = "bob", .kind = "client"}},
    {"four + upcoming",
     {.kind = "client",
      .status = "draft",
      .currency = "USD",
      .owner = "ana",
      .lifecycle = "upcoming"}},
    {"status + expiring + owner", {.status = "active", .lifecycle = "expiring", .owner = "bob"}},
};

static void test_filters_and_sorts(struct tdb *t, json_t *all)
{
    static const enum srv_list_force forces[] = {SRV_LIST_AUTO, SRV_LIST_FORCE_WALK,
                                                 SRV_LIST_FORCE_SEEK, SRV_LIST_FORCE_FALLBACK};
    long seeks0, fallbacks = srv__list_fallbacks(&seeks0);
    int walks = 0;

    for (size_t c = 0; c < sizeof(filter_cases) / sizeof(filter_cases[0]); c++) {
        for (int s = PACTA_SORT_DEFAULT; s < PACTA_SORT_RELEVANCE; s++) {
            for (int desc = 0; desc < 2; desc++) {
                struct pacta_list_args a = filter_cases[c].a;
                char *want;

                a.sort = (enum pacta_list_sort)s;
                a.desc = desc;
                want = expected(all, &a);
                for (size_t f = 0; f < 4; f++) {
                    for (int limit = 4; limit <= 500; limit += 496) {
                        int pages, n = 0;
                        char *got;

                        srv__list_force(forces[f]);
                        a.limit = limit;
                        got = walk(t, a, &pages);
                        walks++;
                        CHECKF(strcmp(got, want) == 0,
                               "%s, sort %s %s, force %zu, limit %d:\n got  %s\n want %s",
                               filter_cases[c].name, pacta_list_sort_name(a.sort),
                               desc ? "desc" : "asc", f, limit, got, want);
                        for (const char *p = want; *p; p++)
                            n += *p == ' ';
                        n += want[0] != '\0';
                        CHECKF(pages == (n ? (n + limit - 1) / limit : 1), "%s: %d pages for %d",
                               filter_cases[c].name, pages, n);
                        free(got);
                    }
                }
                free(want);
            }
        }
    }
    srv__list_force(SRV_LIST_AUTO);
    long seeks;
    fallbacks = srv__list_fallbacks(&seeks) - fallbacks;
    seeks -= seeks0;
    printf("%d walks, %ld fallbacks, %ld of them sought\n", walks, fallbacks, seeks);
    /* the fallback ran, and sought, with the results checked above.  Whether
     * some fallback also walked on instead of seeking varies from run to
     * run (0-2 of ~86 here), so it is printed, not required: asserting it
     * made this test fail in about two runs of three */
    CHECK(fallbacks > 20 && seeks > 0 && seeks <= fallbacks);
}

/* A cursor belongs to its listing: other filters, sort or order refuse it. */
static void test_bad_cursors(struct tdb *t)
{
    sqlite3 *r = srv_db_reader_acquire(t->db);
    struct pacta_error err;
    json_t *page = NULL, *other = NULL;
    struct pacta_list_args a = {.status = "active", .sort = PACTA_SORT_TITLE, .limit = 2};
    const struct pacta_list_args others[] = {
        {.status = "draft", .sort = PACTA_SORT_TITLE},
        {.sort = PACTA_SORT_TITLE},
        {.status = "active", .sort = PACTA_SORT_NUMBER},
        {.status = "active"},
        {.status = "active", .sort = PACTA_SORT_TITLE, .desc = 1},
        {.status = "active", .sort = PACTA_SORT_TITLE, .include_deleted = 1},
        {.status = "active", .sort = PACTA_SORT_TITLE, .q = "alpha"},
        {.status = "active", .q = "alpha"}, /* ranked */
    };

    REQUIRE(srv_db_read_contracts(r, &a, &page, &err) == 0);
    REQUIRE(json_is_string(json_object_get(page, "next_cursor")));
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        struct pacta_list_args b = others[i];
        b.cursor = t_str(page, "next_cursor");
        b.limit = 2;
        err = (struct pacta_error){0};
        CHECKF(srv_db_read_contracts(r, &b, &other, &err) == -PACTA_BAD_REQUEST, "other %zu", i);
        CHECK(other == NULL);
        CHECK_STR(err.field, "cursor");
    }
    /* the same listing with another page size is the same listing */
    a.cursor = t_str(page, "next_cursor");
    a.limit = 7;
    CHECK(srv_db_read_contracts(r, &a, &other, &err) == 0);
    json_decref(other);

    /* a forged key of the wrong type */
    uint8_t buf[1024];
    size_t len;
    REQUIRE(srv__b64url_decode(t_str(page, "next_cursor"), buf, sizeof(buf), &len) == 0);
    json_t *arr = json_loadb((const char *)buf, len, 0, NULL);
    REQUIRE(json_is_array(arr) && json_array_size(arr) == 4);
    json_array_set_new(arr, 2, json_integer(5));
    char *text = json_dumps(arr, JSON_COMPACT);
    char forged[1024];
    srv__b64url_encode((const uint8_t *)text, strlen(text), forged);
    a.cursor = forged;
    CHECK(srv_db_read_contracts(r, &a, &other, &err) == -PACTA_BAD_REQUEST);
    CHECK_STR(err.field, "cursor");
    free(text);
    json_decref(arr);
    json_decref(page);
    srv_db_reader_release(t->db, r);
}

/* ---- pages with edits in between ------------------------------------------ */

static json_t *find_by_id(json_t *all, const char *id, size_t *at)
{
    size_t i;
    json_t *rec;
    json_array_foreach(all, i, rec) if (strcmp(t_str(rec, "id"), id) == 0)
    {
        if (at)
            *at = i;
        return rec;
    }
    return NULL;
}

/* One random edit; the ids it changed (sort key, match or existence) are
 * marked in `touched`. */
static void random_edit(struct tdb *t, json_t *all, json_t *touched, int step)
{
    size_t at = rnd((uint32_t)json_array_size(all));
    json_t *rec = json_array_get(all, at), *changes;
    struct srv_write *w;
    char buf[32];

    if (step % 7 == 3) { /* a new contract */
        json_t *args = fixture_args((int)rnd(1000));
        snprintf(buf, sizeof(buf), "N-%04d", step);
        json_object_set_new(args, "number", json_string(buf));
        json_t *created = t_create(t, "admin", args);
        REQUIRE(created);
        json_object_set_new(touched, t_str(created, "id"), json_true());
        json_array_append_new(all, created);
        return;
    }
    if (!json_is_null(json_object_get(rec, "deleted_at")))
        return;
    if (step % 11 == 5) {
        w = t_write(
            t, SRV_W_CONTRACT_DELETE, "admin",
            json_pack("{s:s, s:I}", "id", t_str(rec, "id"), "version", t_int(rec, "version")));
    } else {
        switch (rnd(5)) {
        case 0:
            snprintf(buf, sizeof(buf), "Edited %d", step);
            changes = json_pack("{s:s}", "title", buf);
            break;
        case 1:
            date_at((int64_t)rnd(600) - 200, buf);
            changes = json_pack("{s:s, s:n}", "end_date", buf, "start_date");
            break;
        case 2:
            changes = json_pack("{s:I}", "amount_cents", (json_int_t)rnd(30000));
            break;
        case 3:
            snprintf(buf, sizeof(buf), "M-%04d", step);
            changes = json_pack("{s:s}", "number", buf);
            break;
        default:
            changes = json_pack("{s:s}", "description", "only this");
            break;
        }
        w = t_write(t, SRV_W_CONTRACT_UPDATE, "admin",
                    json_pack("{s:s, s:I, s:o, s:s}", "id", t_str(rec, "id"), "version",
                              t_int(rec, "version"), "changes", changes, "reason", "edit"));
    }
    REQUIRE(w->code == PACTA_OK);
    json_object_set_new(touched, t_str(rec, "id"), json_true());
    json_array_set(all, at, json_object_get(w->result, "contract"));
    srv_write_free(w);
}

/*
 * The guarantee of PROTOCOL.md §6.4: a contract that matches the filters
 * for the whole walk and keeps its sort key is returned exactly once.
 * "Touched" here is wider (any edit), so untouched rows are exactly once and
 * no row at all is returned twice unless it was touched.
 */
static void test_edits_between_pages(struct tdb *t, json_t *all)
{
    static const struct pacta_list_args walks[] = {
        {.limit = 5},
        {.limit = 4, .sort = PACTA_SORT_TITLE},
        {.limit = 6, .sort = PACTA_SORT_END_DATE, .desc = 1},
        {.limit = 3, .sort = PACTA_SORT_AMOUNT, .currency = "EUR"},
        {.limit = 5, .sort = PACTA_SORT_UPDATED_AT, .desc = 1},
        {.limit = 4, .sort = PACTA_SORT_START_DATE, .status = "active"},
        {.limit = 2, .sort = PACTA_SORT_COUNTERPARTY, .owner = "ana", .desc = 1},
        {.limit = 3, .lifecycle = "expired", .sort = PACTA_SORT_END_DATE},
        /* by number with a date range: RANGE under AUTO and SEEK */
        {.limit = 3, .end_from = "2026-01-01"},
        {.limit = 4, .sign_to = "2026-03-01", .kind = "client", .desc = 1},
    };
    int step = 0;

    for (int f = 0; f < 4; f++) {
        srv__list_force(f == 0   ? SRV_LIST_AUTO
                        : f == 1 ? SRV_LIST_FORCE_WALK
                        : f == 2 ? SRV_LIST_FORCE_SEEK
                                 : SRV_LIST_FORCE_FALLBACK);
        for (size_t wi = 0; wi < sizeof(walks) / sizeof(walks[0]); wi++) {
            struct pacta_list_args a = walks[wi];
            json_t *before = json_deep_copy(all), *touched = json_object();
            json_t *seen = json_object();
            char *cursor = NULL;
            sqlite3 *r = srv_db_reader_acquire(t->db);
            size_t i;
            json_t *rec;

            for (int pages = 0; pages < 500; pages++) {
                struct pacta_error err;
                json_t *page = NULL, *it;
                const json_t *prev = NULL;

                a.cursor = cursor;
                REQUIRE(srv_db_read_contracts(r, &a, &page, &err) == 0);
                json_array_foreach(json_object_get(page, "items"), i, it)
                {
                    json_int_t n = json_integer_value(json_object_get(seen, t_str(it, "id")));
                    json_object_set_new(seen, t_str(it, "id"), json_integer(n + 1));
                    if (prev) /* each page is in order */
                        CHECK(compare(prev, it, a.sort, a.desc) < 0);
                    prev = it;
                }
                if (!t_page_next(page, &cursor))
                    break;
                srv_db_reader_release(t->db, r);
                for (int e = 0; e < 2; e++)
                    random_edit(t, all, touched, ++step);
                r = srv_db_reader_acquire(t->db);
            }
            srv_db_reader_release(t->db, r);
            free(cursor);
            json_array_foreach(before, i, rec)
            {
                const char *id = t_str(rec, "id");
                json_int_t n = json_integer_value(json_object_get(seen, id));
                if (json_object_get(touched, id))
                    continue;
                CHECKF(n == (matches(rec, &a) ? 1 : 0), "walk %zu force %d: %s seen %lld times", wi,
                       f, t_str(rec, "number"), (long long)n);
            }
            const char *id;
            json_t *count;
            json_object_foreach(seen, id, count)
            {
                if (json_integer_value(count) > 1)
                    CHECKF(json_object_get(touched, id), "walk %zu: untouched %s seen twice", wi,
                           id);
            }
            json_decref(seen);
            json_decref(touched);
            json_decref(before);
        }
    }
    srv__list_force(SRV_LIST_AUTO);
    (void)find_by_id;
}

int main(void)
{
    struct tdb t;
    json_t *all;

    list_fixture_open(&t, &all);
    test_filters_and_sorts(&t, all);
    test_bad_cursors(&t);
    test_edits_between_pages(&t, all);
    list_fixture_close(&t, all);
    return t_finish();
}
