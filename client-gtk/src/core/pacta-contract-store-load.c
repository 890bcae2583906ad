/*
 * pacta-desk: PactaContractStore's loading (see pacta-contract-store.h):
 * first the server's count, then the list page by page up to
 * PACTA_DESK_MAX_ROWS, and the rows' derived members read again when the
 * server's date moves.
 */
#define G_LOG_DOMAIN "pacta-store"

#include "pacta-contract-store-private.h"

#include "pacta-error.h"

/* ---- loading --------------------------------------------------------------------- */

static void request_page(PactaContractStore *self);

/* The answer to a request of the load now running: FALSE (nothing to do)
 * when that load was cancelled or replaced since. */
static gboolean load_answer(PactaContractStore *self, GObject *source, GAsyncResult *res,
                            json_t **result, GError **error)
{
    GCancellable *cancel = g_task_get_cancellable(G_TASK(res));
    *result = pacta_connection_request_finish(PACTA_CONNECTION(source), res, NULL, error);
    return !g_cancellable_is_cancelled(cancel) && cancel == self->load_cancel;
}

static void on_page(GObject *source, GAsyncResult *res, gpointer data)
{
    g_autoptr(PactaContractStore) self = data; /* the request's ref, dropped on return */
    g_autoptr(GError) error = NULL;
    json_auto_t *result = NULL;
    if (!load_answer(self, source, res, &result, &error))
        return;
    if (!result) {
        pacta_contract_store__set_loading(self, FALSE, FALSE);
        /* A drop is not a failure: the next subscribe reloads. */
        if (!g_error_matches(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_DISCONNECTED))
            pacta_contract_store__load_failed(self, error);
        return;
    }
    pacta_contract_store_apply_page(self, json_object_get(result, "items"));
    self->load_read += (guint)json_array_size(json_object_get(result, "items"));
    const char *next = json_string_value(json_object_get(result, "next_cursor"));
    g_free(self->cursor);
    self->cursor = g_strdup(next);
    if (next && self->items->len < self->max_rows) {
        request_page(self);
    } else {
        /* Past max_rows the desk keeps what it has: the window lists the
         * server's pages instead (PactaRemoteList). */
        pacta_contract_store__set_partial(self, next != NULL);
        pacta_contract_store__set_loading(self, FALSE, TRUE);
        /* the date may have moved while the pages came */
        pacta_contract_store__refresh_for_today(
            self, pacta_connection_get_server_today(self->connection));
    }
}

static void request_page(PactaContractStore *self)
{
    json_auto_t *args = json_object();
    /* no more than max_rows in all (the last page's next_cursor says
     * whether the server has more) */
    guint room = self->items->len < self->max_rows ? self->max_rows - self->items->len : 1;
    json_object_set_new(args, "limit", json_integer(MIN(PACTA_STORE_PAGE_LIMIT, room)));
    if (self->cursor)
        json_object_set_new(args, "cursor", json_string(self->cursor));
    pacta_connection_request_async(self->connection, "contracts.list", args, self->load_cancel,
                                   on_page, g_object_ref(self));
}

static void on_total(GObject *source, GAsyncResult *res, gpointer data)
{
    g_autoptr(PactaContractStore) self = data; /* the request's ref, dropped on return */
    g_autoptr(GError) error = NULL;
    json_auto_t *result = NULL;
    if (!load_answer(self, source, res, &result, &error))
        return;
    json_t *total = json_object_get(result, "total");
    if (json_is_integer(total) && json_integer_value(total) > (json_int_t)self->max_rows) {
        pacta_contract_store__set_partial(self, TRUE);
        pacta_contract_store__set_loading(self, FALSE, TRUE);
    } else if (result || !g_error_matches(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_DISCONNECTED)) {
        /* few enough, or no count (refused): the pages, up to max_rows */
        request_page(self);
    } else {
        /* a drop: the next subscribe reloads */
        pacta_contract_store__set_loading(self, FALSE, FALSE);
    }
}

static void cancel_refresh(PactaContractStore *self)
{
    if (self->refresh_cancel) {
        g_cancellable_cancel(self->refresh_cancel);
        g_clear_object(&self->refresh_cancel);
    }
    g_clear_pointer(&self->refresh_cursor, g_free);
    g_clear_pointer(&self->refresh_today, g_free);
}

