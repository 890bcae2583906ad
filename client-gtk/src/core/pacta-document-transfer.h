/*
 * pacta-desk: PactaDocumentTransfer, one document going up or down
 * (PROTOCOL.md §6.34-6.41).
 *
 * Upload: reads the file once to learn its size and SHA-256, begins the
 * upload (the server answers how much it already has: an interrupted
 * upload of the same file resumes), sends 32 KiB checksummed chunks with a
 * few in flight, and finishes.  A chunk the server refuses (another offset,
 * damaged on the way) makes it go on from what the server has; when the
 * connection drops it waits for the connection to come back and begins
 * again, so a dropped network costs only the chunks in flight.
 *
 * Download: pulls the content chunk by chunk (documents.download) into a
 * temporary file beside the destination (GIO's replace), checks the size
 * and SHA-256 of the document, and only then replaces the destination; a
 * cancelled, failed or damaged download never leaves a half file under
 * its name.  A dropped connection is waited out the same way.
 *
 * Everything is asynchronous (GIO, the connection's requests); nothing
 * blocks the main loop.  Main thread only.
 *
 * Signal "progress": void (*)(PactaDocumentTransfer *, gint64 done,
 * gint64 total, gpointer) — bytes the server acknowledged (upload) or
 * received (download).
 */
#ifndef PACTA_DESK_DOCUMENT_TRANSFER_H
#define PACTA_DESK_DOCUMENT_TRANSFER_H

#include <gio/gio.h>
#include <jansson.h>

#include "pacta-connection.h"

G_BEGIN_DECLS

#define PACTA_TYPE_DOCUMENT_TRANSFER (pacta_document_transfer_get_type())
G_DECLARE_FINAL_TYPE(PactaDocumentTransfer, pacta_document_transfer, PACTA, DOCUMENT_TRANSFER,
                     GObject)

/* Attaches `file` to the contract, named `name` (NULL: the file's name). */
PactaDocumentTransfer *pacta_document_transfer_new_upload(PactaConnection *connection,
                                                          const char *contract_id, GFile *file,
                                                          const char *name);
/* Saves the document (a Document record, borrowed, copied) as `dest`. */
PactaDocumentTransfer *pacta_document_transfer_new_download(PactaConnection *connection,
                                                            const json_t *document, GFile *dest);

/*
 * Runs it.  Errors: PACTA_DESK_ERROR (the server's answer: too_large,
 * bad_request "mime", forbidden...; _DISCONNECTED when the connection did
 * not come back in time), G_IO_ERROR (the local file; _CANCELLED when
 * cancelled).
 */
void pacta_document_transfer_run_async(PactaDocumentTransfer *self, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
gboolean pacta_document_transfer_run_finish(PactaDocumentTransfer *self, GAsyncResult *result,
                                            GError **error);

gboolean pacta_document_transfer_is_upload(PactaDocumentTransfer *self);
/* The name shown for it (the document's name). */
const char *pacta_document_transfer_get_name(PactaDocumentTransfer *self);
/* After a successful upload: the Document the server attached (borrowed). */
const json_t *pacta_document_transfer_get_document(PactaDocumentTransfer *self);
/* Bytes the server already had when the upload began (0 for a new one). */
gint64 pacta_document_transfer_get_resumed_from(PactaDocumentTransfer *self);

G_END_DECLS

#endif
