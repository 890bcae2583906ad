/*
 * `make screenshots`: drives a real pacta-desk against a real pactad with
 * a company's worth of sample contracts and writes PNGs of what a person
 * sees to the directory given as argv[1]: login, main window (a live
 * change flashing, "Ana Pop is editing"), editor with amendment history,
 * conflict view, admin monitor, Expiring view, connection banner.
 */
#include "gui_support.h"

#include <sys/stat.h>

static const char *out_dir;

static void shot(GtkWidget *widget, const char *name)
{
    gui_pump(700); /* let transitions and toasts settle */
    g_autofree char *path = g_strdup_printf("%s/%s.png", out_dir, name);
    if (gui_snapshot(widget, path))
        printf("screenshot: %s\n", path);
    else
        fprintf(stderr, "screenshot %s failed\n", path);
}

static const struct sample {
    const char *number, *title, *counterparty, *kind, *status, *start, *end;
    json_int_t cents;
    const char *currency, *owner;
    int notice;
    const char *renewal;
} samples[] = {
    {"C-2025-014", "Office cleaning, HQ floors 1–3", "Brite Services SRL", "supplier", "active",
     "2025-02-01", "2026-01-31", 1250000, "EUR", "ana", 30, "auto"},
    {"C-2025-021", "Fleet leasing (12 vehicles)", "AutoLease Romania SA", "supplier", "active",
     "2025-03-01", "2028-02-29", 8640000, "EUR", "maria", 90, "none"},
    {"C-2025-033", "ERP support and maintenance", "Nordic Systems AB", "supplier", "active",
     "2025-01-01", "2025-12-31", 4200000, "SEK", "maria", 60, "auto"},
    {"C-2025-040", "Distribution agreement — Moldova", "Vinaria Codru SRL", "client", "active",
     "2025-04-15", "2027-04-14", 31500000, "MDL", "ana", 45, "evergreen"},
    {"C-2025-052", "Annual audit 2025", "Deloitte Audit SRL", "supplier", "draft", NULL, NULL,
     1800000, "RON", "maria", 0, "none"},
    {"C-2025-058", "Warehouse lease, Ploiești West", "CTP Invest SRL", "supplier", "active",
     "2024-07-01", "2029-06-30", 21600000, "EUR", "ana", 180, "none"},
    {"C-2025-061", "Retail supply — 40 stores", "Mega Image SRL", "client", "active", "2025-05-01",
     "2026-04-30", 96000000, "RON", "ana", 60, "auto"},
    {"C-2025-066", "Cloud hosting", "Hetzner Online GmbH", "supplier", "active", "2025-01-01",
     "2025-12-31", 2400000, "EUR", "maria", 30, "auto"},
    {"C-2025-070", "Security guard services", "Gardianul Security SRL", "supplier", "expired",
     "2023-01-01", "2024-12-31", 3600000, "RON", "ana", 30, "none"},
    {"C-2025-074", "Export framework — Germany", "Handelshaus Weber KG", "client", "active",
     "2025-06-01", "2027-05-31", 12750000, "EUR", "maria", 90, "none"},
    {"C-2025-079", "Telephony and mobile plans", "Orange Romania SA", "supplier", "terminated",
     "2022-01-01", "2025-03-31", 540000, "RON", "ana", 30, "none"},
    {"C-2025-083", "Marketing agency retainer", "Kubis Interactive", "supplier", "draft", NULL,
     NULL, 960000, "EUR", "maria", 0, "none"},
    {"C-2025-088", "Spare parts supply", "Bosch Rexroth AG", "supplier", "active", "2025-02-15",
     "2026-02-14", 5320000, "EUR", "ana", 60, "auto"},
    {"C-2025-091", "Private label production", "Carrefour Romania SA", "client", "active",
     "2025-07-01", "2026-06-30", 44000000, "RON", "maria", 90, "none"},
    {"C-2025-097", "Legal counsel framework", "Popescu & Asociații", "supplier", "active",
     "2025-01-10", "2026-01-09", 1500000, "EUR", "ana", 30, "auto"},
    {"C-2025-102", "Canteen catering", "Sodexo Pass Romania", "supplier", "active", "2025-09-01",
     "2026-08-31", 2880000, "RON", "maria", 30, "auto"},
    {"C-2025-108", "Software licences (CAD)", "Autodesk Ireland Ltd", "supplier", "active",
     "2025-03-20", "2026-03-19", 1870000, "USD", "ana", 30, "auto"},
    {"C-2025-113", "Regional distributor — Bulgaria", "Sofia Trade OOD", "client", "draft", NULL,
     NULL, 0, "BGN", "maria", 0, "none"},
};

