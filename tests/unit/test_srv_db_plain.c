/*
 * Group commit without a SAVEPOINT per write (db_writer.c run_plain): a batch of
 * contract writes runs in one transaction without them, and one of its
 * writes that fails half done -- here its change-log row refused by a
 * trigger the test adds, after its UPDATE went through -- must still fail
 * alone: the batch is rolled back and run again with a SAVEPOINT per
 * write, the others commit with contiguous seqs, and the failed write left
 * nothing behind, in the search indexes either.  A write refused before
 * it changed anything (a stale version) needs no second run.  Two edits of
 * one contract in a batch leave the indexes with the second.  The writes
 * are made to share a batch by holding the write lock from another
 * connection while they are queued (run_locked).
 */
#include <time.h>

#include "db_short.h"
#include "test_srv_db_util.h"

enum { N = 20, HALF_DONE = 10, STALE = 5 };

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Makes the writes share one batch: another connection holds the write
 * lock, a readiness write is queued first, which the writer takes alone and
 * waits with for the lock, then lead (if any) and the n writes are queued
 * behind it: the next batch.  Then the lock goes and the loop runs until
 * all are done; the readiness write is freed here. */
static void run_locked(struct tdb *t, struct srv_write *lead, struct srv_write **ws, int n)
{
    sqlite3 *locker = t_raw(t);
    struct srv_write *opener = srv_write_new(SRV_W_NOOP, "system", NULL);

    REQUIRE(sqlite3_exec(locker, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);
    t_ncompleted = 0;
    opener->done = t_on_done;
    REQUIRE(srv_db_submit(t->db, opener) == 0);
    sleep_ms(200);
    if (lead) {
        lead->done = t_on_done;
        REQUIRE(srv_db_submit(t->db, lead) == 0);
    }
    for (int i = 0; i < n; i++) {
        ws[i]->done = t_on_done;
        REQUIRE(srv_db_submit(t->db, ws[i]) == 0);
    }
    sleep_ms(100);
    sqlite3_exec(locker, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(locker);
    uv_run(&t->loop, UV_RUN_DEFAULT);
    REQUIRE(t_ncompleted == 1 + n + (lead != NULL));
    CHECK(t_completed[0] == opener && opener->code == PACTA_OK);
    srv_write_free(opener);
}

/* The amount, and what the search indexes must follow: a description word
 * "wAMOUNT" (the word index) and a title "tAMOUNTx" (the trigram and
 * short-text indexes). */
static json_t *update_args(const json_t *rec, json_int_t version, json_int_t amount)
{
    char word[32], title[32];

    snprintf(word, sizeof word, "w%lld", (long long)amount);
    snprintf(title, sizeof title, "t%lldx", (long long)amount);
    return json_pack("{s:s, s:I, s:{s:I, s:s, s:s}}", "id", t_str(rec, "id"), "version", version,
                     "changes", "amount_cents", amount, "description", word, "title", title);
}

/* A connection that can read the short-text index (its tokenizer). */
static sqlite3 *raw_with_short(struct tdb *t)
{
    char err[128];
    sqlite3 *raw = t_raw(t);

    REQUIRE(srv_short_register(raw, err, sizeof err) == 0);
    return raw;
}

/* Whether the edit to `amount` is in every search index (want 1) or in
 * none (0). */
static void check_edit_indexed(sqlite3 *raw, json_int_t amount, int want)
{
    char q[32];

    snprintf(q, sizeof q, "w%lld", (long long)amount);
    int words = t_count(raw, "SELECT count(*) FROM contracts_fts WHERE contracts_fts MATCH ?", q);
    snprintf(q, sizeof q, "\"t%lldx\"", (long long)amount);
    int trigrams =
        t_count(raw, "SELECT count(*) FROM contracts_text WHERE contracts_text MATCH ?", q);
    CHECKF(words == want && trigrams == want, "edit %lld: %d word hits, %d trigram hits, want %d",
           (long long)amount, words, trigrams, want);
}

/* The search indexes after the batch: `edited` titles carry an "x" (one
 * short-text doclist), `unedited` are still "plain" (trigrams), every word
 * index row agrees with its contract, and no note is left
 * (schema_fts_pending.h: brought up to date before the COMMIT). */
static void check_search_index(sqlite3 *raw, int edited, int unedited)
{
    CHECK(
        t_count(raw,
                "SELECT count(*) FROM contracts c JOIN contracts_fts_map m ON m.id = c.id"
                " JOIN contracts_fts f ON f.rowid = m.rid WHERE f.description IS NOT c.description"
                " OR f.title IS NOT c.title OR f.number IS NOT c.number",
                NULL) == 0);
    int x =
        t_count(raw, "SELECT count(*) FROM contracts_short WHERE contracts_short MATCH 'x'", NULL);
    CHECKF(x == edited, "short-text index: %d rows with an x, want %d", x, edited);
    int plain = t_count(
        raw, "SELECT count(*) FROM contracts_text WHERE contracts_text MATCH 'plain'", NULL);
    CHECKF(plain == unedited, "trigram index: %d rows still plain, want %d", plain, unedited);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_fts_pending", NULL) == 0);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_text_pending", NULL) == 0);
}

