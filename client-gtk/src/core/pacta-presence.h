/*
 * pacta-desk: PactaPresence, who is editing which contract (PROTOCOL.md
 * §6.15–6.16, ephemeral event presence.updated).
 *
 * It tells the server which contract this desk has open
 * (pacta_presence_set_editing; re-sent after every reconnect), loads
 * presence.list after each "subscribed" and follows presence.updated.
 * While disconnected it knows nothing (everything is cleared).
 *
 * Editors on this desk's own session are not reported back: the server
 * does not tell a connection its session id, so one entry with our
 * username on the contract we have open is taken to be us.
 */
#ifndef PACTA_DESK_PRESENCE_H
#define PACTA_DESK_PRESENCE_H

#include <gio/gio.h>
#include <jansson.h>

#include "pacta-connection.h"

G_BEGIN_DECLS

#define PACTA_TYPE_PRESENCE (pacta_presence_get_type())
G_DECLARE_FINAL_TYPE(PactaPresence, pacta_presence, PACTA, PRESENCE, GObject)

/*
 * Signal "changed": void (*)(PactaPresence *, const char *contract_id, gpointer)
 * after the editors of that contract changed (also when cleared).
 * Property "connection" (construct-only, may be NULL in tests).
 */
PactaPresence *pacta_presence_new(PactaConnection *connection);

/* The contract open in this desk's editor, or NULL when none. */
void pacta_presence_set_editing(PactaPresence *self, const char *contract_id);
const char *pacta_presence_get_editing(PactaPresence *self);

/*
 * Display names of the other people editing contract_id (new
 * NULL-terminated array, never NULL; empty when nobody).
 */
GStrv pacta_presence_get_editors(PactaPresence *self, const char *contract_id);
/* "Ana Pop is editing", "Ana Pop and Bob are editing", "Ana Pop, Bob and
 * 2 others are editing", or NULL when nobody else; newly allocated. */
char *pacta_presence_describe(PactaPresence *self, const char *contract_id);

/* Applies {"contract_id", "editors": [...]} (a presence.updated's data or a
 * presence.list item); tests feed it directly. */
void pacta_presence_apply(PactaPresence *self, const json_t *entry);
/* Our own username (taken from the connection when it logs in; tests set it). */
void pacta_presence_set_username(PactaPresence *self, const char *username);
/* Forgets everything (emits "changed" for each contract that had editors). */
void pacta_presence_clear(PactaPresence *self);

G_END_DECLS

#endif