static json_t *create_sample(struct ctl_client *c, const struct sample *s)
{
    json_t *args = json_pack("{ss ss ss ss ss sI ss ss si ss}", "number", s->number, "title",
                             s->title, "counterparty", s->counterparty, "kind", s->kind, "status",
                             s->status, "amount_cents", s->cents, "currency", s->currency, "owner",
                             s->owner, "notice_days", s->notice, "renewal", s->renewal);
    if (s->start)
        json_object_set_new(args, "start_date", json_string(s->start));
    if (s->end)
        json_object_set_new(args, "end_date", json_string(s->end));
    json_t *res = it_call(c, "contracts.create", args, NULL);
    json_t *contract = res ? json_incref(json_object_get(res, "contract")) : NULL;
    json_decref(res);
    return contract;
}

static void make_user(struct ctl_client *admin, const char *user, const char *name,
                      const char *role)
{
    json_t *r = it_call(admin, "users.create",
                        json_pack("{ss ss ss ss}", "username", user, "password", "sample-pass-123",
                                  "role", role, "display_name", name),
                        NULL);
    REQUIRE(r != NULL);
    json_decref(r);
}

static json_int_t update(struct ctl_client *c, json_t *contract, json_t *changes,
                         const char *reason)
{
    json_t *err = NULL;
    json_t *r = it_contract_update(c, it_str(contract, "id"), it_int(contract, "version"), changes,
                                   reason, &err);
    REQUIRE(r != NULL);
    json_object_set(contract, "version",
                    json_object_get(json_object_get(r, "contract"), "version"));
    json_decref(r);
    return it_int(contract, "version");
}

static gboolean highlighted(gpointer data)
{
    return pacta_contract_get_highlight(data);
}

static gboolean history_loaded(gpointer data)
{
    return pacta_editor_get_history_count(data) > 0;
}

static gboolean admin_ready(gpointer data)
{
    PactaApplication *app = data;
    GtkWindow *w = pacta_application_get_admin_window(app);
    return w && pacta_admin_window_is_ready(PACTA_ADMIN_WINDOW(w)) &&
           g_list_model_get_n_items(
               G_LIST_MODEL(pacta_admin_window_get_peers(PACTA_ADMIN_WINDOW(w)))) >= 2;
}

static gboolean banner_revealed(gpointer data)
{
    return pacta_connection_banner_get_revealed(data);
}

static gboolean dashboard_ready(gpointer data)
{
    return pacta_dashboard_page_get_figures(data) != NULL;
}

