/*
 * it_dashboard_retry: a dashboard computation that fails is tried again
 * (server/dashboard.c).  It was logged and dropped: the watchers kept
 * figures that missed the change until some other change came, however
 * long that took.
 *
 * PACTA_TEST_DASHBOARD_FAIL=2 makes the server's next two computations of
 * the live figures fail.  A watcher then creates nothing itself:
 *  1. one contract is created: after the two failures (one interval, then
 *     twice it) the watcher gets dashboard.updated, with the new contract
 *     counted, and no other change was needed;
 *  2. the failures are forgotten once one succeeded: the next change is
 *     told within the ordinary interval's reach.
 */
#include <stdlib.h>

#include "harness.h"
#include "test.h"

static json_int_t total_of(const json_t *data)
{
    return data ? it_int(data, "total") : -1;
}

int main(void)
{
    it_setup("it_dashboard_retry");
    setenv("PACTA_TEST_DASHBOARD_FAIL", "2", 1);
    struct it_server *s = it_server_start(NULL);
    unsetenv("PACTA_TEST_DASHBOARD_FAIL");
    struct ctl_client *admin = it_login_admin(s);

    json_t *r = it_call(admin, "dashboard.watch", json_pack("{s:b}", "on", 1), NULL);
    REQUIRE(r != NULL);
    json_int_t before = total_of(r);
    json_decref(r);

    /* 1. the figures with the new contract arrive, after two failures */
    json_t *k = it_contract_create(admin, json_pack("{s:s}", "status", "active"));
    REQUIRE(k != NULL);
    json_t *ev = it_wait_event(admin, "dashboard.updated", 20000, NULL);
    CHECKF(ev != NULL, "no dashboard.updated after failed computations: the change was never told");
    json_t *data = json_object_get(ev, "data");
    CHECKF(total_of(data) == before + 1, "total %lld, want %lld", (long long)total_of(data),
           (long long)(before + 1));
    json_decref(ev);

    /* 2. back to the ordinary pace */
    r = it_contract_update(admin, it_str(k, "id"), it_int(k, "version"),
                           json_pack("{s:I}", "amount_cents", (json_int_t)4242), "test", NULL);
    CHECK(r != NULL);
    json_decref(r);
    ev = it_wait_event(admin, "dashboard.updated", 3000, NULL);
    CHECKF(ev != NULL, "the next change waited for the failures' back-off");
    json_decref(ev);

    json_decref(k);
    ctl_client_close(admin);
    return it_done(test_summary());
}
