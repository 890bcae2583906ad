/*
 * The dashboard figures on the wire (PROTOCOL.md §6.42): one encoder for
 * the server (stats.dashboard's result and dashboard.updated's data are the
 * same object) and one decoder for clients, so pactactl and pacta-desk read
 * exactly what pactad writes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pacta/dashboard.h>

#include "internal.h"

const int pacta_dashboard_windows[PACTA_DASHBOARD_WINDOWS] = {30, 60, 90};

static const char *const status_names[PACTA_DASH_STATUS__COUNT] = {"draft", "active", "expired",
                                                                   "terminated"};
static const char *const kind_names[PACTA_DASH_KIND__COUNT] = {"client", "supplier"};
static const char *const lifecycle_names[PACTA_DASH_LIFECYCLE__COUNT] = {
    PACTA_LIFECYCLE_UPCOMING, PACTA_LIFECYCLE_ACTIVE,     PACTA_LIFECYCLE_EXPIRING,
    PACTA_LIFECYCLE_EXPIRED,  PACTA_LIFECYCLE_TERMINATED, PACTA_LIFECYCLE_UNKNOWN};

const char *pacta_dashboard_status_name(enum pacta_dash_status s)
{
    return (int)s >= 0 && s < PACTA_DASH_STATUS__COUNT ? status_names[s] : "";
}

const char *pacta_dashboard_kind_name(enum pacta_dash_kind k)
{
    return (int)k >= 0 && k < PACTA_DASH_KIND__COUNT ? kind_names[k] : "";
}

const char *pacta_dashboard_lifecycle_name(enum pacta_dash_lifecycle l)
{
    return (int)l >= 0 && l < PACTA_DASH_LIFECYCLE__COUNT ? lifecycle_names[l] : "";
}

/* ---- encoder --------------------------------------------------------------- */

static json_t *counts(const int64_t *n, const char *const *names, int count)
{
    json_t *o = json_object();
    for (int i = 0; i < count; i++)
        json_object_set_new(o, names[i], json_integer(n[i]));
    return o;
}

static json_t *str_or_null(const char *s)
{
    return s[0] ? json_string(s) : json_null();
}

json_t *pacta_dashboard_to_json(const struct pacta_dashboard *d)
{
    json_t *expiring = json_array(), *values = json_array(), *recent = json_array();

    for (int i = 0; i < PACTA_DASHBOARD_WINDOWS; i++)
        json_array_append_new(expiring, json_pack("{s:i, s:I}", "days", pacta_dashboard_windows[i],
                                                  "count", (json_int_t)d->expiring[i]));
    for (size_t i = 0; i < d->n_values; i++) {
        const struct pacta_dashboard_value *v = &d->values[i];
        json_array_append_new(values,
                              json_pack("{s:s, s:I, s:s}", "currency", v->currency, "contracts",
                                        (json_int_t)v->contracts, "amount_cents", v->amount_cents));
    }
    for (size_t i = 0; i < d->n_recent; i++) {
        const struct pacta_dashboard_change *c = &d->recent[i];
        json_array_append_new(
            recent, json_pack("{s:I, s:s, s:o, s:o, s:o, s:s, s:s}", "seq", (json_int_t)c->seq,
                              "event", c->event, "contract_id", str_or_null(c->contract_id),
                              "number", str_or_null(c->number), "title", str_or_null(c->title),
                              "actor", c->actor, "at", c->at));
    }
    json_t *j = json_pack(
        "{s:s, s:I, s:I, s:o, s:o, s:o, s:i, s:o, s:{s:i, s:I, s:I}, s:o, s:o}", "today", d->today,
        "as_of_seq", (json_int_t)d->as_of_seq, "total", (json_int_t)d->total, "by_status",
        counts(d->by_status, status_names, PACTA_DASH_STATUS__COUNT), "by_lifecycle",
        counts(d->by_lifecycle, lifecycle_names, PACTA_DASH_LIFECYCLE__COUNT), "by_kind",
        counts(d->by_kind, kind_names, PACTA_DASH_KIND__COUNT), "lifecycle_window_days",
        d->window_days, "expiring", expiring, "notice", "days", PACTA_DASHBOARD_NOTICE_DAYS, "due",
        (json_int_t)d->notice_due, "passed", (json_int_t)d->notice_passed, "value_by_currency",
        values, "recent_changes", recent);
    if (!j)
        pacta__fatal_oom();
    return j;
}

