/*
 * Decoders of each op's "args".  They are strict: every member must be one
 * the op knows (a typo is an error, not a silently ignored option), every
 * value has the documented type and range, and JSON null for an optional
 * member means "absent".  Strings in the output borrow from `args`.
 */
#include <string.h>

#include "internal.h"

/* The member checks and getters are arg_members.c's (internal.h). */

#define SINGLE PACTA__TEXT_SINGLE_LINE
#define NOT_BLANK PACTA__TEXT_NOT_BLANK
#define BYTES PACTA__TEXT_BYTES

int pacta_decode_empty(const json_t *args, struct pacta_error *err)
{
    static const char *const allowed[] = {NULL};
    return pacta__check_members(args, allowed, err);
}

/* The username is not checked against the username rules: a malformed one
 * is simply a wrong one, answered as invalid credentials by the server. */
int pacta_decode_login(const json_t *args, struct pacta_login_args *out, struct pacta_error *err)
{
    static const char *const allowed[] = {"username", "password", "client", NULL};
    int rc;
    memset(out, 0, sizeof(*out));
    if ((rc = pacta__check_members(args, allowed, err)) ||
        (rc = pacta__get_text(args, "username", 1, 1, 64, 0, &out->username, err)) ||
        (rc = pacta__get_text(args, "password", 1, 1, 1024, BYTES, &out->password, err)) ||
        (rc = pacta__get_text(args, "client", 0, 1, 100, SINGLE, &out->client, err)))
        memset(out, 0, sizeof(*out));
    return rc;
}

int pacta_decode_resume(const json_t *args, struct pacta_resume_args *out, struct pacta_error *err)
{
    static const char *const allowed[] = {"token", "client", NULL};
    int rc;
    memset(out, 0, sizeof(*out));
    if ((rc = pacta__check_members(args, allowed, err)) ||
        (rc = pacta__get_text(args, "token", 1, 1, 128, SINGLE, &out->token, err)) ||
        (rc = pacta__get_text(args, "client", 0, 1, 100, SINGLE, &out->client, err)))
        memset(out, 0, sizeof(*out));
    return rc;
}

/* pacta_decode_list and the other list and view decoders: list_args.c. */

static int decode_one_uuid(const json_t *args, const char *name, struct pacta_id_args *out,
                           struct pacta_error *err)
{
    const char *const allowed[] = {name, NULL};
    int rc;
    memset(out, 0, sizeof(*out));
    if ((rc = pacta__check_members(args, allowed, err)) ||
        (rc = pacta__get_uuid(args, name, 1, &out->id, err)))
        memset(out, 0, sizeof(*out));
    return rc;
}

int pacta_decode_get(const json_t *args, struct pacta_id_args *out, struct pacta_error *err)
{
    return decode_one_uuid(args, "id", out, err);
}

/* A page cursor that is the decimal id of a page's last item (opaque to
 * clients, textual like contracts.list's): 0 when absent, else >= 1. */
static int decode_id_cursor(const json_t *args, int64_t *out, struct pacta_error *err)
{
    const char *cursor = NULL;
    int64_t v = 0;
    int rc;

    *out = 0;
    if ((rc = pacta__get_text(args, "cursor", 0, 1, 20, SINGLE, &cursor, err)) || !cursor)
        return rc;
    for (const char *p = cursor; *p; p++) {
        if (*p < '0' || *p > '9' || v > (INT64_MAX - 9) / 10)
            return pacta_error_set(err, PACTA_BAD_REQUEST, "cursor", "invalid cursor");
        v = v * 10 + (*p - '0');
    }
    if (v < 1)
        return pacta_error_set(err, PACTA_BAD_REQUEST, "cursor", "invalid cursor");
    *out = v;
    return 0;
}

int pacta_decode_supplements_list(const json_t *args, struct pacta_supplements_list_args *out,
                                  struct pacta_error *err)
{
    static const char *const allowed[] = {"contract_id", "cursor", "limit", NULL};
    int64_t limit = PACTA_SUPPLEMENTS_DEFAULT_LIMIT;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = pacta__check_members(args, allowed, err)) ||
        (rc = pacta__get_uuid(args, "contract_id", 1, &out->contract_id, err)) ||
        (rc = decode_id_cursor(args, &out->after, err)) ||
        (rc = pacta__get_int(args, "limit", 0, 1, PACTA_LIST_MAX_LIMIT, &limit, NULL, err))) {
        memset(out, 0, sizeof(*out));
        return rc;
    }
    out->limit = (int)limit;
    return 0;
}

