/*
 * it_expiring_list: contracts.expiring's list over wss — which contracts
 * (active, an end date within `days`, not deleted), in what order (end date,
 * then number, then id) and where it stops (2,000 items, `truncated`), with
 * more contracts on the last day listed than fit, created in the reverse of
 * their numbers' order so that the order the server reads them in (end date,
 * then id: notify.c) is not the answer's.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "test.h"

#define DAY_ROWS 2000 /* on 2026-04-01, with the four before it: 2,004 in the window */

static json_t *make(struct ctl_client *c, const char *number, const char *status, const char *end)
{
    json_t *f =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "number", number, "title", "Expiring",
                  "counterparty", "Acme", "kind", "client", "currency", "EUR", "status", status);
    if (end)
        json_object_set_new(f, "end_date", json_string(end));
    json_t *rec = it_contract_create(c, f);
    REQUIRE(rec);
    return rec;
}

/* The numbers of an answer's items, space-separated, the first `max`. */
static void numbers(json_t *r, size_t max, char *out, size_t len)
{
    size_t i, o = 0;
    json_t *it;

    out[0] = '\0';
    json_array_foreach(json_object_get(r, "items"), i, it)
    {
        if (i >= max)
            break;
        o += (size_t)snprintf(out + o, len - o, "%s%s", o ? " " : "", it_str(it, "number"));
    }
}

int main(void)
{
    it_setup("it_expiring_list");
    static const char *const args[] = {"--fake-now", "2026-03-01T12:00:00Z", NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);
    char got[4096];

    json_decref(make(admin, "E-0003", "active", "2026-03-10"));
    json_decref(make(admin, "E-0001", "active", "2026-03-10"));
    json_decref(make(admin, "E-0002", "active", "2026-03-10"));
    json_decref(make(admin, "F-0001", "active", "2026-03-05"));
    json_decref(make(admin, "X-DRAFT", "draft", "2026-03-06"));
    json_decref(make(admin, "X-LATE", "active", "2026-09-01"));
    json_decref(make(admin, "X-NOEND", "active", NULL));
    json_t *gone = make(admin, "X-GONE", "active", "2026-03-07");
    json_t *r = it_call(admin, "contracts.delete",
                        json_pack("{s:s, s:I, s:s}", "id", it_str(gone, "id"), "version",
                                  it_int(gone, "version"), "reason", "gone"),
                        NULL);
    CHECK(r != NULL);
    json_decref(r);
    json_decref(gone);

    /* the window: active, ending within the days, not deleted */
    r = it_call(admin, "contracts.expiring", json_pack("{s:i}", "days", 90), NULL);
    REQUIRE(r);
    numbers(r, 100, got, sizeof got);
    CHECK_STR(got, "F-0001 E-0001 E-0002 E-0003");
    CHECK(json_is_false(json_object_get(r, "truncated")));
    json_decref(r);
    r = it_call(admin, "contracts.expiring", json_pack("{s:i}", "days", 365), NULL);
    REQUIRE(r);
    numbers(r, 100, got, sizeof got);
    CHECK_STR(got, "F-0001 E-0001 E-0002 E-0003 X-LATE");
    json_decref(r);
    r = it_call(admin, "contracts.expiring", json_pack("{s:i}", "days", 5), NULL);
    REQUIRE(r);
    numbers(r, 100, got, sizeof got);
    CHECK_STR(got, "F-0001");
    json_decref(r);

    /* more on one day than fit: the smallest numbers, made last, are listed */
    for (int i = DAY_ROWS - 1; i >= 0; i--) {
        char number[16];
        snprintf(number, sizeof number, "T-%04d", i);
        json_decref(make(admin, number, "active", "2026-04-01"));
    }
    r = it_call(admin, "contracts.expiring", json_pack("{s:i}", "days", 90), NULL);
    REQUIRE(r);
    json_t *items = json_object_get(r, "items");
    CHECKF(json_array_size(items) == 2000, "%zu items", json_array_size(items));
    CHECK(json_is_true(json_object_get(r, "truncated")));
    numbers(r, 6, got, sizeof got);
    CHECK_STR(got, "F-0001 E-0001 E-0002 E-0003 T-0000 T-0001");
    CHECK_STR(it_str(json_array_get(items, 1999), "number"), "T-1995");
    for (size_t i = 5; i < json_array_size(items); i++)
        CHECKF(strcmp(it_str(json_array_get(items, i - 1), "number"),
                      it_str(json_array_get(items, i), "number")) < 0,
               "item %zu out of order", i);
    json_decref(r);

    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
    return it_done(test_summary());
}
