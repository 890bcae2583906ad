/*
 * pacta-desk: the GError domain of the desk client's core.
 *
 * Server error responses map one to one onto the first codes (same names as
 * PROTOCOL.md §11); the others are failures seen on the client side.  The
 * message of a server error is the server's human-readable "message".
 */
#ifndef PACTA_DESK_ERROR_H
#define PACTA_DESK_ERROR_H

#include <glib.h>

G_BEGIN_DECLS

#define PACTA_DESK_ERROR (pacta_desk_error_quark())
GQuark pacta_desk_error_quark(void);

typedef enum {
    PACTA_DESK_ERROR_BAD_REQUEST = 1, /* "bad_request" */
    PACTA_DESK_ERROR_UNAUTHENTICATED, /* "unauthenticated" */
    PACTA_DESK_ERROR_FORBIDDEN,       /* "forbidden" */
    PACTA_DESK_ERROR_NOT_FOUND,       /* "not_found" */
    PACTA_DESK_ERROR_CONFLICT,        /* "conflict" */
    PACTA_DESK_ERROR_RATE_LIMITED,    /* "rate_limited" */
    PACTA_DESK_ERROR_TOO_LARGE,       /* "too_large" */
    PACTA_DESK_ERROR_UNAVAILABLE,     /* "unavailable" */
    PACTA_DESK_ERROR_INTERNAL,        /* "internal" or an unknown server code */
    /* Client side: */
    PACTA_DESK_ERROR_DISCONNECTED = 100, /* not connected, or the connection dropped
                                            before the answer came (a write may or may
                                            not have been applied: the event tells) */
    PACTA_DESK_ERROR_CONNECT,            /* could not connect (DNS, TCP, TLS, upgrade) */
    PACTA_DESK_ERROR_PROTOCOL,           /* the server sent something we cannot parse */
    PACTA_DESK_ERROR_INVALID,            /* client-side validation refused a value */
    PACTA_DESK_ERROR_SESSION_ENDED,      /* close 4001: log in again */
    PACTA_DESK_ERROR_KICKED,             /* close 4002: disconnected by an administrator */
} PactaDeskError;

/* The PactaDeskError of a wire error code ("conflict" -> ..._CONFLICT). */
PactaDeskError pacta_desk_error_from_code(const char *code);

G_END_DECLS

#endif
