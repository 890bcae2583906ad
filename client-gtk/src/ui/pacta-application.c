/*
 * pacta-desk: PactaApplication (see pacta-application.h).
 */
#define G_LOG_DOMAIN "pacta-app"

#include "pacta-application.h"

#include "pacta-settings.h"
#include "pacta-admin-window.h"
#include "pacta-login-dialog.h"
#include "pacta-window.h"

struct _PactaApplication {
    AdwApplication parent_instance;

    PactaConnection *connection;
    PactaContractStore *store;
    PactaPresence *presence;

    PactaLoginDialog *login; /* weak: NULL when not shown */
    PactaWindow *window;     /* weak */
    char *window_user;       /* who the window was opened for */
    PactaAdminWindow *admin; /* weak */
    GCancellable *login_cancellable;
    char *pending_url, *pending_ca, *pending_user; /* saved on success */
    gboolean from_env;            /* values came from the environment: do not save them */
    char *last_notification;      /* id of the last desktop notification sent */
    char *last_notification_text; /* its title and body, "TITLE\nBODY" */
    guint n_notifications;        /* desktop notifications sent */
    /* alerts gathered for one pop-up (on_event, burst_flush) */
    guint burst_timer;
    guint burst_count;
    GString *burst_lines;        /* the first three alerts, one line each */
    GNotification *burst_single; /* the first alert's own pop-up */
    char *burst_single_id, *burst_single_heading, *burst_single_body;
};

/* Alerts that arrive within this of the first pop up together. */
#define ALERT_BURST_MS 400

G_DEFINE_FINAL_TYPE(PactaApplication, pacta_application, ADW_TYPE_APPLICATION)

static const char *const expiry_events[] = {"contract.expiring", "contract.notice_due",
                                            "contract.expired", "contract.renewed", NULL};

PactaApplication *pacta_application_new(void)
{
    return g_object_new(PACTA_TYPE_APPLICATION, "application-id", "org.pacta.Desk", "flags",
                        G_APPLICATION_NON_UNIQUE, "resource-base-path", "/org/pacta/Desk", NULL);
}

PactaConnection *pacta_application_get_connection(PactaApplication *self)
{
    return self->connection;
}

PactaContractStore *pacta_application_get_store(PactaApplication *self)
{
    return self->store;
}

PactaPresence *pacta_application_get_presence(PactaApplication *self)
{
    return self->presence;
}

GtkWindow *pacta_application_get_main_window(PactaApplication *self)
{
    return self->window ? GTK_WINDOW(self->window) : NULL;
}

GtkWindow *pacta_application_get_login_window(PactaApplication *self)
{
    return self->login ? GTK_WINDOW(self->login) : NULL;
}

GtkWindow *pacta_application_get_admin_window(PactaApplication *self)
{
    return self->admin ? GTK_WINDOW(self->admin) : NULL;
}

/* Admin-only actions follow the logged-in role. */
static void update_role_actions(PactaApplication *self)
{
    GAction *admin = g_action_map_lookup_action(G_ACTION_MAP(self), "admin-monitor");
    gboolean connected_admin = pacta_connection_is_admin(self->connection);
    g_simple_action_set_enabled(G_SIMPLE_ACTION(admin), connected_admin);
    if (!connected_admin && self->admin &&
        pacta_connection_get_state(self->connection) == PACTA_CONNECTION_STOPPED)
        gtk_window_destroy(GTK_WINDOW(self->admin));
}

static void on_role_changed(PactaApplication *self)
{
    update_role_actions(self);
}

static void login_window_submit(PactaLoginDialog *dialog, const char *url, const char *ca,
                                const char *user, const char *password, gpointer user_data)
{
    (void)dialog;
    pacta_application_login(PACTA_APPLICATION(user_data), url, ca, user, password);
}

void pacta_application_show_login(PactaApplication *self, const char *message)
{
    if (!self->login) {
        g_autoptr(PactaSettings) settings = pacta_settings_load(NULL);
        self->login = pacta_login_dialog_new(self);
        g_object_add_weak_pointer(G_OBJECT(self->login), (gpointer *)&self->login);
        if (settings) {
            pacta_settings_apply_env(settings);
            pacta_login_dialog_set_values(self->login, settings->url, settings->ca_file,
                                          settings->username);
        }
        g_signal_connect(self->login, "submit", G_CALLBACK(login_window_submit), self);
    }
    pacta_login_dialog_set_busy(self->login, FALSE);
    pacta_login_dialog_set_error(self->login, message);
    gtk_window_present(GTK_WINDOW(self->login));
}

