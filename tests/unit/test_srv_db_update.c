/*
 * contracts.update builds the record it answers and broadcasts from the
 * merged record instead of reading the row back (db_write.c
 * stored_record).  These tests hold it to what re-reading gave: for an
 * update of every writable field (and of several at once, and back to null),
 * the result's record, the event's record, the event's payload text (what
 * the broadcast sends) and the stored change-log payload are byte-for-byte
 * the re-read row and json_dumps of the event data, and the result's text
 * (what the answer sends) and the payload are json_dumps of the result and
 * the event data made around the re-read row.
 */
#include <stdio.h>
#include <time.h>

#include <pacta/json_text.h>

#include "test_srv_db_util.h"

static char *dump(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

struct last_payload {
    int64_t seq;
    char *text;
};

static int keep_payload(void *ctx, int64_t seq, const char *event, const char *payload, size_t len)
{
    struct last_payload *p = ctx;
    (void)event;
    free(p->text);
    p->seq = seq;
    p->text = strndup(payload, len);
    return 0;
}

/* Applies `changes` (stolen) to the contract at *version, checks the three
 * texts against the re-read row, and moves *version on. */
static void check_update(struct tdb *t, const char *id, json_int_t *version, json_t *changes,
                         const char *reason, const char *what)
{
    json_t *args = json_pack("{s:s, s:I, s:o}", "id", id, "version", *version, "changes", changes);
    if (reason)
        json_object_set_new(args, "reason", json_string(reason));
    struct srv_write *w = t_write(t, SRV_W_CONTRACT_UPDATE, "admin", args);
    CHECKF(w->code == PACTA_OK, "%s: %s %s", what, w->err.field, w->err.message);
    if (w->code != PACTA_OK) {
        srv_write_free(w);
        return;
    }
    const json_t *result = json_object_get(w->result, "contract");
    CHECKF(json_array_size(json_object_get(w->result, "changed")) > 0, "%s: nothing changed", what);
    CHECKF(t_int(result, "version") == *version + 1, "%s: version", what);
    *version = t_int(result, "version");

    json_t *row = t_get(t, id);
    char *row_text = dump(row), *result_text = dump(result);
    CHECKF(row_text && result_text && strcmp(row_text, result_text) == 0,
           "%s: result != row\n  row:    %s\n  result: %s", what, row_text, result_text);

    REQUIRE(json_array_size(w->events) == 1);
    const json_t *ev = json_array_get(w->events, 0);
    const json_t *data = json_object_get(ev, "data");
    char *event_text = dump(json_object_get(data, "contract"));
    CHECKF(event_text && strcmp(row_text, event_text) == 0, "%s: event record != row", what);

    struct last_payload p = {0};
    sqlite3 *r = srv_db_reader_acquire(t->db);
    srv_db_scan_changes(r, t_int(ev, "seq") - 1, 1, keep_payload, &p);
    srv_db_reader_release(t->db, r);
    char *data_text = dump(data);
    CHECK(p.seq == t_int(ev, "seq"));
    CHECKF(p.text && data_text && strcmp(p.text, data_text) == 0,
           "%s: stored payload != json_dumps(data)\n  stored: %s\n  dumps:  %s", what, p.text,
           data_text);
    CHECKF(data_text && strcmp(t_str(ev, "payload"), data_text) == 0,
           "%s: the event's payload (what the broadcast sends) != json_dumps(data)", what);
    /* The texts as written (the trees above are parsed from them, so they
     * cannot tell an escape or a number written differently): the answer's
     * result and the payload are json_dumps of the objects made around the
     * re-read row. */
    json_t *want_result =
        json_pack("{s:O, s:O}", "contract", row, "changed", json_object_get(w->result, "changed"));
    json_t *want_data = json_pack("{s:O, s:O, s:s}", "contract", row, "changed",
                                  json_object_get(w->result, "changed"), "actor", "admin");
    if (reason)
        json_object_set_new(want_data, "reason", json_string(reason));
    char *whole_result = dump(want_result), *whole_data = dump(want_data);
    CHECKF(w->result_text && whole_result && w->result_len == strlen(whole_result) &&
               memcmp(w->result_text, whole_result, w->result_len) == 0,
           "%s: result_text != json_dumps(result around the row)\n  text:  %.*s\n  dumps: %s", what,
           (int)w->result_len, w->result_text ? w->result_text : "", whole_result);
    CHECKF(p.text && whole_data && strcmp(p.text, whole_data) == 0,
           "%s: stored payload != json_dumps(data around the row)\n  stored: %s\n  dumps:  %s",
           what, p.text, whole_data);
    CHECKF(whole_data && strcmp(t_str(ev, "payload"), whole_data) == 0,
           "%s: the event's payload != json_dumps(data around the row)", what);
    free(whole_result);
    free(whole_data);
    json_decref(want_result);
    json_decref(want_data);
    free(p.text);
    free(data_text);
    free(event_text);
    free(row_text);
    free(result_text);
    json_decref(row);
    srv_write_free(w);
}

static void test_every_field(void)
{
    struct tdb t = {0};
    t_open(&t);
    t_add_user(&t, "bob", "editor");
    json_t *rec = t_create(&t, "admin", t_contract_args("F-1", "Fields", "client"));
    REQUIRE(rec);
    const char *id = t_str(rec, "id");
    json_int_t v = t_int(rec, "version");

    check_update(&t, id, &v, json_pack("{s:s}", "number", "F-1b"), NULL, "number");
    check_update(&t, id, &v, json_pack("{s:s}", "title", "Wartung \"Nord\" / Süd"), NULL, "title");
    check_update(&t, id, &v, json_pack("{s:s}", "counterparty", "Ünïcode & Co 漢"), NULL,
                 "counterparty");
    check_update(&t, id, &v, json_pack("{s:s}", "kind", "supplier"), NULL, "kind");
    check_update(&t, id, &v, json_pack("{s:s}", "sign_date", "2026-01-02"), NULL, "sign_date");
    check_update(&t, id, &v, json_pack("{s:s}", "start_date", "2026-02-01"), NULL, "start_date");
    check_update(&t, id, &v, json_pack("{s:s}", "end_date", "2027-01-31"), NULL, "end_date");
    check_update(&t, id, &v, json_pack("{s:I}", "amount_cents", (json_int_t)123456789), NULL,
                 "amount_cents");
    check_update(&t, id, &v, json_pack("{s:s}", "currency", "USD"), NULL, "currency");
    check_update(&t, id, &v, json_pack("{s:s}", "owner", "bob"), NULL, "owner");
    check_update(&t, id, &v,
                 json_pack("{s:s}", "description", "two\nlines\tand a \\ and \"quotes\""), NULL,
                 "description");
    check_update(&t, id, &v, json_pack("{s:i}", "notice_days", 45), NULL, "notice_days");
    check_update(&t, id, &v, json_pack("{s:s}", "renewal", "auto"), NULL, "renewal");
    check_update(&t, id, &v, json_pack("{s:i}", "renewal_months", 6), NULL, "renewal_months");
    check_update(&t, id, &v, json_pack("{s:s}", "status", "active"), NULL, "status");
    /* active: a reason, supplements; several fields at once; dates back to null
     * (the derived members change with them) */
    check_update(&t, id, &v,
                 json_pack("{s:n, s:n, s:s, s:i, s:s}", "end_date", "start_date", "title",
                           "Several", "notice_days", 0, "renewal", "evergreen"),
                 "restructured", "several, dates to null");
    check_update(&t, id, &v,
                 json_pack("{s:s, s:s}", "end_date", "2020-01-01", "sign_date", "2019-12-01"),
                 "backdated", "expired by its end date");
    check_update(&t, id, &v, json_pack("{s:s}", "status", "terminated"), "ended", "terminated");
    json_decref(rec);
    t_close(&t);
}

/* The no-change update answers the current record as read, unchanged. */
static void test_no_change(void)
{
    struct tdb t = {0};
    t_open(&t);
    json_t *rec = t_create(&t, "admin", t_contract_args("N-1", "Same", "client"));
    REQUIRE(rec);
    struct srv_write *w =
        t_write(&t, SRV_W_CONTRACT_UPDATE, "admin",
                json_pack("{s:s, s:I, s:{s:s}}", "id", t_str(rec, "id"), "version",
                          t_int(rec, "version"), "changes", "title", "Same"));
    CHECK(w->code == PACTA_OK && json_array_size(w->events) == 0);
    json_t *row = t_get(&t, t_str(rec, "id"));
    char *a = dump(row), *b = dump(json_object_get(w->result, "contract"));
    CHECK(a && b && strcmp(a, b) == 0);
    free(a);
    free(b);
    json_decref(row);
    srv_write_free(w);
    json_decref(rec);
    t_close(&t);
}

/* The stamps an edit writes (updated_at, the change's created_at) are
 * formatted by hand (clock.c): the same text strftime and snprintf gave. */
static void test_iso_text(void)
{
    static const int64_t fixed[] = {0,
                                    1,
                                    999,
                                    1000,
                                    59999,
                                    86399999,
                                    951782400000,    /* 2000-02-29 */
                                    1795392000123,   /* 2026-11-23 */
                                    253402300799999, /* 9999-12-31T23:59:59.999 */
                                    253402300800000, /* year 10000: strftime's way */
                                    -1,              /* before 1970: strftime's way */
                                    -86400001};
    srand(7);
    for (int i = 0; i < 2000; i++) {
        int64_t ms = i < (int)(sizeof fixed / sizeof fixed[0])
                         ? fixed[i]
                         : ((int64_t)rand() << 20 ^ rand()) % 253402300800000;
        char got[32], want[32];
        time_t sec = (time_t)(ms / 1000);
        struct tm tm;
        gmtime_r(&sec, &tm);
        size_t n = strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(want + n, sizeof want - n, ".%03uZ", (unsigned)(int)(ms % 1000) % 1000u);
        srv__iso_from_ms(ms, got);
        CHECKF(strcmp(got, want) == 0, "%lld: %s, strftime %s", (long long)ms, got, want);
    }
}

int main(void)
{
    setenv("PACTA_ADMIN_PASSWORD", "admin-secret", 1);
    test_iso_text();
    test_every_field();
    test_no_change();
    return t_finish();
}
