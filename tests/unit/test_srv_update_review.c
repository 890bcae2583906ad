/*
 * Review of contracts.update's writer path (db_write.c contract_update,
 * db_contract_row.c, clock.c): random edits of a few contracts, each held
 * to an oracle built from the row as it was before and from PROTOCOL.md
 * §5, §6.7, §7 and §8.
 *
 * For every write: the outcome and its error code and field in §6.7's
 * order of checks (stale version, merged dates, no-op, reason, number,
 * owner); on success, `changed` is the fields whose value differs, in §5
 * order, and the re-read row is the old one with the changes, version + 1,
 * updated_at the clock's time and updated_by the actor; the answer's text,
 * the event's payload and the change log's payload are json_dumps of the
 * objects made around the re-read row; the change is stamped with the
 * row's time; an active contract gets one supplement per changed field with
 * the old and new values and the reason.  A refused write changes nothing
 * (row, head, supplements) and a stale one carries the current record as
 * a re-read gives it.  The clock jumps around day, month, year and leap-day
 * boundaries and milliseconds .000/.999.
 */
#include <stdio.h>
#include <time.h>

#include "test_srv_db_util.h"

#define N_CONTRACTS 4
#define N_EDITS 700

static const char *const writable[] = {
    "number",    "title",       "counterparty", "kind",         "status",
    "sign_date", "start_date",  "end_date",     "amount_cents", "currency",
    "owner",     "description", "notice_days",  "renewal",      "renewal_months",
};
#define N_WRITABLE ((int)(sizeof writable / sizeof writable[0]))

static unsigned rnd_state = 12345;
static unsigned rnd(unsigned n)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 8) % n;
}

