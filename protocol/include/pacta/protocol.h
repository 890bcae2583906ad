/*
 * libpacta-protocol: the pacta.v1 wire protocol as C.
 *
 * This library does no I/O and knows nothing of libwebsockets, SQLite or GTK.
 * It turns one JSON text frame into a validated request (and its typed
 * arguments), and turns results, errors and events back into frames.
 * protocol/PROTOCOL.md is the normative description of everything here.
 *
 * Ownership: functions that return `char *` return malloc'd NUL-terminated
 * text the caller frees with free().  Arguments named `*_steal` take over the
 * caller's reference (like json_object_set_new); everything else is borrowed.
 * Decoded argument structs borrow their `const char *` fields from the
 * request's JSON and are valid while the request is; their `json_t *` fields
 * are new references released by the matching pacta_*_args_clear().
 */
#ifndef PACTA_PROTOCOL_H
#define PACTA_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PACTA_SUBPROTOCOL "pacta.v1"
/* Largest message (request or response frame) accepted, in bytes. */
#define PACTA_MAX_MESSAGE_BYTES (64 * 1024)
/* contracts.list page size: default and maximum. */
#define PACTA_LIST_DEFAULT_LIMIT 50
#define PACTA_LIST_MAX_LIMIT 500

/* ---- error codes (the "code" string of an error response) -------------- */
enum pacta_code {
    PACTA_OK = 0,
    PACTA_BAD_REQUEST,     /* "bad_request": malformed frame or invalid field */
    PACTA_UNAUTHENTICATED, /* "unauthenticated": login first / bad credentials */
    PACTA_FORBIDDEN,       /* "forbidden": role does not allow the op */
    PACTA_NOT_FOUND,       /* "not_found" */
    PACTA_CONFLICT,        /* "conflict": stale version or unique value taken */
    PACTA_RATE_LIMITED,    /* "rate_limited" */
    PACTA_TOO_LARGE,       /* "too_large" */
    PACTA_UNAVAILABLE,     /* "unavailable": shutting down, disk full, ... */
    PACTA_INTERNAL,        /* "internal" */
    PACTA_CODE__COUNT
};
const char *pacta_code_name(enum pacta_code code);
/* Returns PACTA_CODE__COUNT for an unknown name. */
enum pacta_code pacta_code_from_name(const char *name);

/* ---- websocket close codes -------------------------------------------- */
enum pacta_close {
    PACTA_CLOSE_NORMAL = 1000,
    PACTA_CLOSE_GOING_AWAY = 1001,      /* server shutting down */
    PACTA_CLOSE_PROTOCOL_ERROR = 1002,  /* bad framing */
    PACTA_CLOSE_UNSUPPORTED = 1003,     /* binary frame */
    PACTA_CLOSE_INVALID_PAYLOAD = 1007, /* text frame that is not UTF-8 */
    PACTA_CLOSE_POLICY = 1008,          /* not authenticated in time */
    PACTA_CLOSE_TOO_BIG = 1009,         /* message over PACTA_MAX_MESSAGE_BYTES */
    PACTA_CLOSE_INTERNAL = 1011,
    PACTA_CLOSE_SLOW_CONSUMER = 4000, /* outbound queue overflowed: resubscribe */
    PACTA_CLOSE_SESSION_ENDED = 4001, /* token logged out or revoked */
    PACTA_CLOSE_KICKED = 4002,        /* disconnected by an administrator */
};

/* An error with the field it concerns ("" if none) and a human message. */
struct pacta_error {
    enum pacta_code code;
    char field[64];
    char message[256];
};
/* Sets *err (if err is not NULL) and returns -(int)code, so validators can
 * `return pacta_error_set(err, PACTA_BAD_REQUEST, "title", "too long");` */
