/*
 * pacta-desk: PactaExport (see pacta-export.h).
 *
 * The run is a chain of async steps, each continuing the GTask:
 *   export.contracts  -> create the temporary file (.NAME.XXXXXX.part)
 *   -> export.read / write_all, chunk after chunk, hashing
 *   -> close -> size and SHA-256 checked -> move over the destination.
 * Any failure or cancel deletes the temporary file (asynchronously) before
 * the task returns, and a started export is cancelled on the server.
 */
#define G_LOG_DOMAIN "pacta-export"

#include "pacta-export.h"

#include <pacta/protocol.h>

struct _PactaExport {
    GObject parent_instance;
    PactaConnection *connection;
    json_t *args;
    GFile *dest, *tmp;
    GFileOutputStream *out;
    gulong event_handler;
    GCancellable *cancellable; /* the run's, with cancel_handler */
    gulong cancel_handler;
    char *export_id, *sha256;
    gint64 size, rows, offset;
    gboolean eof; /* the last chunk arrived */
    GChecksum *checksum;
    guint8 *chunk;
    GTask *task; /* while running */
};

G_DEFINE_FINAL_TYPE(PactaExport, pacta_export, G_TYPE_OBJECT)

enum { SIGNAL_PROGRESS, N_SIGNALS };
static guint signals[N_SIGNALS];

static void pacta_export_finalize(GObject *object)
{
    PactaExport *self = PACTA_EXPORT(object);
    if (self->event_handler)
        g_signal_handler_disconnect(self->connection, self->event_handler);
    if (self->cancel_handler)
        g_cancellable_disconnect(self->cancellable, self->cancel_handler);
    g_clear_object(&self->cancellable);
    g_clear_object(&self->connection);
    json_decref(self->args);
    g_clear_object(&self->dest);
    g_clear_object(&self->tmp);
    g_clear_object(&self->out);
    g_free(self->export_id);
    g_free(self->sha256);
    g_clear_pointer(&self->checksum, g_checksum_free);
    g_free(self->chunk);
    G_OBJECT_CLASS(pacta_export_parent_class)->finalize(object);
}

static void pacta_export_class_init(PactaExportClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = pacta_export_finalize;
    signals[SIGNAL_PROGRESS] =
        g_signal_new("progress", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                     G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_INT64, G_TYPE_INT64);
}

static void pacta_export_init(PactaExport *self)
{
    (void)self;
}

PactaExport *pacta_export_new(PactaConnection *connection, const json_t *args, GFile *dest)
{
    g_return_val_if_fail(PACTA_IS_CONNECTION(connection), NULL);
    g_return_val_if_fail(G_IS_FILE(dest), NULL);
    PactaExport *self = g_object_new(PACTA_TYPE_EXPORT, NULL);
    self->connection = g_object_ref(connection);
    self->args = json_deep_copy(args);
    self->dest = g_object_ref(dest);
    return self;
}

gint64 pacta_export_get_rows(PactaExport *self)
{
    return self->rows;
}

gint64 pacta_export_get_size(PactaExport *self)
{
    return self->size;
}

GFile *pacta_export_get_dest(PactaExport *self)
{
    return self->dest;
}

/* ---- ending ------------------------------------------------------------------ */

static void tell_server_cancel(PactaExport *self)
{
    if (!self->export_id)
        return;
    json_t *args = json_pack("{s:s}", "export_id", self->export_id);
    pacta_connection_request_async(self->connection, "export.cancel", args, NULL, NULL, NULL);
    json_decref(args);
}

static void tmp_deleted(GObject *src, GAsyncResult *res, gpointer data)
{
    GTask *task = data;
    if (src)
        g_file_delete_finish(G_FILE(src), res, NULL);
    GError *error = g_task_get_task_data(task);
    g_task_return_error(task, g_error_copy(error));
    g_object_unref(task);
}

/* Fails the run: the server's export is dropped, the temporary file deleted. */
static void fail(PactaExport *self, GError *error_steal)
{
    GTask *task = g_steal_pointer(&self->task);
    tell_server_cancel(self);
    g_task_set_task_data(task, error_steal, (GDestroyNotify)g_error_free);
    if (self->out)
        g_output_stream_close(G_OUTPUT_STREAM(self->out), NULL,
                              NULL); /* local: never blocks long */
    g_clear_object(&self->out);
    if (self->tmp)
        g_file_delete_async(self->tmp, G_PRIORITY_DEFAULT, NULL, tmp_deleted, task);
    else
        tmp_deleted(NULL, NULL, task);
}