void pacta_contract_store_reload(PactaContractStore *self)
{
    g_return_if_fail(PACTA_IS_CONTRACT_STORE(self));
    if (self->load_cancel) {
        g_cancellable_cancel(self->load_cancel);
        g_clear_object(&self->load_cancel);
    }
    cancel_refresh(self);
    pacta_contract_store__clear_rows(self);
    g_clear_pointer(&self->cursor, g_free);
    if (!self->connection) {
        pacta_contract_store__set_loading(self, FALSE, FALSE);
        return;
    }
    g_free(self->today);
    self->today = g_strdup(pacta_connection_get_server_today(self->connection));
    self->load_cancel = g_cancellable_new();
    self->load_read = 0;
    pacta_contract_store__set_loading(self, TRUE, FALSE);
    /* First how many there are: past max_rows nothing is loaded at all
     * (the window lists the server's pages), which at a million spares
     * the 100,000 rows' 5 s and 130 MB that would go unused. */
    pacta_connection_request_async(self->connection, "stats.dashboard", NULL, self->load_cancel,
                                   on_total, g_object_ref(self));
}

/* ---- the server's date ------------------------------------------------------------ */

/*
 * A record's lifecycle is derived for the server's today (PROTOCOL.md §5),
 * and no change event says when midnight moves a contract from upcoming to
 * active or into its expiring window.  When the server's date is not the
 * one the rows were read for (server.day, or a subscription resumed after
 * a night offline), the list is read again page by page and each row's
 * derived members refreshed in place: no reload, nothing flickers, only
 * the rows whose lifecycle moved are announced.
 */
static void refresh_page(PactaContractStore *self);

/* The next refresh page's size, 0 when done: every page for a whole store;
 * for a partial one no more rows than its load read (PactaRemoteList
 * refreshes the rows it shows). */
static guint refresh_room(PactaContractStore *self)
{
    if (!self->partial)
        return PACTA_STORE_PAGE_LIMIT;
    return self->refreshed < self->load_read
               ? MIN(PACTA_STORE_PAGE_LIMIT, self->load_read - self->refreshed)
               : 0;
}

static void on_refresh_page(GObject *source, GAsyncResult *res, gpointer data)
{
    g_autoptr(PactaContractStore) self = data; /* the request's ref, dropped on return */
    GCancellable *cancel = g_task_get_cancellable(G_TASK(res));
    json_auto_t *result =
        pacta_connection_request_finish(PACTA_CONNECTION(source), res, NULL, NULL);
    if (g_cancellable_is_cancelled(cancel) || cancel != self->refresh_cancel)
        return;
    if (!result) { /* dropped or refused: the next subscribe compares again */
        cancel_refresh(self);
        return;
    }
    size_t i;
    json_t *record;
    json_array_foreach(json_object_get(result, "items"), i, record)
        pacta_contract_store_refresh_derived(self, record);
    const char *next = json_string_value(json_object_get(result, "next_cursor"));
    self->refreshed += (guint)json_array_size(json_object_get(result, "items"));
    if (next && refresh_room(self) > 0) {
        g_free(self->refresh_cursor);
        self->refresh_cursor = g_strdup(next);
        refresh_page(self);
    } else {
        g_free(self->today);
        self->today = g_steal_pointer(&self->refresh_today);
        cancel_refresh(self);
    }
}

static void refresh_page(PactaContractStore *self)
{
    json_auto_t *args = json_object();
    json_object_set_new(args, "limit", json_integer(refresh_room(self)));
    if (self->refresh_cursor)
        json_object_set_new(args, "cursor", json_string(self->refresh_cursor));
    pacta_connection_request_async(self->connection, "contracts.list", args, self->refresh_cancel,
                                   on_refresh_page, g_object_ref(self));
}

void pacta_contract_store__refresh_for_today(PactaContractStore *self, const char *today)
{
    if (!self->loaded || !today || !*today || g_strcmp0(today, self->today) == 0 ||
        (self->refresh_cancel && g_strcmp0(today, self->refresh_today) == 0))
        return;
    cancel_refresh(self);
    self->refreshed = 0;
    if (refresh_room(self) == 0) { /* partial, nothing loaded: nothing to read again */
        g_free(self->today);
        self->today = g_strdup(today);
        return;
    }
    self->refresh_today = g_strdup(today);
    self->refresh_cancel = g_cancellable_new();
    refresh_page(self);
}

/* Whatever load or refresh runs, cancelled (dispose). */
void pacta_contract_store__stop_loading(PactaContractStore *self)
{
    if (self->load_cancel) {
        g_cancellable_cancel(self->load_cancel);
        g_clear_object(&self->load_cancel);
    }
    cancel_refresh(self);
}
