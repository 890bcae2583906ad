/*
 * GUI: the editor's documents pane against a real pactad.
 *
 * An editor opens a contract and attaches a file (the chooser replaced by
 * PACTA_DESK_DOCUMENT_FILE): a progress bar runs, the row appears, and the
 * server has the file byte for byte.  A document another user attaches
 * appears by itself (document.added).  Download (PACTA_DESK_DOCUMENT_SAVE)
 * writes the same bytes.  The connection drops in the middle of a bigger
 * upload: the pane goes on by itself once reconnected and the server's copy
 * is the file.  Delete asks first, then the row goes.  When the user
 * becomes a viewer, Attach disappears; downloading still works.
 */
#include <unistd.h>

#include "gui_support.h"
#include "it_documents_util.h"
#include "pacta-documents-pane.h"

static gboolean not_busy(gpointer data)
{
    return !pacta_documents_pane_is_busy(data);
}

struct count_wait {
    PactaDocumentsPane *pane;
    guint n;
};

static gboolean has_count(gpointer data)
{
    struct count_wait *w = data;
    return pacta_documents_pane_get_count(w->pane) == w->n;
}

static gboolean past_fifth(gpointer data)
{
    return pacta_documents_pane_get_progress(data) > 0.2 || !pacta_documents_pane_is_busy(data);
}

static gboolean confirm_open(gpointer data)
{
    return pacta_documents_pane_get_confirm_dialog(data) != NULL;
}

static gboolean cannot_attach(gpointer data)
{
    return !pacta_documents_pane_can_attach(data);
}

static gboolean disconnected(gpointer data)
{
    return pacta_connection_get_state(data) != PACTA_CONNECTION_CONNECTED;
}

/* The network goes away; the desk reconnects (now, not after its backoff). */
static void drop_and_reconnect(PactaConnection *conn)
{
    pacta_connection_drop(conn);
    CHECK(gui_wait(disconnected, conn, GUI_TIMEOUT_MS));
    pacta_connection_reconnect_now(conn);
}

static void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    REQUIRE(f && fwrite(data, 1, n, f) == n);
    fclose(f);
}

/* The server's copy of the pane's document at index equals data. */
static void check_server_copy(struct ctl_client *c, PactaDocumentsPane *pane, guint index,
                              const uint8_t *data, size_t n)
{
    const json_t *doc = pacta_documents_pane_get_document(pane, index);
    REQUIRE(doc);
    size_t got = 0;
    uint8_t *back = doc_download(c, it_str(doc, "id"), PACTA_DOC_DOWNLOAD_MAX, &got, NULL);
    CHECKF(back && got == n && memcmp(back, data, n) == 0, "%s: %zu bytes, want %zu",
           it_str(doc, "name"), got, n);
    free(back);
}

