/*
 * pacta-desk: PactaConflictDialog (see pacta-conflict-dialog.h).
 */
#define G_LOG_DOMAIN "pacta-conflict"

#include "pacta-conflict-dialog.h"

#include "pacta-contract.h"

struct _PactaConflictDialog {
    AdwWindow parent_instance;

    GtkButton *cancel_button, *save_button;
    AdwWindowTitle *window_title;
    GtkLabel *heading_label, *body_label, *error_label;
    AdwPreferencesGroup *auto_group;
    GtkBox *fields_box;

    PactaMerge *merge;
    GHashTable *checks; /* "field/mine" | "field/theirs" -> GtkCheckButton (borrowed) */
    GHashTable *texts;  /* same keys -> char* value text */
    gboolean done;      /* resolved or cancelled already emitted */
};

G_DEFINE_FINAL_TYPE(PactaConflictDialog, pacta_conflict_dialog, ADW_TYPE_WINDOW)

enum { SIGNAL_RESOLVED, SIGNAL_CANCELLED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* A field's value as the user reads it in the form. */
static char *value_text(const char *field, const json_t *v)
{
    if (!v || json_is_null(v))
        return g_strdup("(empty)");
    if (json_is_integer(v)) {
        if (g_str_equal(field, "amount_cents"))
            return pacta_format_amount(json_integer_value(v), "");
        return g_strdup_printf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
    }
    if (json_is_string(v))
        return *json_string_value(v) ? g_strdup(json_string_value(v)) : g_strdup("(empty)");
    return json_dumps(v, JSON_ENCODE_ANY);
}

static void update_save_sensitive(PactaConflictDialog *self)
{
    gtk_widget_set_sensitive(GTK_WIDGET(self->save_button), pacta_merge_is_resolved(self->merge));
}

static void on_check_toggled(GtkCheckButton *check, gpointer user_data)
{
    PactaConflictDialog *self = user_data;
    if (!gtk_check_button_get_active(check))
        return;
    const char *field = g_object_get_data(G_OBJECT(check), "field");
    PactaMergePick pick = GPOINTER_TO_INT(g_object_get_data(G_OBJECT(check), "pick"));
    pacta_merge_choose(self->merge, field, pick);
    update_save_sensitive(self);
}

static GtkWidget *side_row(PactaConflictDialog *self, const char *field, PactaMergePick pick,
                           const char *title, const char *value, GtkCheckButton *group)
{
    GtkWidget *row = adw_action_row_new();
    g_autofree char *escaped = g_markup_escape_text(value, -1);
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), escaped);
    adw_action_row_set_subtitle(ADW_ACTION_ROW(row), title);
    adw_action_row_set_title_lines(ADW_ACTION_ROW(row), 3);
    gtk_widget_add_css_class(row, pick == PACTA_MERGE_PICK_MINE ? "pacta-side-mine"
                                                                : "pacta-side-theirs");
    GtkWidget *check = gtk_check_button_new();
    gtk_widget_set_valign(check, GTK_ALIGN_CENTER);
    if (group)
        gtk_check_button_set_group(GTK_CHECK_BUTTON(check), group);
    g_autofree char *acc = g_strdup_printf("%s: keep %s", pacta_contract_field_label(field),
                                           pick == PACTA_MERGE_PICK_MINE ? "mine" : "theirs");
    gtk_accessible_update_property(GTK_ACCESSIBLE(check), GTK_ACCESSIBLE_PROPERTY_LABEL, acc, -1);
    g_object_set_data_full(G_OBJECT(check), "field", g_strdup(field), g_free);
    g_object_set_data(G_OBJECT(check), "pick", GINT_TO_POINTER(pick));
    g_signal_connect(check, "toggled", G_CALLBACK(on_check_toggled), self);
    adw_action_row_add_prefix(ADW_ACTION_ROW(row), check);
    adw_action_row_set_activatable_widget(ADW_ACTION_ROW(row), check);

    const char *side = pick == PACTA_MERGE_PICK_MINE ? "mine" : "theirs";
    g_hash_table_insert(self->checks, g_strdup_printf("%s/%s", field, side), check);
    g_hash_table_insert(self->texts, g_strdup_printf("%s/%s", field, side), g_strdup(value));
    return row;
}