/* lead: NULL (contract writes only: run_plain first) or a write of another
 * kind (a SAVEPOINT per write from the start) */
static void one_half_done(enum srv_write_kind lead_kind)
{
    struct tdb t = {0};
    json_t *recs[N];
    struct srv_write *ws[N], *lead = NULL;
    struct srv_db_stats st0, st1;
    char num[32], sql[256];

    t_open(&t);
    for (int i = 0; i < N; i++) {
        snprintf(num, sizeof num, "P-%02d", i);
        REQUIRE((recs[i] = t_create(&t, "admin", t_contract_args(num, "plain", "client"))));
    }
    const char *refused = t_str(recs[HALF_DONE], "id");
    sqlite3 *raw = t_raw(&t);
    snprintf(sql, sizeof sql,
             "CREATE TRIGGER test_refuse BEFORE INSERT ON changes WHEN new.entity_id = '%s' "
             "AND new.event = 'contract.updated' BEGIN SELECT RAISE(ABORT, 'refused'); END",
             refused);
    REQUIRE(sqlite3_exec(raw, sql, NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(raw);
    int64_t head = t_head(&t);

    srv_db_get_stats(t.db, &st0);
    for (int i = 0; i < N; i++)
        ws[i] = srv_write_new(SRV_W_CONTRACT_UPDATE, "admin",
                              update_args(recs[i], i == STALE ? 7 : 1, 1000 + i));
    if (lead_kind != SRV_W_CONTRACT_UPDATE)
        lead = srv_write_new(lead_kind, "admin", NULL);
    run_locked(&t, lead, ws, N);
    srv_db_get_stats(t.db, &st1);

    int k = 1;
    if (lead) {
        CHECK(t_completed[k] == lead && lead->code == PACTA_OK);
        srv_write_free(t_completed[k++]);
    }
    int64_t seq = head;
    for (int i = 0; i < N; i++, k++) {
        struct srv_write *w = t_completed[k];
        CHECK(w == ws[i]);
        if (i == HALF_DONE) {
            CHECKF(w->code == PACTA_BAD_REQUEST, "half done: code %d", w->code);
            CHECK(w->result == NULL && w->result_text == NULL && json_array_size(w->events) == 0);
        } else if (i == STALE) {
            CHECKF(w->code == PACTA_CONFLICT, "stale: code %d", w->code);
            CHECK(json_array_size(w->events) == 0);
            CHECK(t_int(json_object_get(w->error_extra, "current"), "version") == 1);
        } else {
            CHECKF(w->code == PACTA_OK, "write %d: code %d %s", i, w->code, w->err.message);
            CHECK(w->result_text != NULL && json_array_size(w->events) == 1);
            int64_t s = t_int(json_array_get(w->events, 0), "seq");
            CHECKF(s == seq + 1, "write %d: seq %lld after %lld", i, (long long)s, (long long)seq);
            seq = s;
        }
        srv_write_free(w);
    }
    t_ncompleted = 0;
    CHECK(t_head(&t) == seq);
    /* the readiness write alone, then the others in one batch */
    CHECKF(st1.batches - st0.batches == 2, "%llu batches",
           (unsigned long long)(st1.batches - st0.batches));
    /* run again only when the batch went without SAVEPOINTs */
    CHECKF(st1.plain_reruns - st0.plain_reruns == (lead ? 0u : 1u), "%llu runs again",
           (unsigned long long)(st1.plain_reruns - st0.plain_reruns));

    /* the refused write left nothing: its contract as created, one change */
    json_t *now = t_get(&t, refused);
    CHECK(t_int(now, "version") == 1 && t_int(now, "amount_cents") == 0);
    json_decref(now);
    now = t_get(&t, t_str(recs[HALF_DONE + 1], "id"));
    CHECK(t_int(now, "version") == 2 && t_int(now, "amount_cents") == 1000 + HALF_DONE + 1);
    json_decref(now);
    raw = t_raw(&t);
    CHECK(t_count(raw, "SELECT count(*) FROM changes WHERE entity_id = ?", refused) == 1);
    CHECK(t_count(raw, "SELECT count(*) FROM changes WHERE event = 'contract.updated'", NULL) ==
          N - 2);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts WHERE version = 2", NULL) == N - 2);
    sqlite3_close(raw);
    raw = raw_with_short(&t);
    for (int i = 0; i < N; i++)
        check_edit_indexed(raw, 1000 + i, i != HALF_DONE && i != STALE);
    check_search_index(raw, N - 2, 2);
    sqlite3_close(raw);
    for (int i = 0; i < N; i++)
        json_decref(recs[i]);
    t_close(&t);
}

/* Without a failure half done, a batch of contract writes is not run twice:
 * the stale one among them is refused and the others commit. */
static void no_rerun(void)
{
    struct tdb t = {0};
    json_t *recs[N];
    struct srv_write *ws[N];
    struct srv_db_stats st0, st1;
    char num[32];

    t_open(&t);
    for (int i = 0; i < N; i++) {
        snprintf(num, sizeof num, "Q-%02d", i);
        REQUIRE((recs[i] = t_create(&t, "admin", t_contract_args(num, "plain", "client"))));
    }
    srv_db_get_stats(t.db, &st0);
    for (int i = 0; i < N; i++)
        ws[i] = srv_write_new(SRV_W_CONTRACT_UPDATE, "admin",
                              update_args(recs[i], i == STALE ? 3 : 1, 5));
    run_locked(&t, NULL, ws, N);
    srv_db_get_stats(t.db, &st1);
    for (int i = 0; i < N; i++) {
        CHECK(t_completed[i + 1] == ws[i]);
        CHECK(ws[i]->code == (i == STALE ? PACTA_CONFLICT : PACTA_OK));
        srv_write_free(ws[i]);
    }
    t_ncompleted = 0;
    CHECK(st1.plain_reruns == st0.plain_reruns);
    CHECK(st1.failed_batches == st0.failed_batches);
    /* every edit in one batch, all to the same amount: N - 1 rows each */
    sqlite3 *raw = raw_with_short(&t);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_fts WHERE contracts_fts MATCH 'w5'", NULL) ==
          N - 1);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_text WHERE contracts_text MATCH 't5x'",
                  NULL) == N - 1);
    check_search_index(raw, N - 1, 1);
    sqlite3_close(raw);
    for (int i = 0; i < N; i++)
        json_decref(recs[i]);
    t_close(&t);
}

