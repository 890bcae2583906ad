/*
 * it_presence_relogin: presence is what a user said on a connection
 * (PROTOCOL.md §6.15: "which contract the user is editing on this
 * connection"), so a login as someone else on that connection ends it.
 * It was kept and shown under the new user: "vi is editing" a contract vi
 * never opened, until the connection closed.
 *
 *  1. ed says it edits K, then logs in as vi on the same connection: the
 *     watchers get presence.updated with no editor, presence.list is empty;
 *  2. vi's own presence.set on that connection is vi's;
 *  3. a login again as the same user (vi) keeps it.
 */
#include <string.h>

#include "harness.h"
#include "test.h"

static const char *const K = "0193a5f2-7c1e-7b3a-9f00-1a2b3c4d5e6f";

/* The users listed as editing K by presence.list. */
static void editors(struct ctl_client *c, char *out, size_t cap)
{
    json_t *r = it_call(c, "presence.list", json_object(), NULL);
    size_t i, j;
    json_t *item, *e;
    out[0] = '\0';
    json_array_foreach(json_object_get(r, "items"), i, item)
    {
        if (strcmp(it_str(item, "contract_id"), K) != 0)
            continue;
        json_array_foreach(json_object_get(item, "editors"), j, e)
        {
            strncat(out, it_str(e, "user"), cap - strlen(out) - 2);
            strcat(out, " ");
        }
    }
    json_decref(r);
}

int main(void)
{
    char who[256];
    it_setup("it_presence_relogin");
    struct it_server *s = it_server_start(NULL);
    it_create_role_users(s);
    struct ctl_client *watcher = it_login_admin(s);
    json_decref(it_call(watcher, "subscribe", json_object(), NULL));
    struct ctl_client *c = it_login(s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);

    /* 1. ed edits K; the connection logs in as vi */
    json_decref(it_call(c, "presence.set", json_pack("{s:s}", "contract_id", K), NULL));
    json_t *ev = it_wait_event(watcher, "presence.updated", IT_TIMEOUT_MS, NULL);
    CHECK(ev && json_array_size(json_object_get(json_object_get(ev, "data"), "editors")) == 1);
    json_decref(ev);
    editors(watcher, who, sizeof who);
    CHECK_STR(who, "ed ");
    json_t *error = NULL;
    CHECK(ctl_client_login(c, IT_VIEWER_USER, IT_VIEWER_PASSWORD, &error) == 0);
    json_decref(error);
    editors(watcher, who, sizeof who);
    CHECKF(strcmp(who, "") == 0, "after a login as vi, K's editors are: %s", who);
    ev = it_wait_event(watcher, "presence.updated", 2000, NULL);
    CHECKF(ev && json_array_size(json_object_get(json_object_get(ev, "data"), "editors")) == 0,
           "the watchers are told K has no editor");
    json_decref(ev);

    /* 2. vi's own */
    json_decref(it_call(c, "presence.set", json_pack("{s:s}", "contract_id", K), NULL));
    editors(watcher, who, sizeof who);
    CHECK_STR(who, "vi ");

    /* 3. the same user again: kept */
    CHECK(ctl_client_login(c, IT_VIEWER_USER, IT_VIEWER_PASSWORD, &error) == 0);
    editors(watcher, who, sizeof who);
    CHECK_STR(who, "vi ");

    ctl_client_close(c);
    ctl_client_close(watcher);
    return it_done(test_summary());
}
