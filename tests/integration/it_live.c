/*
 * it_live: an edit by one client reaches another subscribed client live.
 *
 * A viewer subscribes (and gets the head seq); an editor creates, updates
 * and deletes a contract; the viewer sees contract.created/updated/deleted
 * with increasing seqs, the new version and the changed fields.  A no-op
 * update makes no version and no event.  The writer, subscribed too, has
 * its own event queued before the write's response (PROTOCOL.md).
 */
#include <string.h>

#include "harness.h"
#include "test.h"

/* 1 if the JSON array of strings `arr` is exactly the names in `want`
 * (NULL-terminated), in that order (PROTOCOL.md: "changed" is in §5 order). */
static int same_names(const json_t *arr, const char *const *want)
{
    size_t n = 0;
    while (want[n])
        n++;
    if (!json_is_array(arr) || json_array_size(arr) != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = json_string_value(json_array_get(arr, i));
        if (!name || strcmp(name, want[i]) != 0)
            return 0;
    }
    return 1;
}

int main(void)
{
    it_setup("it_live");
    struct it_server *srv = it_server_start(NULL);
    it_create_role_users(srv);

    struct ctl_client *ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    struct ctl_client *vi = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);

    json_t *sub = it_call(vi, "subscribe", json_object(), NULL);
    REQUIRE(sub);
    json_int_t head = it_int(sub, "head");
    CHECKF(head >= 0, "head %lld", (long long)head);
    json_decref(sub);
    sub = it_call(ed, "subscribe", json_object(), NULL);
    REQUIRE(sub);
    CHECK(it_int(sub, "head") == head);
    json_decref(sub);

    /* create */
    int64_t t0 = it_now_ms();
    json_t *c = it_contract_create(ed, json_pack("{s:s}", "description", "first"));
    REQUIRE(c);
    const char *id = it_str(c, "id");
    CHECK(it_int(c, "version") == 1);
    CHECK_STR(it_str(c, "owner"), IT_EDITOR_USER);
    /* The writer's own event was queued before its response. */
    json_t *own = NULL;
    CHECKF(ctl_client_next_event(ed, 0, &own) == 1, "writer's event not before its response");
    CHECK_STR(it_str(own, "event"), "contract.created");
    json_int_t own_seq1 = it_int(own, "seq");
    json_decref(own);

    json_t *ev = it_wait_event(vi, NULL, IT_TIMEOUT_MS, NULL);
    REQUIRE(ev);
    printf("create -> event at the other client: %lld ms\n", (long long)(it_now_ms() - t0));
    CHECK_STR(it_str(ev, "event"), "contract.created");
    json_int_t seq1 = it_int(ev, "seq");
    CHECKF(seq1 > head, "seq %lld head %lld", (long long)seq1, (long long)head);
    json_t *data = json_object_get(ev, "data");
    CHECK_STR(it_str(data, "actor"), IT_EDITOR_USER);
    CHECK_STR(it_str(json_object_get(data, "contract"), "id"), id);
    CHECK(it_int(json_object_get(data, "contract"), "version") == 1);
    CHECK_STR(it_str(json_object_get(data, "contract"), "number"), it_str(c, "number"));
    json_decref(ev);

    /* update two fields */
    t0 = it_now_ms();
    json_t *up = it_contract_update(
        ed, id, 1,
        json_pack("{s:s, s:I}", "title", "Renamed title", "amount_cents", (json_int_t)4242), NULL,
        NULL);
    REQUIRE(up);
    static const char *const changed2[] = {"title", "amount_cents", NULL};
    CHECK(same_names(json_object_get(up, "changed"), changed2));
    CHECK(it_int(json_object_get(up, "contract"), "version") == 2);
    json_decref(up);

    ev = it_wait_event(vi, NULL, IT_TIMEOUT_MS, NULL);
    REQUIRE(ev);
    printf("update -> event at the other client: %lld ms\n", (long long)(it_now_ms() - t0));
    CHECK_STR(it_str(ev, "event"), "contract.updated");
    json_int_t seq2 = it_int(ev, "seq");
    CHECK(seq2 > seq1);
    data = json_object_get(ev, "data");
    json_t *ec = json_object_get(data, "contract");
    CHECK_STR(it_str(ec, "id"), id);
    CHECK(it_int(ec, "version") == 2);
    CHECK_STR(it_str(ec, "title"), "Renamed title");
    CHECK(it_int(ec, "amount_cents") == 4242);
    CHECK_STR(it_str(ec, "updated_by"), IT_EDITOR_USER);
    CHECK_STR(it_str(data, "actor"), IT_EDITOR_USER);
    CHECK(same_names(json_object_get(data, "changed"), changed2));
    json_decref(ev);

    /* A no-op update: ok, nothing changed, no version, no event. */
    up = it_contract_update(ed, id, 2, json_pack("{s:s}", "title", "Renamed title"), NULL, NULL);
    CHECK(up);
    if (up) {
        CHECK(json_array_size(json_object_get(up, "changed")) == 0);
        CHECK(it_int(json_object_get(up, "contract"), "version") == 2);
    }
    json_decref(up);

    /* delete: the next event is the delete (the no-op made none). */
    json_t *del = it_call(ed, "contracts.delete",
                          json_pack("{s:s, s:I}", "id", id, "version", (json_int_t)2), NULL);
    REQUIRE(del);
    CHECK(it_int(json_object_get(del, "contract"), "version") == 3);
    CHECK(json_is_string(json_object_get(json_object_get(del, "contract"), "deleted_at")));
    json_decref(del);

    ev = it_wait_event(vi, NULL, IT_TIMEOUT_MS, NULL);
    REQUIRE(ev);
    CHECK_STR(it_str(ev, "event"), "contract.deleted");
    json_int_t seq3 = it_int(ev, "seq");
    CHECK(seq3 > seq2);
    ec = json_object_get(json_object_get(ev, "data"), "contract");
    CHECK_STR(it_str(ec, "id"), id);
    CHECK(it_int(ec, "version") == 3);
    CHECK(json_is_string(json_object_get(ec, "deleted_at")));
    json_decref(ev);

    /* Nothing else arrives. */
    ev = it_wait_event(vi, NULL, 300, NULL);
    CHECKF(!ev, "unexpected extra event");
    json_decref(ev);

    /* The writer saw the same three events with the same seqs. */
    CHECK(own_seq1 == seq1);
    json_int_t want[] = {seq2, seq3};
    for (int i = 0; i < 2; i++) {
        ev = it_wait_event(ed, NULL, IT_TIMEOUT_MS, NULL);
        CHECK(ev && it_int(ev, "seq") == want[i]);
        json_decref(ev);
    }

    /* A new subscriber gets the new head. */
    struct ctl_client *late = it_login_admin(srv);
    sub = it_call(late, "subscribe", json_object(), NULL);
    CHECK(sub && it_int(sub, "head") == seq3);
    json_decref(sub);

    /* Unsubscribed clients get no more events. */
    json_t *r = it_call(vi, "unsubscribe", json_object(), NULL);
    CHECK(r);
    json_decref(r);
    json_t *c2 = it_contract_create(ed, NULL);
    CHECK(c2);
    ev = it_wait_event(late, "contract.created", IT_TIMEOUT_MS, NULL);
    CHECK(ev);
    json_decref(ev);
    ev = it_wait_event(vi, NULL, 300, NULL);
    CHECKF(!ev, "event after unsubscribe");
    json_decref(ev);
    json_decref(c2);

    json_decref(c);
    ctl_client_close(late);
    ctl_client_close(vi);
    ctl_client_close(ed);
    return it_done(test_summary());
}