static char *dump(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

static int same_json_text(const json_t *a, const json_t *b)
{
    char *x = dump(a), *y = dump(b);
    int same = x && y && strcmp(x, y) == 0;
    free(x);
    free(y);
    return same;
}

static json_t *pick(const char *const *list, unsigned n)
{
    const char *s = list[rnd(n)];
    return s ? json_string(s) : json_null();
}

static const char *const texts[] = {
    "Plain",
    "Wartung \"Nord\" / Süd \\ West",
    "Ünïcode & Co 漢字 \xf0\x9f\x98\x80",
    "\xe2\x80\xa8 line sep U+2028 and U+FFFF \xef\xbf\xbf",
    "<script>alert(1)</script>",
    "  leading and trailing  ",
    "x",
};
static const char *const descriptions[] = {
    "", "two\nlines\tand a \\ and \"quotes\"", "€ 100\n\n\n", "\t", "Ω",
};
static const char *const dates[] = {
    NULL,         "1900-01-01", "2024-02-29", "2026-02-28", "2026-03-01", "2026-11-23",
    "2026-11-24", "2026-12-31", "2027-01-01", "2027-02-21", "9999-12-31", "2000-02-29",
};
static const char *const numbers[] = {"R-0", "R-1", "R-2", "R-3", "R-4", "R-5"};
static const char *const kinds[] = {"client", "supplier"};
static const char *const statuses[] = {"draft", "active", "active", "expired", "terminated"};
static const char *const currencies[] = {"EUR", "USD", "RON", "XAU"};
static const char *const owners[] = {"admin", "bob", "carol", "nobody"};
static const char *const renewals[] = {"none", "auto", "evergreen"};

static json_t *random_value(const char *field)
{
    if (!strcmp(field, "number"))
        return pick(numbers, 6);
    if (!strcmp(field, "title") || !strcmp(field, "counterparty"))
        return pick(texts, sizeof texts / sizeof texts[0]);
    if (!strcmp(field, "kind"))
        return pick(kinds, 2);
    if (!strcmp(field, "status"))
        return pick(statuses, 5);
    if (!strcmp(field, "sign_date") || !strcmp(field, "start_date") || !strcmp(field, "end_date"))
        return pick(dates, sizeof dates / sizeof dates[0]);
    if (!strcmp(field, "amount_cents")) {
        static const json_int_t a[] = {0, 1, 999, 1000000000000000LL, 999999999999999LL, 4200};
        return json_integer(a[rnd(6)]);
    }
    if (!strcmp(field, "currency"))
        return pick(currencies, 4);
    if (!strcmp(field, "owner"))
        return pick(owners, 4);
    if (!strcmp(field, "description"))
        return pick(descriptions, sizeof descriptions / sizeof descriptions[0]);
    if (!strcmp(field, "notice_days")) {
        static const int a[] = {0, 1, 30, 3650, 365};
        return json_integer(a[rnd(5)]);
    }
    if (!strcmp(field, "renewal"))
        return pick(renewals, 3);
    static const int m[] = {1, 12, 120, 6};
    return json_integer(m[rnd(4)]);
}

/* Clock values: day/month/year/leap-day boundaries, .000 and .999. */
static int64_t next_clock(int64_t now)
{
    static const int64_t fixed[] = {
        1795391999999,   /* 2026-11-22T23:59:59.999 */
        1795392000000,   /* 2026-11-23T00:00:00.000 */
        1798761599999,   /* 2026-12-31T23:59:59.999 */
        1798761600000,   /* 2027-01-01 */
        1709164799999,   /* 2024-02-28T23:59:59.999 */
        1709164800000,   /* 2024-02-29T00:00:00.000 */
        1709251199999,   /* 2024-02-29T23:59:59.999 */
        951868799999,    /* 2000-02-29T23:59:59.999 */
        86400000,        /* 1970-01-02 */
        253402300799999, /* 9999-12-31T23:59:59.999 */
    };
    if (rnd(8) == 0)
        return fixed[rnd(sizeof fixed / sizeof fixed[0])];
    now += 1 + (int64_t)rnd(90000000);
    /* past 9999 is beyond the server's dates (§4): back to 2026 */
    return now < 253402300800000 ? now : 1795391000000;
}

static void iso_of(int64_t ms, char out[32])
{
    time_t sec = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03dZ", (int)(ms % 1000));
}

static int64_t supplements_of(struct tdb *t, const char *id)
{
    sqlite3 *r = srv_db_reader_acquire(t->db);
    int64_t n = t_count(r, "SELECT count(*) FROM supplements WHERE contract_id = ?", id);
    srv_db_reader_release(t->db, r);
    return n;
}

/* The change log row's created_at and payload (seq), malloc'd. */
static void change_row(struct tdb *t, int64_t seq, char **created_at, char **payload)
{
    sqlite3 *r = srv_db_reader_acquire(t->db);
    sqlite3_stmt *st = NULL;
    *created_at = *payload = NULL;
    if (sqlite3_prepare_v2(r, "SELECT created_at, payload FROM changes WHERE seq = ?", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, seq);
        if (sqlite3_step(st) == SQLITE_ROW) {
            *created_at = strdup((const char *)sqlite3_column_text(st, 0));
            *payload = strdup((const char *)sqlite3_column_text(st, 1));
        }
    }
    sqlite3_finalize(st);
    srv_db_reader_release(t->db, r);
}

/* The supplements of id above `after` (by id): checks them against the edit. */
static void check_supplements(struct tdb *t, const char *id, int64_t after, const json_t *before,
                              const json_t *changes, const json_t *changed, const char *reason,
                              const char *actor, const char *now, int64_t now_ms, int step)
{
    sqlite3 *r = srv_db_reader_acquire(t->db);
    sqlite3_stmt *st = NULL;
    size_t k = 0;
    char day[11];
    time_t sec = (time_t)(now_ms / 1000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    REQUIRE(sqlite3_prepare_v2(r,
                               "SELECT field, old_value, new_value, reason, effective_date, "
                               "author, created_at FROM supplements WHERE contract_id = ?1 AND "
                               "id > ?2 ORDER BY id",
                               -1, &st, NULL) == SQLITE_OK);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, after);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *field = (const char *)sqlite3_column_text(st, 0);
        const char *want_field = json_string_value(json_array_get(changed, k));
        CHECKF(want_field && !strcmp(field, want_field), "step %d: supplement %zu is %s, not %s",
               step, k, field, want_field ? want_field : "(none)");
        if (want_field) {
            char *old_v = dump(json_object_get(before, want_field));
            char *new_v = dump(json_object_get(changes, want_field));
            CHECKF(!strcmp((const char *)sqlite3_column_text(st, 1), old_v),
                   "step %d: %s old_value %s, want %s", step, field, sqlite3_column_text(st, 1),
                   old_v);
            CHECKF(!strcmp((const char *)sqlite3_column_text(st, 2), new_v),
                   "step %d: %s new_value %s, want %s", step, field, sqlite3_column_text(st, 2),
                   new_v);
            free(old_v);
            free(new_v);
        }
        CHECKF(reason && !strcmp((const char *)sqlite3_column_text(st, 3), reason),
               "step %d: supplement reason", step);
        CHECKF(!strcmp((const char *)sqlite3_column_text(st, 4), day),
               "step %d: effective_date %s, the UTC day of %s is %s", step,
               sqlite3_column_text(st, 4), now, day);
        CHECKF(!strcmp((const char *)sqlite3_column_text(st, 5), actor), "step %d: author", step);
        CHECKF(!strcmp((const char *)sqlite3_column_text(st, 6), now),
               "step %d: supplement created_at %s, the edit's time %s", step,
               sqlite3_column_text(st, 6), now);
        k++;
    }
    sqlite3_finalize(st);
    srv_db_reader_release(t->db, r);
    CHECKF(k == json_array_size(changed), "step %d: %zu supplements for %zu changed fields", step,
           k, json_array_size(changed));
}

