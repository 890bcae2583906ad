/*
 * pacta-desk: PactaDocumentTransfer (see pacta-document-transfer.h).
 *
 * Every step is a callback on the main loop; `self` is kept alive by the
 * task while it runs and by a ref each request holds, and a step that
 * arrives after the transfer completed (a chunk answer after a failure)
 * only drops its ref.
 */
#define G_LOG_DOMAIN "pacta-documents"

#include "pacta-document-transfer.h"

#include <string.h>

#include <pacta/documents.h>

#include "pacta-error.h"

#define WINDOW 4              /* upload chunks in flight */
#define HASH_READ (64 * 1024) /* bytes per read while hashing */
#define MAX_RESTARTS 20       /* refused chunks an upload goes on after */
#define RECONNECT_WAIT_S 120  /* how long a dropped connection is waited for */

struct _PactaDocumentTransfer {
    GObject parent_instance;

    PactaConnection *connection;
    gboolean upload;
    char *contract_id, *name;
    GFile *file;
    json_t *document; /* download: the record; upload: the answer */

    GTask *task; /* while running */
    gboolean done;
    GChecksum *sum;
    gint64 size;

    /* upload */
    GInputStream *in;
    char sha[65], upload_id[40];
    gint64 acked, next, resumed_from, restart_at;
    int inflight;
    gboolean reading, restart, rebegin, began_once;
    gboolean beginning; /* a begin is in flight: nothing is sent meanwhile */
    guint restarts;

    /* download: into `temp` beside the destination, moved over it at the end */
    GFileOutputStream *out;
    GFile *temp;
    gint64 received;

    /* waiting for the connection to come back */
    gulong state_handler;
    guint wait_timeout;
    void (*after_reconnect)(PactaDocumentTransfer *self);
};

G_DEFINE_FINAL_TYPE(PactaDocumentTransfer, pacta_document_transfer, G_TYPE_OBJECT)

enum { SIGNAL_PROGRESS, N_SIGNALS };
static guint signals[N_SIGNALS];

static void stop_waiting(PactaDocumentTransfer *self)
{
    if (self->state_handler)
        g_signal_handler_disconnect(self->connection, self->state_handler);
    self->state_handler = 0;
    if (self->wait_timeout)
        g_source_remove(self->wait_timeout);
    self->wait_timeout = 0;
}

static void pacta_document_transfer_dispose(GObject *object)
{
    PactaDocumentTransfer *self = PACTA_DOCUMENT_TRANSFER(object);
    stop_waiting(self);
    g_clear_object(&self->in);
    g_clear_object(&self->out);
    g_clear_object(&self->temp);
    g_clear_object(&self->file);
    g_clear_object(&self->connection);
    G_OBJECT_CLASS(pacta_document_transfer_parent_class)->dispose(object);
}

static void pacta_document_transfer_finalize(GObject *object)
{
    PactaDocumentTransfer *self = PACTA_DOCUMENT_TRANSFER(object);
    g_free(self->contract_id);
    g_free(self->name);
    json_decref(self->document);
    if (self->sum)
        g_checksum_free(self->sum);
    G_OBJECT_CLASS(pacta_document_transfer_parent_class)->finalize(object);
}

static void pacta_document_transfer_class_init(PactaDocumentTransferClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    object_class->dispose = pacta_document_transfer_dispose;
    object_class->finalize = pacta_document_transfer_finalize;
    signals[SIGNAL_PROGRESS] =
        g_signal_new("progress", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                     G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);
}

static void pacta_document_transfer_init(PactaDocumentTransfer *self)
{
    (void)self;
}

PactaDocumentTransfer *pacta_document_transfer_new_upload(PactaConnection *connection,
                                                          const char *contract_id, GFile *file,
                                                          const char *name)
{
    PactaDocumentTransfer *self = g_object_new(PACTA_TYPE_DOCUMENT_TRANSFER, NULL);
    self->connection = g_object_ref(connection);
    self->upload = TRUE;
    self->contract_id = g_strdup(contract_id);
    self->file = g_object_ref(file);
    self->name = name ? g_strdup(name) : g_file_get_basename(file);
    return self;
}