int main(void)
{
    PactaApplication *app = gui_setup("gui_documents");
    struct it_server *s = it_server_start(NULL);
    it_create_role_users(s);
    struct ctl_client *admin = it_login_admin(s);
    json_t *c = it_contract_create(admin, json_pack("{ss}", "title", "Office cleaning"));
    REQUIRE(c != NULL);
    const char *id = it_str(c, "id");

    PactaWindow *win = gui_login(app, s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    PactaConnection *conn = pacta_application_get_connection(app);
    PactaEditor *editor = pacta_window_get_editor(win);
    REQUIRE(pacta_window_open_contract(win, id));
    PactaDocumentsPane *pane = pacta_editor_get_documents(editor);
    REQUIRE(pane);
    CHECK(gtk_widget_get_visible(GTK_WIDGET(pane)));
    CHECK(pacta_documents_pane_get_count(pane) == 0);
    CHECK(pacta_documents_pane_can_attach(pane));

    /* attach */
    char path[700], save[700];
    size_t n = 7 * PACTA_DOC_CHUNK_MAX + 11;
    uint8_t *data = doc_png_bytes(n, 51);
    snprintf(path, sizeof path, "%s/signed scan.png", it_tmp_dir());
    write_bytes(path, data, n);
    g_setenv("PACTA_DESK_DOCUMENT_FILE", path, TRUE);
    pacta_documents_pane_attach(pane);
    CHECK(pacta_documents_pane_is_busy(pane));
    CHECK(!pacta_documents_pane_can_attach(pane)); /* one transfer at a time */
    CHECK(gui_wait(not_busy, pane, GUI_TIMEOUT_MS));
    CHECKF(strstr(pacta_documents_pane_get_status(pane), "Attached") != NULL, "status: %s",
           pacta_documents_pane_get_status(pane));
    struct count_wait one = {pane, 1};
    CHECK(gui_wait(has_count, &one, GUI_TIMEOUT_MS));
    CHECK_STR(it_str(pacta_documents_pane_get_document(pane, 0), "name"), "signed scan.png");
    CHECK(pacta_documents_pane_get_progress(pane) == 1.0);
    check_server_copy(admin, pane, 0, data, n);

    /* someone else attaches: it shows by itself */
    size_t pl;
    char *pdf = doc_pdf_bytes(&pl, "Annex 1");
    json_t *other = doc_upload(admin, id, "annex.pdf", pdf, pl);
    REQUIRE(other);
    struct count_wait two = {pane, 2};
    CHECK(gui_wait(has_count, &two, GUI_TIMEOUT_MS));

    /* download */
    snprintf(save, sizeof save, "%s/saved.pdf", it_tmp_dir());
    g_setenv("PACTA_DESK_DOCUMENT_SAVE", save, TRUE);
    pacta_documents_pane_download(pane, 1);
    CHECK(gui_wait(not_busy, pane, GUI_TIMEOUT_MS));
    char *saved = it_read_file(save);
    CHECK(saved && strlen(saved) == pl && memcmp(saved, pdf, pl) == 0);
    free(saved);

    /* the connection drops in the middle of an upload: it goes on by itself */
    size_t big = 96 * PACTA_DOC_CHUNK_MAX + 3;
    uint8_t *bigdata = doc_png_bytes(big, 53);
    snprintf(path, sizeof path, "%s/big scan.png", it_tmp_dir());
    write_bytes(path, bigdata, big);
    g_setenv("PACTA_DESK_DOCUMENT_FILE", path, TRUE);
    pacta_documents_pane_attach(pane);
    CHECK(gui_wait(past_fifth, pane, GUI_TIMEOUT_MS));
    CHECK(pacta_documents_pane_is_busy(pane)); /* still going when the network went */
    drop_and_reconnect(conn);
    CHECK(gui_wait(not_busy, pane, GUI_TIMEOUT_MS));
    CHECKF(strstr(pacta_documents_pane_get_status(pane), "Attached") != NULL, "status: %s",
           pacta_documents_pane_get_status(pane));
    struct count_wait three = {pane, 3};
    CHECK(gui_wait(has_count, &three, GUI_TIMEOUT_MS));
    check_server_copy(admin, pane, 2, bigdata, big);

    /* delete asks first */
    pacta_documents_pane_delete(pane, 0);
    REQUIRE(gui_wait(confirm_open, pane, GUI_TIMEOUT_MS));
    adw_message_dialog_response(pacta_documents_pane_get_confirm_dialog(pane), "delete");
    CHECK(gui_wait(has_count, &two, GUI_TIMEOUT_MS));
    CHECK_STR(it_str(pacta_documents_pane_get_document(pane, 0), "name"), "annex.pdf");
    json_t *l = it_call(admin, "documents.list", json_pack("{s:s}", "contract_id", id), NULL);
    CHECK(l && json_array_size(json_object_get(l, "items")) == 2);
    json_decref(l);

    /* a viewer (the desk learns its new role when it resumes): no Attach,
     * downloads still work */
    json_decref(it_call(admin, "users.update",
                        json_pack("{s:s, s:s}", "username", IT_EDITOR_USER, "role", "viewer"),
                        NULL));
    drop_and_reconnect(conn);
    CHECK(gui_wait(cannot_attach, pane, GUI_TIMEOUT_MS));
    unlink(save);
    pacta_documents_pane_download(pane, 0);
    CHECK(gui_wait(not_busy, pane, GUI_TIMEOUT_MS));
    saved = it_read_file(save);
    CHECK(saved && strlen(saved) == pl && memcmp(saved, pdf, pl) == 0);
    free(saved);

    g_unsetenv("PACTA_DESK_DOCUMENT_FILE");
    g_unsetenv("PACTA_DESK_DOCUMENT_SAVE");
    json_decref(other);
    free(pdf);
    free(bigdata);
    free(data);
    json_decref(c);
    ctl_client_close(admin);
    gui_teardown(app);
    return it_done(test_summary());
}