/* Why a member that is not a writable field is refused. */
static int refuse_member(const char *key, struct pacta_error *err)
{
    if (pacta__is_server_managed(key))
        return pacta_error_set(err, PACTA_BAD_REQUEST, key, "read-only field");
    return pacta_error_set(err, PACTA_BAD_REQUEST, key, "unknown field");
}

/*
 * Builds the full record in wire order: "id" (when the client chose one),
 * then every writable field, given or defaulted.  A null for an optional
 * field means "absent" and takes the default; for a required one it is
 * "required".
 */
int pacta_decode_create(const json_t *args, struct pacta_create_args *out, struct pacta_error *err)
{
    const char *key;
    json_t *value;
    json_t *contract = NULL;
    int rc = 0;

    out->contract = NULL;
    if (!json_is_object(args))
        return pacta_error_set(err, PACTA_BAD_REQUEST, "args", "must be an object");
    json_object_foreach((json_t *)args, key, value)
    {
        if (strcmp(key, "id") != 0 && pacta_contract_field(key) == NULL)
            return refuse_member(key, err);
    }

    contract = json_object();
    if (contract == NULL)
        pacta__fatal_oom();
    const char *id = NULL;
    if (pacta__member(args, "id") != NULL && (rc = pacta__get_uuid(args, "id", 1, &id, err)) != 0)
        goto out;
    if (id != NULL && json_object_set_new(contract, "id", json_string(id)) != 0)
        pacta__fatal_oom();

    for (const struct pacta_field_def *def = pacta_contract_fields; def->name; def++) {
        json_t *v = pacta__member(args, def->name);
        if (v == NULL) {
            if (def->flags & PACTA_FF_REQUIRED) {
                rc = pacta_error_set(err, PACTA_BAD_REQUEST, def->name, "required");
                goto out;
            }
            v = pacta__field_default(def);
        } else if ((rc = pacta_field_validate(def, v, err)) != 0) {
            goto out;
        } else {
            v = json_deep_copy(v);
        }
        if (v == NULL || json_object_set_new(contract, def->name, v) != 0)
            pacta__fatal_oom();
    }
    if ((rc = pacta_contract_check(contract, err)) != 0)
        goto out;
    out->contract = contract;
    contract = NULL;
out:
    json_decref(contract);
    return rc;
}

void pacta_create_args_clear(struct pacta_create_args *a)
{
    json_decref(a->contract);
    a->contract = NULL;
}

/* Errors inside "changes" name the contract field itself ("title"), as
 * create does, so a client maps them to the same form field. */
static int decode_changes(const json_t *args, json_t **out, struct pacta_error *err)
{
    const char *key;
    json_t *value;
    json_t *changes = json_object_get(args, "changes");

    if (out)
        *out = NULL;
    if (changes == NULL || json_is_null(changes))
        return pacta_error_set(err, PACTA_BAD_REQUEST, "changes", "required");
    if (!json_is_object(changes))
        return pacta_error_set(err, PACTA_BAD_REQUEST, "changes", "must be an object");
    if (json_object_size(changes) == 0)
        return pacta_error_set(err, PACTA_BAD_REQUEST, "changes", "must not be empty");
    json_object_foreach(changes, key, value)
    {
        const struct pacta_field_def *def = pacta_contract_field(key);
        int rc;
        if (def == NULL)
            return strcmp(key, "id") == 0
                       ? pacta_error_set(err, PACTA_BAD_REQUEST, key, "read-only field")
                       : refuse_member(key, err);
        if ((rc = pacta_field_validate(def, value, err)) != 0)
            return rc;
    }
    /* Only decidable here when both dates change; the server checks the
     * merged record again. */
    int rc = pacta_contract_check(changes, err);
    if (rc != 0 || !out)
        return rc;
    *out = json_deep_copy(changes);
    if (*out == NULL)
        pacta__fatal_oom();
    return 0;
}

