/*
 * it_expiry_steps: an expiry scan done in many small steps (--expiry-step 2:
 * a full sync looks at 2 contracts per write, 1 due contract is handled per
 * write, 1 contract re-armed by id per write) gives what one big scan gives.
 *
 * The database is left as one built or restored outside this server would
 * be: contracts with no schedule rows (some of them ended while the server
 * was down), and a stale schedule row of a draft.  On restart, the first
 * scan goes through every contract in steps; then:
 *  - each active contract whose end passed expires exactly once, late;
 *  - each other active contract is armed: its 90-day alert fires exactly
 *    once on its day;
 *  - the draft's stale schedule is dropped: it never raises anything;
 *  - admin.clock.set is answered only after the last step (every event of
 *    the scan arrived before the answer), and admin.stats then shows the
 *    scan's time;
 *  - contracts created one after another are re-armed by id a step each.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test.h"

#define ENDED 9   /* active, end 2026-02-10: expire late on 03-01 */
#define AHEAD 6   /* active, end 2026-06-30: expiring:90 on 04-01 */
#define CREATED 5 /* created after the restart, end 2026-07-31: 90 on 05-02 */

/* The events already received (admin.clock.set answers after its scan's
 * events): how many of `event` with `threshold`; each contract id of them
 * once in ids (an object used as a set); *other counts any other alert. */
static int collect(struct ctl_client *c, const char *event, json_int_t threshold, json_t *ids,
                   int *other, int *twice)
{
    json_t *ev;
    int n = 0;
    while (ctl_client_next_event(c, 300, &ev) == 1) {
        const char *name = it_str(ev, "event");
        json_t *data = json_object_get(ev, "data");
        const char *id =
            json_string_value(json_object_get(json_object_get(data, "contract"), "id"));
        if (!strcmp(name, event) && it_int(data, "threshold") == threshold && id) {
            if (json_object_get(ids, id))
                (*twice)++;
            json_object_set_new(ids, id, json_true());
            n++;
        } else if (strncmp(name, "contract.", 9) == 0 && strcmp(name, "contract.created") &&
                   strcmp(name, "contract.updated"))
            (*other)++;
        json_decref(ev);
    }
    return n;
}

static void replace_fake_now(struct it_server *s, const char *now)
{
    for (int i = 0; i + 1 < s->nargs; i++)
        if (strcmp(s->args[i], "--fake-now") == 0) {
            free(s->args[i + 1]);
            s->args[i + 1] = strdup(now);
        }
}

static json_t *create_ids(struct ctl_client *ad, int n, const char *prefix, const char *status,
                          const char *end)
{
    json_t *ids = json_object();
    for (int i = 0; i < n; i++) {
        char number[32];
        snprintf(number, sizeof number, "%s-%02d", prefix, i);
        json_t *c = it_contract_create(
            ad, json_pack("{s:s, s:s, s:s}", "status", status, "number", number, "end_date", end));
        REQUIRE(c != NULL);
        json_object_set_new(ids, it_str(c, "id"), json_true());
        json_decref(c);
    }
    return ids;
}

static int same_keys(const json_t *a, const json_t *b)
{
    const char *k;
    json_t *v;
    if (json_object_size(a) != json_object_size(b))
        return 0;
    json_object_foreach((json_t *)a, k, v)
    {
        if (!json_object_get(b, k))
            return 0;
    }
    return 1;
}

int main(void)
{
    static const char *const args[] = {
        "--session-ttl",        "315360000", "--expiry-step", "2", "--fake-now",
        "2026-01-01T09:00:00Z", NULL};
    char path[600];
    int other = 0, twice = 0;

    it_setup("it_expiry_steps");
    struct it_server *srv = it_server_start(args);
    struct ctl_client *ad = it_login_admin(srv);
    json_t *ended = create_ids(ad, ENDED, "C-END", "active", "2026-02-10");
    json_t *ahead = create_ids(ad, AHEAD, "C-AHEAD", "active", "2026-06-30");
    json_t *drafts = create_ids(ad, 3, "C-DRAFT", "draft", "2026-02-10");
    const char *draft_id = NULL;
    json_t *v;
    json_object_foreach(drafts, draft_id, v)
    {
        break;
    }
    ctl_client_close(ad);
    CHECK(it_server_stop(srv) == 0);

    /* as if built outside pactad: no schedules; and one stale row */
    it_server_db_path(srv, path, sizeof path);
    sqlite3 *db = NULL;
    REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(it_sql_int(db, "SELECT count(*) FROM expiry_schedule") == ENDED + AHEAD);
    it_sql(db, "DELETE FROM expiry_schedule");
    /* due before anything else: a step that handled due ones before the
     * sync had dropped it would fire it first */
    char *q = sqlite3_mprintf("INSERT INTO expiry_schedule VALUES ('%q', '2026-02-10', 0, 'none', "
                              "12, '2026-01-01', '2026-01-01', '2026-01-11')",
                              draft_id);
    it_sql(db, q);
    sqlite3_free(q);
    sqlite3_close(db);

    /* down until 03-01: the ended ones expire late, in steps */
    replace_fake_now(srv, "2026-03-01T09:00:00Z");
    it_server_restart(srv);
    ad = it_login_admin(srv);
    /* the start-up scan may be over already: its events are replayed */
    json_decref(it_call(ad, "subscribe", json_pack("{s:i}", "since", 0), NULL));
    it_set_clock(ad, "2026-03-01T10:00:00.000Z"); /* answered after the whole scan */
    json_t *got = json_object();
    CHECK(collect(ad, "contract.expired", 0, got, &other, &twice) == ENDED);
    CHECK(same_keys(got, ended));
    CHECK(other == 0 && twice == 0);
    json_decref(got);
    json_t *st = it_call(ad, "admin.stats", NULL, NULL);
    CHECK(st && json_is_string(json_object_get(st, "last_expiry_scan_at")));
    json_decref(st);

    /* re-armed by id, one per step */
    json_t *created = create_ids(ad, CREATED, "C-NEW", "active", "2026-07-31");

    /* the ones ahead were armed on 03-01: 90 days before 06-30 is 04-01 */
    it_set_clock(ad, "2026-04-01T09:00:00.000Z");
    got = json_object();
    CHECK(collect(ad, "contract.expiring", 90, got, &other, &twice) == AHEAD);
    CHECK(same_keys(got, ahead));
    CHECK(other == 0 && twice == 0);
    json_decref(got);
    it_set_clock(ad, "2026-05-02T09:00:00.000Z"); /* 90 days before 07-31 */
    got = json_object();
    CHECK(collect(ad, "contract.expiring", 90, got, &other, &twice) == CREATED);
    CHECK(same_keys(got, created));
    /* 60 days before 06-30 (05-01) for the ones ahead: nothing else */
    CHECK(other == AHEAD && twice == 0);
    json_decref(got);
    ctl_client_close(ad);
    CHECK(it_server_stop(srv) == 0);

    /* the draft's row went; the expired ones' schedules ended */
    REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(it_sql_int(db, "SELECT count(*) FROM expiry_schedule") == AHEAD + CREATED);
    CHECK(it_sql_int(db, "SELECT count(*) FROM expiry_schedule s JOIN contracts c ON c.id = "
                         "s.contract_id WHERE c.status <> 'active'") == 0);
    CHECK(it_sql_int(db, "SELECT count(*) FROM contracts WHERE status = 'expired'") == ENDED);
    sqlite3_close(db);

    json_decref(ended);
    json_decref(ahead);
    json_decref(drafts);
    json_decref(created);
    return it_done(test_summary());
}