static void show_main_window(PactaApplication *self)
{
    /* A window kept through a login again (action_relogin) carries on for
     * the same user; someone else gets a fresh one, not the input of the
     * one before. */
    const char *user = pacta_connection_get_username(self->connection);
    if (self->window && g_strcmp0(self->window_user, user) != 0)
        gtk_window_destroy(GTK_WINDOW(self->window));
    if (!self->window) {
        g_free(self->window_user);
        self->window_user = g_strdup(user);
        self->window = pacta_window_new(self);
        g_object_add_weak_pointer(G_OBJECT(self->window), (gpointer *)&self->window);
    }
    gtk_window_present(GTK_WINDOW(self->window));
}

static void save_settings(PactaApplication *self)
{
    PactaSettings settings = {
        .url = self->pending_url,
        .ca_file = self->pending_ca,
        .username = self->pending_user,
    };
    g_autoptr(GError) error = NULL;
    if (!pacta_settings_save(&settings, &error))
        g_warning("could not save settings: %s", error->message);
}

static void login_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(PactaApplication) self = user_data;
    g_autoptr(GError) error = NULL;

    if (!pacta_connection_login_finish(PACTA_CONNECTION(source), result, &error)) {
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            return;
        const char *msg = error->message;
        if (g_error_matches(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_UNAUTHENTICATED))
            msg = "Wrong username or password.";
        pacta_application_show_login(self, msg);
        return;
    }
    if (!self->from_env)
        save_settings(self);
    self->from_env = FALSE;
    update_role_actions(self);
    show_main_window(self);
    if (self->login)
        gtk_window_destroy(GTK_WINDOW(self->login));
}

void pacta_application_login(PactaApplication *self, const char *url, const char *ca_file,
                             const char *username, const char *password)
{
    self->from_env = FALSE;
    g_free(self->pending_url);
    g_free(self->pending_ca);
    g_free(self->pending_user);
    self->pending_url = g_strdup(url);
    self->pending_ca = g_strdup(ca_file);
    self->pending_user = g_strdup(username);

    if (self->login_cancellable)
        g_cancellable_cancel(self->login_cancellable);
    g_clear_object(&self->login_cancellable);
    self->login_cancellable = g_cancellable_new();

    if (self->login)
        pacta_login_dialog_set_busy(self->login, TRUE);
    pacta_connection_set_url(self->connection, url);
    pacta_connection_set_ca_file(self->connection, ca_file);
    pacta_connection_login_async(self->connection, username, password, self->login_cancellable,
                                 login_done, g_object_ref(self));
}

/* ---- connection ends that need the user ---------------------------------- */

static void on_state_changed(PactaApplication *self)
{
    update_role_actions(self);
}

/* ---- expiry notifications ------------------------------------------------- */

/* Over the session bus; without one (a bare X session) GIO's fallback
 * would call D-Bus with no connection. */
static void send_notification(PactaApplication *self, const char *nid, const char *title,
                              const char *body, GNotification *n)
{
    if (!g_application_get_dbus_connection(G_APPLICATION(self)))
        return;
    g_application_send_notification(G_APPLICATION(self), nid, n);
    g_free(self->last_notification);
    self->last_notification = g_strdup(nid);
    g_free(self->last_notification_text);
    self->last_notification_text = g_strdup_printf("%s\n%s", title, body);
    self->n_notifications++;
}

/*
 * notification.digest (PROTOCOL.md §7.1): a digest reader gets no pop-up
 * per alert but this one a day, "3 contract alerts", naming the first
 * contracts; clicking it shows the Expiring page, which lists them.
 * Every desk receives every user's digest: only the addressee's pops up.
 */
