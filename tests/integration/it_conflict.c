/*
 * it_conflict: a stale edit is rejected with the current record and nothing
 * changes (DESIGN.md §5); deleted rows cannot be edited; editing an active
 * contract needs a reason and writes one supplement per changed field.
 */
#include <string.h>

#include "harness.h"
#include "test.h"

static json_t *supplements(struct ctl_client *c, const char *id)
{
    json_t *r = it_call(c, "supplements.list", json_pack("{s:s}", "contract_id", id), NULL);
    json_t *items = r ? json_incref(json_object_get(r, "items")) : NULL;
    json_decref(r);
    return items;
}

static void test_stale_update_and_delete(struct ctl_client *ed, struct ctl_client *other)
{
    json_t *c = it_contract_create(ed, NULL);
    REQUIRE(c);
    const char *id = it_str(c, "id");

    json_t *up =
        it_contract_update(ed, id, 1, json_pack("{s:s}", "title", "Editor's title"), NULL, NULL);
    REQUIRE(up);
    json_t *fresh = json_object_get(up, "contract");
    CHECK(it_int(fresh, "version") == 2);

    /* The other user still holds version 1. */
    json_t *err = NULL;
    json_t *r = it_contract_update(
        other, id, 1,
        json_pack("{s:s, s:I}", "title", "Stale title", "notice_days", (json_int_t)90), NULL, &err);
    CHECK(!r);
    CHECK_STR(it_err_code(err), "conflict");
    CHECK_STR(it_err_field(err), "version");
    json_t *cur = json_object_get(err, "current");
    CHECKF(json_is_object(cur), "conflict without current record");
    CHECK(it_int(cur, "version") == 2);
    CHECK_STR(it_str(cur, "id"), id);
    CHECK_STR(it_str(cur, "title"), "Editor's title");
    CHECK_STR(it_str(cur, "updated_by"), IT_EDITOR_USER);
    CHECK_STR(it_str(cur, "updated_at"), it_str(fresh, "updated_at"));
    CHECK(it_int(cur, "notice_days") == it_int(fresh, "notice_days"));
    json_decref(r);
    json_decref(err);

    /* Nothing of the stale edit was applied. */
    json_t *now = it_contract_get(other, id);
    REQUIRE(now);
    CHECK(it_int(now, "version") == 2);
    CHECK_STR(it_str(now, "title"), "Editor's title");
    CHECK(it_int(now, "notice_days") == it_int(fresh, "notice_days"));
    CHECK(json_equal(now, fresh));
    json_decref(now);

    /* A stale delete is a conflict too, and deletes nothing. */
    err = it_call_err(other, "contracts.delete",
                      json_pack("{s:s, s:I}", "id", id, "version", (json_int_t)1));
    CHECK_STR(it_err_code(err), "conflict");
    CHECK_STR(it_err_field(err), "version");
    CHECK(it_int(json_object_get(err, "current"), "version") == 2);
    json_decref(err);
    now = it_contract_get(other, id);
    CHECK(now && json_is_null(json_object_get(now, "deleted_at")) && it_int(now, "version") == 2);
    json_decref(now);

    /* Delete at the right version, then every edit is not_found. */
    r = it_call(other, "contracts.delete",
                json_pack("{s:s, s:I}", "id", id, "version", (json_int_t)2), NULL);
    CHECK(r && it_int(json_object_get(r, "contract"), "version") == 3);
    json_decref(r);
    r = it_contract_update(ed, id, 3, json_pack("{s:s}", "title", "After delete"), NULL, &err);
    CHECK(!r);
    CHECK_STR(it_err_code(err), "not_found");
    CHECK_STR(it_err_field(err), "id");
    json_decref(r);
    json_decref(err);
    /* Even with the version the deleter saw before. */
    r = it_contract_update(ed, id, 2, json_pack("{s:s}", "title", "After delete"), NULL, &err);
    CHECK(!r);
    CHECK_STR(it_err_code(err), "not_found");
    json_decref(r);
    json_decref(err);
    err = it_call_err(ed, "contracts.delete",
                      json_pack("{s:s, s:I}", "id", id, "version", (json_int_t)3));
    CHECK_STR(it_err_code(err), "not_found");
    json_decref(err);
    /* get still returns it, deleted. */
    now = it_contract_get(ed, id);
    CHECK(now && json_is_string(json_object_get(now, "deleted_at")) &&
          it_int(now, "version") == 3 && strcmp(it_str(now, "title"), "Editor's title") == 0);
    json_decref(now);

    /* An id that never existed. */
    r = it_contract_update(ed, "01900000-0000-7000-8000-000000000000", 1,
                           json_pack("{s:s}", "title", "x"), NULL, &err);
    CHECK(!r);
    CHECK_STR(it_err_code(err), "not_found");
    json_decref(r);
    json_decref(err);
    err = it_call_err(ed, "contracts.get",
                      json_pack("{s:s}", "id", "01900000-0000-7000-8000-000000000000"));
    CHECK_STR(it_err_code(err), "not_found");
    json_decref(err);

    json_decref(up);
    json_decref(c);
}