static void build(PactaConflictDialog *self, gboolean save_mode)
{
    PactaMerge *m = self->merge;
    const char *who = pacta_merge_get_their_author(m);
    g_autofree char *when = pacta_format_timestamp(pacta_merge_get_their_time(m));
    guint nconf = pacta_merge_count(m, PACTA_MERGE_CONFLICT);

    g_autofree char *heading = g_strdup_printf("%s changed this contract at %s", who, when);
    gtk_label_set_text(self->heading_label, heading);
    g_autofree char *subtitle = g_strdup_printf(
        nconf == 1 ? "%u field changed on both sides" : "%u fields changed on both sides", nconf);
    adw_window_title_set_subtitle(self->window_title, subtitle);
    gtk_button_set_label(self->save_button, save_mode ? "_Save" : "_Apply");
    gtk_button_set_use_underline(self->save_button, TRUE);

    g_auto(GStrv) mine_only = pacta_merge_list_fields(m, PACTA_MERGE_MINE);
    g_auto(GStrv) theirs_only = pacta_merge_list_fields(m, PACTA_MERGE_THEIRS);
    for (guint i = 0; mine_only[i]; i++) {
        GtkWidget *row = adw_action_row_new();
        g_autofree char *v = value_text(mine_only[i], pacta_merge_get_mine(m, mine_only[i]));
        g_autofree char *ev = g_markup_escape_text(v, -1);
        adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row),
                                      pacta_contract_field_label(mine_only[i]));
        adw_action_row_set_subtitle(ADW_ACTION_ROW(row), ev);
        adw_action_row_set_icon_name(ADW_ACTION_ROW(row), "emblem-ok-symbolic");
        GtkWidget *tag = gtk_label_new("yours");
        gtk_widget_add_css_class(tag, "pacta-pill");
        gtk_widget_add_css_class(tag, "pacta-presence");
        gtk_widget_set_valign(tag, GTK_ALIGN_CENTER);
        adw_action_row_add_suffix(ADW_ACTION_ROW(row), tag);
        adw_preferences_group_add(self->auto_group, row);
    }
    for (guint i = 0; theirs_only[i]; i++) {
        GtkWidget *row = adw_action_row_new();
        g_autofree char *v = value_text(theirs_only[i], pacta_merge_get_theirs(m, theirs_only[i]));
        g_autofree char *ev = g_markup_escape_text(v, -1);
        adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row),
                                      pacta_contract_field_label(theirs_only[i]));
        adw_action_row_set_subtitle(ADW_ACTION_ROW(row), ev);
        adw_action_row_set_icon_name(ADW_ACTION_ROW(row), "emblem-ok-symbolic");
        g_autofree char *tagtext = g_strdup_printf("%s's", who);
        GtkWidget *tag = gtk_label_new(tagtext);
        gtk_widget_add_css_class(tag, "pacta-pill");
        gtk_widget_add_css_class(tag, "pacta-changed");
        gtk_widget_set_valign(tag, GTK_ALIGN_CENTER);
        adw_action_row_add_suffix(ADW_ACTION_ROW(row), tag);
        adw_preferences_group_add(self->auto_group, row);
    }
    gtk_widget_set_visible(GTK_WIDGET(self->auto_group), mine_only[0] || theirs_only[0]);
    adw_preferences_group_set_description(
        self->auto_group, "Changed on one side only: kept without asking, at the new version.");

    g_auto(GStrv) conflicts = pacta_merge_list_fields(m, PACTA_MERGE_CONFLICT);
    for (guint i = 0; conflicts[i]; i++) {
        const char *f = conflicts[i];
        GtkWidget *group = adw_preferences_group_new();
        adw_preferences_group_set_title(ADW_PREFERENCES_GROUP(group),
                                        pacta_contract_field_label(f));
        g_autofree char *was = value_text(f, pacta_merge_get_base(m, f));
        g_autofree char *desc = g_markup_printf_escaped("Was “%s” when you opened it", was);
        adw_preferences_group_set_description(ADW_PREFERENCES_GROUP(group), desc);
        g_autofree char *mine = value_text(f, pacta_merge_get_mine(m, f));
        g_autofree char *theirs = value_text(f, pacta_merge_get_theirs(m, f));
        GtkWidget *mine_row =
            side_row(self, f, PACTA_MERGE_PICK_MINE, "Mine — what you typed", mine, NULL);
        g_autofree char *mine_key = g_strdup_printf("%s/mine", f);
        GtkCheckButton *first = g_hash_table_lookup(self->checks, mine_key);
        g_autofree char *their_title = g_strdup_printf("Theirs — %s, %s", who, when);
        GtkWidget *their_row =
            side_row(self, f, PACTA_MERGE_PICK_THEIRS, their_title, theirs, first);
        adw_preferences_group_add(ADW_PREFERENCES_GROUP(group), mine_row);
        adw_preferences_group_add(ADW_PREFERENCES_GROUP(group), their_row);
        gtk_box_append(self->fields_box, group);
    }
    update_save_sensitive(self);
}

