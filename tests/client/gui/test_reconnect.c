/*
 * GUI: the connection banner appears when the server stops (with the retry
 * countdown) and disappears after it is back; events made while the desk
 * was disconnected are in the list afterwards (resume with subscribe
 * {since}).  The harness restarts pactad on a new port, so the test points
 * the connection at it, as an operator moving the server would.
 */
#include "gui_support.h"

static gboolean banner_shown(gpointer data)
{
    return pacta_connection_banner_get_revealed(data);
}

static gboolean banner_hidden(gpointer data)
{
    return !pacta_connection_banner_get_revealed(data);
}

struct title_wait {
    PactaWindow *win;
    const char *number, *title;
};

static gboolean row_has_title(gpointer data)
{
    struct title_wait *w = data;
    PactaContract *c = gui_row_contract(w->win, w->number);
    return c && g_str_equal(pacta_contract_get_title(c), w->title);
}

int main(void)
{
    PactaApplication *app = gui_setup("gui_reconnect");
    struct it_server *s = it_server_start(NULL);
    struct ctl_client *admin = it_login_admin(s);
    json_t *a = it_contract_create(admin, json_pack("{ss}", "title", "Before the outage"));
    REQUIRE(a != NULL);
    ctl_client_close(admin);

    PactaWindow *win = gui_login(app, s, "admin", IT_ADMIN_PASSWORD);
    PactaConnection *conn = pacta_application_get_connection(app);
    PactaConnectionBanner *banner = pacta_window_get_banner(win);
    CHECK(!pacta_connection_banner_get_revealed(banner));

    CHECK(it_server_stop(s) == 0);
    CHECK(gui_wait(banner_shown, banner, GUI_TIMEOUT_MS));
    CHECKF(strstr(pacta_connection_banner_get_text(banner), "Reconnecting") != NULL, "banner: %s",
           pacta_connection_banner_get_text(banner));

    /* The server comes back; changes happen before the desk reconnects. */
    it_server_restart(s);
    admin = it_login_admin(s);
    json_t *err = NULL;
    json_t *r =
        it_contract_update(admin, it_str(a, "id"), it_int(a, "version"),
                           json_pack("{ss}", "title", "Changed during the outage"), NULL, &err);
    CHECK(r != NULL);
    json_decref(r);
    json_t *b = it_contract_create(admin, json_pack("{ss}", "title", "Created during the outage"));
    REQUIRE(b != NULL);
    CHECK(pacta_connection_get_state(conn) != PACTA_CONNECTION_CONNECTED);
    CHECK(pacta_connection_banner_get_revealed(banner));

    pacta_connection_set_url(conn, s->url);
    pacta_connection_reconnect_now(conn);
    CHECK(gui_wait(banner_hidden, banner, GUI_TIMEOUT_MS));
    CHECK(pacta_connection_get_state(conn) == PACTA_CONNECTION_CONNECTED);

    struct title_wait wa = {win, it_str(a, "number"), "Changed during the outage"};
    struct title_wait wb = {win, it_str(b, "number"), "Created during the outage"};
    CHECK(gui_wait(row_has_title, &wa, GUI_TIMEOUT_MS));
    CHECK(gui_wait(row_has_title, &wb, GUI_TIMEOUT_MS));
    CHECK(gui_wait_rows(win, 2));

    json_decref(a);
    json_decref(b);
    ctl_client_close(admin);
    gui_teardown(app);
    return it_done(test_summary());
}