/* One contract edited twice in one batch: the index has the second text. */
static void twice_in_a_batch(void)
{
    struct tdb t = {0};
    struct srv_write *ws[2];
    json_t *rec;

    t_open(&t);
    REQUIRE((rec = t_create(&t, "admin", t_contract_args("T-1", "plain", "client"))));
    ws[0] = srv_write_new(SRV_W_CONTRACT_UPDATE, "admin", update_args(rec, 1, 71));
    ws[1] = srv_write_new(SRV_W_CONTRACT_UPDATE, "admin", update_args(rec, 2, 72));
    run_locked(&t, NULL, ws, 2);
    for (int i = 0; i < 2; i++) {
        CHECKF(ws[i]->code == PACTA_OK, "edit %d: %s", i, ws[i]->err.message);
        srv_write_free(ws[i]);
    }
    t_ncompleted = 0;
    sqlite3 *raw = raw_with_short(&t);
    check_edit_indexed(raw, 71, 0);
    check_edit_indexed(raw, 72, 1);
    check_search_index(raw, 1, 0);
    sqlite3_close(raw);
    json_decref(rec);
    t_close(&t);
}

static json_t *reason_args(const json_t *rec, json_int_t version, json_int_t amount,
                           const char *reason)
{
    return json_pack("{s:s, s:I, s:{s:I}, s:s}", "id", t_str(rec, "id"), "version", version,
                     "changes", "amount_cents", amount, "reason", reason);
}

