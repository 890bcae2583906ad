/*
 * pacta-desk: rows of the editor's amendment history (supplements.list
 * items, PROTOCOL.md §6.9), newest first.  Kept apart from pacta-editor.c
 * so that file stays readable.
 */
#ifndef PACTA_DESK_EDITOR_HISTORY_H
#define PACTA_DESK_EDITOR_HISTORY_H

#include <adwaita.h>
#include <jansson.h>

G_BEGIN_DECLS

/* Appends one AdwActionRow per supplement to `list` (or a placeholder row
 * when there are none); returns the number of supplements. */
guint pacta_editor_history_fill(GtkListBox *list, const json_t *items);

G_END_DECLS

#endif
