/*
 * Names of error codes, roles and ops, the op -> least-role table, and
 * pacta_error_set().  These strings are the wire vocabulary: changing one
 * breaks every client (PROTOCOL.md lists them all).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const code_names[PACTA_CODE__COUNT] = {
    [PACTA_OK] = "ok",
    [PACTA_BAD_REQUEST] = "bad_request",
    [PACTA_UNAUTHENTICATED] = "unauthenticated",
    [PACTA_FORBIDDEN] = "forbidden",
    [PACTA_NOT_FOUND] = "not_found",
    [PACTA_CONFLICT] = "conflict",
    [PACTA_RATE_LIMITED] = "rate_limited",
    [PACTA_TOO_LARGE] = "too_large",
    [PACTA_UNAVAILABLE] = "unavailable",
    [PACTA_INTERNAL] = "internal",
};

/* An out-of-range code names itself "internal": whatever produced it is a
 * bug on our side, and the wire must only ever carry documented codes. */
const char *pacta_code_name(enum pacta_code code)
{
    if ((int)code < 0 || code >= PACTA_CODE__COUNT)
        return code_names[PACTA_INTERNAL];
    return code_names[code];
}

enum pacta_code pacta_code_from_name(const char *name)
{
    if (name == NULL)
        return PACTA_CODE__COUNT;
    for (int i = 0; i < PACTA_CODE__COUNT; i++)
        if (strcmp(code_names[i], name) == 0)
            return (enum pacta_code)i;
    return PACTA_CODE__COUNT;
}

/* snprintf may cut a client-supplied name inside a UTF-8 sequence; drop the
 * partial sequence at the end (scrub_utf8 then handles any other). */
static void trim_partial_utf8(char *s)
{
    size_t n = strlen(s), i = n;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i == 0 || (unsigned char)s[i - 1] < 0x80)
        return;
    unsigned char lead = (unsigned char)s[i - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    if (n - (i - 1) < need)
        s[i - 1] = '\0';
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is not one:
 * a stray byte, a cut-off sequence, an overlong form, a surrogate or a
 * code point past U+10FFFF (what jansson's json_string() refuses). */
static size_t utf8_seq(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n = c < 0x80                 ? 1
               : c >= 0xC2 && c <= 0xDF ? 2
               : c >= 0xE0 && c <= 0xEF ? 3
               : c >= 0xF0 && c <= 0xF4 ? 4
                                        : 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0) || (c == 0xF0 && s[1] < 0x90) ||
        (c == 0xF4 && s[1] >= 0x90))
        return 0;
    return n;
}

/*
 * Makes an error's text valid UTF-8 in place: a JSON parser's message
 * quotes the bytes near the error, which may be half a character (found by
 * fuzz_dispatch: the log line and the answer lost their text).  Such bytes
 * become '?', so the error can always be sent as JSON and logged.
 */
static void scrub_utf8(char *s)
{
    unsigned char *p = (unsigned char *)s;
    while (*p) {
        size_t n = utf8_seq(p);
        if (n == 0)
            *p++ = '?';
        else
            p += n;
    }
}

int pacta_error_set(struct pacta_error *err, enum pacta_code code, const char *field,
                    const char *fmt, ...)
{
    if (err != NULL) {
        err->code = code;
        snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
        err->message[0] = '\0';
        if (fmt != NULL) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(err->message, sizeof(err->message), fmt, ap);
            va_end(ap);
        }
        trim_partial_utf8(err->field);
        trim_partial_utf8(err->message);
        scrub_utf8(err->field);
        scrub_utf8(err->message);
    }
    return -(int)code;
}

void pacta__fatal_oom(void)
{
    fputs("pacta-protocol: out of memory\n", stderr);
    abort();
}

/* ---- roles --------------------------------------------------------------- */

static const char *const role_names[] = {
    [PACTA_ROLE_NONE] = "none",
    [PACTA_ROLE_VIEWER] = "viewer",
    [PACTA_ROLE_EDITOR] = "editor",
    [PACTA_ROLE_ADMIN] = "admin",
};

const char *pacta_role_name(enum pacta_role role)
{
    if ((int)role < 0 || role > PACTA_ROLE_ADMIN)
        return role_names[PACTA_ROLE_NONE];
    return role_names[role];
}

/* "none" is not a role a user can have, so it maps to NONE like any
 * unknown name. */
enum pacta_role pacta_role_from_name(const char *name)
{
    if (name == NULL)
        return PACTA_ROLE_NONE;
    for (int r = PACTA_ROLE_VIEWER; r <= PACTA_ROLE_ADMIN; r++)
        if (strcmp(role_names[r], name) == 0)
            return (enum pacta_role)r;
    return PACTA_ROLE_NONE;
}

/* ---- ops ----------------------------------------------------------------- */

struct op_def {
    const char *name;
    enum pacta_role min_role;
};