/* ---- download ---------------------------------------------------------------- */

static void read_next(PactaExport *self);

static void chunk_written(GObject *src, GAsyncResult *res, gpointer data)
{
    PactaExport *self = data;
    GError *error = NULL;
    if (!g_output_stream_write_all_finish(G_OUTPUT_STREAM(src), res, NULL, &error)) {
        fail(self, error);
        return;
    }
    read_next(self);
}

static void moved(GObject *src, GAsyncResult *res, gpointer data)
{
    PactaExport *self = data;
    GError *error = NULL;
    if (!g_file_move_finish(G_FILE(src), res, &error)) {
        fail(self, error);
        return;
    }
    g_clear_object(&self->tmp);
    GTask *task = g_steal_pointer(&self->task);
    g_task_return_boolean(task, TRUE);
    g_object_unref(task);
}

static void closed(GObject *src, GAsyncResult *res, gpointer data)
{
    PactaExport *self = data;
    GError *error = NULL;
    if (!g_output_stream_close_finish(G_OUTPUT_STREAM(src), res, &error)) {
        fail(self, error);
        return;
    }
    g_clear_object(&self->out);
    const char *got = g_checksum_get_string(self->checksum);
    if (self->offset != self->size || g_strcmp0(got, self->sha256) != 0) {
        fail(self,
             g_error_new(PACTA_DESK_ERROR, PACTA_DESK_ERROR_PROTOCOL,
                         "the file received does not match the one the server made "
                         "(%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " bytes, SHA-256 differs)",
                         self->offset, self->size));
        return;
    }
    g_file_move_async(self->tmp, self->dest, G_FILE_COPY_OVERWRITE, G_PRIORITY_DEFAULT,
                      g_task_get_cancellable(self->task), NULL, NULL, moved, self);
}

static void chunk_read(GObject *src, GAsyncResult *res, gpointer data)
{
    PactaExport *self = data;
    GError *error = NULL;
    json_t *r = pacta_connection_request_finish(PACTA_CONNECTION(src), res, NULL, &error);
    if (!r) {
        fail(self, error);
        return;
    }
    const char *b64 = json_string_value(json_object_get(r, "data"));
    gboolean eof = json_is_true(json_object_get(r, "eof"));
    size_t n = 0;
    if (!b64 || json_integer_value(json_object_get(r, "offset")) != self->offset ||
        pacta_base64_decode(b64, strlen(b64), self->chunk, PACTA_EXPORT_CHUNK_MAX, &n) != 0 ||
        (n == 0 && !eof)) {
        json_decref(r);
        fail(self, g_error_new(PACTA_DESK_ERROR, PACTA_DESK_ERROR_PROTOCOL,
                               "the server sent a malformed chunk"));
        return;
    }
    json_decref(r);
    g_checksum_update(self->checksum, self->chunk, (gssize)n);
    self->offset += (gint64)n;
    g_signal_emit(self, signals[SIGNAL_PROGRESS], 0, "downloading", self->offset, self->size);
    self->eof = eof;
    g_output_stream_write_all_async(G_OUTPUT_STREAM(self->out), self->chunk, n, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable(self->task), chunk_written, self);
}

static void read_next(PactaExport *self)
{
    GCancellable *cancellable = g_task_get_cancellable(self->task);
    if (g_cancellable_is_cancelled(cancellable)) {
        fail(self, g_error_new(G_IO_ERROR, G_IO_ERROR_CANCELLED, "the export was cancelled"));
        return;
    }
    if (self->eof) {
        g_output_stream_close_async(G_OUTPUT_STREAM(self->out), G_PRIORITY_DEFAULT, NULL, closed,
                                    self);
        return;
    }
    json_t *args =
        json_pack("{s:s, s:I}", "export_id", self->export_id, "offset", (json_int_t)self->offset);
    pacta_connection_request_async(self->connection, "export.read", args, NULL, chunk_read, self);
    json_decref(args);
}

static void tmp_created(GObject *src, GAsyncResult *res, gpointer data)
{
    PactaExport *self = data;
    GError *error = NULL;
    self->out = g_file_create_finish(G_FILE(src), res, &error);
    if (!self->out) {
        g_clear_object(&self->tmp); /* not ours to delete */
        fail(self, error);
        return;
    }
    self->checksum = g_checksum_new(G_CHECKSUM_SHA256);
    self->chunk = g_malloc(PACTA_EXPORT_CHUNK_MAX);
    read_next(self);
}

