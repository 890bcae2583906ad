/*
 * GUI: the documents pane of the contract open in the editor after an
 * administrator restores a backup.  A restore brings the documents back as
 * they were at the backup (PROTOCOL.md §6.30), and server.reset says that
 * everything held may be wrong (§7.2): the pane lists the contract's
 * documents again.  It kept what it showed before the restore: a document
 * deleted after the backup stayed missing, one attached after it stayed
 * listed (and could not be downloaded).
 */
#include "gui_support.h"
#include "it_documents_util.h"
#include "pacta-documents-pane.h"

struct count_wait {
    PactaDocumentsPane *pane;
    guint n;
};

static gboolean has_count(gpointer data)
{
    struct count_wait *w = data;
    return pacta_documents_pane_get_count(w->pane) == w->n;
}

/* The pane lists before.pdf alone (the backup's documents). */
static gboolean shows_backup(gpointer data)
{
    PactaDocumentsPane *pane = data;
    return pacta_documents_pane_get_count(pane) == 1 &&
           g_str_equal(it_str(pacta_documents_pane_get_document(pane, 0), "name"), "before.pdf");
}

int main(void)
{
    PactaApplication *app = gui_setup("gui_reset_documents");
    const char *args[] = {"--backup-key-file", it_backup_key_file(), "--backup-time", "off", NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);
    json_t *c = it_contract_create(admin, json_pack("{ss}", "title", "With documents"));
    REQUIRE(c != NULL);
    const char *id = it_str(c, "id");
    size_t la, lb;
    char *pa = doc_pdf_bytes(&la, "Kept by the backup");
    char *pb = doc_pdf_bytes(&lb, "Attached after the backup");
    json_t *a = doc_upload(admin, id, "before.pdf", pa, la);
    REQUIRE(a != NULL);

    json_t *b = it_call(admin, "backups.create", json_pack("{ss}", "description", "gui"), NULL);
    REQUIRE(b);
    json_int_t backup_id = it_int(json_object_get(b, "backup"), "id");
    json_decref(b);

    /* after the backup: before.pdf deleted, after.pdf attached */
    json_t *r = it_call(admin, "documents.delete", json_pack("{ss}", "id", it_str(a, "id")), NULL);
    CHECK(r != NULL);
    json_decref(r);
    json_t *later = doc_upload(admin, id, "after.pdf", pb, lb);
    REQUIRE(later != NULL);

    PactaWindow *win = gui_login(app, s, "admin", IT_ADMIN_PASSWORD);
    PactaEditor *editor = pacta_window_get_editor(win);
    REQUIRE(pacta_window_open_contract(win, id));
    PactaDocumentsPane *pane = pacta_editor_get_documents(editor);
    struct count_wait one = {pane, 1};
    REQUIRE(gui_wait(has_count, &one, GUI_TIMEOUT_MS));
    CHECK_STR(it_str(pacta_documents_pane_get_document(pane, 0), "name"), "after.pdf");

    r = it_call(admin, "backups.restore", json_pack("{sI}", "id", backup_id), NULL);
    CHECK(r != NULL);
    json_decref(r);
    CHECK(gui_wait(gui_restored_toast, win, GUI_TIMEOUT_MS));
    /* the pane asks for the list again after the reset: wait for its
     * answer (a fixed 500 ms was too short under ASan on a busy machine) */
    CHECKF(gui_wait(shows_backup, pane, GUI_TIMEOUT_MS),
           "the pane shows %u documents, the first %s", pacta_documents_pane_get_count(pane),
           pacta_documents_pane_get_count(pane)
               ? it_str(pacta_documents_pane_get_document(pane, 0), "name")
               : "-");

    free(pa);
    free(pb);
    json_decref(a);
    json_decref(later);
    json_decref(c);
    ctl_client_close(admin);
    gui_teardown(app);
    return it_done(test_summary());
}