/* changes: where the copy of "changes" goes, or NULL for none (check only) */
static int decode_update(const json_t *args, struct pacta_update_args *out, json_t **changes,
                         struct pacta_error *err)
{
    static const char *const allowed[] = {"id", "version", "changes", "reason", NULL};
    int rc;
    memset(out, 0, sizeof(*out));
    if ((rc = pacta__check_members(args, allowed, err)) ||
        (rc = pacta__get_uuid(args, "id", 1, &out->id, err)) ||
        (rc = pacta__get_int(args, "version", 1, 1, INT64_MAX, &out->version, NULL, err)) ||
        (rc = decode_changes(args, changes, err)) ||
        (rc = pacta__get_text(args, "reason", 0, 1, 500, SINGLE | NOT_BLANK, &out->reason, err)))
        pacta_update_args_clear(out);
    return rc;
}

int pacta_decode_update(const json_t *args, struct pacta_update_args *out, struct pacta_error *err)
{
    return decode_update(args, out, &out->changes, err);
}

int pacta_check_update(const json_t *args, struct pacta_error *err)
{
    struct pacta_update_args a;
    return decode_update(args, &a, NULL, err);
}

void pacta_update_args_clear(struct pacta_update_args *a)
{
    json_decref(a->changes);
    memset(a, 0, sizeof(*a));
}

int pacta_decode_delete(const json_t *args, struct pacta_delete_args *out, struct pacta_error *err)
{
    static const char *const allowed[] = {"id", "version", "reason", NULL};
    int rc;
    memset(out, 0, sizeof(*out));
    if ((rc = pacta__check_members(args, allowed, err)) ||
        (rc = pacta__get_uuid(args, "id", 1, &out->id, err)) ||
        (rc = pacta__get_int(args, "version", 1, 1, INT64_MAX, &out->version, NULL, err)) ||
        (rc = pacta__get_text(args, "reason", 0, 1, 500, SINGLE | NOT_BLANK, &out->reason, err)))
        memset(out, 0, sizeof(*out));
    return rc;
}

int pacta_decode_subscribe(const json_t *args, struct pacta_subscribe_args *out,
                           struct pacta_error *err)
{
    static const char *const allowed[] = {"since", NULL};
    int rc;
    memset(out, 0, sizeof(*out));
    if ((rc = pacta__check_members(args, allowed, err)) ||
        (rc = pacta__get_int(args, "since", 0, 0, INT64_MAX, &out->since, &out->has_since, err)))
        memset(out, 0, sizeof(*out));
    return rc;
}

int pacta_decode_user_create(const json_t *args, struct pacta_user_create_args *out,
                             struct pacta_error *err)
{
    static const char *const allowed[] = {"username", "password", "role", "display_name", NULL};
    const char *role = NULL;
    int rc;
    memset(out, 0, sizeof(*out));
    if ((rc = pacta__check_members(args, allowed, err)) ||
        (rc = pacta__get_text(args, "username", 1, 1, 64, 0, &out->username, err)))
        goto out;
    if (!pacta_valid_username(out->username)) {
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "username",
                             "must be 1..64 of a-z 0-9 . _ -, starting with a letter or digit");
        goto out;
    }
    if ((rc = pacta__get_text(args, "password", 1, 8, 1024, BYTES, &out->password, err)) ||
        (rc = pacta__get_text(args, "role", 1, 1, 16, 0, &role, err)))
        goto out;
    out->role = pacta_role_from_name(role);
    if (out->role == PACTA_ROLE_NONE) {
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "role",
                             "must be one of: viewer, editor, admin");
        goto out;
    }
    rc = pacta__get_text(args, "display_name", 0, 1, 200, SINGLE | NOT_BLANK, &out->display_name,
                         err);
out:
    if (rc != 0)
        memset(out, 0, sizeof(*out));
    return rc;
}

int pacta_decode_presence_set(const json_t *args, struct pacta_presence_args *out,
                              struct pacta_error *err)
{
    static const char *const allowed[] = {"contract_id", NULL};
    int rc;
    memset(out, 0, sizeof(*out));
    if ((rc = pacta__check_members(args, allowed, err)))
        return rc;
    /* required, but null is a value here: "editing nothing" */
    json_t *v = json_object_get(args, "contract_id");
    if (!v)
        return pacta_error_set(err, PACTA_BAD_REQUEST, "contract_id", "required");
    if (json_is_null(v))
        return 0;
    return pacta__get_uuid(args, "contract_id", 1, &out->contract_id, err);
}

