/*
 * The key of pacta/fold.h (libpacta-protocol: lower case, the Latin
 * letters' accents left out, "ß" as "ss"...) in pactad's SQLite:
 * - the sort key of a title or a counterparty (contracts.title_key and
 *   counterparty_key, schema_sort_keys.h), so that "Ávila" sorts with
 *   "Avila" and "avión", not after "zulu";
 * - what contracts.list `text` compares (schema_fold_text.h): "timisoara"
 *   is a substring of the key of "Hooli Timișoara", and contracts_text and
 *   contracts_short (db_short.c) index keys.
 * Rows and both indexes hold keys, so a change to the rules needs a
 * migration that writes every key and both indexes again.
 */
#ifndef PACTA_SRV_DB_FOLD_H
#define PACTA_SRV_DB_FOLD_H

#include <stddef.h>
#include <sqlite3.h>

#include "pacta/fold.h"

/* The SQL function's name: pacta_fold(text) is the key, NULL for NULL;
 * and the collation's: x COLLATE pacta_fold orders texts as their keys do,
 * without making them. */
#define SRV_FOLD_FUNCTION "pacta_fold"

/* pacta_contains(needle, text, ...): 1 when the key of one of the texts
 * (NULLs left out) holds `needle` — which must be a key already, so a
 * statement folds it once — 0 when none does, NULL for a NULL needle.
 * contracts.list `text` is this over number, title and counterparty
 * (db_list.c).  Registered with pacta_fold. */
#define SRV_CONTAINS_FUNCTION "pacta_contains"

/* Registers the functions pacta_fold and pacta_contains (deterministic,
 * innocuous) and the collation on one connection: SQLITE_OK or the error. */
int srv_fold_register(sqlite3 *db);

#endif