static const struct op_def ops[PACTA_OP__COUNT] = {
    [PACTA_OP_UNKNOWN] = {"", PACTA_ROLE_ADMIN},
    [PACTA_OP_AUTH_LOGIN] = {"auth.login", PACTA_ROLE_NONE},
    [PACTA_OP_AUTH_RESUME] = {"auth.resume", PACTA_ROLE_NONE},
    [PACTA_OP_AUTH_LOGOUT] = {"auth.logout", PACTA_ROLE_VIEWER},
    [PACTA_OP_CONTRACTS_LIST] = {"contracts.list", PACTA_ROLE_VIEWER},
    [PACTA_OP_CONTRACTS_GET] = {"contracts.get", PACTA_ROLE_VIEWER},
    [PACTA_OP_CONTRACTS_CREATE] = {"contracts.create", PACTA_ROLE_EDITOR},
    [PACTA_OP_CONTRACTS_UPDATE] = {"contracts.update", PACTA_ROLE_EDITOR},
    [PACTA_OP_CONTRACTS_DELETE] = {"contracts.delete", PACTA_ROLE_EDITOR},
    [PACTA_OP_SUPPLEMENTS_LIST] = {"supplements.list", PACTA_ROLE_VIEWER},
    [PACTA_OP_SUBSCRIBE] = {"subscribe", PACTA_ROLE_VIEWER},
    [PACTA_OP_UNSUBSCRIBE] = {"unsubscribe", PACTA_ROLE_VIEWER},
    [PACTA_OP_USERS_CREATE] = {"users.create", PACTA_ROLE_ADMIN},
    [PACTA_OP_USERS_LIST] = {"users.list", PACTA_ROLE_ADMIN},
    [PACTA_OP_PING] = {"ping", PACTA_ROLE_VIEWER},
    [PACTA_OP_PRESENCE_SET] = {"presence.set", PACTA_ROLE_VIEWER},
    [PACTA_OP_PRESENCE_LIST] = {"presence.list", PACTA_ROLE_VIEWER},
    [PACTA_OP_ADMIN_CONNS_LIST] = {"admin.connections.list", PACTA_ROLE_ADMIN},
    [PACTA_OP_ADMIN_CONNS_WATCH] = {"admin.connections.watch", PACTA_ROLE_ADMIN},
    [PACTA_OP_ADMIN_KICK] = {"admin.kick", PACTA_ROLE_ADMIN},
    [PACTA_OP_ADMIN_STATS] = {"admin.stats", PACTA_ROLE_ADMIN},
    [PACTA_OP_NOTIFICATIONS_LIST] = {"notifications.list", PACTA_ROLE_VIEWER},
    [PACTA_OP_NOTIFICATIONS_MARK_READ] = {"notifications.mark_read", PACTA_ROLE_VIEWER},
    [PACTA_OP_USERS_PREFERENCES] = {"users.preferences", PACTA_ROLE_VIEWER},
    [PACTA_OP_CONTRACTS_EXPIRING] = {"contracts.expiring", PACTA_ROLE_VIEWER},
    [PACTA_OP_ADMIN_CLOCK_SET] = {"admin.clock.set", PACTA_ROLE_ADMIN},
    [PACTA_OP_USERS_UPDATE] = {"users.update", PACTA_ROLE_ADMIN},
    [PACTA_OP_BACKUPS_CREATE] = {"backups.create", PACTA_ROLE_ADMIN},
    [PACTA_OP_BACKUPS_LIST] = {"backups.list", PACTA_ROLE_ADMIN},
    [PACTA_OP_BACKUPS_VERIFY] = {"backups.verify", PACTA_ROLE_ADMIN},
    [PACTA_OP_BACKUPS_RESTORE] = {"backups.restore", PACTA_ROLE_ADMIN},
    [PACTA_OP_EXPORT_CONTRACTS] = {"export.contracts", PACTA_ROLE_VIEWER},
    [PACTA_OP_EXPORT_READ] = {"export.read", PACTA_ROLE_VIEWER},
    [PACTA_OP_EXPORT_CANCEL] = {"export.cancel", PACTA_ROLE_VIEWER},
    [PACTA_OP_STATS_DASHBOARD] = {"stats.dashboard", PACTA_ROLE_VIEWER},
    [PACTA_OP_DASHBOARD_WATCH] = {"dashboard.watch", PACTA_ROLE_VIEWER},
    [PACTA_OP_DOCUMENTS_UPLOAD_BEGIN] = {"documents.upload.begin", PACTA_ROLE_EDITOR},
    [PACTA_OP_DOCUMENTS_UPLOAD_CHUNK] = {"documents.upload.chunk", PACTA_ROLE_EDITOR},
    [PACTA_OP_DOCUMENTS_UPLOAD_FINISH] = {"documents.upload.finish", PACTA_ROLE_EDITOR},
    [PACTA_OP_DOCUMENTS_LIST] = {"documents.list", PACTA_ROLE_VIEWER},
    [PACTA_OP_DOCUMENTS_GET] = {"documents.get", PACTA_ROLE_VIEWER},
    [PACTA_OP_DOCUMENTS_DOWNLOAD] = {"documents.download", PACTA_ROLE_VIEWER},
    [PACTA_OP_DOCUMENTS_DELETE] = {"documents.delete", PACTA_ROLE_EDITOR},
    [PACTA_OP_VIEWS_SAVE] = {"views.save", PACTA_ROLE_VIEWER},
    [PACTA_OP_VIEWS_LIST] = {"views.list", PACTA_ROLE_VIEWER},
    [PACTA_OP_VIEWS_DELETE] = {"views.delete", PACTA_ROLE_VIEWER},
};

/* PACTA_OP_UNKNOWN is named "" so it can never match a client's op. */
const char *pacta_op_name(enum pacta_op op)
{
    if ((int)op <= 0 || op >= PACTA_OP__COUNT)
        return "";
    return ops[op].name;
}

enum pacta_op pacta_op_from_name(const char *name)
{
    if (name == NULL)
        return PACTA_OP_UNKNOWN;
    for (int i = 1; i < PACTA_OP__COUNT; i++)
        if (strcmp(ops[i].name, name) == 0)
            return (enum pacta_op)i;
    return PACTA_OP_UNKNOWN;
}

/* An unknown op needs the highest role, so a caller that forgets to reject
 * it first still fails closed. */
enum pacta_role pacta_op_min_role(enum pacta_op op)
{
    if ((int)op <= 0 || op >= PACTA_OP__COUNT)
        return PACTA_ROLE_ADMIN;
    return ops[op].min_role;
}
