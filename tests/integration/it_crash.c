/*
 * it_crash: an acknowledged edit survives kill -9 (DESIGN.md §2: a client is
 * acknowledged only after its edit is durable).
 *
 * Four writer threads stream contracts.create and record every acknowledged
 * contract.  After a few hundred acks pactad gets SIGKILL mid-stream.  On
 * restart (same data dir) every acknowledged contract is there, unchanged;
 * the event log has one event per contract; and after a clean stop the
 * SQLite file passes PRAGMA integrity_check.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

#define WRITERS 4
#define KILL_AFTER 300
#define MAX_ACKED 4000

static json_t *acked[MAX_ACKED];
static atomic_int nacked;
static atomic_int stop_writers;

static void *writer_main(void *arg)
{
    struct ctl_client *c = arg;
    while (!atomic_load(&stop_writers)) {
        json_t *args = it_contract_args();
        json_object_set_new(args, "description", json_string("written just before a crash"));
        json_t *result = NULL;
        int rc = ctl_client_request(c, "contracts.create", args, IT_TIMEOUT_MS, &result);
        if (rc != 0) { /* the server is gone (or refused: reported by the count) */
            json_decref(result);
            break;
        }
        int i = atomic_fetch_add(&nacked, 1);
        if (i >= MAX_ACKED) {
            json_decref(result);
            break;
        }
        acked[i] = json_incref(json_object_get(result, "contract"));
        json_decref(result);
    }
    return NULL;
}

static void integrity_check(const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    CHECKF(rc == SQLITE_OK, "open %s: %s", path, db ? sqlite3_errmsg(db) : "?");
    if (rc != SQLITE_OK)
        goto out;
    rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL);
    CHECK(rc == SQLITE_OK);
    if (rc != SQLITE_OK)
        goto out;
    rc = sqlite3_step(st);
    const char *res = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    printf("PRAGMA integrity_check: %s\n", res ? res : sqlite3_errmsg(db));
    CHECK_STR(res, "ok");
out:
    sqlite3_finalize(st);
    sqlite3_close(db);
}

int main(void)
{
    it_setup("it_crash");
    struct it_server *srv = it_server_start(NULL);
    it_create_role_users(srv);

    struct ctl_client *w[WRITERS];
    pthread_t th[WRITERS];
    for (int i = 0; i < WRITERS; i++)
        w[i] = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    int64_t t0 = it_now_ms();
    for (int i = 0; i < WRITERS; i++)
        REQUIRE(pthread_create(&th[i], NULL, writer_main, w[i]) == 0);
    while (atomic_load(&nacked) < KILL_AFTER && it_now_ms() - t0 < 120000)
        usleep(2000);
    int at_kill = atomic_load(&nacked);
    it_server_kill(srv);
    for (int i = 0; i < WRITERS; i++)
        pthread_join(th[i], NULL);
    int n = atomic_load(&nacked);
    if (n > MAX_ACKED)
        n = MAX_ACKED;
    printf("killed pactad after %d acked creates (%d when the kill was sent), %lld ms\n", n,
           at_kill, (long long)(it_now_ms() - t0));
    REQUIRE(at_kill >= KILL_AFTER);
    for (int i = 0; i < WRITERS; i++)
        ctl_client_close(w[i]);

    it_server_restart(srv);
    struct ctl_client *c = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    int found = 0;
    for (int i = 0; i < n; i++) {
        json_t *got = it_contract_get(c, it_str(acked[i], "id"));
        int same = got && json_equal(got, acked[i]);
        CHECKF(same, "acknowledged contract %s (%s) %s", it_str(acked[i], "id"),
               it_str(acked[i], "number"), got ? "differs" : "is missing");
        found += same;
        json_decref(got);
    }
    printf("%d/%d acknowledged contracts present after restart\n", found, n);
    CHECK(found == n);

    /* At most the creates in flight at the kill exist beyond the acked ones,
     * and each contract has its created event. */
    int total = 0;
    json_t *cursor = json_null();
    for (;;) {
        json_t *args = json_pack("{s:I}", "limit", (json_int_t)500);
        if (!json_is_null(cursor))
            json_object_set(args, "cursor", cursor);
        json_t *page = it_call(c, "contracts.list", args, NULL);
        if (!page)
            break;
        total += (int)json_array_size(json_object_get(page, "items"));
        json_decref(cursor);
        cursor = json_incref(json_object_get(page, "next_cursor"));
        json_decref(page);
        if (!cursor || json_is_null(cursor))
            break;
    }
    json_decref(cursor);
    CHECKF(total >= n && total <= n + WRITERS, "%d contracts listed, %d acked", total, n);
    /* The log replays one contract.created per contract, each acked one
     * included. */
    json_t *sub = it_call(c, "subscribe", json_pack("{s:I}", "since", (json_int_t)0), NULL);
    CHECK(sub);
    json_decref(sub);
    int created_events = 0, acked_seen = 0;
    json_t *ev;
    while ((ev = it_wait_event(c, NULL, 1000, NULL))) {
        if (strcmp(it_str(ev, "event"), "contract.created") == 0) {
            created_events++;
            const char *eid =
                it_str(json_object_get(json_object_get(ev, "data"), "contract"), "id");
            for (int i = 0; i < n; i++)
                if (strcmp(it_str(acked[i], "id"), eid) == 0) {
                    acked_seen++;
                    break;
                }
        }
        json_decref(ev);
    }
    CHECKF(created_events == total, "%d contract.created events, %d contracts", created_events,
           total);
    CHECKF(acked_seen == n, "%d of %d acked creates in the log", acked_seen, n);

    /* The restarted server takes writes. */
    struct ctl_client *ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    json_t *more = it_contract_create(ed, NULL);
    CHECK(more);
    json_decref(more);
    ctl_client_close(ed);
    ctl_client_close(c);

    CHECK(it_server_stop(srv) == 0);
    char path[600];
    it_server_db_path(srv, path, sizeof path);
    integrity_check(path);

    for (int i = 0; i < n; i++)
        json_decref(acked[i]);
    return it_done(test_summary());
}