int pacta_decode_admin_watch(const json_t *args, int *on, struct pacta_error *err)
{
    static const char *const allowed[] = {"on", NULL};
    int rc;
    *on = 0;
    if ((rc = pacta__check_members(args, allowed, err)))
        return rc;
    json_t *v = pacta__member(args, "on");
    if (!v)
        return pacta_error_set(err, PACTA_BAD_REQUEST, "on", "required");
    if (!json_is_boolean(v))
        return pacta_error_set(err, PACTA_BAD_REQUEST, "on", "must be a boolean");
    *on = json_is_true(v);
    return 0;
}

int pacta_decode_admin_kick(const json_t *args, int64_t *session, struct pacta_error *err)
{
    static const char *const allowed[] = {"session", NULL};
    int rc;
    *session = 0;
    if ((rc = pacta__check_members(args, allowed, err)) ||
        (rc = pacta__get_int(args, "session", 1, 1, INT64_MAX, session, NULL, err)))
        *session = 0;
    return rc;
}

/* ---- expiry and notifications ------------------------------------------- */

/* The cursor is the decimal id of the last notification of a page: opaque
 * to clients, but kept textual like contracts.list's. */
int pacta_decode_notifications_list(const json_t *args, struct pacta_notifications_list_args *out,
                                    struct pacta_error *err)
{
    static const char *const allowed[] = {"unread_only", "cursor", "limit", NULL};
    int64_t limit = PACTA_LIST_DEFAULT_LIMIT;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = pacta__check_members(args, allowed, err)) ||
        (rc = pacta__get_bool(args, "unread_only", &out->unread_only, err)) ||
        (rc = decode_id_cursor(args, &out->cursor, err)) ||
        (rc = pacta__get_int(args, "limit", 0, 1, PACTA_LIST_MAX_LIMIT, &limit, NULL, err)))
        goto out;
    out->limit = (int)limit;
out:
    if (rc != 0)
        memset(out, 0, sizeof(*out));
    return rc;
}

int pacta_decode_notifications_mark_read(const json_t *args, json_t **ids_out,
                                         struct pacta_error *err)
{
    static const char *const allowed[] = {"ids", NULL};
    size_t i;
    json_t *v, *ids;
    int rc;

    *ids_out = NULL;
    if ((rc = pacta__check_members(args, allowed, err)))
        return rc;
    ids = pacta__member(args, "ids");
    if (!ids)
        return pacta_error_set(err, PACTA_BAD_REQUEST, "ids", "required");
    if (!json_is_array(ids))
        return pacta_error_set(err, PACTA_BAD_REQUEST, "ids", "must be an array");
    if (json_array_size(ids) < 1 || json_array_size(ids) > PACTA_LIST_MAX_LIMIT)
        return pacta_error_set(err, PACTA_BAD_REQUEST, "ids", "must hold 1 to %d ids",
                               PACTA_LIST_MAX_LIMIT);
    json_array_foreach(ids, i, v)
    {
        if (!json_is_integer(v) || json_integer_value(v) < 1)
            return pacta_error_set(err, PACTA_BAD_REQUEST, "ids",
                                   "must be an array of integers >= 1");
    }
    *ids_out = json_incref(ids);
    return 0;
}

int pacta_decode_user_preferences(const json_t *args, int *digest, struct pacta_error *err)
{
    static const char *const allowed[] = {"digest", NULL};
    int rc;

    *digest = -1;
    if ((rc = pacta__check_members(args, allowed, err)) ||
        (rc = pacta__get_bool(args, "digest", digest, err)))
        *digest = -1;
    return rc;
}

