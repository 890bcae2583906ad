/*
 * it_list: contracts.list as a client pages through it (PROTOCOL.md §6.4).
 *
 * 120 contracts with a mix of kinds, statuses and owners.  Walking with
 * limit 50 gives 3 pages in (number, id) order, every contract exactly once,
 * next_cursor null only on the last page; the filters combine with AND and
 * the text filter is a case-insensitive substring; deleted contracts only
 * with include_deleted; a forged cursor is bad_request field cursor.
 */
#include <string.h>

#include "harness.h"
#include "test.h"

#define COUNT 120

/* Walks every page of a filtered list; returns the items (new ref). */
static json_t *walk(struct ctl_client *c, json_t *filters_steal, int limit, int *pages)
{
    json_t *all = json_array();
    json_t *cursor = NULL;
    *pages = 0;
    for (int guard = 0; guard < 100; guard++) {
        json_t *args = json_deep_copy(filters_steal);
        json_object_set_new(args, "limit", json_integer(limit));
        if (cursor)
            json_object_set(args, "cursor", cursor);
        json_t *page = it_call(c, "contracts.list", args, NULL);
        json_decref(cursor);
        cursor = NULL;
        if (!page)
            break;
        (*pages)++;
        json_t *items = json_object_get(page, "items");
        CHECK(json_is_array(items) && json_array_size(items) <= (size_t)limit);
        json_array_extend(all, items);
        json_t *next = json_object_get(page, "next_cursor");
        CHECK(json_is_null(next) || json_is_string(next));
        if (json_is_string(next)) {
            /* Not the last page: it is full. */
            CHECK(json_array_size(items) == (size_t)limit);
            cursor = json_incref(next);
        }
        json_decref(page);
        if (!cursor)
            break;
    }
    json_decref(cursor);
    json_decref(filters_steal);
    return all;
}

static int sorted_unique(const json_t *items)
{
    for (size_t i = 1; i < json_array_size(items); i++) {
        const json_t *a = json_array_get(items, i - 1), *b = json_array_get(items, i);
        int cmp = strcmp(it_str(a, "number"), it_str(b, "number"));
        if (cmp > 0 || (cmp == 0 && strcmp(it_str(a, "id"), it_str(b, "id")) >= 0))
            return 0;
    }
    return 1;
}

int main(void)
{
    it_setup("it_list");
    struct it_server *srv = it_server_start(NULL);
    it_create_role_users(srv);
    struct ctl_client *ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    struct ctl_client *ad = it_login(srv, IT_ADMIN2_USER, IT_ADMIN2_PASSWORD);

    int suppliers = 0, active_suppliers_of_ad2 = 0, cleaning = 0;
    char deleted_id[40] = "";
    for (int i = 0; i < COUNT; i++) {
        int supplier = i % 3 == 0, active = i % 2 == 0, mine = i % 5 == 0;
        char title[64];
        snprintf(title, sizeof title, i % 7 == 0 ? "Office CLEANING %d" : "Laptops %d", i);
        json_t *k = it_contract_create(
            mine ? ad : ed, json_pack("{s:s, s:s, s:s}", "kind", supplier ? "supplier" : "client",
                                      "status", active ? "active" : "draft", "title", title));
        REQUIRE(k);
        suppliers += supplier;
        active_suppliers_of_ad2 += supplier && active && mine;
        cleaning += i % 7 == 0;
        if (i == 10)
            snprintf(deleted_id, sizeof deleted_id, "%s", it_str(k, "id"));
        json_decref(k);
    }
    json_t *r = it_call(ed, "contracts.delete",
                        json_pack("{s:s, s:I, s:s}", "id", deleted_id, "version", (json_int_t)1,
                                  "reason", "entered twice"),
                        NULL);
    REQUIRE(r);
    json_decref(r);

    struct ctl_client *vi = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    int pages;
    json_t *items = walk(vi, json_object(), 50, &pages);
    printf("%zu contracts in %d pages of 50\n", json_array_size(items), pages);
    CHECK(json_array_size(items) == COUNT - 1);
    CHECK(pages == 3);
    CHECK(sorted_unique(items));
    int has_deleted = 0;
    for (size_t i = 0; i < json_array_size(items); i++)
        has_deleted |= strcmp(it_str(json_array_get(items, i), "id"), deleted_id) == 0;
    CHECK(!has_deleted);
    json_decref(items);

    items = walk(vi, json_pack("{s:b}", "include_deleted", 1), 500, &pages);
    CHECK(json_array_size(items) == COUNT && pages == 1 && sorted_unique(items));
    json_decref(items);

    /* Default limit is 50. */
    r = it_call(vi, "contracts.list", json_object(), NULL);
    CHECK(r && json_array_size(json_object_get(r, "items")) == 50);
    json_decref(r);

    items = walk(vi, json_pack("{s:s}", "kind", "supplier"), 7, &pages);
    /* The deleted contract (i == 10) is a client, so every supplier is listed. */
    CHECKF(json_array_size(items) == (size_t)suppliers, "%zu suppliers, want %d",
           json_array_size(items), suppliers);
    CHECK(sorted_unique(items));
    json_decref(items);

    items = walk(vi,
                 json_pack("{s:s, s:s, s:s}", "kind", "supplier", "status", "active", "owner",
                           IT_ADMIN2_USER),
                 50, &pages);
    CHECKF(json_array_size(items) == (size_t)active_suppliers_of_ad2, "%zu, want %d",
           json_array_size(items), active_suppliers_of_ad2);
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *k = json_array_get(items, i);
        CHECK(strcmp(it_str(k, "kind"), "supplier") == 0 &&
              strcmp(it_str(k, "status"), "active") == 0 &&
              strcmp(it_str(k, "owner"), IT_ADMIN2_USER) == 0);
    }
    json_decref(items);

    items = walk(vi, json_pack("{s:s}", "text", "office cleaning"), 50, &pages);
    CHECKF(json_array_size(items) == (size_t)cleaning, "text filter: %zu, want %d",
           json_array_size(items), cleaning);
    json_decref(items);
    /* % and _ are literal. */
    items = walk(vi, json_pack("{s:s}", "text", "%"), 50, &pages);
    CHECK(json_array_size(items) == 0);
    json_decref(items);

    json_t *err =
        it_call_err(vi, "contracts.list", json_pack("{s:s}", "cursor", "bm90IGEgcmVhbCBjdXJzb3I"));
    CHECK_STR(it_err_code(err), "bad_request");
    CHECK_STR(it_err_field(err), "cursor");
    json_decref(err);

    ctl_client_close(vi);
    ctl_client_close(ad);
    ctl_client_close(ed);
    return it_done(test_summary());
}
