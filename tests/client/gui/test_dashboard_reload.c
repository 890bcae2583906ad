/*
 * GUI: the Dashboard page shows the figures of the data the desk reloaded.
 * When the server refuses the desk's `since` (its log is not the one the
 * desk followed: its database was put back from an older copy, PROTOCOL.md
 * §6.10, §9) the desk starts over; the Dashboard page kept the figures it
 * held and refused every newer one, because they came with a lower
 * as_of_seq, until the new log grew past the old one.
 *
 *  1. the desk logs in (1 contract) and the server is stopped: a copy of
 *     its database is kept;
 *  2. back up (new port), two contracts more, one of them expired at once:
 *     the page shows 3, the Expiring page its alert;
 *  3. the server is put back on the copy: the desk reconnects, is told to
 *     reload, and the page shows 1 again; the Expiring page no longer
 *     lists the alert about a contract the data does not have (it kept
 *     it, as it did its figures; a restore, server.reset, cleared it).
 */
#include <string.h>

#include "gui_support.h"

#include "pacta-dashboard-page.h"
#include "pacta-expiring-view.h"

struct card_wait {
    PactaDashboardPage *page;
    const char *total;
};

static gboolean total_is(gpointer data)
{
    struct card_wait *w = data;
    return g_strcmp0(pacta_dashboard_page_get_card_text(w->page, PACTA_DASHBOARD_CARD_TOTAL),
                     w->total) == 0;
}

static gboolean has_alert(gpointer data)
{
    return pacta_expiring_view_get_count(data) == 1;
}

static gboolean no_alert(gpointer data)
{
    return pacta_expiring_view_get_count(data) == 0;
}

static gboolean connected(gpointer data)
{
    return pacta_connection_get_state(data) == PACTA_CONNECTION_CONNECTED;
}

/* A whole copy of the stopped server's database (its WAL included). */
static void copy_db(const struct it_server *s, const char *to)
{
    char from[600];
    sqlite3 *src = NULL, *dst = NULL;
    it_server_db_path(s, from, sizeof from);
    REQUIRE(sqlite3_open(from, &src) == SQLITE_OK && sqlite3_open(to, &dst) == SQLITE_OK);
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    REQUIRE(b != NULL);
    CHECK(sqlite3_backup_step(b, -1) == SQLITE_DONE);
    sqlite3_backup_finish(b);
    sqlite3_close(src);
    sqlite3_close(dst);
}

static void back_up(struct it_server *s, PactaConnection *conn)
{
    it_server_restart(s);
    pacta_connection_set_url(conn, s->url);
    pacta_connection_reconnect_now(conn);
    CHECK(gui_wait(connected, conn, GUI_TIMEOUT_MS));
}

int main(void)
{
    PactaApplication *app = gui_setup("gui_dashboard_reload");
    struct it_server *s = it_server_start(NULL);
    struct ctl_client *admin = it_login_admin(s);
    json_decref(it_contract_create(admin, NULL));
    ctl_client_close(admin);

    PactaWindow *win = gui_login(app, s, "admin", IT_ADMIN_PASSWORD);
    PactaConnection *conn = pacta_application_get_connection(app);
    PactaDashboardPage *page = pacta_window_get_dashboard_page(win);
    pacta_window_show_page(win, "dashboard");
    struct card_wait one = {page, "1"}, three = {page, "3"};
    CHECK(gui_wait(total_is, &one, GUI_TIMEOUT_MS));

    /* 1. a copy of the data as it is now (the desk's token in it) */
    CHECK(it_server_stop(s) == 0);
    g_autofree char *copy = g_build_filename(it_tmp_dir(), "older.db", NULL);
    copy_db(s, copy);

    /* 2. two contracts more */
    back_up(s, conn);
    admin = it_login_admin(s);
    json_decref(it_contract_create(admin, NULL));
    json_decref(it_contract_create(admin, json_pack("{s:s, s:s, s:s, s:s}", "status", "active",
                                                    "start_date", "2020-01-01", "end_date",
                                                    "2020-12-31", "renewal", "none")));
    ctl_client_close(admin);
    CHECK(gui_wait(total_is, &three, GUI_TIMEOUT_MS));
    PactaExpiringView *expiring = pacta_window_get_expiring_view(win);
    CHECK(gui_wait(has_alert, expiring, GUI_TIMEOUT_MS));

    /* 3. the older copy put back */
    CHECK(it_server_stop(s) == 0);
    REQUIRE(it_server_use_copy(s, copy) == 0);
    back_up(s, conn);
    CHECKF(gui_wait(total_is, &one, GUI_TIMEOUT_MS),
           "after the reload the page shows %s contracts, the server has 1",
           pacta_dashboard_page_get_card_text(page, PACTA_DASHBOARD_CARD_TOTAL));
    CHECK(gui_wait_rows(win, 1));
    CHECKF(gui_wait(no_alert, expiring, GUI_TIMEOUT_MS),
           "the Expiring page lists %u alerts about data the server does not have",
           pacta_expiring_view_get_count(expiring));

    gui_teardown(app);
    return it_done(test_summary());
}
