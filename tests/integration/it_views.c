/*
 * it_views: saved views (views.save / views.list / views.delete, issue 7)
 * through a real server.
 *
 * A viewer saves, replaces, lists and deletes their own views; another user
 * never sees them; the user's other subscribed desk gets view.saved and
 * view.deleted, the author's own connection and other users do not; a view
 * is stored canonical and is a valid contracts.list request; bad filters,
 * names and sorts are bad_request with their field; deleting an unknown
 * view is not_found; a user holds at most 100.
 */
#include <string.h>

#include "harness.h"
#include "test.h"

static json_t *save(struct ctl_client *c, const char *name, const char *filter, const char *sort)
{
    json_t *args = json_pack("{s:s, s:o}", "name", name, "filter", json_loads(filter, 0, NULL));
    if (sort)
        json_object_set_new(args, "sort", json_loads(sort, 0, NULL));
    return it_call(c, "views.save", args, NULL);
}

static void check_error(struct ctl_client *c, const char *op, const char *args, const char *code,
                        const char *field)
{
    json_t *err = it_call_err(c, op, json_loads(args, 0, NULL));
    CHECKF(err && strcmp(it_err_code(err), code) == 0 && strcmp(it_err_field(err), field) == 0,
           "%s %s: %s \"%s\", want %s \"%s\"", op, args, err ? it_err_code(err) : "-",
           err ? it_err_field(err) : "-", code, field);
    json_decref(err);
}

/* The names of views.list, space-separated. */
static void names(struct ctl_client *c, char *out, size_t len)
{
    json_t *r = it_call(c, "views.list", NULL, NULL);
    size_t o = 0;

    out[0] = '\0';
    json_t *items = json_object_get(r, "items");
    for (size_t i = 0; i < json_array_size(items) && o < len; i++)
        o += (size_t)snprintf(out + o, len - o, "%s%s", o ? " " : "",
                              it_str(json_array_get(items, i), "name"));
    json_decref(r);
}

static void subscribe(struct ctl_client *c)
{
    json_t *r = it_call(c, "subscribe", NULL, NULL);
    REQUIRE(r);
    json_decref(r);
}