/* ---- decoder --------------------------------------------------------------- */

static int bad(struct pacta_error *err, const char *field, const char *message)
{
    return pacta_error_set(err, PACTA_BAD_REQUEST, field, "%s", message);
}

/* A count: an integer >= 0. */
static int get_count(const json_t *obj, const char *name, const char *field, int64_t *out,
                     struct pacta_error *err)
{
    const json_t *v = json_object_get(obj, name);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return bad(err, field, "must be an integer >= 0");
    *out = json_integer_value(v);
    return 0;
}

/* A string that fits in cap bytes (NUL included); null reads as "" when
 * nullable. */
static int get_str(const json_t *obj, const char *name, const char *field, int nullable, char *out,
                   size_t cap, struct pacta_error *err)
{
    const json_t *v = json_object_get(obj, name);
    if (nullable && json_is_null(v)) {
        out[0] = '\0';
        return 0;
    }
    if (!json_is_string(v) || json_string_length(v) >= cap ||
        strlen(json_string_value(v)) != json_string_length(v))
        return bad(err, field, nullable ? "must be a string or null" : "must be a string");
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

static int get_counts(const json_t *j, const char *name, const char *const *names, int count,
                      int64_t *out, struct pacta_error *err)
{
    const json_t *o = json_object_get(j, name);
    char field[64];
    if (!json_is_object(o))
        return bad(err, name, "must be an object");
    for (int i = 0; i < count; i++) {
        snprintf(field, sizeof field, "%s.%s", name, names[i]);
        int rc = get_count(o, names[i], field, &out[i], err);
        if (rc)
            return rc;
    }
    return 0;
}

static int digits_only(const char *s)
{
    if (!*s || (s[0] == '0' && s[1]))
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

static int get_values(const json_t *j, struct pacta_dashboard *out, struct pacta_error *err)
{
    const json_t *a = json_object_get(j, "value_by_currency");
    size_t i;
    const json_t *v;
    if (!json_is_array(a) || json_array_size(a) > PACTA_DASHBOARD_MAX_CURRENCIES)
        return bad(err, "value_by_currency", "must be an array of at most 400 entries");
    out->values = calloc(json_array_size(a) + 1, sizeof *out->values);
    if (!out->values)
        pacta__fatal_oom();
    json_array_foreach(a, i, v)
    {
        struct pacta_dashboard_value *x = &out->values[i];
        int rc;
        if (!json_is_object(v))
            return bad(err, "value_by_currency", "entries must be objects");
        if ((rc = get_str(v, "currency", "value_by_currency.currency", 0, x->currency,
                          sizeof x->currency, err)) ||
            (rc = get_count(v, "contracts", "value_by_currency.contracts", &x->contracts, err)) ||
            (rc = get_str(v, "amount_cents", "value_by_currency.amount_cents", 0, x->amount_cents,
                          sizeof x->amount_cents, err)))
            return rc;
        if (!digits_only(x->amount_cents))
            return bad(err, "value_by_currency.amount_cents", "must be a string of digits");
        out->n_values = i + 1;
    }
    return 0;
}

static int get_recent(const json_t *j, struct pacta_dashboard *out, struct pacta_error *err)
{
    const json_t *a = json_object_get(j, "recent_changes");
    size_t i;
    const json_t *v;
    if (!json_is_array(a) || json_array_size(a) > PACTA_DASHBOARD_RECENT)
        return bad(err, "recent_changes", "must be an array of at most 10 entries");
    json_array_foreach(a, i, v)
    {
        struct pacta_dashboard_change *c = &out->recent[i];
        int rc;
        if (!json_is_object(v))
            return bad(err, "recent_changes", "entries must be objects");
        if ((rc = get_count(v, "seq", "recent_changes.seq", &c->seq, err)) ||
            (rc = get_str(v, "event", "recent_changes.event", 0, c->event, sizeof c->event, err)) ||
            (rc = get_str(v, "contract_id", "recent_changes.contract_id", 1, c->contract_id,
                          sizeof c->contract_id, err)) ||
            (rc = get_str(v, "number", "recent_changes.number", 1, c->number, sizeof c->number,
                          err)) ||
            (rc = get_str(v, "title", "recent_changes.title", 1, c->title, sizeof c->title, err)) ||
            (rc = get_str(v, "actor", "recent_changes.actor", 0, c->actor, sizeof c->actor, err)) ||
            (rc = get_str(v, "at", "recent_changes.at", 0, c->at, sizeof c->at, err)))
            return rc;
        out->n_recent = i + 1;
    }
    return 0;
}

int pacta_dashboard_from_json(const json_t *j, struct pacta_dashboard *out, struct pacta_error *err)
{
    const json_t *exp, *notice;
    int64_t window = 0;
    int rc;

    memset(out, 0, sizeof *out);
    if (!json_is_object(j))
        return bad(err, "", "must be an object");
    if ((rc = get_str(j, "today", "today", 0, out->today, sizeof out->today, err)))
        return rc;
    if (!pacta_valid_date(out->today))
        return bad(err, "today", "must be a date");
    if ((rc = get_count(j, "as_of_seq", "as_of_seq", &out->as_of_seq, err)) ||
        (rc = get_count(j, "total", "total", &out->total, err)) ||
        (rc = get_count(j, "lifecycle_window_days", "lifecycle_window_days", &window, err)) ||
        (rc = get_counts(j, "by_status", status_names, PACTA_DASH_STATUS__COUNT, out->by_status,
                         err)) ||
        (rc = get_counts(j, "by_lifecycle", lifecycle_names, PACTA_DASH_LIFECYCLE__COUNT,
                         out->by_lifecycle, err)) ||
        (rc = get_counts(j, "by_kind", kind_names, PACTA_DASH_KIND__COUNT, out->by_kind, err)))
        return rc;
    if (window > 3650)
        return bad(err, "lifecycle_window_days", "must be at most 3650");
    out->window_days = (int)window;

    /* expiring: one entry per window, in the order of pacta_dashboard_windows */
    exp = json_object_get(j, "expiring");
    if (!json_is_array(exp) || json_array_size(exp) != PACTA_DASHBOARD_WINDOWS)
        return bad(err, "expiring", "must be an array of 3 entries");
    for (int i = 0; i < PACTA_DASHBOARD_WINDOWS; i++) {
        const json_t *e = json_array_get(exp, (size_t)i);
        int64_t days = -1;
        if ((rc = get_count(e, "days", "expiring.days", &days, err)) ||
            (rc = get_count(e, "count", "expiring.count", &out->expiring[i], err)))
            return rc;
        if (days != pacta_dashboard_windows[i])
            return bad(err, "expiring.days", "must be 30, 60, 90 in this order");
    }
    notice = json_object_get(j, "notice");
    if (!json_is_object(notice))
        return bad(err, "notice", "must be an object");
    if ((rc = get_count(notice, "due", "notice.due", &out->notice_due, err)) ||
        (rc = get_count(notice, "passed", "notice.passed", &out->notice_passed, err)) ||
        (rc = get_values(j, out, err)) || (rc = get_recent(j, out, err)))
        return rc;
    return 0;
}

void pacta_dashboard_clear(struct pacta_dashboard *d)
{
    free(d->values);
    d->values = NULL;
    d->n_values = 0;
}

int pacta_dashboard_newer(const struct pacta_dashboard *a, const struct pacta_dashboard *b)
{
    if (b->as_of_seq != a->as_of_seq)
        return b->as_of_seq > a->as_of_seq;
    return strcmp(b->today, a->today) > 0;
}

/* ---- arguments ------------------------------------------------------------- */

int pacta_decode_stats_dashboard(const json_t *args, struct pacta_error *err)
{
    return pacta_decode_empty(args, err);
}

/* The same shape as admin.connections.watch. */
int pacta_decode_dashboard_watch(const json_t *args, int *on, struct pacta_error *err)
{
    return pacta_decode_admin_watch(args, on, err);
}
