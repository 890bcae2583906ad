/*
 * pacta-desk: the cells of the main window's contract list.  Each column
 * gets a GtkSignalListItemFactory whose cells follow their PactaContract's
 * notify signals (rows update in place when an event arrives), flash while
 * the contract's "highlight" is on and say who changed it; the Title cell
 * also shows "ana is editing" and "changed by bob" pills.  Sorters are
 * custom ones over the C getters (cached collation keys for texts), so
 * GtkSortListModel sorts without widgets and without GValues.
 */
#ifndef PACTA_DESK_CONTRACT_COLUMNS_H
#define PACTA_DESK_CONTRACT_COLUMNS_H

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum {
    PACTA_COLUMN_NUMBER,
    PACTA_COLUMN_TITLE,
    PACTA_COLUMN_COUNTERPARTY,
    PACTA_COLUMN_KIND,
    PACTA_COLUMN_STATUS,
    PACTA_COLUMN_END_DATE,
    PACTA_COLUMN_AMOUNT,
    PACTA_COLUMN_OWNER,
} PactaColumn;

/* Sets the factory and the sorter of `column` for contracts. */
void pacta_contract_column_setup(GtkColumnViewColumn *column, PactaColumn which);
/* The sorter of a column (new reference), e.g. for bench/desk_models.c. */
GtkSorter *pacta_contract_column_sorter(PactaColumn which);

G_END_DECLS

#endif
