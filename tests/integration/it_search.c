/*
 * it_search: contracts.list `q`, full-text search (PROTOCOL.md §6.4).
 *
 * Through a real server: words are prefixes and AND-ed, accents are folded
 * ("asociatii" finds "Asociații"), hits are ranked (a hit in the number or
 * title before one only in the description), pages walk every hit once,
 * an edit is searchable in the next request (the index is updated in the
 * edit's own transaction), `q` combines with the other filters, and a
 * blank `q` is bad_request.  With a sort key a page is first read by a q
 * probe (a walk testing q on its rows): same hits, in the key's order.
 * `text` substrings (the trigram index, schema_text.h): found in the next
 * request after an edit, ASCII letters in any case, other letters exactly.
 */
#include <string.h>

#include "harness.h"
#include "test.h"

/* The titles of one `q` page, space-separated, in *out. */
static json_t *search(struct ctl_client *c, json_t *args_steal, char *out, size_t len)
{
    json_t *page = it_call(c, "contracts.list", args_steal, NULL);
    size_t o = 0;

    out[0] = '\0';
    if (!page)
        return NULL;
    json_t *items = json_object_get(page, "items");
    for (size_t i = 0; i < json_array_size(items) && o < len; i++)
        o += (size_t)snprintf(out + o, len - o, "%s%s", o ? "|" : "",
                              it_str(json_array_get(items, i), "title"));
    return page;
}

static void check_q(struct ctl_client *c, const char *q, const char *want)
{
    char got[1024];
    json_t *page = search(c, json_pack("{s:s}", "q", q), got, sizeof got);

    CHECKF(page && strcmp(got, want) == 0, "q \"%s\": got \"%s\", want \"%s\"", q, got, want);
    json_decref(page);
}

int main(void)
{
    it_setup("it_search");
    struct it_server *srv = it_server_start(NULL);
    it_create_role_users(srv);
    struct ctl_client *ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    struct ctl_client *vi = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);

    json_t *a = it_contract_create(ed, json_pack("{s:s, s:s}", "title", "Întreținere lift",
                                                 "counterparty", "Asociația de proprietari"));
    json_t *b = it_contract_create(ed, json_pack("{s:s, s:s, s:s}", "title", "Curățenie scări",
                                                 "description", "pentru asociatie, lunar", "status",
                                                 "active"));
    json_t *c = it_contract_create(ed, json_pack("{s:s}", "title", "Laptops"));
    REQUIRE(a && b && c);

    check_q(vi, "asociatii", ""); /* a word is a prefix, not a substring */
    check_q(vi, "asocia", "Întreținere lift|Curățenie scări"); /* counterparty before description */
    check_q(vi, "ASOCIAȚIA", "Întreținere lift");
    check_q(vi, "intretinere lif", "Întreținere lift");
    check_q(vi, "curatenie", "Curățenie scări");
    check_q(vi, "lap", "Laptops");
    check_q(vi, "lap asocia", "");
    check_q(vi, "\" OR NEAR(", "");

    /* with the other filters */
    char got[1024];
    json_t *page =
        search(vi, json_pack("{s:s, s:s}", "q", "asocia", "status", "active"), got, sizeof got);
    CHECKF(strcmp(got, "Curățenie scări") == 0, "q+status: %s", got);
    json_decref(page);

    /* with a sort key (a q probe), descending titles */
    page = search(vi, json_pack("{s:s, s:s, s:s}", "q", "asocia", "sort", "title", "order", "desc"),
                  got, sizeof got);
    CHECKF(strcmp(got, "Întreținere lift|Curățenie scări") == 0, "q+sort: %s", got);
    json_decref(page);

    /* text: a substring, through the trigram index from 3 characters */
    page = search(vi, json_pack("{s:s}", "text", "ȚINERE"), got, sizeof got);
    CHECKF(strcmp(got, "Întreținere lift") == 0, "text other case: %s", got);
    json_decref(page);
    page = search(vi, json_pack("{s:s}", "text", "intretinere"), got, sizeof got);
    CHECKF(strcmp(got, "Întreținere lift") == 0, "text without accents: %s", got);
    json_decref(page);
    page = search(vi, json_pack("{s:s}", "text", "ținere L"), got, sizeof got);
    CHECKF(strcmp(got, "Întreținere lift") == 0, "text: %s", got);
    json_decref(page);

    /* an edit is found by the very next request */
    json_t *r = it_contract_update(ed, it_str(c, "id"), it_int(c, "version"),
                                   json_pack("{s:s}", "title", "Asociații laptops"), NULL, NULL);
    REQUIRE(r);
    json_decref(r);
    check_q(vi, "asociatii", "Asociații laptops");
    check_q(vi, "lap", "Asociații laptops");
    page = search(vi, json_pack("{s:s}", "text", "ații LAP"), got, sizeof got);
    CHECKF(strcmp(got, "Asociații laptops") == 0, "text after the edit: %s", got);
    json_decref(page);
    page = search(vi, json_pack("{s:s}", "text", "Laptops"), got, sizeof got);
    CHECKF(strcmp(got, "Asociații laptops") == 0, "text, ASCII case: %s", got);
    json_decref(page);

    /* deleted: gone unless include_deleted */
    r = it_call(ed, "contracts.delete",
                json_pack("{s:s, s:I}", "id", it_str(a, "id"), "version", it_int(a, "version")),
                NULL);
    REQUIRE(r);
    json_decref(r);
    check_q(vi, "asocia", "Asociații laptops|Curățenie scări");
    page = search(vi, json_pack("{s:s, s:b}", "q", "intretinere", "include_deleted", 1), got,
                  sizeof got);
    CHECKF(strcmp(got, "Întreținere lift") == 0, "include_deleted: %s", got);
    json_decref(page);

    /* pages: limit 1 walks the two hits, then next_cursor is null */
    page = search(vi, json_pack("{s:s, s:i}", "q", "asocia", "limit", 1), got, sizeof got);
    REQUIRE(page && json_is_string(json_object_get(page, "next_cursor")));
    CHECKF(strcmp(got, "Asociații laptops") == 0, "page 1: %s", got);
    json_t *next = search(vi,
                          json_pack("{s:s, s:i, s:O}", "q", "asocia", "limit", 1, "cursor",
                                    json_object_get(page, "next_cursor")),
                          got, sizeof got);
    CHECKF(strcmp(got, "Curățenie scări") == 0, "page 2: %s", got);
    CHECK(next && json_is_null(json_object_get(next, "next_cursor")));
    json_decref(next);
    json_decref(page);

    json_t *err = it_call_err(vi, "contracts.list", json_pack("{s:s}", "q", "  "));
    CHECK_STR(it_err_code(err), "bad_request");
    CHECK_STR(it_err_field(err), "q");
    json_decref(err);

    json_decref(a);
    json_decref(b);
    json_decref(c);
    ctl_client_close(vi);
    ctl_client_close(ed);
    return it_done(test_summary());
}
