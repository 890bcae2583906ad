/*
 * it_expiry_digest: the daily digest of PROTOCOL.md §6.23 and §7.1, with a
 * fake clock (pactad --fake-now --alert-time 08:00, zone UTC).
 *
 * Editor "ed" chose digests (users.preferences {digest: true}); the admin
 * did not.  ed owns three contracts, so ed and the admin are told of each
 * alert.  What was built, and what this checks:
 *
 *  - every alert event still goes out, but lists ed under "digest" and the
 *    admin under "notify" (a desk pops up only for "notify"); ed still gets
 *    a notification row per alert (notifications.list);
 *  - at the daily time, one notification.digest {user, date, count, items}
 *    per digest reader with unread notifications not yet in a digest: the
 *    first scan at or after 08:00, never twice a day (not after a later
 *    alert the same day, not after a restart), nothing on a day with
 *    nothing new; an alert raised after the day's digest waits for the
 *    next day's; a notification read before the digest is left out;
 *  - the admin never gets a digest;
 *  - turning digests off puts ed back under "notify" and stops the digests.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test.h"

static int in_list(const json_t *names, const char *who)
{
    size_t i;
    const json_t *v;
    json_array_foreach(names, i, v)
    {
        if (json_is_string(v) && !strcmp(json_string_value(v), who))
            return 1;
    }
    return 0;
}

/*
 * Reads the events received so far (the clock's answer comes after the
 * events of its scan) into log as "kind:NUMBER:threshold " for alerts and
 * "digest:USER:DATE:count:NUMBER,NUMBER " for digests, and checks who each
 * alert tells: ed under digest_user ? "digest" : "notify".
 */
static void drain(struct ctl_client *c, char *log, size_t cap, int ed_digest, json_int_t *seq)
{
    json_t *ev;
    while (ctl_client_next_event(c, 300, &ev) == 1) {
        const char *name = it_str(ev, "event");
        const json_t *data = json_object_get(ev, "data");
        char line[256] = "";
        if (seq && it_int(ev, "seq") > *seq)
            *seq = it_int(ev, "seq");
        if (!strcmp(name, "notification.digest")) {
            const json_t *items = json_object_get(data, "items"), *it;
            size_t i;
            snprintf(line, sizeof line, "digest:%s:%s:%lld:", it_str(data, "user"),
                     it_str(data, "date"), (long long)it_int(data, "count"));
            CHECK(it_int(ev, "seq") > 0); /* durable: replayable */
            CHECK((size_t)it_int(data, "count") == json_array_size(items));
            json_array_foreach(items, i, it)
            {
                const json_t *sm = json_object_get(it, "summary");
                CHECK(it_int(it, "id") > 0 && it_int(it, "seq") > 0);
                CHECK(strncmp(it_str(it, "event"), "contract.", 9) == 0);
                CHECK(json_is_string(json_object_get(it, "contract_id")));
                snprintf(line + strlen(line), sizeof line - strlen(line), "%s%s/%lld", i ? "," : "",
                         it_str(sm, "number"), (long long)it_int(sm, "threshold"));
            }
        } else if (!strcmp(name, "contract.expiring") || !strcmp(name, "contract.expired")) {
            const json_t *notify = json_object_get(data, "notify");
            const json_t *digest = json_object_get(data, "digest");
            snprintf(line, sizeof line, "%s:%s:%lld", name + 9,
                     it_str(json_object_get(data, "contract"), "number"),
                     (long long)it_int(data, "threshold"));
            CHECKF(in_list(notify, "admin") && !in_list(digest, "admin"), "admin in %s", line);
            CHECKF(in_list(ed_digest ? digest : notify, "ed") &&
                       !in_list(ed_digest ? notify : digest, "ed"),
                   "ed in %s (digest reader: %d)", line, ed_digest);
        }
        if (*line) {
            strncat(log, line, cap - strlen(log) - 2);
            strcat(log, " ");
        }
        json_decref(ev);
    }
}