int pacta_decode_contracts_expiring(const json_t *args, int *days, struct pacta_error *err)
{
    static const char *const allowed[] = {"days", NULL};
    int64_t v = 30;
    int rc;

    *days = 30;
    if ((rc = pacta__check_members(args, allowed, err)) ||
        (rc = pacta__get_int(args, "days", 0, 0, 3650, &v, NULL, err)))
        return rc;
    *days = (int)v;
    return 0;
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int pacta_parse_timestamp(const char *s, int64_t *unix_ms)
{
    char date[11];
    int hh, mm, ss, ms = 0;
    size_t n = s ? strlen(s) : 0;

    if (n != 20 && n != 24)
        return -1;
    memcpy(date, s, 10);
    date[10] = '\0';
    if (!pacta_valid_date(date) || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[n - 1] != 'Z')
        return -1;
    for (size_t i = 11; i < n - 1; i++)
        if (i != 13 && i != 16 && i != 19 && (s[i] < '0' || s[i] > '9'))
            return -1;
    hh = (s[11] - '0') * 10 + (s[12] - '0');
    mm = (s[14] - '0') * 10 + (s[15] - '0');
    ss = (s[17] - '0') * 10 + (s[18] - '0');
    if (n == 24) {
        if (s[19] != '.')
            return -1;
        ms = (s[20] - '0') * 100 + (s[21] - '0') * 10 + (s[22] - '0');
    }
    int y = (date[0] - '0') * 1000 + (date[1] - '0') * 100 + (date[2] - '0') * 10 + (date[3] - '0');
    int mo = (date[5] - '0') * 10 + (date[6] - '0');
    int d = (date[8] - '0') * 10 + (date[9] - '0');
    if (y < 1970 || hh > 23 || mm > 59 || ss > 59)
        return -1;
    *unix_ms = ((days_from_civil(y, mo, d) * 24 + hh) * 60 + mm) * 60000 + (int64_t)ss * 1000 + ms;
    return 0;
}

int pacta_decode_clock_set(const json_t *args, int64_t *unix_ms, struct pacta_error *err)
{
    static const char *const allowed[] = {"now", NULL};
    const char *now = NULL;
    int rc;

    *unix_ms = 0;
    if ((rc = pacta__check_members(args, allowed, err)) ||
        (rc = pacta__get_text(args, "now", 1, 20, 24, SINGLE, &now, err)))
        return rc;
    if (pacta_parse_timestamp(now, unix_ms) != 0)
        return pacta_error_set(err, PACTA_BAD_REQUEST, "now",
                               "must be a UTC timestamp YYYY-MM-DDTHH:MM:SS.mmmZ");
    return 0;
}

int pacta_decode_user_update(const json_t *args, struct pacta_user_update_args *out,
                             struct pacta_error *err)
{
    static const char *const allowed[] = {"username",     "role",     "disabled",
                                          "display_name", "password", NULL};
    const char *role = NULL;
    int rc;
    memset(out, 0, sizeof(*out));
    out->disabled = -1;
    if ((rc = pacta__check_members(args, allowed, err)) ||
        (rc = pacta__get_text(args, "username", 1, 1, 64, 0, &out->username, err)))
        goto out;
    if (!pacta_valid_username(out->username)) {
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "username",
                             "must be 1..64 of a-z 0-9 . _ -, starting with a letter or digit");
        goto out;
    }
    if ((rc = pacta__get_text(args, "role", 0, 1, 16, 0, &role, err)))
        goto out;
    if (role && (out->role = pacta_role_from_name(role)) == PACTA_ROLE_NONE) {
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "role",
                             "must be one of: viewer, editor, admin");
        goto out;
    }
    json_t *d = pacta__member(args, "disabled");
    if (d && !json_is_boolean(d)) {
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "disabled", "must be a boolean");
        goto out;
    }
    if (d)
        out->disabled = json_is_true(d);
    if ((rc = pacta__get_text(args, "display_name", 0, 1, 200, SINGLE | NOT_BLANK,
                              &out->display_name, err)) ||
        (rc = pacta__get_text(args, "password", 0, 8, 1024, BYTES, &out->password, err)))
        goto out;
    if (!role && !d && !out->display_name && !out->password)
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "",
                             "nothing to change: give role, disabled, display_name or password");
out:
    if (rc) {
        memset(out, 0, sizeof(*out));
        out->disabled = -1;
    }
    return rc;
}

int pacta_decode_backup_create(const json_t *args, const char **description,
                               struct pacta_error *err)
{
    static const char *const allowed[] = {"description", NULL};
    int rc;
    *description = "";
    if ((rc = pacta__check_members(args, allowed, err)) ||
        (rc = pacta__get_text(args, "description", 0, 0, 200, SINGLE, description, err)))
        return rc;
    if (!*description)
        *description = "";
    return 0;
}

int pacta_decode_backup_id(const json_t *args, int64_t *id, struct pacta_error *err)
{
    static const char *const allowed[] = {"id", NULL};
    int rc;
    *id = 0;
    if ((rc = pacta__check_members(args, allowed, err)) ||
        (rc = pacta__get_int(args, "id", 1, 1, INT64_MAX, id, NULL, err)))
        return rc;
    return 0;
}