/* The outcome §6.7's checks give, in its order: 0 (ok, maybe no-op) or the
 * code with *field. */
static int oracle(const json_t *before, json_int_t version, const json_t *changes,
                  const char *reason, json_t *const *rows, int self, json_t *changed,
                  const char **field)
{
    *field = NULL;
    if (version != t_int(before, "version")) {
        *field = "version";
        return PACTA_CONFLICT;
    }
    const json_t *s = json_object_get(changes, "start_date");
    const json_t *e = json_object_get(changes, "end_date");
    const char *start = json_string_value(s ? s : json_object_get(before, "start_date"));
    const char *end = json_string_value(e ? e : json_object_get(before, "end_date"));
    if (start && end && strcmp(start, end) > 0) {
        *field = "end_date";
        return PACTA_BAD_REQUEST;
    }
    for (int i = 0; i < N_WRITABLE; i++) {
        const json_t *v = json_object_get(changes, writable[i]);
        if (v && !json_equal((json_t *)v, json_object_get(before, writable[i])))
            json_array_append_new(changed, json_string(writable[i]));
    }
    if (json_array_size(changed) == 0)
        return 0;
    if (!strcmp(t_str(before, "status"), "active") && !reason) {
        *field = "reason";
        return PACTA_BAD_REQUEST;
    }
    const char *number = json_string_value(json_object_get(changes, "number"));
    if (number && strcmp(number, t_str(before, "number")) != 0) {
        for (int i = 0; i < N_CONTRACTS; i++) {
            if (i != self && !strcmp(t_str(rows[i], "number"), number)) {
                *field = "number";
                return PACTA_CONFLICT;
            }
        }
    }
    const char *owner = json_string_value(json_object_get(changes, "owner"));
    if (owner && strcmp(owner, t_str(before, "owner")) != 0 && !strcmp(owner, "nobody")) {
        *field = "owner";
        return PACTA_BAD_REQUEST;
    }
    return 0;
}