int main(int argc, char **argv)
{
    out_dir = argc > 1 ? argv[1] : "screenshots";
    g_mkdir_with_parents(out_dir, 0755);
    PactaApplication *app = gui_setup("desk_screenshots");
    /* the samples' dates are of late 2025: a server on today's clock
     * renewed and expired them as it started, and the scripted edits
     * below met a newer version (make screenshots failed) */
    static const char *const args[] = {"--fake-now", "2025-11-20T09:00:00Z", NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);
    make_user(admin, "maria", "Maria Ionescu", "admin");
    make_user(admin, "ana", "Ana Pop", "editor");
    struct ctl_client *ana = it_login(s, "ana", "sample-pass-123");

    json_t *created[G_N_ELEMENTS(samples)];
    for (size_t i = 0; i < G_N_ELEMENTS(samples); i++) {
        created[i] = create_sample(admin, &samples[i]);
        REQUIRE(created[i] != NULL);
    }
    /* Amendment history on the cleaning contract. */
    json_t *cleaning = created[0];
    update(ana, cleaning, json_pack("{sI}", "amount_cents", (json_int_t)1312500),
           "Annual price indexation (CPI +5%)");
    update(ana, cleaning, json_pack("{ss}", "end_date", "2026-06-30"),
           "Extended to cover the office move");

    /* Login window, filled in as a user would have it. */
    GtkWindow *login = pacta_application_get_login_window(app);
    pacta_login_dialog_set_values(PACTA_LOGIN_DIALOG(login), s->url, it_ca_file(), "maria");
    shot(GTK_WIDGET(login), "login");

    PactaWindow *win = gui_login(app, s, "maria", "sample-pass-123");

    /* Ana opens one contract and changes another while Maria watches. */
    json_t *r = it_call(ana, "presence.set",
                        json_pack("{ss}", "contract_id", it_str(created[6], "id")), NULL);
    json_decref(r);
    update(ana, created[1], json_pack("{sI}", "amount_cents", (json_int_t)9120000),
           "Two more vehicles");
    PactaContract *fleet = gui_row_contract(win, samples[1].number);
    REQUIRE(fleet != NULL);
    gui_wait(highlighted, fleet, GUI_TIMEOUT_MS);
    shot(GTK_WIDGET(win), "main-window");

    /* The editor with its history. */
    PactaEditor *editor = pacta_window_get_editor(win);
    pacta_window_open_contract(win, it_str(cleaning, "id"));
    gui_wait(history_loaded, editor, GUI_TIMEOUT_MS);
    shot(GTK_WIDGET(win), "editor");
    pacta_editor_show_history(editor);
    shot(GTK_WIDGET(win), "editor-history");

    /* A conflict: Maria edits title and amount, Ana saves another amount. */
    gtk_editable_set_text(pacta_editor_get_entry(editor, "title"),
                          "Office cleaning, HQ floors 1–4");
    gtk_editable_set_text(pacta_editor_get_entry(editor, "amount_cents"), "13,500.00");
    gtk_editable_set_text(pacta_editor_get_entry(editor, "reason"), "Fourth floor added");
    update(ana, cleaning,
           json_pack("{sI ss}", "amount_cents", (json_int_t)1350500, "end_date", "2026-12-31"),
           "Renegotiated rate");
    gui_wait(gui_editor_banner_shown, editor, GUI_TIMEOUT_MS);
    shot(GTK_WIDGET(win), "editor-changed-underneath");
    gtk_widget_activate_action(GTK_WIDGET(win), "win.save", NULL);
    gui_wait(gui_editor_conflict_open, editor, GUI_TIMEOUT_MS);
    GtkWindow *conflict = pacta_editor_get_conflict_dialog(editor);
    if (conflict) {
        pacta_conflict_dialog_choose(PACTA_CONFLICT_DIALOG(conflict), "amount_cents",
                                     PACTA_MERGE_PICK_MINE);
        shot(GTK_WIDGET(conflict), "conflict");
        gtk_window_close(conflict);
    }

    /* Admin monitor. */
    g_action_group_activate_action(G_ACTION_GROUP(app), "admin-monitor", NULL);
    if (gui_wait(admin_ready, app, GUI_TIMEOUT_MS))
        shot(GTK_WIDGET(pacta_application_get_admin_window(app)), "admin-monitor");
    GtkWindow *admin_window = pacta_application_get_admin_window(app);
    if (admin_window)
        gtk_window_destroy(admin_window);

    /* Expiring view, fed the alerts the server's scheduler sends. */
    PactaExpiringView *expiring = pacta_window_get_expiring_view(win);
    /* As the server's scheduler words them (PROTOCOL.md §7.1). */
    struct {
        const char *event;
        size_t sample;
        json_int_t days_left;
        const char *key, *date;
    } alerts[] = {
        {"contract.expired", 8, -1, "end_date", "2024-12-31"},
        {"contract.notice_due", 2, 7, "notice_deadline", "2025-11-01"},
        {"contract.expiring", 7, 30, "end_date", "2025-12-31"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(alerts); i++) {
        json_t *data =
            json_pack("{sO ss sI ss}", "contract", created[alerts[i].sample], "actor", "system",
                      "days_left", alerts[i].days_left, alerts[i].key, alerts[i].date);
        pacta_expiring_view_add_alert(expiring, alerts[i].event, data);
        json_decref(data);
    }
    pacta_window_show_page(win, "expiring");
    shot(GTK_WIDGET(win), "expiring");

    /* The dashboard, once its figures arrived. */
    pacta_window_show_page(win, "dashboard");
    if (gui_wait(dashboard_ready, pacta_window_get_dashboard_page(win), GUI_TIMEOUT_MS)) {
        gui_pump(300);
        shot(GTK_WIDGET(win), "dashboard");
    }
    pacta_window_show_page(win, "contracts");

    /* The connection banner while the server is down (the edit reverted
     * first, so closing the editor does not ask). */
    pacta_editor_close(editor);
    gui_pump(300);
    ctl_client_close(ana);
    ctl_client_close(admin);
    it_server_stop(s);
    gui_wait(banner_revealed, pacta_window_get_banner(win), GUI_TIMEOUT_MS);
    shot(GTK_WIDGET(win), "reconnecting");

    for (size_t i = 0; i < G_N_ELEMENTS(samples); i++)
        json_decref(created[i]);
    gui_teardown(app);
    return it_done(0);
}
