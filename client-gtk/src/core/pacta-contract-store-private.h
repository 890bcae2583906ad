/*
 * pacta-desk: PactaContractStore's insides, shared by pacta-contract-store.c
 * (the rows, the changes that reach them, the GObject) and
 * pacta-contract-store-load.c (loading the list page by page, and reading
 * it again when the server's date moves).  Not for other files.
 */
#ifndef PACTA_CONTRACT_STORE_PRIVATE_H
#define PACTA_CONTRACT_STORE_PRIVATE_H

#include "pacta-contract-store.h"

#define PACTA_STORE_PAGE_LIMIT 500

struct _PactaContractStore {
    GObject parent_instance;
    PactaConnection *connection;
    PactaPresence *presence;
    GPtrArray *items;       /* PactaContract, owned, sorted */
    GHashTable *by_id;      /* id -> PactaContract (borrowed from items) */
    GHashTable *tombstones; /* id (owned) -> gint64 version (GINT_TO_POINTER is too small) */
    gboolean loading, loaded;
    gboolean partial; /* the load stopped at max_rows with more on the server */
    guint max_rows;
    GCancellable *load_cancel;
    char *cursor;
    char *today; /* the server's date the rows' derived members were read for */
    /* after the date moved: the derived members read again, in place */
    GCancellable *refresh_cancel;
    char *refresh_cursor, *refresh_today;
    guint load_read; /* rows the last load read */
    guint refreshed; /* rows the refresh has read */
};

/* pacta-contract-store.c: properties, signals and rows */
void pacta_contract_store__set_loading(PactaContractStore *self, gboolean loading, gboolean loaded);
void pacta_contract_store__set_partial(PactaContractStore *self, gboolean partial);
void pacta_contract_store__load_failed(PactaContractStore *self, const GError *error);
/* every row out, tombstones too */
void pacta_contract_store__clear_rows(PactaContractStore *self);

/* pacta-contract-store-load.c (pacta_contract_store_reload is public) */
/* The rows' derived members read again when `today` is not the date they
 * were read for (server.day, a resumed subscription, the end of a load). */
void pacta_contract_store__refresh_for_today(PactaContractStore *self, const char *today);
void pacta_contract_store__stop_loading(PactaContractStore *self);

#endif