PactaConflictDialog *pacta_conflict_dialog_new(GtkWindow *parent, PactaMerge *merge,
                                               gboolean save_mode)
{
    PactaConflictDialog *self =
        g_object_new(PACTA_TYPE_CONFLICT_DIALOG, "transient-for", parent, NULL);
    self->merge = g_object_ref(merge);
    build(self, save_mode);
    return self;
}

PactaMerge *pacta_conflict_dialog_get_merge(PactaConflictDialog *self)
{
    return self->merge;
}

gboolean pacta_conflict_dialog_choose(PactaConflictDialog *self, const char *field,
                                      PactaMergePick pick)
{
    g_autofree char *key =
        g_strdup_printf("%s/%s", field, pick == PACTA_MERGE_PICK_MINE ? "mine" : "theirs");
    GtkCheckButton *check = g_hash_table_lookup(self->checks, key);
    if (!check)
        return FALSE;
    gtk_check_button_set_active(check, TRUE);
    return pacta_merge_get_choice(self->merge, field) == pick;
}

const char *pacta_conflict_dialog_get_value_text(PactaConflictDialog *self, const char *field,
                                                 PactaMergePick side)
{
    g_autofree char *key =
        g_strdup_printf("%s/%s", field, side == PACTA_MERGE_PICK_MINE ? "mine" : "theirs");
    return g_hash_table_lookup(self->texts, key);
}

gboolean pacta_conflict_dialog_accept(PactaConflictDialog *self)
{
    if (self->done || !pacta_merge_is_resolved(self->merge))
        return FALSE;
    self->done = TRUE;
    g_signal_emit(self, signals[SIGNAL_RESOLVED], 0);
    return TRUE;
}

static void on_save_clicked(PactaConflictDialog *self)
{
    pacta_conflict_dialog_accept(self);
}

static void on_cancel_clicked(PactaConflictDialog *self)
{
    if (self->done)
        return;
    self->done = TRUE;
    g_signal_emit(self, signals[SIGNAL_CANCELLED], 0);
}

/* Closing the window (Escape, the window manager) is a Cancel: the user's
 * input stays in the editor. */
static gboolean on_close_request(GtkWindow *window)
{
    PactaConflictDialog *self = PACTA_CONFLICT_DIALOG(window);
    if (!self->done) {
        self->done = TRUE;
        g_signal_emit(self, signals[SIGNAL_CANCELLED], 0);
        return TRUE; /* the handler destroys us */
    }
    return FALSE;
}

static void pacta_conflict_dialog_dispose(GObject *object)
{
    PactaConflictDialog *self = PACTA_CONFLICT_DIALOG(object);
    g_clear_object(&self->merge);
    g_clear_pointer(&self->checks, g_hash_table_unref);
    g_clear_pointer(&self->texts, g_hash_table_unref);
    G_OBJECT_CLASS(pacta_conflict_dialog_parent_class)->dispose(object);
}

static void pacta_conflict_dialog_class_init(PactaConflictDialogClass *klass)
{
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    G_OBJECT_CLASS(klass)->dispose = pacta_conflict_dialog_dispose;
    GTK_WINDOW_CLASS(klass)->close_request = on_close_request;

    signals[SIGNAL_RESOLVED] = g_signal_new("resolved", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                            0, NULL, NULL, NULL, G_TYPE_NONE, 0);
    signals[SIGNAL_CANCELLED] =
        g_signal_new("cancelled", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                     G_TYPE_NONE, 0);

    gtk_widget_class_set_template_from_resource(wc, "/org/pacta/Desk/pacta-conflict-dialog.ui");
    gtk_widget_class_bind_template_child(wc, PactaConflictDialog, cancel_button);
    gtk_widget_class_bind_template_child(wc, PactaConflictDialog, save_button);
    gtk_widget_class_bind_template_child(wc, PactaConflictDialog, window_title);
    gtk_widget_class_bind_template_child(wc, PactaConflictDialog, heading_label);
    gtk_widget_class_bind_template_child(wc, PactaConflictDialog, body_label);
    gtk_widget_class_bind_template_child(wc, PactaConflictDialog, error_label);
    gtk_widget_class_bind_template_child(wc, PactaConflictDialog, auto_group);
    gtk_widget_class_bind_template_child(wc, PactaConflictDialog, fields_box);
    gtk_widget_class_add_binding_action(wc, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void pacta_conflict_dialog_init(PactaConflictDialog *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->checks = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    self->texts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_signal_connect_swapped(self->save_button, "clicked", G_CALLBACK(on_save_clicked), self);
    g_signal_connect_swapped(self->cancel_button, "clicked", G_CALLBACK(on_cancel_clicked), self);
}