static void on_digest(PactaApplication *self, const json_t *data)
{
    const char *user = json_string_value(json_object_get(data, "user"));
    if (g_strcmp0(user, pacta_connection_get_username(self->connection)) != 0)
        return;
    const json_t *items = json_object_get(data, "items");
    json_int_t count = json_integer_value(json_object_get(data, "count"));
    if (count <= 0)
        count = (json_int_t)json_array_size(items);
    if (count <= 0)
        return;
    g_autofree char *heading =
        g_strdup_printf("%" JSON_INTEGER_FORMAT " contract alert%s", count, count == 1 ? "" : "s");
    g_autoptr(GString) body = g_string_new(NULL);
    size_t i;
    const json_t *it;
    json_array_foreach(items, i, it)
    {
        const json_t *sum = json_object_get(it, "summary");
        const char *number = json_string_value(json_object_get(sum, "number"));
        const char *title = json_string_value(json_object_get(sum, "title"));
        if (i == 3) {
            g_string_append_printf(body, "\nand %" JSON_INTEGER_FORMAT " more", count - 3);
            break;
        }
        g_string_append_printf(body, "%s%s%s%s", i ? "\n" : "", number ? number : "?",
                               title && *title ? " — " : "", title ? title : "");
    }
    g_autoptr(GNotification) n = g_notification_new(heading);
    g_notification_set_body(n, body->str);
    g_notification_set_default_action(n, "app.show-expiring");
    /* One a day: the next day's replaces it. */
    send_notification(self, "digest", heading, body->str, n);
}

static void burst_clear(PactaApplication *self)
{
    g_clear_handle_id(&self->burst_timer, g_source_remove);
    self->burst_count = 0;
    g_clear_object(&self->burst_single);
    g_clear_pointer(&self->burst_single_id, g_free);
    g_clear_pointer(&self->burst_single_heading, g_free);
    g_clear_pointer(&self->burst_single_body, g_free);
    if (self->burst_lines)
        g_string_free(self->burst_lines, TRUE);
    self->burst_lines = NULL;
}

/* The alerts gathered since the first: one pops up as itself; several as
 * "N contract alerts", naming the first three, opening the Expiring page
 * (a server's late alerts after an outage come in one scan, and a desk
 * that reconnects gets the missed ones replayed: one pop-up each was
 * hundreds for an owner or admin of many contracts). */
static gboolean burst_flush(gpointer data)
{
    PactaApplication *self = data;

    self->burst_timer = 0;
    if (self->burst_count == 1) {
        send_notification(self, self->burst_single_id, self->burst_single_heading,
                          self->burst_single_body, self->burst_single);
    } else if (self->burst_count > 1) {
        g_autofree char *heading = g_strdup_printf("%u contract alerts", self->burst_count);
        if (self->burst_count > 3)
            g_string_append_printf(self->burst_lines, "\nand %u more", self->burst_count - 3);
        g_autoptr(GNotification) n = g_notification_new(heading);
        g_notification_set_body(n, self->burst_lines->str);
        g_notification_set_default_action(n, "app.show-expiring");
        send_notification(self, "alerts", heading, self->burst_lines->str, n);
    }
    burst_clear(self);
    return G_SOURCE_REMOVE;
}