PactaDocumentTransfer *pacta_document_transfer_new_download(PactaConnection *connection,
                                                            const json_t *document, GFile *dest)
{
    PactaDocumentTransfer *self = g_object_new(PACTA_TYPE_DOCUMENT_TRANSFER, NULL);
    self->connection = g_object_ref(connection);
    self->document = json_deep_copy(document);
    self->file = g_object_ref(dest);
    self->name = g_strdup(json_string_value(json_object_get(document, "name")));
    self->size = json_integer_value(json_object_get(document, "size"));
    return self;
}

gboolean pacta_document_transfer_is_upload(PactaDocumentTransfer *self)
{
    return self->upload;
}

const char *pacta_document_transfer_get_name(PactaDocumentTransfer *self)
{
    return self->name;
}

const json_t *pacta_document_transfer_get_document(PactaDocumentTransfer *self)
{
    return self->upload ? self->document : NULL;
}

gint64 pacta_document_transfer_get_resumed_from(PactaDocumentTransfer *self)
{
    return self->resumed_from;
}

/* ---- completion -------------------------------------------------------------- */

static GCancellable *cancellable_of(PactaDocumentTransfer *self)
{
    return self->task ? g_task_get_cancellable(self->task) : NULL;
}

/* Ends the run (once); takes error (NULL: success). */
static void complete(PactaDocumentTransfer *self, GError *error)
{
    if (self->done) {
        g_clear_error(&error);
        return;
    }
    self->done = TRUE;
    stop_waiting(self);
    if (self->out)
        g_output_stream_close(G_OUTPUT_STREAM(self->out), NULL, NULL);
    g_clear_object(&self->out);
    if (error && self->temp) /* the destination stays as it was */
        g_file_delete_async(self->temp, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
    g_clear_object(&self->in);
    GTask *task = g_steal_pointer(&self->task);
    if (error)
        g_task_return_error(task, error);
    else
        g_task_return_boolean(task, TRUE);
    g_object_unref(task);
}

/* TRUE (and the run completed) if it was cancelled or ended meanwhile. */
static gboolean gone(PactaDocumentTransfer *self)
{
    if (self->done)
        return TRUE;
    if (g_cancellable_is_cancelled(cancellable_of(self))) {
        complete(self, g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled"));
        return TRUE;
    }
    return FALSE;
}

static void progress(PactaDocumentTransfer *self, gint64 done)
{
    g_signal_emit(self, signals[SIGNAL_PROGRESS], 0, done, self->size);
}

/* ---- a dropped connection ------------------------------------------------------ */

static gboolean on_wait_timeout(gpointer data)
{
    PactaDocumentTransfer *self = data;
    self->wait_timeout = 0;
    complete(self, g_error_new_literal(PACTA_DESK_ERROR, PACTA_DESK_ERROR_DISCONNECTED,
                                       "The connection to the server did not come back"));
    return G_SOURCE_REMOVE;
}

static void on_state(GObject *object, GParamSpec *pspec, gpointer data)
{
    PactaDocumentTransfer *self = data;
    (void)pspec;
    if (!self->state_handler || gone(self))
        return;
    PactaConnectionState state = pacta_connection_get_state(PACTA_CONNECTION(object));
    if (state == PACTA_CONNECTION_STOPPED) {
        complete(self, g_error_new_literal(PACTA_DESK_ERROR, PACTA_DESK_ERROR_DISCONNECTED,
                                           "Disconnected from the server"));
    } else if (state == PACTA_CONNECTION_CONNECTED) {
        stop_waiting(self);
        self->after_reconnect(self);
    }
}

/* Goes on with step once the connection is back (at once if it is). */
static void when_connected(PactaDocumentTransfer *self, void (*step)(PactaDocumentTransfer *))
{
    self->after_reconnect = step;
    if (self->state_handler)
        return; /* waiting already: the newest step runs when it is back */
    if (pacta_connection_get_state(self->connection) == PACTA_CONNECTION_CONNECTED) {
        step(self);
        return;
    }
    if (pacta_connection_get_state(self->connection) == PACTA_CONNECTION_STOPPED) {
        complete(self, g_error_new_literal(PACTA_DESK_ERROR, PACTA_DESK_ERROR_DISCONNECTED,
                                           "Disconnected from the server"));
        return;
    }
    g_debug("%s: waiting for the connection", self->name);
    self->state_handler =
        g_signal_connect_object(self->connection, "notify::state", G_CALLBACK(on_state), self, 0);
    self->wait_timeout = g_timeout_add_seconds(RECONNECT_WAIT_S, on_wait_timeout, self);
}

static gboolean dropped(const GError *error)
{
    return g_error_matches(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_DISCONNECTED);
}

/* ---- upload ----------------------------------------------------------------------- */

static void begin(PactaDocumentTransfer *self);
static void pump(PactaDocumentTransfer *self);

static void on_finished(GObject *source, GAsyncResult *res, gpointer data)
{
    PactaDocumentTransfer *self = data;
    GError *error = NULL;
    json_t *r = pacta_connection_request_finish(PACTA_CONNECTION(source), res, NULL, &error);
    if (!gone(self)) {
        if (r) {
            self->document = json_incref(json_object_get(r, "document"));
            progress(self, self->size);
            complete(self, NULL);
        } else {
            if (dropped(error))
                g_prefix_error(&error, "The connection dropped while the upload was finishing; "
                                       "look at the documents list before trying again: ");
            complete(self, g_steal_pointer(&error));
        }
    }
    g_clear_error(&error);
    json_decref(r);
    g_object_unref(self);
}

static void finish_upload(PactaDocumentTransfer *self)
{
    json_auto_t *args = json_pack("{s:s}", "upload_id", self->upload_id);
    pacta_connection_request_async(self->connection, "documents.upload.finish", args, NULL,
                                   on_finished, g_object_ref(self));
}

/* After the chunks in flight answered: go on from restart_at, or begin
 * again once the connection is back. */
static void restart_if_idle(PactaDocumentTransfer *self)
{
    if (!self->restart || self->inflight > 0 || self->reading)
        return;
    self->restart = FALSE;
    if (self->rebegin) {
        self->rebegin = FALSE;
        when_connected(self, begin);
        return;
    }
    if (++self->restarts > MAX_RESTARTS) {
        complete(self, g_error_new_literal(PACTA_DESK_ERROR, PACTA_DESK_ERROR_PROTOCOL,
                                           "The server kept refusing the file's chunks"));
        return;
    }
    GError *error = NULL;
    if (!g_seekable_seek(G_SEEKABLE(self->in), self->restart_at, G_SEEK_SET, NULL, &error)) {
        complete(self, error);
        return;
    }
    self->acked = self->next = self->restart_at;
    pump(self);
}

static void on_chunk(GObject *source, GAsyncResult *res, gpointer data)
{
    PactaDocumentTransfer *self = data;
    GError *error = NULL;
    json_t *detail = NULL;
    json_t *r = pacta_connection_request_finish(PACTA_CONNECTION(source), res, &detail, &error);
    self->inflight--;
    if (!gone(self)) {
        if (r) {
            gint64 got = json_integer_value(json_object_get(r, "received"));
            if (got > self->acked)
                self->acked = got;
            progress(self, self->acked);
        } else if (!self->restart) {
            const json_t *rec = json_object_get(detail, "received");
            const char *field = json_string_value(json_object_get(detail, "field"));
            if (dropped(error)) {
                self->restart = self->rebegin = TRUE;
            } else if (json_is_integer(rec) &&
                       (g_error_matches(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_CONFLICT) ||
                        g_strcmp0(field, "sha256") == 0)) {
                self->restart = TRUE; /* another offset, or damaged on the way */
                self->restart_at = json_integer_value(rec);
            } else {
                complete(self, g_steal_pointer(&error));
            }
        }
        if (!self->done) {
            restart_if_idle(self);
            pump(self);
        }
    }
    g_clear_error(&error);
    json_decref(detail);
    json_decref(r);
    g_object_unref(self);
}

/* Sends the chunk just read at self->next. */
static void send_chunk(PactaDocumentTransfer *self, const guint8 *p, gsize n)
{
    g_autofree char *text = g_malloc(PACTA_BASE64_ENCODED_LEN(n) + 1);
    pacta_base64_encode(p, n, text);
    g_autofree char *sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256, p, n);
    json_auto_t *args = json_pack("{s:s, s:I, s:s, s:s}", "upload_id", self->upload_id, "offset",
                                  (json_int_t)self->next, "data", text, "sha256", sha);
    self->next += (gint64)n;
    self->inflight++;
    pacta_connection_request_async(self->connection, "documents.upload.chunk", args, NULL, on_chunk,
                                   g_object_ref(self));
}

static void on_chunk_read(GObject *source, GAsyncResult *res, gpointer data)
{
    PactaDocumentTransfer *self = data;
    GError *error = NULL;
    GBytes *bytes = g_input_stream_read_bytes_finish(G_INPUT_STREAM(source), res, &error);
    self->reading = FALSE;
    if (gone(self)) {
    } else if (!bytes) {
        complete(self, g_steal_pointer(&error));
    } else if (self->restart) { /* refused meanwhile: this read is not needed */
        restart_if_idle(self);
    } else {
        gsize n = 0;
        const guint8 *p = g_bytes_get_data(bytes, &n);
        if ((gint64)n != MIN((gint64)PACTA_DOC_CHUNK_MAX, self->size - self->next)) {
            complete(self, g_error_new_literal(G_IO_ERROR, G_IO_ERROR_FAILED,
                                               "The file changed while it was being sent"));
        } else {
            send_chunk(self, p, n);
            pump(self);
        }
    }
    if (bytes)
        g_bytes_unref(bytes);
    g_clear_error(&error);
    g_object_unref(self);
}

/* Keeps WINDOW chunks in flight; finishes when the server has everything. */
static void pump(PactaDocumentTransfer *self)
{
    /* nothing new while a begin is asked or the connection is awaited: the
     * begin's answer says where to go on from */
    if (self->done || self->restart || self->reading || self->beginning || self->state_handler)
        return;
    if (self->inflight < WINDOW && self->next < self->size) {
        self->reading = TRUE;
        g_input_stream_read_bytes_async(
            self->in, (gsize)MIN((gint64)PACTA_DOC_CHUNK_MAX, self->size - self->next),
            G_PRIORITY_DEFAULT, cancellable_of(self), on_chunk_read, g_object_ref(self));
        return;
    }
    if (self->acked == self->size && self->inflight == 0)
        finish_upload(self);
}

static void on_begun(GObject *source, GAsyncResult *res, gpointer data)
{
    PactaDocumentTransfer *self = data;
    GError *error = NULL;
    json_t *r = pacta_connection_request_finish(PACTA_CONNECTION(source), res, NULL, &error);
    self->beginning = FALSE;
    if (gone(self))
        goto out;
    if (!r) {
        if (dropped(error))
            when_connected(self, begin);
        else
            complete(self, g_steal_pointer(&error));
        goto out;
    }
    g_strlcpy(self->upload_id, json_string_value(json_object_get(r, "upload_id")) ?: "",
              sizeof self->upload_id);
    gint64 received = json_integer_value(json_object_get(r, "received"));
    if (!self->began_once)
        self->resumed_from = received;
    self->began_once = TRUE;
    self->restart = TRUE; /* from the server's received */
    self->restart_at = received;
    progress(self, received);
    restart_if_idle(self);
out:
    g_clear_error(&error);
    json_decref(r);
    g_object_unref(self);
}

static void begin(PactaDocumentTransfer *self)
{
    self->beginning = TRUE;
    json_auto_t *args = json_pack("{s:s, s:s, s:I, s:s}", "contract_id", self->contract_id, "name",
                                  self->name, "size", (json_int_t)self->size, "sha256", self->sha);
    pacta_connection_request_async(self->connection, "documents.upload.begin", args, NULL, on_begun,
                                   g_object_ref(self));
}

/* Reads the whole file once for its size and SHA-256. */
static void on_hash_read(GObject *source, GAsyncResult *res, gpointer data)
{
    PactaDocumentTransfer *self = data;
    GError *error = NULL;
    g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish(G_INPUT_STREAM(source), res, &error);
    if (gone(self))
        goto out;
    if (!bytes) {
        complete(self, g_steal_pointer(&error));
        goto out;
    }
    gsize n = 0;
    const guint8 *p = g_bytes_get_data(bytes, &n);
    if (n > 0) {
        g_checksum_update(self->sum, p, (gssize)n);
        self->size += (gint64)n;
        g_input_stream_read_bytes_async(self->in, HASH_READ, G_PRIORITY_DEFAULT,
                                        cancellable_of(self), on_hash_read, g_object_ref(self));
        goto out;
    }
    if (self->size == 0) {
        complete(self,
                 g_error_new_literal(G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "The file is empty"));
        goto out;
    }
    g_strlcpy(self->sha, g_checksum_get_string(self->sum), sizeof self->sha);
    begin(self);
out:
    g_clear_error(&error);
    g_object_unref(self);
}

static void on_opened(GObject *source, GAsyncResult *res, gpointer data)
{
    PactaDocumentTransfer *self = data;
    GError *error = NULL;
    GFileInputStream *in = g_file_read_finish(G_FILE(source), res, &error);
    if (!gone(self)) {
        if (!in) {
            complete(self, g_steal_pointer(&error));
        } else {
            self->in = G_INPUT_STREAM(in);
            in = NULL;
            self->sum = g_checksum_new(G_CHECKSUM_SHA256);
            g_input_stream_read_bytes_async(self->in, HASH_READ, G_PRIORITY_DEFAULT,
                                            cancellable_of(self), on_hash_read, g_object_ref(self));
        }
    }
    g_clear_object(&in);
    g_clear_error(&error);
    g_object_unref(self);
}

/* ---- download ------------------------------------------------------------------------ */

static void fetch(PactaDocumentTransfer *self);

static void on_moved(GObject *source, GAsyncResult *res, gpointer data)
{
    PactaDocumentTransfer *self = data;
    GError *error = NULL;
    gboolean ok = g_file_move_finish(G_FILE(source), res, &error);
    if (!self->done)
        complete(self, ok ? NULL : g_steal_pointer(&error));
    g_clear_error(&error);
    g_object_unref(self);
}

/* Closed (the bytes are flushed): a rename puts it under its name at once. */
static void on_closed(GObject *source, GAsyncResult *res, gpointer data)
{
    PactaDocumentTransfer *self = data;
    GError *error = NULL;
    gboolean ok = g_output_stream_close_finish(G_OUTPUT_STREAM(source), res, &error);
    g_clear_object(&self->out);
    if (!gone(self)) {
        if (!ok)
            complete(self, g_steal_pointer(&error));
        else
            g_file_move_async(
                self->temp, self->file, G_FILE_COPY_OVERWRITE | G_FILE_COPY_NOFOLLOW_SYMLINKS,
                G_PRIORITY_DEFAULT, cancellable_of(self), NULL, NULL, on_moved, g_object_ref(self));
    }
    g_clear_error(&error);
    g_object_unref(self);
}

static void on_written(GObject *source, GAsyncResult *res, gpointer data)
{
    PactaDocumentTransfer *self = data;
    GError *error = NULL;
    gsize written = 0;
    gboolean ok = g_output_stream_write_all_finish(G_OUTPUT_STREAM(source), res, &written, &error);
    if (gone(self))
        goto out;
    if (!ok) {
        complete(self, g_steal_pointer(&error));
        goto out;
    }
    self->received += (gint64)written;
    progress(self, self->received);
    if (self->received < self->size) {
        fetch(self);
        goto out;
    }
    const char *want = json_string_value(json_object_get(self->document, "sha256"));
    if (self->received != self->size || g_strcmp0(g_checksum_get_string(self->sum), want) != 0) {
        complete(self, g_error_new(PACTA_DESK_ERROR, PACTA_DESK_ERROR_PROTOCOL,
                                   "The download does not match the document (its SHA-256 "
                                   "differs): nothing was saved"));
        goto out;
    }
    g_output_stream_close_async(G_OUTPUT_STREAM(self->out), G_PRIORITY_DEFAULT,
                                cancellable_of(self), on_closed, g_object_ref(self));
out:
    g_clear_error(&error);
    g_object_unref(self);
}

static void on_piece(GObject *source, GAsyncResult *res, gpointer data)
{
    PactaDocumentTransfer *self = data;
    GError *error = NULL;
    json_t *r = pacta_connection_request_finish(PACTA_CONNECTION(source), res, NULL, &error);
    if (gone(self))
        goto out;
    if (!r) {
        if (dropped(error))
            when_connected(self, fetch);
        else
            complete(self, g_steal_pointer(&error));
        goto out;
    }
    const char *text = json_string_value(json_object_get(r, "data"));
    size_t len = text ? strlen(text) : 0, n = 0;
    guint8 *buf = g_malloc(PACTA_BASE64_DECODED_MAX(len) + 1);
    if (!text || json_integer_value(json_object_get(r, "offset")) != self->received ||
        pacta_base64_decode(text, len, buf, PACTA_BASE64_DECODED_MAX(len) + 1, &n) != 0 ||
        (n == 0 && self->received < self->size)) {
        g_free(buf);
        complete(self, g_error_new_literal(PACTA_DESK_ERROR, PACTA_DESK_ERROR_PROTOCOL,
                                           "The server sent a chunk that cannot be read"));
        goto out;
    }
    g_checksum_update(self->sum, buf, (gssize)n);
    /* the buffer lives until the write completes: GBytes owns it */
    GBytes *bytes = g_bytes_new_take(buf, n);
    g_object_set_data_full(G_OBJECT(self), "pending-bytes", bytes, (GDestroyNotify)g_bytes_unref);
    g_output_stream_write_all_async(G_OUTPUT_STREAM(self->out), g_bytes_get_data(bytes, NULL), n,
                                    G_PRIORITY_DEFAULT, cancellable_of(self), on_written,
                                    g_object_ref(self));
out:
    g_clear_error(&error);
    json_decref(r);
    g_object_unref(self);
}

static void fetch(PactaDocumentTransfer *self)
{
    json_auto_t *args =
        json_pack("{s:s, s:I, s:i}", "id", json_string_value(json_object_get(self->document, "id")),
                  "offset", (json_int_t)self->received, "length", PACTA_DOC_DOWNLOAD_DEFAULT);
    pacta_connection_request_async(self->connection, "documents.download", args, NULL, on_piece,
                                   g_object_ref(self));
}

static void on_created(GObject *source, GAsyncResult *res, gpointer data)
{
    PactaDocumentTransfer *self = data;
    GError *error = NULL;
    GFileOutputStream *out = g_file_create_finish(G_FILE(source), res, &error);
    if (!gone(self)) {
        if (!out) {
            complete(self, g_steal_pointer(&error));
        } else {
            self->out = g_steal_pointer(&out);
            self->sum = g_checksum_new(G_CHECKSUM_SHA256);
            if (self->size == 0)
                g_output_stream_close_async(G_OUTPUT_STREAM(self->out), G_PRIORITY_DEFAULT, NULL,
                                            on_closed, g_object_ref(self));
            else
                fetch(self);
        }
    }
    g_clear_object(&out);
    g_clear_error(&error);
    g_object_unref(self);
}

/* DIR/.NAME.part-RANDOM next to the destination (same file system: the
 * final rename is atomic), created exclusively. */
static void start_download(PactaDocumentTransfer *self, GCancellable *cancellable)
{
    g_autoptr(GFile) dir = g_file_get_parent(self->file);
    g_autofree char *base = g_file_get_basename(self->file);
    g_autofree char *tmp_name = g_strdup_printf(".%s.part-%08x", base, g_random_int());
    if (!dir) {
        complete(self, g_error_new_literal(G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                                           "Cannot save to that place"));
        return;
    }
    self->temp = g_file_get_child(dir, tmp_name);
    g_file_create_async(self->temp, G_FILE_CREATE_PRIVATE, G_PRIORITY_DEFAULT, cancellable,
                        on_created, g_object_ref(self));
}

/* ---- run ---------------------------------------------------------------------------- */

void pacta_document_transfer_run_async(PactaDocumentTransfer *self, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data)
{
    g_return_if_fail(self->task == NULL && !self->done);
    self->task = g_task_new(self, cancellable, callback, user_data);
    g_task_set_source_tag(self->task, pacta_document_transfer_run_async);
    if (self->upload)
        g_file_read_async(self->file, G_PRIORITY_DEFAULT, cancellable, on_opened,
                          g_object_ref(self));
    else
        start_download(self, cancellable);
}

gboolean pacta_document_transfer_run_finish(PactaDocumentTransfer *self, GAsyncResult *result,
                                            GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, self), FALSE);
    return g_task_propagate_boolean(G_TASK(result), error);
}