/* ---- making it ---------------------------------------------------------------- */

static void on_progress(PactaConnection *c, const char *name, gint64 seq, gpointer data,
                        gpointer user_data)
{
    PactaExport *self = user_data;
    const json_t *d = data;
    const char *id = json_string_value(json_object_get(d, "export_id"));
    (void)c;
    (void)name;
    (void)seq;
    if (!self->task || !id)
        return;
    if (!self->export_id)
        self->export_id = g_strdup(id); /* the first one is ours (pacta-export.h) */
    if (!g_str_equal(id, self->export_id))
        return;
    const json_t *total = json_object_get(d, "rows_total");
    g_signal_emit(self, signals[SIGNAL_PROGRESS], 0,
                  json_string_value(json_object_get(d, "stage")) ?: "reading",
                  (gint64)json_integer_value(json_object_get(d, "rows_done")),
                  json_is_integer(total) ? (gint64)json_integer_value(total) : (gint64)-1);
    if (g_cancellable_is_cancelled(g_task_get_cancellable(self->task)))
        tell_server_cancel(self);
}

static void made(GObject *src, GAsyncResult *res, gpointer data)
{
    PactaExport *self = data;
    GError *error = NULL;
    json_t *r = pacta_connection_request_finish(PACTA_CONNECTION(src), res, NULL, &error);
    g_signal_handler_disconnect(self->connection, self->event_handler);
    self->event_handler = 0;
    if (!r) {
        g_clear_pointer(&self->export_id, g_free); /* ended on the server */
        if (g_cancellable_is_cancelled(g_task_get_cancellable(self->task))) {
            g_clear_error(&error); /* "the export was cancelled": by us */
            error = g_error_new(G_IO_ERROR, G_IO_ERROR_CANCELLED, "the export was cancelled");
        }
        fail(self, error);
        return;
    }
    g_free(self->export_id);
    self->export_id = g_strdup(json_string_value(json_object_get(r, "export_id")));
    self->sha256 = g_strdup(json_string_value(json_object_get(r, "sha256")));
    self->size = (gint64)json_integer_value(json_object_get(r, "size"));
    self->rows = (gint64)json_integer_value(json_object_get(r, "rows"));
    json_decref(r);
    if (!self->export_id || !self->sha256) {
        fail(self, g_error_new(PACTA_DESK_ERROR, PACTA_DESK_ERROR_PROTOCOL,
                               "the server's export answer lacks its id or checksum"));
        return;
    }
    if (g_cancellable_is_cancelled(g_task_get_cancellable(self->task))) {
        fail(self, g_error_new(G_IO_ERROR, G_IO_ERROR_CANCELLED, "the export was cancelled"));
        return;
    }
    /* beside the destination, so the final move is a rename on the same disk */
    g_autoptr(GFile) dir = g_file_get_parent(self->dest);
    g_autofree char *base = g_file_get_basename(self->dest);
    g_autofree char *name = g_strdup_printf(".%s.%08x.part", base, g_random_int());
    self->tmp = dir ? g_file_get_child(dir, name) : g_file_new_for_path(name);
    g_file_create_async(self->tmp, G_FILE_CREATE_PRIVATE, G_PRIORITY_DEFAULT,
                        g_task_get_cancellable(self->task), tmp_created, self);
}

/* Cancelled while the server makes it: tell the server now, not at the end. */
static void on_cancelled(GCancellable *cancellable, gpointer data)
{
    PactaExport *self = data;
    (void)cancellable;
    if (self->task && self->event_handler)
        tell_server_cancel(self);
}

void pacta_export_run_async(PactaExport *self, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
    g_return_if_fail(PACTA_IS_EXPORT(self) && !self->task);
    self->task = g_task_new(self, cancellable, callback, user_data);
    g_task_set_source_tag(self->task, pacta_export_run_async);
    if (cancellable) {
        self->cancellable = g_object_ref(cancellable);
        self->cancel_handler =
            g_cancellable_connect(cancellable, G_CALLBACK(on_cancelled), self, NULL);
    }
    self->event_handler = g_signal_connect(self->connection, "event::" PACTA_EV_EXPORT_PROGRESS,
                                           G_CALLBACK(on_progress), self);
    /* the task holds a reference to self until it returns */
    pacta_connection_request_async(self->connection, "export.contracts", self->args, NULL, made,
                                   self);
}

gboolean pacta_export_run_finish(PactaExport *self, GAsyncResult *result, GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, self), FALSE);
    return g_task_propagate_boolean(G_TASK(result), error);
}