static void on_event(PactaConnection *connection, const char *name, gint64 seq, gpointer data,
                     gpointer user_data)
{
    PactaApplication *self = user_data;
    const json_t *event_data = data;
    (void)connection;
    (void)seq;

    if (g_str_equal(name, "notification.digest")) {
        on_digest(self, event_data);
        return;
    }
    if (!g_strv_contains(expiry_events, name))
        return;
    /* Every desk gets every alert, but it pops up only for the users the
     * server names in "notify" (the owner and the admins who want single
     * alerts); a digest reader gets the daily digest instead (§6.23, §7.1). */
    const char *me = pacta_connection_get_username(self->connection);
    gboolean for_me = FALSE;
    size_t i;
    json_t *who;
    json_array_foreach(json_object_get(event_data, "notify"), i, who)
    {
        if (json_is_string(who) && g_strcmp0(json_string_value(who), me) == 0)
            for_me = TRUE;
    }
    if (!for_me)
        return;
    const json_t *contract = json_object_get(event_data, "contract");
    const char *id = json_string_value(json_object_get(contract, "id"));
    if (!id)
        return;
    const char *number = json_string_value(json_object_get(contract, "number"));
    const char *title = json_string_value(json_object_get(contract, "title"));
    const char *end = json_string_value(json_object_get(contract, "end_date"));

    const char *what = "needs attention";
    if (g_str_equal(name, "contract.expiring"))
        what = "is expiring";
    else if (g_str_equal(name, "contract.notice_due"))
        what = "has its notice date";
    else if (g_str_equal(name, "contract.expired"))
        what = "has expired";
    else if (g_str_equal(name, "contract.renewed"))
        what = "was renewed";

    g_autofree char *heading = g_strdup_printf("%s %s", number ? number : "A contract", what);
    g_autofree char *body =
        g_strdup_printf("%s%s%s", title ? title : "", end ? " — ends " : "", end ? end : "");
    /* gathered for ALERT_BURST_MS: one alert pops up as itself, several as
     * one (burst_flush) */
    if (self->burst_count++ == 0) {
        self->burst_single = g_notification_new(heading);
        g_notification_set_body(self->burst_single, body);
        g_notification_set_default_action_and_target(self->burst_single, "app.open-contract", "s",
                                                     id);
        /* One notification id per contract: a newer alert replaces the older. */
        self->burst_single_id = g_strdup_printf("contract-%s", id);
        self->burst_single_heading = g_strdup(heading);
        self->burst_single_body = g_strdup(body);
        self->burst_lines = g_string_new(heading);
    } else if (self->burst_count <= 3) {
        g_string_append_printf(self->burst_lines, "\n%s", heading);
    }
    if (!self->burst_timer)
        self->burst_timer = g_timeout_add(ALERT_BURST_MS, burst_flush, self);
}

const char *pacta_application_get_last_notification(PactaApplication *self)
{
    return self->last_notification;
}

const char *pacta_application_get_last_notification_text(PactaApplication *self)
{
    return self->last_notification_text;
}

guint pacta_application_get_notification_count(PactaApplication *self)
{
    return self->n_notifications;
}

/* ---- actions ------------------------------------------------------------- */

static void action_quit(GSimpleAction *a, GVariant *p, gpointer user_data)
{
    (void)a;
    (void)p;
    PactaApplication *self = user_data;
    GList *windows = gtk_application_get_windows(GTK_APPLICATION(self));
    /* Destroying a window edits the list: take a copy first. */
    g_autoptr(GList) copy = g_list_copy(windows);
    for (GList *l = copy; l; l = l->next)
        gtk_window_close(GTK_WINDOW(l->data));
}

static void action_about(GSimpleAction *a, GVariant *p, gpointer user_data)
{
    (void)a;
    (void)p;
    PactaApplication *self = user_data;
    GtkWindow *parent = gtk_application_get_active_window(GTK_APPLICATION(self));
    const char *developers[] = {"The PACTA team", NULL};
    adw_show_about_window(parent, "application-name", "Pacta Desk", "application-icon",
                          "org.pacta.Desk", "version", PACTA_VERSION, "developer-name",
                          "The PACTA team", "comments",
                          "Contracts for the whole company, live: edits, expiry alerts and "
                          "conflict-free collaboration.",
                          "license-type", GTK_LICENSE_CUSTOM, "developers", developers, NULL);
}

static void logout_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(PactaApplication) self = user_data;
    pacta_connection_logout_finish(PACTA_CONNECTION(source), result, NULL);
    pacta_application_show_login(self, NULL);
    if (self->window)
        gtk_window_destroy(GTK_WINDOW(self->window));
    if (self->admin)
        gtk_window_destroy(GTK_WINDOW(self->admin));
}

static void logout_now(PactaApplication *self)
{
    pacta_presence_set_editing(self->presence, NULL);
    pacta_connection_logout_async(self->connection, NULL, logout_done, g_object_ref(self));
}

static void logout_response(AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
    (void)dialog;
    if (g_str_equal(response, "logout"))
        logout_now(PACTA_APPLICATION(user_data));
}

/* Logging out closes the window: unsaved input in the editor is thrown
 * away only once the user said so, as when closing the window. */