static void test_random_edits(void)
{
    struct tdb t = {0};
    json_t *rows[N_CONTRACTS];
    const char *actors[] = {"admin", "bob"};
    int64_t now_ms = 1795391000000; /* 2026-11-22T22:43:20Z */
    int counts[4] = {0};            /* ok, no-op, conflict, refused */

    srv_clock_set_fake_ms(now_ms);
    t_open(&t);
    t_add_user(&t, "bob", "editor");
    t_add_user(&t, "carol", "viewer");
    for (int i = 0; i < N_CONTRACTS; i++) {
        char number[16];
        snprintf(number, sizeof number, "R-%d", i);
        json_t *rec = t_create(&t, "admin", t_contract_args(number, "Random", "client"));
        REQUIRE(rec);
        rows[i] = t_get(&t, t_str(rec, "id"));
        json_decref(rec);
    }
    for (int step = 0; step < N_EDITS; step++) {
        int self = (int)rnd(N_CONTRACTS);
        char id[37];
        snprintf(id, sizeof id, "%s", t_str(rows[self], "id"));
        const char *actor = actors[rnd(2)];
        now_ms = next_clock(now_ms);
        srv_clock_set_fake_ms(now_ms);
        /* the row as the clock now has it (derived members) */
        json_t *before = t_get(&t, id);
        json_decref(rows[self]);
        rows[self] = json_incref(before);

        json_t *changes = json_object();
        for (int n = 1 + (int)rnd(3), i = 0; i < n; i++) {
            const char *f = writable[rnd(N_WRITABLE)];
            json_object_set_new(changes, f, random_value(f));
        }
        if (rnd(5) == 0) /* the same value again */
            json_object_set(changes, "title", json_object_get(before, "title"));
        json_int_t version = t_int(before, "version");
        if (version > 1 && rnd(10) == 0)
            version -= 1 + (json_int_t)rnd((unsigned)version - 1);
        const char *reason = NULL;
        static const char *const reasons[] = {"price indexation", "Grund: \"verlängert\" \\ ok",
                                              "漢"};
        if (rnd(!strcmp(t_str(before, "status"), "active") ? 8 : 3) != 0)
            reason = reasons[rnd(3)];

        json_t *want_changed = json_array();
        const char *want_field;
        int want = oracle(before, version, changes, reason, rows, self, want_changed, &want_field);
        char *changes_text = dump(changes);

        sqlite3 *r = srv_db_reader_acquire(t.db);
        int64_t head = srv_db_read_head_seq(r);
        int64_t last_supplement = t_count(r, "SELECT coalesce(max(id), 0) FROM supplements", NULL);
        srv_db_reader_release(t.db, r);
        int64_t supplements = supplements_of(&t, id);

        json_t *args =
            json_pack("{s:s, s:I, s:O}", "id", id, "version", version, "changes", changes);
        if (reason)
            json_object_set_new(args, "reason", json_string(reason));
        struct srv_write *w = t_write(&t, SRV_W_CONTRACT_UPDATE, actor, args);
        json_t *after = t_get(&t, id);

        CHECKF(w->code == want, "step %d at %lld: code %d (%s: %s), want %d (%s); changes %s", step,
               (long long)now_ms, w->code, w->err.field, w->err.message, want,
               want_field ? want_field : "", changes_text);
        if (want != 0 && w->code == want)
            CHECKF(!strcmp(w->err.field, want_field), "step %d: field %s, want %s", step,
                   w->err.field, want_field);

        r = srv_db_reader_acquire(t.db);
        int64_t head_after = srv_db_read_head_seq(r);
        srv_db_reader_release(t.db, r);

        if (w->code != PACTA_OK || json_array_size(json_object_get(w->result, "changed")) == 0) {
            counts[w->code == PACTA_OK ? 1 : w->code == PACTA_CONFLICT ? 2 : 3]++;
            /* nothing changed, nothing logged */
            CHECKF(same_json_text(before, after),
                   "step %d: a refused or no-op write changed "
                   "the row",
                   step);
            CHECKF(head_after == head, "step %d: head moved without a change", step);
            CHECKF(supplements_of(&t, id) == supplements, "step %d: supplements written", step);
            CHECKF(json_array_size(w->events) == 0, "step %d: events", step);
            if (w->code == PACTA_OK)
                CHECKF(same_json_text(json_object_get(w->result, "contract"), after),
                       "step %d: no-op answer != row", step);
            if (w->code == PACTA_CONFLICT && !strcmp(w->err.field, "version")) {
                const json_t *cur = json_object_get(w->error_extra, "current");
                CHECKF(cur && same_json_text(cur, after), "step %d: current != row", step);
            } else {
                CHECKF(w->error_extra == NULL, "step %d: error_extra on %s", step, w->err.field);
            }
        } else {
            counts[0]++;
            const json_t *changed = json_object_get(w->result, "changed");
            CHECKF(json_equal((json_t *)changed, want_changed),
                   "step %d: changed differs; changes %s", step, changes_text);
            /* the row is the old one with the changes */
            json_t *want_row = json_deep_copy(before);
            json_object_update(want_row, changes);
            char now[32];
            iso_of(now_ms, now);
            json_object_set_new(want_row, "version", json_integer(version + 1));
            json_object_set_new(want_row, "updated_at", json_string(now));
            json_object_set_new(want_row, "updated_by", json_string(actor));
            static const char *const derived[] = {"notice_deadline", "days_left", "lifecycle"};
            for (int i = 0; i < 3; i++)
                json_object_set(want_row, derived[i], json_object_get(after, derived[i]));
            CHECKF(same_json_text(want_row, after), "step %d: row is not the merge", step);
            json_decref(want_row);

            json_t *want_result = json_pack("{s:O, s:O}", "contract", after, "changed", changed);
            char *result_text = dump(want_result);
            CHECKF(w->result_text && result_text && strlen(result_text) == w->result_len &&
                       !memcmp(w->result_text, result_text, w->result_len),
                   "step %d: answer differs\n  sent:  %.*s\n  dumps: %s", step, (int)w->result_len,
                   w->result_text ? w->result_text : "", result_text);
            json_t *want_data =
                json_pack("{s:O, s:O, s:s}", "contract", after, "changed", changed, "actor", actor);
            if (reason)
                json_object_set_new(want_data, "reason", json_string(reason));
            char *data_text = dump(want_data);
            REQUIRE(json_array_size(w->events) == 1);
            const json_t *ev = json_array_get(w->events, 0);
            int64_t seq = t_int(ev, "seq");
            CHECKF(seq == head_after && seq > head, "step %d: seq", step);
            CHECKF(!strcmp(t_str(ev, "event"), "contract.updated"), "step %d: event name", step);
            CHECKF(t_str(ev, "payload") && !strcmp(t_str(ev, "payload"), data_text),
                   "step %d: payload differs\n  sent:  %s\n  dumps: %s", step, t_str(ev, "payload"),
                   data_text);
            char *stamp = NULL, *stored = NULL;
            change_row(&t, seq, &stamp, &stored);
            CHECKF(stored && !strcmp(stored, data_text), "step %d: stored payload differs", step);
            CHECKF(stamp && !strcmp(stamp, now), "step %d: change stamped %s, row %s", step,
                   stamp ? stamp : "", now);
            if (!strcmp(t_str(before, "status"), "active"))
                check_supplements(&t, id, last_supplement, before, changes, changed, reason, actor,
                                  now, now_ms, step);
            else
                CHECKF(supplements_of(&t, id) == supplements,
                       "step %d: supplements for a contract that was not active", step);
            free(stamp);
            free(stored);
            free(data_text);
            free(result_text);
            json_decref(want_data);
            json_decref(want_result);
        }
        json_decref(rows[self]);
        rows[self] = json_incref(after);
        json_decref(after);
        json_decref(before);
        json_decref(want_changed);
        json_decref(changes);
        free(changes_text);
        srv_write_free(w);
    }
    fprintf(stderr, "edits: %d changed, %d no-op, %d conflicts, %d refused\n", counts[0], counts[1],
            counts[2], counts[3]);
    CHECK(counts[0] > N_EDITS / 4 && counts[1] > 5 && counts[2] > 10 && counts[3] > 10);
    for (int i = 0; i < N_CONTRACTS; i++)
        json_decref(rows[i]);
    srv_clock_set_fake_ms(0);
    t_close(&t);
}

