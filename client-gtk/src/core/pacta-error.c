/* pacta-desk: the PACTA_DESK_ERROR domain. */
#include "pacta-error.h"

#include <string.h>

G_DEFINE_QUARK(pacta - desk - error - quark, pacta_desk_error)

PactaDeskError pacta_desk_error_from_code(const char *code)
{
    static const struct {
        const char *name;
        PactaDeskError code;
    } map[] = {
        {"bad_request", PACTA_DESK_ERROR_BAD_REQUEST},
        {"unauthenticated", PACTA_DESK_ERROR_UNAUTHENTICATED},
        {"forbidden", PACTA_DESK_ERROR_FORBIDDEN},
        {"not_found", PACTA_DESK_ERROR_NOT_FOUND},
        {"conflict", PACTA_DESK_ERROR_CONFLICT},
        {"rate_limited", PACTA_DESK_ERROR_RATE_LIMITED},
        {"too_large", PACTA_DESK_ERROR_TOO_LARGE},
        {"unavailable", PACTA_DESK_ERROR_UNAVAILABLE},
        {"internal", PACTA_DESK_ERROR_INTERNAL},
    };
    for (size_t i = 0; code && i < G_N_ELEMENTS(map); i++)
        if (strcmp(code, map[i].name) == 0)
            return map[i].code;
    /* An unknown code from a newer server is still an error the user sees. */
    return PACTA_DESK_ERROR_INTERNAL;
}