static void test_unique_number(struct ctl_client *ed)
{
    json_t *c = it_contract_create(ed, NULL);
    REQUIRE(c);
    json_t *args = it_contract_args();
    json_object_set_new(args, "number", json_string(it_str(c, "number")));
    json_t *err = it_call_err(ed, "contracts.create", args);
    CHECK_STR(it_err_code(err), "conflict");
    CHECK_STR(it_err_field(err), "number");
    CHECK(!json_object_get(err, "current"));
    json_decref(err);

    /* Deleting frees the number (PROTOCOL.md §5); a deleted contract's id
     * stays taken. */
    json_t *r =
        it_call(ed, "contracts.delete",
                json_pack("{s:s, s:I}", "id", it_str(c, "id"), "version", (json_int_t)1), NULL);
    CHECK(r);
    json_decref(r);
    args = it_contract_args();
    json_object_set_new(args, "number", json_string(it_str(c, "number")));
    r = it_call(ed, "contracts.create", args, NULL);
    CHECK(r);
    json_decref(r);
    args = it_contract_args();
    json_object_set_new(args, "id", json_string(it_str(c, "id")));
    err = it_call_err(ed, "contracts.create", args);
    CHECK_STR(it_err_code(err), "conflict");
    CHECK_STR(it_err_field(err), "id");
    json_decref(err);
    json_decref(c);
}

static void test_active_needs_reason(struct ctl_client *ed)
{
    json_t *c =
        it_contract_create(ed, json_pack("{s:s, s:s, s:s}", "status", "active", "start_date",
                                         "2026-01-01", "end_date", "2026-12-31"));
    REQUIRE(c);
    const char *id = it_str(c, "id");
    json_int_t amount = it_int(c, "amount_cents");

    json_t *err = NULL;
    json_t *r = it_contract_update(
        ed, id, 1, json_pack("{s:s, s:I}", "title", "Amended", "amount_cents", amount + 500), NULL,
        &err);
    CHECK(!r);
    CHECK_STR(it_err_code(err), "bad_request");
    CHECK_STR(it_err_field(err), "reason");
    json_decref(r);
    json_decref(err);
    json_t *now = it_contract_get(ed, id);
    CHECK(now && json_equal(now, c));
    json_decref(now);
    json_t *items = supplements(ed, id);
    CHECK(items && json_array_size(items) == 0);
    json_decref(items);

    r = it_contract_update(ed, id, 1,
                           json_pack("{s:s, s:I, s:s}", "title", "Amended", "amount_cents",
                                     amount + 500, "end_date", "2027-06-30"),
                           "Amendment no. 1", &err);
    CHECK(r);
    if (!r)
        fprintf(stderr, "update with reason: %s\n", it_err_code(err));
    json_decref(err);
    json_decref(r);

    items = supplements(ed, id);
    CHECKF(items && json_array_size(items) == 3, "%zu supplements",
           items ? json_array_size(items) : 0);
    int seen_title = 0, seen_amount = 0, seen_end = 0;
    for (size_t i = 0; items && i < json_array_size(items); i++) {
        json_t *s = json_array_get(items, i);
        const char *field = it_str(s, "field");
        CHECK_STR(it_str(s, "reason"), "Amendment no. 1");
        CHECK_STR(it_str(s, "author"), IT_EDITOR_USER);
        CHECK_STR(it_str(s, "contract_id"), id);
        if (strcmp(field, "title") == 0) {
            seen_title++;
            CHECK_STR(json_string_value(json_object_get(s, "old_value")), it_str(c, "title"));
            CHECK_STR(json_string_value(json_object_get(s, "new_value")), "Amended");
        } else if (strcmp(field, "amount_cents") == 0) {
            seen_amount++;
            CHECK(json_integer_value(json_object_get(s, "old_value")) == amount);
            CHECK(json_integer_value(json_object_get(s, "new_value")) == amount + 500);
        } else if (strcmp(field, "end_date") == 0) {
            seen_end++;
            CHECK_STR(json_string_value(json_object_get(s, "old_value")), "2026-12-31");
            CHECK_STR(json_string_value(json_object_get(s, "new_value")), "2027-06-30");
        }
    }
    CHECK(seen_title == 1 && seen_amount == 1 && seen_end == 1);
    json_decref(items);

    /* A draft needs no reason and writes no supplement. */
    json_t *d = it_contract_create(ed, NULL);
    REQUIRE(d);
    r = it_contract_update(ed, it_str(d, "id"), 1, json_pack("{s:s}", "title", "Draft edit"), NULL,
                           NULL);
    CHECK(r);
    json_decref(r);
    items = supplements(ed, it_str(d, "id"));
    CHECK(items && json_array_size(items) == 0);
    json_decref(items);
    json_decref(d);
    json_decref(c);
}

int main(void)
{
    it_setup("it_conflict");
    struct it_server *srv = it_server_start(NULL);
    it_create_role_users(srv);
    struct ctl_client *ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    struct ctl_client *ad = it_login(srv, IT_ADMIN2_USER, IT_ADMIN2_PASSWORD);

    test_stale_update_and_delete(ed, ad);
    test_unique_number(ed);
    test_active_needs_reason(ed);

    ctl_client_close(ad);
    ctl_client_close(ed);
    return it_done(test_summary());
}
