/*
 * The contracts of the contracts.list tests (test_srv_list.c: rows and
 * pages; test_srv_list_plans.c: the plans): varied records with ties,
 * missing dates and every status, plus the edges of each lifecycle, on a
 * clock pinned to TODAY_MS with a 90-day expiring window.
 */
#ifndef PACTA_TEST_SRV_LIST_FIXTURE_H
#define PACTA_TEST_SRV_LIST_FIXTURE_H

#include "db_list.h"
#include "expiry.h"
#include "test_srv_db_util.h"

#define N_CONTRACTS 150
#define MAX_IDS_TEXT (2 * (N_CONTRACTS + 200) * 40)
#define TODAY_MS 1781524800000LL /* 2026-06-15T12:00:00Z */

static uint32_t rng_state = 12345;

static inline uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return (rng_state >> 8) % n;
}

static inline void date_at(int64_t offset, char out[11])
{
    srv_date_format(srv_today() + offset, out);
}

/* A varied contract: ties in titles and amounts, missing dates, every
 * status, lifecycle, renewal, owner and currency. */
static inline json_t *fixture_args(int i)
{
    static const char *const titles[] = {"alpha service", "Alpha Lease", "BETA support",
                                         "beta cleaning", "Gamma",       "delta works",
                                         "Échafaudage",   "zulu"};
    static const char *const parties[] = {"Acme SRL", "acme srl", "Brite", "Cleanco", "Zeta SA"};
    static const char *const statuses[] = {"draft",  "active",  "active",
                                           "active", "expired", "terminated"};
    static const char *const owners[] = {"admin", "ana", "bob"};
    static const char *const currencies[] = {"EUR", "USD", "RON"};
    static const char *const renewals[] = {"none", "none", "auto", "evergreen"};
    char number[16], title[64], end[11], start[11], sign[11];
    int64_t end_off = (int64_t)rnd(800) - 300, start_off = end_off - (int64_t)rnd(400);
    json_t *o;

    snprintf(number, sizeof(number), "L-%03d", (i * 37) % N_CONTRACTS);
    if (rnd(3) == 0)
        snprintf(title, sizeof(title), "%s", titles[rnd(8)]); /* ties */
    else
        snprintf(title, sizeof(title), "%s %d", titles[rnd(8)], (int)rnd(50));
    o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s}", "number", number, "title", title,
                  "counterparty", parties[rnd(5)], "kind", rnd(2) ? "client" : "supplier", "status",
                  statuses[rnd(6)], "owner", owners[rnd(3)], "currency", currencies[rnd(3)],
                  "amount_cents", (json_int_t)(rnd(20) * 1000 + rnd(2)), "renewal",
                  renewals[rnd(4)]);
    date_at(end_off, end);
    date_at(start_off, start);
    date_at(start_off - (int64_t)rnd(30), sign);
    if (rnd(7))
        json_object_set_new(o, "end_date", json_string(end));
    if (rnd(5))
        json_object_set_new(o, "start_date", json_string(start));
    if (rnd(3))
        json_object_set_new(o, "sign_date", json_string(sign));
    return o;
}

/* The fixture: N_CONTRACTS contracts (every 13th deleted) plus one owned by
 * "rare"; *all gets their records as stored. */
static inline void fixture(struct tdb *t, json_t **all)
{
    *all = json_array();
    t_add_user(t, "ana", "editor");
    t_add_user(t, "bob", "editor");
    t_add_user(t, "rare", "editor");
    for (int i = 0; i < N_CONTRACTS; i++) {
        json_t *rec = t_create(t, "admin", fixture_args(i));
        REQUIRE(rec);
        if (i % 13 == 5) {
            struct srv_write *w = t_write(
                t, SRV_W_CONTRACT_DELETE, "admin",
                json_pack("{s:s, s:I}", "id", t_str(rec, "id"), "version", t_int(rec, "version")));
            REQUIRE(w->code == PACTA_OK);
            json_decref(rec);
            rec = json_incref(json_object_get(w->result, "contract"));
            srv_write_free(w);
        }
        json_array_append_new(*all, rec);
    }
    json_t *args = fixture_args(N_CONTRACTS);
    json_object_set_new(args, "owner", json_string("rare"));
    json_object_set_new(args, "number", json_string("R-1"));
    json_array_append_new(*all, t_create(t, "admin", args));

    /* the edges of each lifecycle (window 90 days): end today, yesterday,
     * at the window's end and the day after, start today and tomorrow,
     * evergreen in the window, expired by status with a future end */
    static const struct {
        int64_t end, start;
        const char *status, *renewal;
    } edges[] = {
        {0, -10, "active", "none"},       {-1, -10, "draft", "none"},
        {90, -1, "active", "none"},       {91, -1, "active", "none"},
        {30, 0, "active", "auto"},        {30, 1, "active", "none"},
        {10, -5, "draft", "evergreen"},   {200, -5, "expired", "none"},
        {-50, -90, "terminated", "none"},
    };
    for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
        char number[16], end[11], start[11];
        snprintf(number, sizeof(number), "E-%zu", i);
        date_at(edges[i].end, end);
        date_at(edges[i].start, start);
        args = t_contract_args(number, "edge", i % 2 ? "client" : "supplier");
        json_t *dates = json_pack("{s:s, s:s, s:s, s:s}", "end_date", end, "start_date", start,
                                  "status", edges[i].status, "renewal", edges[i].renewal);
        json_object_update(args, dates);
        json_decref(dates);
        json_array_append_new(*all, t_create(t, "admin", args));
    }
}

/* The database open with the fixture in it, the clock pinned. */
static inline void list_fixture_open(struct tdb *t, json_t **all)
{
    srv_clock_set_fake_ms(TODAY_MS);
    srv_expiry_set_window(90);
    t_open(t);
    fixture(t, all);
}

static inline void list_fixture_close(struct tdb *t, json_t *all)
{
    json_decref(all);
    t_close(t);
    srv_clock_set_fake_ms(0);
}

#endif
