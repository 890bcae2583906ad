/*
 * The SQL of the folded-scripts migration (22; an entry of schema.c's
 * array): the key (pacta/fold.h) folds the case of Greek and Cyrillic
 * letters too, as the desk's own search does: "жук" finds "ЖУК" in `text`,
 * and "Жук" sorts with "жук" by title.  `q` folded their case before
 * (unicode61), except final sigma.
 *
 * What holds keys is written again:
 *  - title_key and counterparty_key of the contracts whose title or
 *    counterparty has a letter of U+0370..U+052F (the others' keys are the
 *    same): a GLOB over the two columns, then pacta_fold;
 *  - contracts_text and contracts_short, which cannot take a row out but by
 *    the tokens it went in with: made anew, as migration 20 made them
 *    (schema_fold_text.h), the notes dropped;
 *  - contracts_fts (pacta_words): rebuilt from its content, as migration 21
 *    did, so that every row's tokens are the new tokenizer's.
 * pacta_fold and the tokenizers must be registered on the migrating
 * connection (schema.c does it).
 */
#ifndef PACTA_SRV_SCHEMA_FOLD_SCRIPTS_H
#define PACTA_SRV_SCHEMA_FOLD_SCRIPTS_H

#include "schema_fold_text.h"

#define SRV_SCHEMA_FOLD_SCRIPTS                                                                    \
    "UPDATE contracts SET title_key = pacta_fold(title),"                                          \
    "  counterparty_key = pacta_fold(counterparty)"                                                \
    "  WHERE title GLOB '*[\u0370-\u052F]*'"                                                       \
    "  OR counterparty GLOB '*[\u0370-\u052F]*';" SRV_SCHEMA_FOLD_TEXT                             \
    "INSERT INTO contracts_fts (contracts_fts) VALUES ('rebuild');"

#endif
