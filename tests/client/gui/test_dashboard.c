/*
 * GUI: the Dashboard page against a real pactad, as a viewer.  Shown, it
 * displays the server's totals; a change made with pactactl updates it
 * live; its chart draws; hidden, it stops watching (a change then sends it
 * nothing) and, shown again, it catches up from the watch's answer.
 */
#include <string.h>

#include <glib/gstdio.h>

#include "gui_support.h"

struct card_wait {
    PactaDashboardPage *page;
    PactaDashboardCard card;
    const char *text;
};

static gboolean card_is(gpointer data)
{
    struct card_wait *w = data;
    const char *t = pacta_dashboard_page_get_card_text(w->page, w->card);
    return t && strcmp(t, w->text) == 0;
}

static gboolean watching(gpointer data)
{
    return pacta_dashboard_page_is_watching(data);
}

static gboolean not_watching(gpointer data)
{
    return !pacta_dashboard_page_is_watching(data);
}

/* dashboard.updated events that reached the connection, whatever the page
 * does with them: the page drops events while hidden, so its own count
 * cannot tell whether the server stopped sending. */
static guint connection_updates;

static void count_update(PactaConnection *connection, const char *name, gint64 seq, gpointer data,
                         gpointer user_data)
{
    (void)connection, (void)seq, (void)data, (void)user_data;
    if (g_str_equal(name, PACTA_EV_DASHBOARD_UPDATED))
        connection_updates++;
}

static json_t *contract(struct ctl_client *c, const char *number, const char *status,
                        const char *end, json_int_t amount)
{
    json_t *k = it_contract_create(c, json_pack("{s:s,s:s,s:s?,s:I,s:s}", "number", number,
                                                "status", status, "end_date", end, "amount_cents",
                                                amount, "currency", "EUR"));
    REQUIRE(k != NULL);
    return k;
}

int main(void)
{
    static const char *const args[] = {"--fake-now", "2026-01-10T09:00:00Z", NULL};
    PactaApplication *app = gui_setup("gui_dashboard");
    struct it_server *s = it_server_start(args);
    it_create_role_users(s);
    struct ctl_client *ed = it_login(s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    json_t *a = contract(ed, "G-1", "active", "2026-01-30", 100000); /* ends in 20 days */
    json_t *b = contract(ed, "G-2", "active", "2027-06-30", 250050);
    json_t *c = contract(ed, "G-3", "draft", NULL, 0);

    PactaWindow *win = gui_login(app, s, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    PactaDashboardPage *page = pacta_window_get_dashboard_page(win);
    REQUIRE(page != NULL);
    g_signal_connect(pacta_application_get_connection(app), "event", G_CALLBACK(count_update),
                     NULL);
    CHECK(!pacta_dashboard_page_is_watching(page)); /* not on screen yet */

    pacta_window_show_page(win, "dashboard");
    struct card_wait w = {page, PACTA_DASHBOARD_CARD_TOTAL, "3"};
    CHECK(gui_wait(card_is, &w, GUI_TIMEOUT_MS));
    CHECK(pacta_dashboard_page_is_watching(page));
    CHECK_STR(pacta_dashboard_page_get_card_text(page, PACTA_DASHBOARD_CARD_ACTIVE), "2");
    CHECK_STR(pacta_dashboard_page_get_card_text(page, PACTA_DASHBOARD_CARD_EXPIRING), "1");
    const struct pacta_dashboard *d = pacta_dashboard_page_get_figures(page);
    REQUIRE(d != NULL);
    CHECK_STR(d->today, "2026-01-10");
    CHECK(d->n_values == 1 && strcmp(d->values[0].amount_cents, "350050") == 0);
    CHECK(d->n_recent == 3 && strcmp(d->recent[0].number, "G-3") == 0);

    /* a change made elsewhere, with pactactl: the page follows */
    char env_url[128], env_ca[600];
    snprintf(env_url, sizeof env_url, "PACTA_URL=%s", s->url);
    snprintf(env_ca, sizeof env_ca, "PACTA_CA=%s", it_ca_file());
    char *env[] = {env_url, env_ca, "PACTA_USER=" IT_EDITOR_USER,
                   "PACTA_PASSWORD=" IT_EDITOR_PASSWORD, NULL};
    char *argv[] = {PACTACTL_BIN, "contracts", "create",           "--number",
                    "G-4",        "--title",   "Made by pactactl", "--counterparty",
                    "Globex",     "--kind",    "client",           "--currency",
                    "EUR",        "--status",  "active",           "--end-date",
                    "2026-02-05", NULL};
    char *out = NULL, *err = NULL;
    int rc = it_run(argv, env, 30000, &out, &err);
    CHECKF(rc == 0, "pactactl contracts create: %d %s", rc, err ? err : "");
    free(out);
    free(err);
    w.text = "4";
    CHECK(gui_wait(card_is, &w, GUI_TIMEOUT_MS));
    w.card = PACTA_DASHBOARD_CARD_ACTIVE, w.text = "3";
    CHECK(gui_wait(card_is, &w, GUI_TIMEOUT_MS));
    w.card = PACTA_DASHBOARD_CARD_EXPIRING, w.text = "2";
    CHECK(gui_wait(card_is, &w, GUI_TIMEOUT_MS));
    d = pacta_dashboard_page_get_figures(page);
    CHECK(d && strcmp(d->recent[0].number, "G-4") == 0 && d->by_status[PACTA_DASH_ACTIVE] == 3);
    CHECK(connection_updates > 0); /* the count below sees the server's events */

    /* the chart is drawn (a PNG of it), once laid out */
    gui_pump(300);
    g_autofree char *png = g_build_filename(it_tmp_dir(), "dashboard-chart.png", NULL);
    CHECK(gui_snapshot(pacta_dashboard_page_get_chart(page), png));
    GStatBuf st;
    CHECK(g_stat(png, &st) == 0 && st.st_size > 1000);

    /* hidden: it stops watching, and a change sends it nothing */
    pacta_window_show_page(win, "contracts");
    CHECK(gui_wait(not_watching, page, GUI_TIMEOUT_MS));
    gui_pump(700); /* the watch's end reaches the server; an event already on its way lands */
    guint updates = pacta_dashboard_page_get_updates(page), sent = connection_updates;
    json_t *r = it_contract_update(ed, it_str(b, "id"), it_int(b, "version"),
                                   json_pack("{s:s}", "status", "terminated"), "ended", NULL);
    REQUIRE(r != NULL);
    json_decref(r);
    gui_pump(1500);
    CHECK(pacta_dashboard_page_get_updates(page) == updates);
    CHECKF(connection_updates == sent, "hidden: the server sent %u dashboard.updated",
           connection_updates - sent);
    CHECK_STR(pacta_dashboard_page_get_card_text(page, PACTA_DASHBOARD_CARD_ACTIVE), "3");

    /* shown again: the answer to its watch brings it up to date */
    pacta_window_show_page(win, "dashboard");
    CHECK(gui_wait(watching, page, GUI_TIMEOUT_MS));
    w.card = PACTA_DASHBOARD_CARD_ACTIVE, w.text = "2";
    CHECK(gui_wait(card_is, &w, GUI_TIMEOUT_MS));

    json_decref(a);
    json_decref(b);
    json_decref(c);
    ctl_client_close(ed);
    gui_teardown(app);
    return it_done(test_summary());
}