int pacta_error_set(struct pacta_error *err, enum pacta_code code, const char *field,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- roles ------------------------------------------------------------ */
enum pacta_role { PACTA_ROLE_NONE = 0, PACTA_ROLE_VIEWER, PACTA_ROLE_EDITOR, PACTA_ROLE_ADMIN };
const char *pacta_role_name(enum pacta_role role);
enum pacta_role pacta_role_from_name(const char *name); /* NONE if unknown */

/* ---- operations ------------------------------------------------------- */
enum pacta_op {
    PACTA_OP_UNKNOWN = 0,
    PACTA_OP_AUTH_LOGIN,              /* auth.login */
    PACTA_OP_AUTH_RESUME,             /* auth.resume */
    PACTA_OP_AUTH_LOGOUT,             /* auth.logout */
    PACTA_OP_CONTRACTS_LIST,          /* contracts.list */
    PACTA_OP_CONTRACTS_GET,           /* contracts.get */
    PACTA_OP_CONTRACTS_CREATE,        /* contracts.create */
    PACTA_OP_CONTRACTS_UPDATE,        /* contracts.update */
    PACTA_OP_CONTRACTS_DELETE,        /* contracts.delete */
    PACTA_OP_SUPPLEMENTS_LIST,        /* supplements.list */
    PACTA_OP_SUBSCRIBE,               /* subscribe */
    PACTA_OP_UNSUBSCRIBE,             /* unsubscribe */
    PACTA_OP_USERS_CREATE,            /* users.create (admin) */
    PACTA_OP_USERS_LIST,              /* users.list (admin) */
    PACTA_OP_PING,                    /* ping */
    PACTA_OP_PRESENCE_SET,            /* presence.set */
    PACTA_OP_PRESENCE_LIST,           /* presence.list */
    PACTA_OP_ADMIN_CONNS_LIST,        /* admin.connections.list (admin) */
    PACTA_OP_ADMIN_CONNS_WATCH,       /* admin.connections.watch (admin) */
    PACTA_OP_ADMIN_KICK,              /* admin.kick (admin) */
    PACTA_OP_ADMIN_STATS,             /* admin.stats (admin) */
    PACTA_OP_NOTIFICATIONS_LIST,      /* notifications.list */
    PACTA_OP_NOTIFICATIONS_MARK_READ, /* notifications.mark_read */
    PACTA_OP_USERS_PREFERENCES,       /* users.preferences (own preferences) */
    PACTA_OP_CONTRACTS_EXPIRING,      /* contracts.expiring */
    PACTA_OP_ADMIN_CLOCK_SET,         /* admin.clock.set (admin; test servers only) */
    PACTA_OP_USERS_UPDATE,            /* users.update (admin) */
    PACTA_OP_BACKUPS_CREATE,          /* backups.create (admin) */
    PACTA_OP_BACKUPS_LIST,            /* backups.list (admin) */
    PACTA_OP_BACKUPS_VERIFY,          /* backups.verify (admin) */
    PACTA_OP_BACKUPS_RESTORE,         /* backups.restore (admin) */
    PACTA_OP_EXPORT_CONTRACTS,        /* export.contracts */
    PACTA_OP_EXPORT_READ,             /* export.read */
    PACTA_OP_EXPORT_CANCEL,           /* export.cancel */
    PACTA_OP_STATS_DASHBOARD,         /* stats.dashboard (pacta/dashboard.h) */
    PACTA_OP_DASHBOARD_WATCH,         /* dashboard.watch */
    PACTA_OP_DOCUMENTS_UPLOAD_BEGIN,  /* documents.upload.begin (editor; pacta/documents.h) */
    PACTA_OP_DOCUMENTS_UPLOAD_CHUNK,  /* documents.upload.chunk (editor) */
    PACTA_OP_DOCUMENTS_UPLOAD_FINISH, /* documents.upload.finish (editor) */
    PACTA_OP_DOCUMENTS_LIST,          /* documents.list */
    PACTA_OP_DOCUMENTS_GET,           /* documents.get */
    PACTA_OP_DOCUMENTS_DOWNLOAD,      /* documents.download */
    PACTA_OP_DOCUMENTS_DELETE,        /* documents.delete (editor) */
    PACTA_OP_VIEWS_SAVE,              /* views.save (own saved views) */
    PACTA_OP_VIEWS_LIST,              /* views.list */
    PACTA_OP_VIEWS_DELETE,            /* views.delete */
    PACTA_OP__COUNT
};
const char *pacta_op_name(enum pacta_op op);
enum pacta_op pacta_op_from_name(const char *name); /* UNKNOWN if unknown */
/* Least role allowed to run the op; PACTA_ROLE_NONE means "before login". */
enum pacta_role pacta_op_min_role(enum pacta_op op);

/* ---- request frame ---------------------------------------------------- */
struct pacta_request {
    json_t *root;     /* the parsed frame (owned) */
    json_t *id;       /* borrowed from root: integer or string; NULL if absent */
    enum pacta_op op; /* PACTA_OP_UNKNOWN never returned with 0 */
    const char *op_name;
    json_t *args; /* borrowed from root; an empty object if "args" absent */
};
/*
 * Parses and checks the envelope of one request frame: a JSON object with
 * "id" (integer 0..2^53-1 or string of 1..64 chars), "op" (a known op name),
 * "args" (object, optional).  On failure returns < 0 with *err set (unknown
 * op -> bad_request with field "op"), and req->id set to a new reference of
 * the id if one could be read (so the error response can echo it); call
 * pacta_request_clear() in both cases.
 */
int pacta_request_parse(const char *buf, size_t len, struct pacta_request *req,
                        struct pacta_error *err);
void pacta_request_clear(struct pacta_request *req);

/* ---- encoders --------------------------------------------------------- */
/* {"id":id,"ok":true,"result":result}; NULL result encodes as {}. */
char *pacta_encode_ok(const json_t *id, json_t *result_steal, size_t *len);
/*
 * {"id":id,"ok":false,"error":{"code":..,"message":..,"field"?:..,...}};
 * members of extra_steal (an object, may be NULL) are merged into "error",
 * e.g. {"current": {...}} for a conflict.  NULL id encodes as null.
 */
char *pacta_encode_error(const json_t *id, const struct pacta_error *err, json_t *extra_steal,
                         size_t *len);
/* {"event":name,"seq":seq,"data":data}; seq <= 0 means ephemeral: no "seq". */
char *pacta_encode_event(const char *event, int64_t seq, json_t *data_steal, size_t *len);

/* Event names. */
#define PACTA_EV_CONTRACT_CREATED "contract.created"
#define PACTA_EV_CONTRACT_UPDATED "contract.updated"
#define PACTA_EV_CONTRACT_DELETED "contract.deleted"
/* Raised by the server's expiry scheduler (actor "system"). */
#define PACTA_EV_CONTRACT_EXPIRING "contract.expiring"
#define PACTA_EV_CONTRACT_NOTICE_DUE "contract.notice_due"
#define PACTA_EV_CONTRACT_EXPIRED "contract.expired"
#define PACTA_EV_CONTRACT_RENEWED "contract.renewed"
#define PACTA_EV_NOTIFICATION_DIGEST "notification.digest"
/* Ephemeral (no seq, never replayed). */
#define PACTA_EV_PRESENCE_UPDATED "presence.updated"
#define PACTA_EV_ADMIN_CONN_OPENED "admin.connection.opened"
#define PACTA_EV_ADMIN_CONN_UPDATED "admin.connection.updated"
#define PACTA_EV_ADMIN_CONN_CLOSED "admin.connection.closed"
#define PACTA_EV_EXPORT_PROGRESS "export.progress"
#define PACTA_EV_DASHBOARD_UPDATED "dashboard.updated" /* ephemeral, dashboard.watch */
#define PACTA_EV_SERVER_DAY "server.day"               /* ephemeral, every subscriber */

/* ---- value validators (return 1 if valid) ------------------------------ */
int pacta_valid_date(const char *s);     /* YYYY-MM-DD, a real calendar day, 1900..9999 */
int pacta_valid_uuid(const char *s);     /* canonical lowercase 8-4-4-4-12 hex */
int pacta_valid_currency(const char *s); /* an active ISO 4217 alphabetic code, e.g. "EUR" */
/* Decimal digits of the currency's minor unit, the unit of amount_cents: 2
 * for most, 0 for JPY, 3 for BHD, 4 for CLF; 2 for an unknown code. */
int pacta_currency_digits(const char *currency);
int pacta_valid_username(const char *s); /* 1..64 of [a-z0-9._-], starting alphanumeric */
/* Writes a UUIDv7 (canonical lowercase) from a Unix time in ms and 10
 * caller-supplied random bytes (the library does no I/O). */
void pacta_uuid_v7(char out[37], uint64_t unix_ms, const uint8_t random10[10]);

/* ---- contracts -------------------------------------------------------- */
/*
 * The client-writable contract fields, in wire order:
 *   number (text 1..64, required, unique), title (1..200, required),
 *   counterparty (1..200, required), kind ("client"|"supplier", required),
 *   status ("draft"|"active"|"expired"|"terminated", default "draft"),
 *   sign_date, start_date, end_date (date or null, default null),
 *   amount_cents (integer 0..10^15, default 0), currency (ISO 4217, required),
 *   owner (username, default: the creating user), description (0..10000,
 *   default ""), notice_days (integer 0..3650, default 0),
 *   renewal ("none"|"auto"|"evergreen", default "none").
 * Server-managed (read-only to clients): id (a client may choose it on
 * create), version, created_at, updated_at, updated_by, deleted_at.
 */
enum pacta_field_type {
    PACTA_FT_TEXT,
    PACTA_FT_DATE,
    PACTA_FT_INT,
    PACTA_FT_ENUM,
    PACTA_FT_CURRENCY,
    PACTA_FT_USERNAME,
};
#define PACTA_FF_REQUIRED 0x1  /* must be given on create */
#define PACTA_FF_NULLABLE 0x2  /* null is a valid value */
#define PACTA_FF_MULTILINE 0x4 /* text: \n and \t allowed (other controls never) */
struct pacta_field_def {
    const char *name;
    enum pacta_field_type type;
    unsigned flags;
    int64_t min, max;          /* text: length in code points; int: value range */
    const char *const *values; /* enum: NULL-terminated allowed values */
};
/* Terminated by an entry with name == NULL. */
extern const struct pacta_field_def pacta_contract_fields[];
const struct pacta_field_def *pacta_contract_field(const char *name);

/* Validates one field value against its definition (field name in err). */
int pacta_field_validate(const struct pacta_field_def *def, const json_t *value,
                         struct pacta_error *err);
/*
 * Checks what must hold across fields of a whole record (start_date <=
 * end_date when both are set).  The server calls it on the merged record.
 */
int pacta_contract_check(const json_t *contract, struct pacta_error *err);

/* ---- typed arguments of each op --------------------------------------- */
struct pacta_login_args {
    const char *username, *password;
    const char *client; /* optional free text "pactactl/0.1", NULL if absent */
};
int pacta_decode_login(const json_t *args, struct pacta_login_args *out, struct pacta_error *err);

struct pacta_resume_args {
    const char *token;
    const char *client; /* optional, as in auth.login: a reconnect keeps its name */
};
int pacta_decode_resume(const json_t *args, struct pacta_resume_args *out, struct pacta_error *err);

/* contracts.list sort keys (list_args.c; wire names in pacta_list_sort_name). */
enum pacta_list_sort {
    PACTA_SORT_DEFAULT = 0, /* not given: number, or relevance with q */
    PACTA_SORT_NUMBER,
    PACTA_SORT_TITLE,
    PACTA_SORT_COUNTERPARTY,
    PACTA_SORT_END_DATE,
    PACTA_SORT_START_DATE,
    PACTA_SORT_SIGN_DATE,
    PACTA_SORT_AMOUNT,
    PACTA_SORT_UPDATED_AT,
    PACTA_SORT_RELEVANCE, /* only with q */
    PACTA_SORT__COUNT
};
struct pacta_list_args {
    const char *status, *kind, *owner; /* NULL = any */
    const char *text;                  /* substring of number/title/counterparty */
    int limit;                         /* 1..PACTA_LIST_MAX_LIMIT */
    const char *cursor;                /* opaque, from a previous next_cursor */
    int include_deleted;
    const char *q; /* full-text words, prefix-matched, ranked (§6.4) */
    /* filters and sort of issue 7 (list_args.c); NULL / 0 = not given */
    const char *lifecycle; /* a PACTA_LIFECYCLE_* value */
    const char *currency;
    const char *sign_from, *sign_to, *start_from, *start_to, *end_from, *end_to; /* inclusive */
    int has_amount_min, has_amount_max; /* amounts need currency */
    int64_t amount_min, amount_max;     /* cents, inclusive */
    enum pacta_list_sort sort;
    int desc; /* "order": "desc" */
};
/* contracts.list {filters..., sort?, order?, limit?, cursor?} (PROTOCOL.md §6.4). */
int pacta_decode_list(const json_t *args, struct pacta_list_args *out, struct pacta_error *err);

/* contracts.get {id}, supplements.list {contract_id} */
struct pacta_id_args {
    const char *id;
};
int pacta_decode_get(const json_t *args, struct pacta_id_args *out, struct pacta_error *err);
/* supplements.list {contract_id, cursor?, limit?}: oldest first, a page at
 * a time (a contract's history can be megabytes: each edit of a long
 * description keeps both texts). */
#define PACTA_SUPPLEMENTS_DEFAULT_LIMIT 100
struct pacta_supplements_list_args {
    const char *contract_id;
    int64_t after; /* 0: from the oldest; else supplement ids above it */
    int limit;     /* 1..PACTA_LIST_MAX_LIMIT, default PACTA_SUPPLEMENTS_DEFAULT_LIMIT */
};
int pacta_decode_supplements_list(const json_t *args, struct pacta_supplements_list_args *out,
                                  struct pacta_error *err);

struct pacta_create_args {
    /* New reference: a validated object holding every writable field, with
     * defaults filled in (owner is null when not given: the server puts the
     * creating user), plus "id" if the client chose one. Unknown or
     * server-managed fields are bad_request. */
    json_t *contract;
};
int pacta_decode_create(const json_t *args, struct pacta_create_args *out, struct pacta_error *err);
void pacta_create_args_clear(struct pacta_create_args *a);

struct pacta_update_args {
    const char *id;
    int64_t version;    /* >= 1 */
    json_t *changes;    /* new reference: validated, non-empty, writable fields only */
    const char *reason; /* NULL if absent; 1..500 chars when given */
};
int pacta_decode_update(const json_t *args, struct pacta_update_args *out, struct pacta_error *err);
void pacta_update_args_clear(struct pacta_update_args *a);
/* pacta_decode_update's verdict (and error) without copying anything: for a
 * caller that keeps args itself (pactad hands the request's args to its
 * writer as they are) */
int pacta_check_update(const json_t *args, struct pacta_error *err);

struct pacta_delete_args {
    const char *id;
    int64_t version;
    const char *reason; /* optional */
};
int pacta_decode_delete(const json_t *args, struct pacta_delete_args *out, struct pacta_error *err);

struct pacta_subscribe_args {
    int64_t since; /* 0 if absent: only live events after the current head */
    int has_since;
};
int pacta_decode_subscribe(const json_t *args, struct pacta_subscribe_args *out,
                           struct pacta_error *err);

/* For ops without arguments (auth.logout, unsubscribe, users.list, ping):
 * any member of args is bad_request "unknown field". */
int pacta_decode_empty(const json_t *args, struct pacta_error *err);

/* presence.set {contract_id: uuid | null} */
struct pacta_presence_args {
    const char *contract_id; /* NULL: editing nothing */
};
int pacta_decode_presence_set(const json_t *args, struct pacta_presence_args *out,
                              struct pacta_error *err);

/* admin.connections.watch {on} */
int pacta_decode_admin_watch(const json_t *args, int *on, struct pacta_error *err);
/* admin.kick {session} */
int pacta_decode_admin_kick(const json_t *args, int64_t *session, struct pacta_error *err);

struct pacta_user_create_args {
    const char *username, *password; /* password 8..1024 bytes */
    const char *display_name;        /* NULL if absent: defaults to username */
    enum pacta_role role;
};
int pacta_decode_user_create(const json_t *args, struct pacta_user_create_args *out,
                             struct pacta_error *err);

/* users.update {username, role?, disabled?, display_name?, password?}: at
 * least one change. */
struct pacta_user_update_args {
    const char *username;
    enum pacta_role role;                /* NONE: unchanged */
    int disabled;                        /* -1: unchanged, else 0/1 */
    const char *display_name, *password; /* NULL: unchanged */
};
int pacta_decode_user_update(const json_t *args, struct pacta_user_update_args *out,
                             struct pacta_error *err);

/* ---- expiry and notifications ----------------------------------------- */
/* Default renewal term of a contract, in months (field renewal_months). */
#define PACTA_RENEWAL_MONTHS_DEFAULT 12
/* Lifecycle values of the read-only, server-computed "lifecycle" field. */
#define PACTA_LIFECYCLE_UPCOMING "upcoming"
#define PACTA_LIFECYCLE_ACTIVE "active"
#define PACTA_LIFECYCLE_EXPIRING "expiring"
#define PACTA_LIFECYCLE_EXPIRED "expired"
#define PACTA_LIFECYCLE_TERMINATED "terminated"
#define PACTA_LIFECYCLE_UNKNOWN "unknown"

/* notifications.list {unread_only?, cursor?, limit?} */
struct pacta_notifications_list_args {
    int unread_only;
    int64_t cursor; /* 0: from the newest; else ids below it */
    int limit;      /* 1..PACTA_LIST_MAX_LIMIT, default PACTA_LIST_DEFAULT_LIMIT */
};
int pacta_decode_notifications_list(const json_t *args, struct pacta_notifications_list_args *out,
                                    struct pacta_error *err);
/* notifications.mark_read {ids: [integer >= 1, ...] (1..500)}; *ids_out is
 * a new reference to the validated array. */
int pacta_decode_notifications_mark_read(const json_t *args, json_t **ids_out,
                                         struct pacta_error *err);
/* users.preferences {digest?: boolean}: *digest -1 when absent (read only). */
int pacta_decode_user_preferences(const json_t *args, int *digest, struct pacta_error *err);
/* contracts.expiring {days?: 0..3650, default 30} */
int pacta_decode_contracts_expiring(const json_t *args, int *days, struct pacta_error *err);
/* admin.clock.set {now: "YYYY-MM-DDTHH:MM:SS(.mmm)Z"} -> Unix ms. */
int pacta_decode_clock_set(const json_t *args, int64_t *unix_ms, struct pacta_error *err);
/* backups.create {description?: single-line text 0..200}; *description
 * borrowed from args, "" when absent. */
int pacta_decode_backup_create(const json_t *args, const char **description,
                               struct pacta_error *err);
/* backups.verify / backups.restore {id: integer >= 1} */
int pacta_decode_backup_id(const json_t *args, int64_t *id, struct pacta_error *err);
/* Parses a UTC timestamp "YYYY-MM-DDTHH:MM:SS[.mmm]Z" (years 1970..9999);
 * 0 with *unix_ms, or -1. */
int pacta_parse_timestamp(const char *s, int64_t *unix_ms);

/* ---- base64 (binary chunks in JSON: export.read, documents) --------------- */
/* Characters pacta_base64_encode writes for len bytes (without the NUL). */
#define PACTA_BASE64_ENCODED_LEN(len) (4 * (((size_t)(len) + 2) / 3))
/* Bytes at most that a text of len characters decodes to. */
#define PACTA_BASE64_DECODED_MAX(len) (3 * ((size_t)(len) / 4))
/* RFC 4648 base64 with padding into out (PACTA_BASE64_ENCODED_LEN(len) + 1
 * bytes, NUL-terminated); returns the characters written. */
size_t pacta_base64_encode(const uint8_t *in, size_t len, char *out);
/* Strict decode of len characters (padding required, no white space, zero
 * unused bits): 0 with *out_len, or -1 if the text is not canonical base64
 * or does not fit in cap bytes. */
int pacta_base64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len);

