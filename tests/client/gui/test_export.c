/*
 * GUI: Export… from the list exports what the list shows (its search is
 * the export's filter) and Export Contract Report… the open contract's
 * PDF, through the real dialog and a real pactad; the dialog runs without
 * blocking (it is still running when the call returns) and says what it
 * saved; Cancel leaves no file, not even a temporary one.
 *
 * The file chooser is skipped with the test hook PACTA_DESK_EXPORT_FILE
 * (pacta-export-dialog.h); everything after the choice is what a user gets.
 */
#include <dirent.h>
#include <glib/gstdio.h>

#include "gui_support.h"

static gboolean is_gone(gpointer data)
{
    return *(gpointer *)data == NULL;
}

static int lines_of(const char *text)
{
    int n = 0;
    for (const char *p = text; p && (p = strstr(p, "\r\n")); p += 2)
        n++;
    return n;
}

static int part_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        n += strstr(e->d_name, ".part") != NULL;
    if (d)
        closedir(d);
    return n;
}

int main(void)
{
    PactaApplication *app = gui_setup("gui_export");
    struct it_server *s = it_server_start(NULL);
    it_create_role_users(s);
    struct ctl_client *admin = it_login_admin(s);
    json_t *a = it_contract_create(admin, json_pack("{ss ss ss}", "number", "G-001", "title",
                                                    "Întreținere lift, bloc \"A\"", "description",
                                                    "Două rânduri,\ncu diacritice."));
    json_t *b = it_contract_create(
        admin, json_pack("{ss ss}", "number", "G-002", "title", "Limpieza, año 2026"));
    json_t *c =
        it_contract_create(admin, json_pack("{ss ss}", "number", "H-001", "title", "Other"));
    REQUIRE(a && b && c);

    /* a viewer may export */
    PactaWindow *win = gui_login(app, s, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    gtk_editable_set_text(pacta_window_get_search_entry(win), "G-00");
    CHECK(gui_wait_rows(win, 2));

    g_autofree char *dir = g_build_filename(it_tmp_dir(), "exports", NULL);
    g_mkdir(dir, 0700);
    g_autofree char *csv = g_build_filename(dir, "list.csv", NULL);
    struct gui_export_done w = {0};
    REQUIRE(gui_export(win, "win.export", csv, GUI_TIMEOUT_MS, &w));
    CHECKF(w.ok && strstr(w.message, "list.csv") && strstr(w.message, "2 contracts"), "message: %s",
           w.message);
    g_autofree char *text = it_read_file(csv);
    REQUIRE(text);
    CHECK(lines_of(text) == 3); /* the header and the two rows the list shows */
    CHECK(strstr(text, "\"Întreținere lift, bloc \"\"A\"\"\""));
    CHECK(strstr(text, "\"Limpieza, año 2026\""));
    CHECK(!strstr(text, "H-001"));
    CHECK(memcmp(text, "\xEF\xBB\xBF", 3) != 0); /* a plain CSV: no byte order mark */

    /* "CSV for spreadsheet programs": a byte order mark, and an editor's
     * formula shown as text, not run, when the viewer opens the file */
    json_t *f = it_contract_create(
        admin, json_pack("{ss ss}", "number", "G-003", "title", "=HYPERLINK(\"http://x\",\"y\")"));
    REQUIRE(f);
    CHECK(gui_wait_rows(win, 3));
    g_autofree char *sheet = g_build_filename(dir, "sheet.csv", NULL);
    g_setenv("PACTA_DESK_EXPORT_SPREADSHEET", "true", TRUE);
    REQUIRE(gui_export(win, "win.export", sheet, GUI_TIMEOUT_MS, &w));
    g_unsetenv("PACTA_DESK_EXPORT_SPREADSHEET");
    g_autofree char *stext = it_read_file(sheet);
    CHECKF(w.ok && stext && memcmp(stext, "\xEF\xBB\xBF", 3) == 0, "message: %s", w.message);
    CHECKF(stext && strstr(stext, "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""), "%s", stext);
    CHECK(stext && strstr(stext, "\"Limpieza, año 2026\"")); /* other texts as they are */
    json_decref(f);

    g_autofree char *xlsx = g_build_filename(dir, "list.xlsx", NULL);
    REQUIRE(gui_export(win, "win.export", xlsx, GUI_TIMEOUT_MS, &w));
    g_autofree char *zip = it_read_file(xlsx);
    CHECK(w.ok && zip && memcmp(zip, "PK", 2) == 0);

    /* with Full Text the list and so the export search words of the
     * descriptions too (`q`): "diacritice" is in G-001's description */
    gtk_toggle_button_set_active(pacta_window_get_fulltext_button(win), TRUE);
    gtk_editable_set_text(pacta_window_get_search_entry(win), "diacritice");
    CHECK(gui_wait_rows(win, 1));
    g_autofree char *words = g_build_filename(dir, "words.csv", NULL);
    REQUIRE(gui_export(win, "win.export", words, GUI_TIMEOUT_MS, &w));
    g_autofree char *wtext = it_read_file(words);
    CHECKF(w.ok && wtext && lines_of(wtext) == 2 && strstr(wtext, "G-001"), "%s", w.message);
    gtk_toggle_button_set_active(pacta_window_get_fulltext_button(win), FALSE);
    gtk_editable_set_text(pacta_window_get_search_entry(win), "G-00");
    CHECK(gui_wait_rows(win, 3));

    /* the contract report of the open contract */
    CHECK(pacta_window_open_contract(win, it_str(a, "id")));
    gui_pump(100);
    g_autofree char *pdf = g_build_filename(dir, "report.pdf", NULL);
    REQUIRE(gui_export(win, "win.export-contract", pdf, GUI_TIMEOUT_MS, &w));
    CHECK(w.ok);
    char *argv[] = {"/usr/bin/pdftotext", "-enc", "UTF-8", pdf, "-", NULL};
    char *out = NULL;
    CHECK(it_run(argv, NULL, 20000, &out, NULL) == 0);
    CHECK(out && strstr(out, "Contract G-001") && strstr(out, "Două rânduri"));
    free(out);

    /* Cancel right away: no file, no temporary file, the dialog says so */
    g_autofree char *cancelled = g_build_filename(dir, "cancelled.pdf", NULL);
    g_setenv("PACTA_DESK_EXPORT_FILE", cancelled, TRUE);
    PactaExportDialog *d = pacta_export_dialog_start(
        GTK_WINDOW(win), pacta_application_get_connection(app), NULL, NULL, NULL);
    REQUIRE(d && pacta_export_dialog_is_running(d));
    g_clear_pointer(&w.message, g_free);
    w = (struct gui_export_done){0};
    gui_export_follow(d, &w);
    pacta_export_dialog_cancel(d); /* the Cancel button */
    CHECK(gui_wait(gui_export_is_done, &w, GUI_TIMEOUT_MS));
    CHECK(!w.ok);
    CHECK_STR(pacta_export_dialog_get_status(d), "Cancelled");
    gtk_window_destroy(GTK_WINDOW(d));
    gui_pump(200);
    CHECK(!g_file_test(cancelled, G_FILE_TEST_EXISTS));
    CHECKF(part_files(dir) == 0, "%d temporary files left", part_files(dir));

    /* The window closed while its export runs: the export is cancelled and
     * ends later, after the window's widgets are gone; the run's end must
     * not touch them (it did: a use after free) and must leave no file. */
    g_autofree char *closed = g_build_filename(dir, "closed.xlsx", NULL);
    g_setenv("PACTA_DESK_EXPORT_FILE", closed, TRUE);
    d = pacta_export_dialog_start(GTK_WINDOW(win), pacta_application_get_connection(app), NULL,
                                  NULL, NULL);
    REQUIRE(d && pacta_export_dialog_is_running(d));
    g_object_weak_ref(G_OBJECT(d), (GWeakNotify)g_nullify_pointer, &d);
    gtk_window_close(GTK_WINDOW(d));              /* the title bar's close button */
    CHECK(gui_wait(is_gone, &d, GUI_TIMEOUT_MS)); /* the run let it go */
    gui_pump(200);
    CHECK(!g_file_test(closed, G_FILE_TEST_EXISTS));
    CHECKF(part_files(dir) == 0, "%d temporary files left", part_files(dir));

    g_free(w.message);
    json_decref(a);
    json_decref(b);
    json_decref(c);
    ctl_client_close(admin);
    gui_teardown(app);
    return it_done(test_summary());
}