static void action_logout(GSimpleAction *a, GVariant *p, gpointer user_data)
{
    (void)a;
    (void)p;
    PactaApplication *self = user_data;
    PactaEditor *editor = self->window ? pacta_window_get_editor(self->window) : NULL;
    if (editor && pacta_editor_is_open(editor) && pacta_editor_is_dirty(editor)) {
        GtkWidget *dialog =
            adw_message_dialog_new(GTK_WINDOW(self->window), "Log Out and Discard Changes?",
                                   "Your changes to this contract are not saved yet.");
        adw_message_dialog_add_responses(ADW_MESSAGE_DIALOG(dialog), "cancel", "_Keep Editing",
                                         "logout", "_Discard and Log Out", NULL);
        adw_message_dialog_set_response_appearance(ADW_MESSAGE_DIALOG(dialog), "logout",
                                                   ADW_RESPONSE_DESTRUCTIVE);
        adw_message_dialog_set_default_response(ADW_MESSAGE_DIALOG(dialog), "cancel");
        adw_message_dialog_set_close_response(ADW_MESSAGE_DIALOG(dialog), "cancel");
        g_signal_connect_object(dialog, "response", G_CALLBACK(logout_response), self, 0);
        gtk_window_present(GTK_WINDOW(dialog));
        return;
    }
    logout_now(self);
}

static void action_relogin(GSimpleAction *a, GVariant *p, gpointer user_data)
{
    (void)a;
    (void)p;
    PactaApplication *self = user_data;
    const char *reason = pacta_connection_get_stop_reason(self->connection);
    pacta_application_show_login(self, reason);
    /* The session ended behind the user's back (4001, a refused resume):
     * the window stays, with whatever the editor holds unsaved, and
     * carries on once the same user logged in again (show_main_window). */
}

static void action_admin_monitor(GSimpleAction *a, GVariant *p, gpointer user_data)
{
    (void)a;
    (void)p;
    PactaApplication *self = user_data;
    if (!pacta_connection_is_admin(self->connection))
        return;
    if (!self->admin) {
        self->admin = pacta_admin_window_new(self->connection);
        g_object_add_weak_pointer(G_OBJECT(self->admin), (gpointer *)&self->admin);
        gtk_window_set_application(GTK_WINDOW(self->admin), GTK_APPLICATION(self));
    }
    gtk_window_present(GTK_WINDOW(self->admin));
}

static void action_open_contract(GSimpleAction *a, GVariant *p, gpointer user_data)
{
    (void)a;
    PactaApplication *self = user_data;
    if (!self->window)
        return;
    pacta_window_open_contract(self->window, g_variant_get_string(p, NULL));
    gtk_window_present(GTK_WINDOW(self->window));
}

static void action_show_expiring(GSimpleAction *a, GVariant *p, gpointer user_data)
{
    (void)a;
    (void)p;
    PactaApplication *self = user_data;
    if (!self->window)
        return;
    pacta_window_show_page(self->window, "expiring");
    gtk_window_present(GTK_WINDOW(self->window));
}

static const GActionEntry app_actions[] = {
    {"quit", action_quit, NULL, NULL, NULL, {0}},
    {"about", action_about, NULL, NULL, NULL, {0}},
    {"logout", action_logout, NULL, NULL, NULL, {0}},
    {"relogin", action_relogin, NULL, NULL, NULL, {0}},
    {"admin-monitor", action_admin_monitor, NULL, NULL, NULL, {0}},
    {"open-contract", action_open_contract, "s", NULL, NULL, {0}},
    {"show-expiring", action_show_expiring, NULL, NULL, NULL, {0}},
};

static void set_accels(GtkApplication *app)
{
    static const struct {
        const char *action;
        const char *accels[3];
    } table[] = {
        {"app.quit", {"<Control>q", NULL, NULL}},
        {"app.admin-monitor", {"<Control><Shift>m", NULL, NULL}},
        {"win.search", {"<Control>f", NULL, NULL}},
        {"win.search-fulltext", {"<Control><Shift>f", NULL, NULL}},
        {"win.new-contract", {"<Control>n", NULL, NULL}},
        {"win.save", {"<Control>s", NULL, NULL}},
        {"win.close-editor", {"<Control>w", NULL, NULL}},
        {"win.delete", {"<Control>Delete", NULL, NULL}},
        {"win.reload", {"<Control>r", "F5", NULL}},
        {"win.show-contracts", {"<Alt>1", NULL, NULL}},
        {"win.show-expiring", {"<Alt>2", NULL, NULL}},
        {"win.show-help-overlay", {"<Control>question", NULL, NULL}},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(table); i++)
        gtk_application_set_accels_for_action(app, table[i].action, table[i].accels);
}