/* ---- exports (export.contracts, export.read, export.cancel) --------------- */
enum pacta_export_format { PACTA_EXPORT_CSV = 1, PACTA_EXPORT_XLSX, PACTA_EXPORT_PDF };
const char *pacta_export_format_name(enum pacta_export_format f); /* "csv", "xlsx", "pdf" */
/* Largest chunk export.read returns (decoded bytes), and its default. */
#define PACTA_EXPORT_CHUNK_MAX (256 * 1024)
/*
 * export.contracts {format, filters?, bom?, escape_formulas?, contract_id?}:
 * filters are contracts.list's (decoded by pacta_decode_list, so its errors
 * name the filter member) without `cursor` and `limit`; bom and
 * escape_formulas only with csv; contract_id (the single-contract report)
 * only with pdf and no filters.
 */
struct pacta_export_args {
    enum pacta_export_format format;
    struct pacta_list_args filters; /* cursor and limit always NULL / 0 */
    int bom;                        /* csv: start with a UTF-8 byte order mark */
    const char *contract_id;        /* pdf: one contract's report; NULL: the list */
    int escape_formulas;            /* csv: a text starting with = + - @ TAB CR gets a leading ' */
};
int pacta_decode_export(const json_t *args, struct pacta_export_args *out, struct pacta_error *err);
/* export.read {export_id, offset, length?}: length 1..PACTA_EXPORT_CHUNK_MAX,
 * default PACTA_EXPORT_CHUNK_MAX. */