static json_t *create(struct ctl_client *ad, const char *number, const char *end)
{
    json_t *k = it_contract_create(ad, json_pack("{s:s, s:s, s:s, s:s}", "number", number, "owner",
                                                 "ed", "status", "active", "end_date", end));
    REQUIRE(k != NULL);
    return k;
}

static void replace_fake_now(struct it_server *s, const char *now)
{
    for (int i = 0; i + 1 < s->nargs; i++)
        if (strcmp(s->args[i], "--fake-now") == 0) {
            free(s->args[i + 1]);
            s->args[i + 1] = strdup(now);
        }
}

int main(void)
{
    static const char *const args[] = {
        /* tokens must outlive months of fake time */ "--session-ttl",
        "315360000",
        "--fake-now",
        "2026-01-01T07:00:00Z",
        "--alert-time",
        "08:00",
        NULL};
    char log[2048] = "", edlog[2048] = "";
    json_int_t seq = 0;

    it_setup("it_expiry_digest");
    struct it_server *srv = it_server_start(args);
    struct ctl_client *ad = it_login_admin(srv);
    REQUIRE(it_user_create(ad, "ed", IT_EDITOR_PASSWORD, "editor") == 0);
    struct ctl_client *ed = it_login(srv, "ed", IT_EDITOR_PASSWORD);

    /* preferences: default off; ed turns digests on; a read without args */
    json_t *r = it_call(ad, "users.preferences", json_object(), NULL);
    CHECK(r && json_is_false(json_object_get(r, "digest")));
    json_decref(r);
    r = it_call(ed, "users.preferences", json_pack("{s:b}", "digest", 1), NULL);
    CHECK(r && json_is_true(json_object_get(r, "digest")));
    json_decref(r);
    r = it_call(ed, "users.preferences", json_object(), NULL);
    CHECK(r && json_is_true(json_object_get(r, "digest")));
    json_decref(r);
    json_t *e = it_call_err(ed, "users.preferences", json_pack("{s:s}", "digest", "yes"));
    CHECK(e && !strcmp(it_err_code(e), "bad_request") && !strcmp(it_err_field(e), "digest"));
    json_decref(e);
    json_decref(it_call(ad, "subscribe", json_object(), NULL));
    json_decref(it_call(ed, "subscribe", json_object(), NULL));

    /* 01-01 07:00: Y's 30-day alert is due on its arming day, before the
     * daily time: the alert, no digest yet */
    json_t *y = create(ad, "DG-Y", "2026-01-31");
    it_set_clock(ad, "2026-01-01T07:30:00Z");
    drain(ad, log, sizeof log, 1, &seq);
    CHECK_STR(log, "expiring:DG-Y:30 ");

    /* 08:00: the day's digest for ed, listing Y's alert */
    log[0] = '\0';
    it_set_clock(ad, "2026-01-01T08:00:00Z");
    drain(ad, log, sizeof log, 1, &seq);
    CHECK_STR(log, "digest:ed:2026-01-01:1:DG-Y/30 ");

    /* 10:00: Z's 7-day alert fires at once, but today's digest went out:
     * it waits for tomorrow's; a later scan the same day sends nothing */
    log[0] = '\0';
    it_set_clock(ad, "2026-01-01T10:00:00Z");
    json_t *z = create(ad, "DG-Z", "2026-01-08");
    it_set_clock(ad, "2026-01-01T12:00:00Z");
    it_set_clock(ad, "2026-01-01T23:59:00Z");
    drain(ad, log, sizeof log, 1, &seq);
    CHECK_STR(log, "expiring:DG-Z:7 ");

    /* 01-02: X's 7-day alert at 00:00, then at 08:00 one digest with both */
    json_t *x = create(ad, "DG-X", "2026-01-09");
    log[0] = '\0';
    it_set_clock(ad, "2026-01-02T00:00:00Z");
    it_set_clock(ad, "2026-01-02T07:59:00Z");
    drain(ad, log, sizeof log, 1, &seq);
    CHECK_STR(log, "expiring:DG-X:7 ");
    log[0] = '\0';
    it_set_clock(ad, "2026-01-02T08:00:00Z");
    it_set_clock(ad, "2026-01-02T20:00:00Z");
    drain(ad, log, sizeof log, 1, &seq);
    CHECK_STR(log, "digest:ed:2026-01-02:2:DG-Z/7,DG-X/7 ");

    /* days with nothing new: no digest */
    log[0] = '\0';
    it_set_clock(ad, "2026-01-03T09:00:00Z");
    it_set_clock(ad, "2026-01-05T09:00:00Z");
    drain(ad, log, sizeof log, 1, &seq);
    CHECK_STR(log, "");

    /* 01-07: Z's 1-day alert at 07:00; ed reads it before 08:00, so the
     * day's digest has nothing to list and is not sent */
    it_set_clock(ad, "2026-01-07T07:00:00Z");
    drain(ad, log, sizeof log, 1, &seq);
    CHECK_STR(log, "expiring:DG-Z:1 ");
    json_t *nl = it_call(ed, "notifications.list", json_pack("{s:b}", "unread_only", 1), NULL);
    REQUIRE(nl != NULL);
    /* digest readers keep their notifications: all four, unread */
    CHECK(json_array_size(json_object_get(nl, "items")) == 4 && it_int(nl, "unread") == 4);
    json_t *newest = json_array_get(json_object_get(nl, "items"), 0);
    CHECK_STR(it_str(json_object_get(newest, "summary"), "number"), "DG-Z");
    CHECK(it_int(json_object_get(newest, "summary"), "threshold") == 1);
    r = it_call(ed, "notifications.mark_read", json_pack("{s:[I]}", "ids", it_int(newest, "id")),
                NULL);
    CHECK(r && it_int(r, "marked") == 1 && it_int(r, "unread") == 3);
    json_decref(r);
    json_decref(nl);
    log[0] = '\0';
    it_set_clock(ad, "2026-01-07T08:30:00Z");
    drain(ad, log, sizeof log, 1, &seq);
    CHECK_STR(log, "");

    /* 01-08 09:00: X's 1-day alert and, in the same scan, the digest */
    it_set_clock(ad, "2026-01-08T09:00:00Z");
    drain(ad, log, sizeof log, 1, &seq);
    CHECK_STR(log, "expiring:DG-X:1 digest:ed:2026-01-08:1:DG-X/1 ");

    /* ed's own connection got the same digests, and only ed's */
    drain(ed, edlog, sizeof edlog, 1, NULL);
    CHECK_STR(edlog, "expiring:DG-Y:30 digest:ed:2026-01-01:1:DG-Y/30 expiring:DG-Z:7 "
                     "expiring:DG-X:7 digest:ed:2026-01-02:2:DG-Z/7,DG-X/7 expiring:DG-Z:1 "
                     "expiring:DG-X:1 digest:ed:2026-01-08:1:DG-X/1 ");
    CHECK(strstr(edlog, "digest:admin") == NULL);

    /* a restart the same day sends no second digest */
    ctl_client_close(ed);
    ctl_client_close(ad);
    CHECK(it_server_stop(srv) == 0);
    replace_fake_now(srv, "2026-01-08T10:00:00Z");
    it_server_restart(srv);
    ad = it_login_admin(srv);
    json_decref(it_call(ad, "subscribe", json_pack("{s:I}", "since", seq), NULL));
    log[0] = '\0';
    it_set_clock(ad, "2026-01-08T11:00:00Z");
    drain(ad, log, sizeof log, 1, &seq);
    CHECK_STR(log, "");

    /* digests off: ed is told of Z's expiry as a single alert, no digest */
    ed = it_login(srv, "ed", IT_EDITOR_PASSWORD);
    r = it_call(ed, "users.preferences", json_pack("{s:b}", "digest", 0), NULL);
    CHECK(r && json_is_false(json_object_get(r, "digest")));
    json_decref(r);
    it_set_clock(ad, "2026-01-09T09:00:00Z");
    drain(ad, log, sizeof log, 0, &seq);
    CHECK_STR(log, "expired:DG-Z:0 ");

    json_decref(x);
    json_decref(y);
    json_decref(z);
    ctl_client_close(ed);
    ctl_client_close(ad);
    return it_done(test_summary());
}
