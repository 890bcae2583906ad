/*
 * GUI: the editor's amendment history shows every amendment of a long
 * history, read page after page (supplements.list, PROTOCOL.md §6.9: 500
 * at most per page): 620 amendments, two pages, 620 rows, the newest first.
 */
#include "gui_support.h"

#define N_AMEND 620

struct history_wait {
    PactaEditor *editor;
    guint n;
};

static gboolean has_history(gpointer data)
{
    struct history_wait *w = data;
    return pacta_editor_get_history_count(w->editor) >= w->n;
}

int main(void)
{
    PactaApplication *app = gui_setup("gui_history_pages");
    struct it_server *s = it_server_start(NULL);
    it_create_role_users(s);
    struct ctl_client *admin = it_login_admin(s);
    json_t *c = it_contract_create(
        admin, json_pack("{s:s, s:I}", "status", "active", "amount_cents", (json_int_t)1000));
    REQUIRE(c != NULL);
    const char *id = it_str(c, "id");
    json_int_t version = it_int(c, "version");
    for (int i = 0; i < N_AMEND; i++) {
        json_t *r = it_contract_update(admin, id, version,
                                       json_pack("{s:I}", "amount_cents", (json_int_t)2000 + i),
                                       "indexation", NULL);
        REQUIRE(r != NULL);
        version = it_int(json_object_get(r, "contract"), "version");
        json_decref(r);
    }

    PactaWindow *win = gui_login(app, s, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    PactaEditor *editor = pacta_window_get_editor(win);
    REQUIRE(pacta_window_open_contract(win, id));
    struct history_wait all = {editor, N_AMEND};
    CHECKF(gui_wait(has_history, &all, GUI_TIMEOUT_MS), "the history shows %u of %d",
           pacta_editor_get_history_count(editor), N_AMEND);
    gui_pump(300);
    CHECK(pacta_editor_get_history_count(editor) == N_AMEND);

    json_decref(c);
    ctl_client_close(admin);
    gui_teardown(app);
    return it_done(test_summary());
}