int main(void)
{
    it_setup("it_views");
    struct it_server *srv = it_server_start(NULL);
    it_create_role_users(srv);
    struct ctl_client *vi = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    struct ctl_client *vi2 = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    struct ctl_client *ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    subscribe(vi);
    subscribe(vi2);
    subscribe(ed);

    /* save: canonical filter (nulls dropped), sort with its defaults */
    json_t *r =
        save(vi, "Ending soon", "{\"lifecycle\":\"expiring\",\"kind\":null,\"owner\":\"vi\"}",
             "{\"key\":\"end_date\"}");
    REQUIRE(r);
    json_t *view = json_object_get(r, "view");
    CHECK(json_is_false(json_object_get(r, "replaced")));
    char *f = json_dumps(json_object_get(view, "filter"), JSON_COMPACT);
    char *s = json_dumps(json_object_get(view, "sort"), JSON_COMPACT);
    CHECK_STR(f, "{\"owner\":\"vi\",\"lifecycle\":\"expiring\"}");
    CHECK_STR(s, "{\"key\":\"end_date\",\"order\":\"asc\"}");
    free(f);
    free(s);
    const char *created = it_str(view, "created_at");
    CHECK(strlen(created) == 24);

    /* the other desk of the same user hears of it; the author and others do not */
    json_t *ev = it_wait_event(vi2, "view.saved", IT_TIMEOUT_MS, NULL);
    CHECK(ev && strcmp(it_str(json_object_get(json_object_get(ev, "data"), "view"), "name"),
                       "Ending soon") == 0);
    CHECK(ev && json_object_get(ev, "seq") == NULL); /* ephemeral */
    json_decref(ev);
    CHECK(it_wait_event(vi, "view.saved", 300, NULL) == NULL);
    CHECK(it_wait_event(ed, "view.saved", 300, NULL) == NULL);

    /* replace by name: created_at kept */
    json_t *r2 = save(vi, "Ending soon", "{\"q\":\"lift\"}", NULL);
    REQUIRE(r2);
    CHECK(json_is_true(json_object_get(r2, "replaced")));
    CHECK_STR(it_str(json_object_get(r2, "view"), "created_at"), created);
    CHECK_STR(it_str(json_object_get(json_object_get(r2, "view"), "sort"), "key"), "relevance");
    json_decref(r2);
    json_decref(r);
    ev = it_wait_event(vi2, "view.saved", IT_TIMEOUT_MS, NULL);
    CHECK(ev != NULL);
    json_decref(ev);

    json_decref(save(vi, "Alpha", "{}", "{\"key\":\"title\",\"order\":\"desc\"}"));
    json_decref(save(vi, "ünïcode name ✓", "{\"currency\":\"EUR\",\"amount_min\":100}", NULL));
    char got[512];
    names(vi, got, sizeof got);
    CHECK_STR(got, "Alpha Ending soon ünïcode name ✓");
    names(ed, got, sizeof got);
    CHECK_STR(got, ""); /* each user sees only their own */
    json_decref(save(ed, "Alpha", "{\"status\":\"draft\"}", NULL));
    names(ed, got, sizeof got);
    CHECK_STR(got, "Alpha");

    /* a stored view is a valid contracts.list request */
    r = it_call(vi, "views.list", NULL, NULL);
    json_t *items = json_object_get(r, "items");
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *v = json_array_get(items, i);
        json_t *args = json_deep_copy(json_object_get(v, "filter"));
        json_object_set(args, "sort", json_object_get(json_object_get(v, "sort"), "key"));
        json_object_set(args, "order", json_object_get(json_object_get(v, "sort"), "order"));
        json_t *page = it_call(vi, "contracts.list", args, NULL);
        CHECKF(page != NULL, "view %s", it_str(v, "name"));
        json_decref(page);
    }
    json_decref(r);

    /* delete: the other desk hears; again is not_found */
    r = it_call(vi, "views.delete", json_pack("{s:s}", "name", "Alpha"), NULL);
    CHECK(r && strcmp(it_str(r, "name"), "Alpha") == 0);
    json_decref(r);
    int skipped = 0;
    ev = it_wait_event(vi2, "view.deleted", IT_TIMEOUT_MS, &skipped);
    CHECK(ev && strcmp(it_str(json_object_get(ev, "data"), "name"), "Alpha") == 0);
    json_decref(ev);
    names(vi, got, sizeof got);
    CHECK_STR(got, "Ending soon ünïcode name ✓");
    names(ed, got, sizeof got);
    CHECK_STR(got, "Alpha"); /* the editor's own Alpha is untouched */
    check_error(vi, "views.delete", "{\"name\":\"Alpha\"}", "not_found", "name");

    /* bad input names its field */
    check_error(vi, "views.save", "{\"filter\":{}}", "bad_request", "name");
    check_error(vi, "views.save", "{\"name\":\" \",\"filter\":{}}", "bad_request", "name");
    check_error(vi, "views.save", "{\"name\":\"x\"}", "bad_request", "filter");
    check_error(vi, "views.save", "{\"name\":\"x\",\"filter\":{\"status\":\"open\"}}",
                "bad_request", "status");
    check_error(vi, "views.save", "{\"name\":\"x\",\"filter\":{\"limit\":5}}", "bad_request",
                "limit");
    check_error(vi, "views.save", "{\"name\":\"x\",\"filter\":{\"amount_min\":5}}", "bad_request",
                "currency");
    check_error(vi, "views.save", "{\"name\":\"x\",\"filter\":{},\"sort\":{\"key\":\"relevance\"}}",
                "bad_request", "key");
    check_error(vi, "views.save", "{\"name\":\"x\",\"filter\":{},\"extra\":1}", "bad_request",
                "extra");
    check_error(vi, "views.list", "{\"all\":true}", "bad_request", "all");
    check_error(vi, "views.delete", "{}", "bad_request", "name");

    /* at most 100 per user; replacing one at the limit still works */
    for (int i = 0; i < 98; i++) {
        char name[16];
        snprintf(name, sizeof name, "v%03d", i);
        json_t *ok = save(vi, name, "{}", NULL);
        CHECK(ok != NULL);
        json_decref(ok);
    }
    check_error(vi, "views.save", "{\"name\":\"one too many\",\"filter\":{}}", "bad_request",
                "name");
    r = save(vi, "v000", "{\"kind\":\"client\"}", NULL);
    CHECK(r && json_is_true(json_object_get(r, "replaced")));
    json_decref(r);

    /* before login */
    struct ctl_client *anon = it_connect(srv);
    check_error(anon, "views.list", "{}", "unauthenticated", "");
    ctl_client_close(anon);

    ctl_client_close(ed);
    ctl_client_close(vi2);
    ctl_client_close(vi);
    return it_done(test_summary());
}