/* ---- life cycle ---------------------------------------------------------- */

static void pacta_application_startup(GApplication *app)
{
    PactaApplication *self = PACTA_APPLICATION(app);

    G_APPLICATION_CLASS(pacta_application_parent_class)->startup(app);

    g_action_map_add_action_entries(G_ACTION_MAP(self), app_actions, G_N_ELEMENTS(app_actions),
                                    self);
    set_accels(GTK_APPLICATION(self));

    g_autoptr(GtkCssProvider) css = gtk_css_provider_new();
    gtk_css_provider_load_from_resource(css, "/org/pacta/Desk/style.css");
    gtk_style_context_add_provider_for_display(gdk_display_get_default(), GTK_STYLE_PROVIDER(css),
                                               GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
    gtk_icon_theme_add_resource_path(gtk_icon_theme_get_for_display(gdk_display_get_default()),
                                     "/org/pacta/Desk/icons");
    gtk_window_set_default_icon_name("org.pacta.Desk");

    self->connection = pacta_connection_new();
    self->presence = pacta_presence_new(self->connection);
    self->store = pacta_contract_store_new(self->connection);
    pacta_contract_store_set_presence(self->store, self->presence);
    g_signal_connect_swapped(self->connection, "notify::role", G_CALLBACK(on_role_changed), self);
    g_signal_connect_swapped(self->connection, "notify::state", G_CALLBACK(on_state_changed), self);
    g_signal_connect(self->connection, "event", G_CALLBACK(on_event), self);
    update_role_actions(self);
}

static void pacta_application_activate(GApplication *app)
{
    PactaApplication *self = PACTA_APPLICATION(app);

    if (self->window) {
        gtk_window_present(GTK_WINDOW(self->window));
        return;
    }
    pacta_application_show_login(self, NULL);

    /* `make run` and scripted starts hand everything over in the
     * environment: log in at once (the password is not kept). */
    g_autoptr(PactaSettings) settings = pacta_settings_load(NULL);
    if (!settings)
        return;
    const char *password = pacta_settings_apply_env(settings);
    if (password && *password && *settings->url && *settings->ca_file && *settings->username) {
        pacta_application_login(self, settings->url, settings->ca_file, settings->username,
                                password);
        self->from_env = TRUE;
    }
}

static void pacta_application_shutdown(GApplication *app)
{
    PactaApplication *self = PACTA_APPLICATION(app);
    if (self->login_cancellable)
        g_cancellable_cancel(self->login_cancellable);
    if (self->connection)
        pacta_connection_close(self->connection);
    G_APPLICATION_CLASS(pacta_application_parent_class)->shutdown(app);
}

static void pacta_application_dispose(GObject *object)
{
    PactaApplication *self = PACTA_APPLICATION(object);
    if (self->connection)
        g_signal_handlers_disconnect_by_data(self->connection, self);
    g_clear_object(&self->store);
    g_clear_object(&self->presence);
    g_clear_object(&self->connection);
    g_clear_object(&self->login_cancellable);
    g_clear_pointer(&self->pending_url, g_free);
    g_clear_pointer(&self->pending_ca, g_free);
    g_clear_pointer(&self->pending_user, g_free);
    g_clear_pointer(&self->window_user, g_free);
    g_clear_pointer(&self->last_notification, g_free);
    g_clear_pointer(&self->last_notification_text, g_free);
    burst_clear(self);
    G_OBJECT_CLASS(pacta_application_parent_class)->dispose(object);
}

static void pacta_application_class_init(PactaApplicationClass *klass)
{
    GApplicationClass *app_class = G_APPLICATION_CLASS(klass);
    G_OBJECT_CLASS(klass)->dispose = pacta_application_dispose;
    app_class->startup = pacta_application_startup;
    app_class->activate = pacta_application_activate;
    app_class->shutdown = pacta_application_shutdown;
}

static void pacta_application_init(PactaApplication *self)
{
    (void)self;
}
