/*
 * pacta-desk: the editor's amendment history rows (see
 * pacta-editor-history.h).
 */
#define G_LOG_DOMAIN "pacta-editor"

#include "pacta-editor-history.h"

#include "pacta-contract.h"

/* A supplement value for people: amounts formatted, null as "(none)". */
static char *value_text(const char *field, const json_t *v)
{
    if (!v || json_is_null(v))
        return g_strdup("(none)");
    if (json_is_integer(v)) {
        if (g_str_equal(field, "amount_cents"))
            return pacta_format_amount(json_integer_value(v), "");
        return g_strdup_printf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (g_utf8_strlen(s, -1) > 60) {
            g_autofree char *cut = g_utf8_substring(s, 0, 57);
            return g_strdup_printf("%s…", cut);
        }
        return *s ? g_strdup(s) : g_strdup("(empty)");
    }
    return json_dumps(v, JSON_ENCODE_ANY);
}

guint pacta_editor_history_fill(GtkListBox *list, const json_t *items)
{
    size_t n = json_array_size(items);
    if (n == 0) {
        GtkWidget *row = adw_action_row_new();
        adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), "No amendments yet");
        adw_action_row_set_subtitle(ADW_ACTION_ROW(row),
                                    "Changes to an active contract are recorded here with their "
                                    "reason.");
        gtk_widget_add_css_class(row, "dim-label");
        gtk_list_box_append(list, row);
        return 0;
    }
    for (size_t i = n; i-- > 0;) {
        const json_t *s = json_array_get(items, i);
        const char *field = json_string_value(json_object_get(s, "field"));
        if (!field)
            continue;
        g_autofree char *from = value_text(field, json_object_get(s, "old_value"));
        g_autofree char *to = value_text(field, json_object_get(s, "new_value"));
        g_autofree char *when =
            pacta_format_timestamp(json_string_value(json_object_get(s, "created_at")));
        const char *reason = json_string_value(json_object_get(s, "reason"));
        const char *author = json_string_value(json_object_get(s, "author"));
        g_autofree char *title =
            g_markup_printf_escaped("%s: %s → %s", pacta_contract_field_label(field), from, to);
        g_autofree char *subtitle = g_markup_printf_escaped(
            "%s — %s, %s", reason ? reason : "", author ? author : "?", when ? when : "");
        GtkWidget *row = adw_action_row_new();
        adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
        adw_action_row_set_subtitle(ADW_ACTION_ROW(row), subtitle);
        adw_action_row_set_subtitle_lines(ADW_ACTION_ROW(row), 2);
        adw_action_row_set_icon_name(ADW_ACTION_ROW(row), "document-edit-symbolic");
        gtk_list_box_append(list, row);
    }
    return (guint)n;
}
