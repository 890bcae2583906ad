/* pacta-desk: every public header of the client core, for the UI. */
#ifndef PACTA_DESK_CORE_H
#define PACTA_DESK_CORE_H

#include "pacta-backoff.h"
#include "pacta-connection.h"
#include "pacta-contract-store.h"
#include "pacta-remote-list.h"
#include "pacta-contract.h"
#include "pacta-error.h"
#include "pacta-list-model.h"
#include "pacta-merge.h"
#include "pacta-peer-list.h"
#include "pacta-presence.h"
#include "pacta-settings.h"

#endif