/* Edits of active contracts need a reason, and each reason a contract's
 * supplements have is in the word index once, in the order first given
 * (the lists migration): reasons given in one batch, some twice, some
 * already there, come in that way too. */
static void reasons_in_a_batch(void)
{
    struct tdb t = {0};
    struct srv_write *ws[5];
    json_t *a, *b;

    t_open(&t);
    json_t *args = t_contract_args("R-1", "plain", "client");
    json_object_set_new(args, "status", json_string("active"));
    REQUIRE((a = t_create(&t, "admin", args)));
    args = t_contract_args("R-2", "plain", "client");
    json_object_set_new(args, "status", json_string("active"));
    REQUIRE((b = t_create(&t, "admin", args)));
    CHECK(t_write_code(&t, SRV_W_CONTRACT_UPDATE, "admin", reason_args(b, 1, 1, "delta")) ==
          PACTA_OK);
    ws[0] = srv_write_new(SRV_W_CONTRACT_UPDATE, "admin", reason_args(a, 1, 10, "alpha"));
    ws[1] = srv_write_new(SRV_W_CONTRACT_UPDATE, "admin", reason_args(a, 2, 20, "beta"));
    ws[2] = srv_write_new(SRV_W_CONTRACT_UPDATE, "admin", reason_args(a, 3, 30, "alpha"));
    ws[3] = srv_write_new(SRV_W_CONTRACT_UPDATE, "admin", reason_args(b, 2, 40, "delta"));
    ws[4] = srv_write_new(SRV_W_CONTRACT_UPDATE, "admin", reason_args(b, 3, 50, "gamma"));
    run_locked(&t, NULL, ws, 5);
    for (int i = 0; i < 5; i++) {
        CHECKF(ws[i]->code == PACTA_OK, "edit %d: %s", i, ws[i]->err.message);
        srv_write_free(ws[i]);
    }
    t_ncompleted = 0;
    sqlite3 *raw = t_raw(&t);
    CHECK(t_count(raw,
                  "SELECT count(*) FROM contracts_fts f JOIN contracts_fts_map m ON m.rid = f.rowid"
                  " JOIN contracts c ON c.id = m.id WHERE c.number = 'R-1'"
                  " AND f.reasons = 'alpha' || char(10) || 'beta'",
                  NULL) == 1);
    CHECK(t_count(raw,
                  "SELECT count(*) FROM contracts_fts f JOIN contracts_fts_map m ON m.rid = f.rowid"
                  " JOIN contracts c ON c.id = m.id WHERE c.number = 'R-2'"
                  " AND f.reasons = 'delta' || char(10) || 'gamma'",
                  NULL) == 1);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_fts WHERE contracts_fts MATCH 'beta'",
                  NULL) == 1);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_fts_pending", NULL) == 0);
    sqlite3_close(raw);
    json_decref(a);
    json_decref(b);
    t_close(&t);
}

int main(void)
{
    one_half_done(SRV_W_CONTRACT_UPDATE); /* contract writes only */
    one_half_done(SRV_W_NOOP);            /* another kind first: SAVEPOINTs from the start */
    no_rerun();
    twice_in_a_batch();
    reasons_in_a_batch();
    return t_finish();
}
