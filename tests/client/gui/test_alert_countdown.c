/*
 * GUI: the Expiring page's "in N days" follows the server's date.  A row
 * said what the alert said when it arrived ("Ends 2026-04-01 — in 90
 * days") and went on saying it on the days after, though the desk is told
 * of each new day (server.day) and the rest of the window follows it; a
 * stored alert listed at login said nothing of the days left.
 *
 *  1. an alert raised before the desk logs in (stored, 90 days before its
 *     end) and one while it runs (60 days): "in 90 days", "in 60 days";
 *  2. the next day (server.day): "in 89 days", "in 59 days".
 */
#include <string.h>

#include "gui_support.h"

#include "pacta-expiring-view.h"

static struct ctl_client *admin;

/* The subtitle of the alert row whose title starts with `number`, or NULL. */
static const char *subtitle_of(GtkWidget *w, const char *number)
{
    if (ADW_IS_ACTION_ROW(w)) {
        const char *t = adw_preferences_row_get_title(ADW_PREFERENCES_ROW(w));
        return t && g_str_has_prefix(t, number) ? adw_action_row_get_subtitle(ADW_ACTION_ROW(w))
                                                : NULL;
    }
    for (GtkWidget *c = gtk_widget_get_first_child(w); c; c = gtk_widget_get_next_sibling(c)) {
        const char *s = subtitle_of(c, number);
        if (s)
            return s;
    }
    return NULL;
}

struct says {
    GtkWidget *view;
    const char *number, *text;
};

static gboolean row_says(gpointer data)
{
    struct says *w = data;
    const char *s = subtitle_of(w->view, w->number);
    return s && strstr(s, w->text);
}

static json_t *create(const char *number, const char *end)
{
    json_t *c =
        it_contract_create(admin, json_pack("{s:s, s:s, s:s, s:s}", "number", number, "status",
                                            "active", "start_date", "2025-12-01", "end_date", end));
    REQUIRE(c != NULL);
    return c;
}

static void expect(GtkWidget *view, const char *number, const char *text)
{
    struct says w = {view, number, text};
    const char *s;
    CHECKF(gui_wait(row_says, &w, GUI_TIMEOUT_MS), "%s: the row says \"%s\", not \"%s\"", number,
           (s = subtitle_of(view, number)) ? s : "(no row)", text);
}

int main(void)
{
    PactaApplication *app = gui_setup("gui_alert_countdown");
    static const char *const args[] = {"--session-ttl", "315360000", "--fake-now",
                                       "2026-01-01T09:00:00Z", NULL};
    struct it_server *s = it_server_start(args);
    admin = it_login_admin(s);

    /* 1. stored, then live: both on the day they are armed */
    json_t *a = create("C-STORED", "2026-04-01");
    PactaWindow *win = gui_login(app, s, "admin", IT_ADMIN_PASSWORD);
    GtkWidget *view = GTK_WIDGET(pacta_window_get_expiring_view(win));
    expect(view, "C-STORED", "in 90 days");
    json_t *b = create("C-LIVE", "2026-03-02");
    expect(view, "C-LIVE", "in 60 days");

    /* 2. the next day */
    it_set_clock(admin, "2026-01-02T09:00:00Z");
    expect(view, "C-LIVE", "in 59 days");
    expect(view, "C-STORED", "in 89 days");

    json_decref(a);
    json_decref(b);
    ctl_client_close(admin);
    gui_teardown(app);
    return it_done(test_summary());
}