struct pacta_export_read_args {
    const char *export_id;
    int64_t offset, length;
};
int pacta_decode_export_read(const json_t *args, struct pacta_export_read_args *out,
                             struct pacta_error *err);
/* export.cancel {export_id} */
int pacta_decode_export_cancel(const json_t *args, const char **export_id, struct pacta_error *err);

/* ---- lists and saved views (list_args.c, issue 7) ------------------------- */
/* "number", "title", ..., "relevance"; "" for PACTA_SORT_DEFAULT. */
const char *pacta_list_sort_name(enum pacta_list_sort sort);
/* PACTA_SORT__COUNT for an unknown name. */
enum pacta_list_sort pacta_list_sort_from_name(const char *name);
/*
 * Only the filter members of contracts.list (no sort, order, limit or
 * cursor): what a saved view stores.  Same rules and errors as
 * pacta_decode_list.
 */
int pacta_decode_list_filter(const json_t *filter, struct pacta_list_args *out,
                             struct pacta_error *err);
/*
 * The filters of *a as a canonical object (new reference): only the members
 * given, in a fixed order, each as the wire has it.  Two argument sets that
 * select the same rows in the same way give equal objects.
 */
json_t *pacta_list_filter_json(const struct pacta_list_args *a);
/* A view's sort: {"key": sort name, "order": "asc"|"desc"} (new reference). */
json_t *pacta_list_sort_json(const struct pacta_list_args *a);

#define PACTA_VIEW_NAME_MAX 100 /* characters */
#define PACTA_VIEWS_MAX 100     /* saved views per user */
/* views.save {name, filter, sort?}: filter as pacta_decode_list_filter,
 * sort {key, order?}; both are decoded into `list`. */
struct pacta_view_save_args {
    const char *name;
    struct pacta_list_args list; /* filters + sort, no limit or cursor */
};
int pacta_decode_view_save(const json_t *args, struct pacta_view_save_args *out,
                           struct pacta_error *err);
/* views.delete {name} */
int pacta_decode_view_delete(const json_t *args, const char **name, struct pacta_error *err);
/* Ephemeral, to the user's other subscribed connections. */
#define PACTA_EV_VIEW_SAVED "view.saved"
#define PACTA_EV_VIEW_DELETED "view.deleted"

#ifdef __cplusplus
}
#endif
#endif