/* With the real clock: an edit of an active contract stamps its row, its
 * change and its supplements with one time (PROTOCOL §6.9's example: the
 * supplement's created_at is the edit's updated_at), and the supplement's
 * effective_date is that time's UTC day. */
static void test_real_clock_stamps(void)
{
    struct tdb t = {0};
    int differ = 0, edits = 400;

    srv_clock_set_fake_ms(0);
    t_open(&t);
    json_t *rec = t_create(&t, "admin", t_contract_args("S-1", "Stamps", "client"));
    REQUIRE(rec);
    char id[37];
    snprintf(id, sizeof id, "%s", t_str(rec, "id"));
    json_int_t v = t_int(rec, "version");
    json_decref(rec);
    CHECK(t_write_code(&t, SRV_W_CONTRACT_UPDATE, "admin",
                       json_pack("{s:s, s:I, s:{s:s}}", "id", id, "version", v, "changes", "status",
                                 "active")) == PACTA_OK);
    v++;
    for (int i = 0; i < edits; i++, v++) {
        CHECK(t_write_code(&t, SRV_W_CONTRACT_UPDATE, "admin",
                           json_pack("{s:s, s:I, s:{s:i}, s:s}", "id", id, "version", v, "changes",
                                     "notice_days", i % 2 ? 5 : 6, "reason", "r")) == PACTA_OK);
        sqlite3 *r = srv_db_reader_acquire(t.db);
        sqlite3_stmt *st = NULL;
        REQUIRE(sqlite3_prepare_v2(r,
                                   "SELECT c.updated_at, s.created_at, s.effective_date, "
                                   "substr(c.updated_at, 1, 10), (SELECT created_at FROM changes "
                                   "ORDER BY seq DESC LIMIT 1) FROM contracts c, supplements s "
                                   "WHERE c.id = ?1 AND s.id = (SELECT max(id) FROM supplements)",
                                   -1, &st, NULL) == SQLITE_OK);
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        REQUIRE(sqlite3_step(st) == SQLITE_ROW);
        const char *row = (const char *)sqlite3_column_text(st, 0);
        const char *sup = (const char *)sqlite3_column_text(st, 1);
        const char *change = (const char *)sqlite3_column_text(st, 4);
        CHECKF(!strcmp(row, change), "edit %d: row %s, change %s", i, row, change);
        if (strcmp(row, sup) != 0 || strcmp((const char *)sqlite3_column_text(st, 2),
                                            (const char *)sqlite3_column_text(st, 3)) != 0) {
            if (differ++ < 3)
                fprintf(stderr, "edit %d: row %s, supplement %s (effective %s)\n", i, row, sup,
                        sqlite3_column_text(st, 2));
        }
        sqlite3_finalize(st);
        srv_db_reader_release(t.db, r);
    }
    CHECKF(differ == 0, "%d of %d supplements stamped with another time than their edit", differ,
           edits);
    t_close(&t);
}

int main(void)
{
    setenv("PACTA_ADMIN_PASSWORD", "admin-secret", 1);
    if (getenv("REVIEW_SEED")) /* another walk: REVIEW_SEED=n */
        rnd_state = (unsigned)strtoul(getenv("REVIEW_SEED"), NULL, 10);
    test_random_edits();
    test_real_clock_stamps();
    return t_finish();
}
