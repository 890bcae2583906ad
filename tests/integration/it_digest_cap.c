/*
 * it_digest_cap: a day's notification.digest lists at most its first 100
 * alerts and counts them all (PROTOCOL.md §7.1).  The digest is a durable
 * event every subscriber receives and replays; an owner or admin with a
 * big portfolio (an admin is told of every alert) made one event of every
 * unread alert of the day, megabytes sent to every desk, built in the
 * writer's transaction.
 *
 * ana, a digest reader, owns 130 contracts whose 30-day alert falls due at
 * once; the next day's digest counts 130, lists the first 100 (oldest
 * first, as the notifications were made), and marks all 130 as digested:
 * the day after brings no second digest of the rest.
 */
#include <string.h>

#include "harness.h"
#include "test.h"

#define N_ALERTS 130

/* The next notification.digest for `user` received by c, or NULL. */
static json_t *next_digest(struct ctl_client *c, const char *user)
{
    json_t *ev;
    while (ctl_client_next_event(c, 1000, &ev) == 1) {
        if (strcmp(it_str(ev, "event"), "notification.digest") == 0 &&
            strcmp(it_str(json_object_get(ev, "data"), "user"), user) == 0)
            return ev;
        json_decref(ev);
    }
    return NULL;
}

int main(void)
{
    static const char *const args[] = {
        "--session-ttl", "315360000", "--fake-now", "2027-03-01T07:00:00Z",
        "--alert-time",  "08:00",     NULL};

    it_setup("it_digest_cap");
    struct it_server *srv = it_server_start(args);
    struct ctl_client *ad = it_login_admin(srv);
    REQUIRE(it_user_create(ad, "ana", "ana-pass-0123", "editor") == 0);
    struct ctl_client *ana = it_login(srv, "ana", "ana-pass-0123");
    json_t *r = it_call(ana, "users.preferences", json_pack("{s:b}", "digest", 1), NULL);
    REQUIRE(r != NULL);
    json_decref(r);
    r = it_call(ad, "subscribe", json_object(), NULL);
    REQUIRE(r != NULL);
    json_decref(r);

    /* 130 alerts for ana today: contracts ending in 30 days */
    for (int i = 0; i < N_ALERTS; i++) {
        json_t *k = it_contract_create(ad, json_pack("{s:s, s:s, s:s}", "owner", "ana", "status",
                                                     "active", "end_date", "2027-03-31"));
        REQUIRE(k != NULL);
        json_decref(k);
    }
    it_set_clock(ad, "2027-03-02T08:00:01.000Z");
    json_t *ev = next_digest(ad, "ana");
    REQUIRE(ev != NULL);
    const json_t *data = json_object_get(ev, "data");
    const json_t *items = json_object_get(data, "items");
    CHECKF(it_int(data, "count") == N_ALERTS, "count %lld", (long long)it_int(data, "count"));
    CHECKF(json_array_size(items) == 100, "%zu items", json_array_size(items));
    /* the first 100, oldest first */
    json_int_t prev = 0;
    size_t i;
    json_t *it;
    int ordered = 1;
    json_array_foreach(items, i, it)
    {
        ordered &= it_int(it, "id") > prev;
        prev = it_int(it, "id");
    }
    CHECK(ordered);
    json_t *nl = it_call(ana, "notifications.list",
                         json_pack("{s:b, s:i}", "unread_only", 1, "limit", N_ALERTS), NULL);
    REQUIRE(nl != NULL);
    json_int_t oldest = -1;
    json_array_foreach(json_object_get(nl, "items"), i, it) oldest = it_int(it, "id");
    CHECK(it_int(json_array_get(items, 0), "id") == oldest);
    CHECK(it_int(nl, "unread") == N_ALERTS); /* a digest does not read them */
    json_decref(nl);
    json_decref(ev);

    /* the 30 not listed were digested too: no digest the next day */
    it_set_clock(ad, "2027-03-03T08:00:01.000Z");
    ev = next_digest(ad, "ana");
    CHECKF(ev == NULL, "a second digest of %lld",
           ev ? (long long)it_int(json_object_get(ev, "data"), "count") : 0LL);
    json_decref(ev);

    ctl_client_close(ana);
    ctl_client_close(ad);
    return it_done(test_summary());
}
