/*
 * pacta-desk: PactaExport, one export.contracts run to a local file
 * (PROTOCOL.md §6.31-6.33).
 *
 * It asks the server to make the file (export.progress events are
 * re-emitted as "progress"), then pulls it with export.read one chunk at a
 * time into a temporary file beside the destination, checks the size and
 * SHA-256 the server announced, and only then moves it over the
 * destination: a cancelled, failed or corrupted export never leaves a half
 * file under the chosen name.  Everything is asynchronous (GIO, the
 * connection's requests); nothing blocks the main loop.  Main thread only.
 *
 * A desk runs one export at a time: the first export.progress event that
 * arrives while this export has no id yet is taken as its own (the server
 * sends it at once, before anything else about the export).
 */
#ifndef PACTA_DESK_EXPORT_H
#define PACTA_DESK_EXPORT_H

#include <gio/gio.h>
#include <jansson.h>

#include "pacta-connection.h"

G_BEGIN_DECLS

#define PACTA_TYPE_EXPORT (pacta_export_get_type())
G_DECLARE_FINAL_TYPE(PactaExport, pacta_export, PACTA, EXPORT, GObject)

/*
 * args: the export.contracts arguments ({format, filters?, bom?,
 * contract_id?}, borrowed, copied).  dest: the file to write.
 *
 * Signal "progress": void (*)(PactaExport *, const char *stage, gint64 done,
 * gint64 total, gpointer) — stage "reading" (total -1: not known yet),
 * "writing" (rows), "downloading" (bytes).
 */
PactaExport *pacta_export_new(PactaConnection *connection, const json_t *args, GFile *dest);
/*
 * Runs it.  Cancelling stops it where it is (the server is told with
 * export.cancel, the temporary file removed) and finishes with
 * G_IO_ERROR_CANCELLED.  Errors: PACTA_DESK_ERROR (the server's answer,
 * e.g. too_large) or G_IO_ERROR (the file).
 */
void pacta_export_run_async(PactaExport *self, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data);
gboolean pacta_export_run_finish(PactaExport *self, GAsyncResult *result, GError **error);

/* After a successful run: contracts in the file, its size in bytes. */
gint64 pacta_export_get_rows(PactaExport *self);
gint64 pacta_export_get_size(PactaExport *self);
GFile *pacta_export_get_dest(PactaExport *self);

G_END_DECLS

#endif
