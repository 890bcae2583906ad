/*
 * it_supplements_pages: supplements.list comes a page at a time (PROTOCOL.md
 * §6.9), oldest first, `limit` per page (default 100), `next_cursor` until
 * the last; so a long history stays readable.  Every edit of an active
 * contract's 10,000-character description keeps both texts: the whole
 * history in one answer passed the clients' message limit (pactactl 32
 * MiB) after ~1,200 such edits, and the contract's history could no longer
 * be read at all.
 *
 *  1. 7 amendments, pages of 3: 3, 3, 1, in order, none twice, the last
 *     with next_cursor null; one page of all without a limit;
 *  2. 150 amendments: the default page is 100 with a cursor;
 *  3. refused: a cursor that is not one, a limit of 0 or 501, an unknown
 *     member (bad_request with its field);
 *  4. `pactactl supplements ID --json` prints all 150, one per line.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "test.h"

/* Amends the amount n times (each one supplement). */
static json_int_t amend(struct ctl_client *ad, const char *id, json_int_t version, int n,
                        json_int_t from)
{
    for (int i = 0; i < n; i++) {
        json_t *r = it_contract_update(
            ad, id, version, json_pack("{s:I}", "amount_cents", from + i + 1), "indexation", NULL);
        REQUIRE(r != NULL);
        version = it_int(json_object_get(r, "contract"), "version");
        json_decref(r);
    }
    return version;
}

static json_t *page(struct ctl_client *c, const char *id, int limit, const char *cursor)
{
    json_t *args = json_pack("{s:s}", "contract_id", id);
    if (limit)
        json_object_set_new(args, "limit", json_integer(limit));
    if (cursor)
        json_object_set_new(args, "cursor", json_string(cursor));
    json_t *r = it_call(c, "supplements.list", args, NULL);
    REQUIRE(r != NULL);
    return r;
}

static void refused(struct ctl_client *c, json_t *args, const char *field)
{
    json_t *e = it_call_err(c, "supplements.list", args);
    CHECK_STR(it_err_code(e), "bad_request");
    CHECKF(strcmp(it_err_field(e), field) == 0, "field %s, expected %s", it_err_field(e), field);
    json_decref(e);
}

int main(void)
{
    it_setup("it_supplements_pages");
    struct it_server *s = it_server_start(NULL);
    struct ctl_client *ad = it_login_admin(s);
    json_t *k = it_contract_create(
        ad, json_pack("{s:s, s:I}", "status", "active", "amount_cents", (json_int_t)1000));
    REQUIRE(k != NULL);
    const char *id = it_str(k, "id");
    json_int_t version = amend(ad, id, it_int(k, "version"), 7, 1000);

    /* 1. pages of 3 */
    json_int_t seen[16];
    int n = 0, pages = 0;
    char *cursor = NULL;
    do {
        json_t *r = page(ad, id, 3, cursor);
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(r, "items"), i, it) if (n < 16) seen[n++] =
            it_int(it, "new_value");
        free(cursor);
        const char *next = json_string_value(json_object_get(r, "next_cursor"));
        CHECK(json_object_get(r, "next_cursor") != NULL); /* present, null at the end */
        cursor = next ? strdup(next) : NULL;
        pages++;
        json_decref(r);
    } while (cursor && pages < 10);
    CHECKF(pages == 3 && n == 7, "%d pages, %d items", pages, n);
    for (int i = 0; i < n; i++)
        CHECKF(seen[i] == 1001 + i, "item %d is %lld", i, (long long)seen[i]);
    json_t *all = page(ad, id, 0, NULL);
    CHECK(json_array_size(json_object_get(all, "items")) == 7);
    CHECK(json_is_null(json_object_get(all, "next_cursor")));
    json_decref(all);

    /* 2. the default page */
    amend(ad, id, version, 143, 2000);
    json_t *first = page(ad, id, 0, NULL);
    CHECK(json_array_size(json_object_get(first, "items")) == 100);
    CHECK(json_is_string(json_object_get(first, "next_cursor")));
    json_t *second = page(ad, id, 0, it_str(first, "next_cursor"));
    CHECK(json_array_size(json_object_get(second, "items")) == 50);
    CHECK(json_is_null(json_object_get(second, "next_cursor")));
    json_decref(first);
    json_decref(second);

    /* 3. refused */
    refused(ad, json_pack("{s:s, s:s}", "contract_id", id, "cursor", "x1"), "cursor");
    refused(ad, json_pack("{s:s, s:s}", "contract_id", id, "cursor", "0"), "cursor");
    refused(ad, json_pack("{s:s, s:i}", "contract_id", id, "limit", 0), "limit");
    refused(ad, json_pack("{s:s, s:i}", "contract_id", id, "limit", 501), "limit");
    refused(ad, json_pack("{s:s, s:b}", "contract_id", id, "all", 1), "all");

    /* 4. pactactl follows the pages */
    char env_url[128], env_ca[600], *out = NULL;
    snprintf(env_url, sizeof env_url, "PACTA_URL=%s", s->url);
    snprintf(env_ca, sizeof env_ca, "PACTA_CA=%s", it_ca_file());
    char *env[] = {env_url, env_ca, "PACTA_PASSWORD=" IT_ADMIN_PASSWORD, "PACTA_USER=admin", NULL};
    char *argv[] = {PACTACTL_BIN, "supplements", (char *)id, "--json", NULL};
    int rc = it_run(argv, env, 30000, &out, NULL);
    int lines = 0;
    for (const char *p = out ? out : ""; (p = strchr(p, '\n')); p++)
        lines++;
    CHECKF(rc == 0 && lines == 150, "pactactl: exit %d, %d lines", rc, lines);
    free(out);

    json_decref(k);
    ctl_client_close(ad);
    return it_done(test_summary());
}
