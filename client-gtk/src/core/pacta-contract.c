/*
 * pacta-desk: PactaContract; see pacta-contract.h.
 *
 * The record's fields are typed slots described by one table (members in
 * §5 order); the GObject properties and the JSON going back to the server
 * are made from them.  A desk holds every contract (100,000 and more), so
 * a row is kept small: texts with few distinct values (kind, status, dates,
 * currency, owner, ...) are interned and shared by all rows, the rest are
 * one allocation each, and the amount's display text and sort keys are made
 * only for rows that need them.  (Each row was a jansson object before:
 * ~3.9 KB a contract, bench/desk_models.)
 */
#define G_LOG_DOMAIN "pacta-contract"

#include "pacta-contract.h"

#include <string.h>

#include <pacta/protocol.h>

#include "pacta-error.h"

typedef enum { FT_STRING, FT_NULLABLE, FT_INT64, FT_INT } FieldType;

typedef struct {
    const char *field; /* wire name */
    const char *prop;  /* property name */
    FieldType type;
    const char *label;
    gboolean shared; /* few distinct values: interned (g_intern_string), never freed */
} FieldInfo;

/* Record members in PROTOCOL.md §5 order; the index + 1 is the property id. */
static const FieldInfo fields[] = {
    {"id", "id", FT_STRING, "ID", FALSE},
    {"number", "number", FT_STRING, "Number", FALSE},
    {"title", "title", FT_STRING, "Title", FALSE},
    {"counterparty", "counterparty", FT_STRING, "Counterparty", TRUE},
    {"kind", "kind", FT_STRING, "Kind", TRUE},
    {"status", "status", FT_STRING, "Status", TRUE},
    {"sign_date", "sign-date", FT_NULLABLE, "Signed", TRUE},
    {"start_date", "start-date", FT_NULLABLE, "Start date", TRUE},
    {"end_date", "end-date", FT_NULLABLE, "End date", TRUE},
    {"amount_cents", "amount-cents", FT_INT64, "Amount", FALSE},
    {"currency", "currency", FT_STRING, "Currency", TRUE},
    {"owner", "owner", FT_STRING, "Owner", TRUE},
    {"description", "description", FT_STRING, "Description", FALSE},
    {"notice_days", "notice-days", FT_INT, "Notice (days)", FALSE},
    {"renewal", "renewal", FT_STRING, "Renewal", TRUE},
    {"version", "version", FT_INT64, "Version", FALSE},
    {"created_at", "created-at", FT_STRING, "Created", FALSE},
    {"updated_at", "updated-at", FT_STRING, "Updated", FALSE},
    {"updated_by", "updated-by", FT_STRING, "Updated by", TRUE},
    {"deleted_at", "deleted-at", FT_NULLABLE, "Deleted", FALSE},
    /* derived by the server, read-only: what contracts.list's lifecycle
     * filter selects (the desk filters its list by it) */
    {"lifecycle", "lifecycle", FT_STRING, "Lifecycle", TRUE},
    /* after §5's order: the indices above are used as they are */
    {"renewal_months", "renewal-months", FT_INT, "Renewal term (months)", FALSE},
};
#define N_FIELDS G_N_ELEMENTS(fields)
#define LIFECYCLE 20 /* its slot */
#define RENEWAL_MONTHS 21

enum {
    PROP_0,
    /* 1..N_FIELDS: the record fields */
    PROP_AMOUNT_TEXT = N_FIELDS + 1,
    PROP_END_DATE_TEXT,
    PROP_HIGHLIGHT,
    PROP_LAST_ACTOR,
    PROP_CHANGED_FIELDS,
    PROP_EDITING_TEXT,
    N_PROPS
};
static GParamSpec *props[N_PROPS];

static const char *const writable[] = {"number",       "title",     "counterparty",   "kind",
                                       "status",       "sign_date", "start_date",     "end_date",
                                       "amount_cents", "currency",  "owner",          "description",
                                       "notice_days",  "renewal",   "renewal_months", NULL};

/* One field's value: s for FT_STRING/FT_NULLABLE (NULL only when nullable
 * and unset; owned unless the field is shared), i for the integers. */
typedef union {
    char *s;
    gint64 i;
} Slot;

struct _PactaContract {
    GObject parent_instance;
    Slot v[N_FIELDS];
    char *amount_text; /* made when first asked for; NULL again when the amount changes */
    gboolean highlight;
    char *last_actor;
    GStrv changed_fields;
    char *editing_text;
    /* Made on demand and dropped when the record changes; GRefStrings, so a
     * list model's worker can hold them while the row changes. */
    char *sort_keys[5]; /* keys of sort_key_fields, made when first sorted by */
    char *haystack;     /* number, title, counterparty folded for search, made when searched */
    guint revision;     /* +1 whenever they are dropped (pacta_contract_get_revision) */
};

/* The columns a list sorts by text (pacta_contract_get_sort_key); all but
 * the end date by collation. */
static const char *const sort_key_fields[] = {"number", "title", "counterparty", "owner",
                                              "end_date"};

/* Drops what is made from the record on demand (it changed, or is going). */
static void clear_sort_keys(PactaContract *self)
{
    for (guint i = 0; i < G_N_ELEMENTS(self->sort_keys); i++)
        g_clear_pointer(&self->sort_keys[i], g_ref_string_release);
    g_clear_pointer(&self->haystack, g_ref_string_release);
    self->revision++;
}

G_DEFINE_FINAL_TYPE(PactaContract, pacta_contract, G_TYPE_OBJECT)

static int field_index(const char *field)
{
    for (guint i = 0; field && i < N_FIELDS; i++)
        if (strcmp(fields[i].field, field) == 0)
            return (int)i;
    return -1;
}

static const char *str_at(PactaContract *self, guint i)
{
    const char *s = self->v[i].s;
    if (s)
        return s;
    return fields[i].type == FT_NULLABLE ? NULL : "";
}

static gint64 int_at(PactaContract *self, guint i)
{
    return self->v[i].i;
}

static gboolean is_text(guint i)
{
    return fields[i].type == FT_STRING || fields[i].type == FT_NULLABLE;
}

static void slot_clear(PactaContract *self, guint i)
{
    if (is_text(i) && !fields[i].shared)
        g_free(self->v[i].s);
    self->v[i].s = NULL;
}

static void slot_set_text(PactaContract *self, guint i, const char *text)
{
    slot_clear(self, i);
    if (text)
        self->v[i].s = fields[i].shared ? (char *)g_intern_string(text) : g_strdup(text);
}

/*
 * Sets slot i from a wire value (anything of the wrong type is the field's
 * empty value: "" or null or 0).  Returns TRUE if the slot changed.
 */
static gboolean slot_set(PactaContract *self, guint i, const json_t *v)
{
    if (is_text(i)) {
        const char *text = json_string_value(v);
        if (!text && fields[i].type == FT_STRING)
            text = "";
        if (g_strcmp0(text, self->v[i].s) == 0)
            return FALSE;
        slot_set_text(self, i, text);
        return TRUE;
    }
    gint64 n = json_is_integer(v) ? json_integer_value(v) : 0;
    if (n == self->v[i].i)
        return FALSE;
    self->v[i].i = n;
    return TRUE;
}

/* Slot i as a wire value (new reference). */
static json_t *slot_json(PactaContract *self, guint i)
{
    if (!is_text(i))
        return json_integer(self->v[i].i);
    const char *text = str_at(self, i);
    return text ? json_string(text) : json_null();
}

static gboolean slot_equal(PactaContract *a, PactaContract *b, guint i)
{
    return is_text(i) ? g_strcmp0(str_at(a, i), str_at(b, i)) == 0 : a->v[i].i == b->v[i].i;
}

static const char *amount_text(PactaContract *self)
{
    if (!self->amount_text)
        self->amount_text = pacta_format_amount(int_at(self, 9), str_at(self, 10));
    return self->amount_text;
}

static void pacta_contract_get_property(GObject *object, guint prop_id, GValue *value,
                                        GParamSpec *pspec)
{
    PactaContract *self = PACTA_CONTRACT(object);
    if (prop_id >= 1 && prop_id <= N_FIELDS) {
        guint i = prop_id - 1;
        switch (fields[i].type) {
        case FT_STRING:
        case FT_NULLABLE:
            g_value_set_string(value, str_at(self, i));
            break;
        case FT_INT64:
            g_value_set_int64(value, int_at(self, i));
            break;
        case FT_INT:
            g_value_set_int(value, (gint)int_at(self, i));
            break;
        }
        return;
    }
    switch (prop_id) {
    case PROP_AMOUNT_TEXT:
        g_value_set_string(value, amount_text(self));
        break;
    case PROP_END_DATE_TEXT: {
        const char *d = pacta_contract_get_end_date(self);
        g_value_set_string(value, d ? d : "");
        break;
    }
    case PROP_HIGHLIGHT:
        g_value_set_boolean(value, self->highlight);
        break;
    case PROP_LAST_ACTOR:
        g_value_set_string(value, self->last_actor ? self->last_actor : "");
        break;
    case PROP_CHANGED_FIELDS:
        g_value_set_boxed(value, self->changed_fields);
        break;
    case PROP_EDITING_TEXT:
        g_value_set_string(value, self->editing_text);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void pacta_contract_finalize(GObject *object)
{
    PactaContract *self = PACTA_CONTRACT(object);
    for (guint i = 0; i < N_FIELDS; i++)
        slot_clear(self, i);
    clear_sort_keys(self);
    g_free(self->amount_text);
    g_free(self->last_actor);
    g_strfreev(self->changed_fields);
    g_free(self->editing_text);
    G_OBJECT_CLASS(pacta_contract_parent_class)->finalize(object);
}

static void pacta_contract_class_init(PactaContractClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    object_class->get_property = pacta_contract_get_property;
    object_class->finalize = pacta_contract_finalize;
    const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
    for (guint i = 0; i < N_FIELDS; i++) {
        switch (fields[i].type) {
        case FT_STRING:
        case FT_NULLABLE:
            props[i + 1] = g_param_spec_string(fields[i].prop, NULL, NULL, NULL, ro);
            break;
        case FT_INT64:
            props[i + 1] =
                g_param_spec_int64(fields[i].prop, NULL, NULL, G_MININT64, G_MAXINT64, 0, ro);
            break;
        case FT_INT:
            props[i + 1] = g_param_spec_int(fields[i].prop, NULL, NULL, G_MININT, G_MAXINT, 0, ro);
            break;
        }
    }
    props[PROP_AMOUNT_TEXT] = g_param_spec_string("amount-text", NULL, NULL, NULL, ro);
    props[PROP_END_DATE_TEXT] = g_param_spec_string("end-date-text", NULL, NULL, NULL, ro);
    props[PROP_HIGHLIGHT] = g_param_spec_boolean("highlight", NULL, NULL, FALSE, ro);
    props[PROP_LAST_ACTOR] = g_param_spec_string("last-actor", NULL, NULL, NULL, ro);
    props[PROP_CHANGED_FIELDS] = g_param_spec_boxed("changed-fields", NULL, NULL, G_TYPE_STRV, ro);
    props[PROP_EDITING_TEXT] = g_param_spec_string("editing-text", NULL, NULL, NULL, ro);
    g_object_class_install_properties(object_class, N_PROPS, props);
}

static void pacta_contract_init(PactaContract *self)
{
    for (guint i = 0; i < N_FIELDS; i++)
        if (fields[i].type == FT_STRING)
            slot_set_text(self, i, "");
    slot_set_text(self, 5, "draft");
    slot_set_text(self, 10, "EUR");
    slot_set_text(self, 14, "none");
    self->v[RENEWAL_MONTHS].i = PACTA_RENEWAL_MONTHS_DEFAULT;
}

PactaContract *pacta_contract_new(void)
{
    return g_object_new(PACTA_TYPE_CONTRACT, NULL);
}

PactaContract *pacta_contract_new_from_json(const json_t *record, GError **error)
{
    if (!json_is_object(record) || !json_is_string(json_object_get(record, "id"))) {
        g_set_error(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_PROTOCOL,
                    "The server sent a contract without an id");
        return NULL;
    }
    PactaContract *self = pacta_contract_new();
    for (guint i = 0; i < N_FIELDS; i++)
        slot_set(self, i, json_object_get(record, fields[i].field));
    return self;
}

PactaContract *pacta_contract_copy(PactaContract *self)
{
    g_return_val_if_fail(PACTA_IS_CONTRACT(self), NULL);
    PactaContract *copy = pacta_contract_new();
    for (guint i = 0; i < N_FIELDS; i++) {
        if (is_text(i))
            slot_set_text(copy, i, self->v[i].s);
        else
            copy->v[i].i = self->v[i].i;
    }
    copy->highlight = self->highlight;
    copy->last_actor = g_strdup(self->last_actor);
    copy->changed_fields = g_strdupv(self->changed_fields);
    copy->editing_text = g_strdup(self->editing_text);
    return copy;
}

gboolean pacta_contract_update_from_json(PactaContract *self, const json_t *record)
{
    g_return_val_if_fail(PACTA_IS_CONTRACT(self), FALSE);
    if (!json_is_object(record))
        return FALSE;
    gboolean changed[N_FIELDS] = {0};
    gboolean any = FALSE;
    for (guint i = 0; i < N_FIELDS; i++)
        if (slot_set(self, i, json_object_get(record, fields[i].field)))
            changed[i] = any = TRUE;
    if (!any)
        return FALSE;
    clear_sort_keys(self);
    /* Notify after the whole record is consistent: handlers may read any field. */
    g_object_freeze_notify(G_OBJECT(self));
    for (guint i = 0; i < N_FIELDS; i++)
        if (changed[i])
            g_object_notify_by_pspec(G_OBJECT(self), props[i + 1]);
    if (changed[9] || changed[10]) {
        g_clear_pointer(&self->amount_text, g_free);
        g_object_notify_by_pspec(G_OBJECT(self), props[PROP_AMOUNT_TEXT]);
    }
    if (changed[8])
        g_object_notify_by_pspec(G_OBJECT(self), props[PROP_END_DATE_TEXT]);
    g_object_thaw_notify(G_OBJECT(self));
    return TRUE;
}

json_t *pacta_contract_to_json(PactaContract *self)
{
    g_return_val_if_fail(PACTA_IS_CONTRACT(self), NULL);
    json_t *record = json_object();
    for (guint i = 0; i < N_FIELDS; i++) {
        /* a member the server did not send stays out (lifecycle is derived;
         * renewal_months 0 is no term: a record without it) */
        if ((i == LIFECYCLE && !*str_at(self, i)) || (i == RENEWAL_MONTHS && !int_at(self, i)))
            continue;
        json_object_set_new(record, fields[i].field, slot_json(self, i));
    }
    return record;
}

json_t *pacta_contract_to_create_args(PactaContract *self)
{
    g_return_val_if_fail(PACTA_IS_CONTRACT(self), NULL);
    json_t *args = json_object();
    const char *id = pacta_contract_get_id(self);
    if (*id)
        json_object_set_new(args, "id", json_string(id));
    for (guint w = 0; writable[w]; w++) {
        guint i = (guint)field_index(writable[w]);
        if (is_text(i) && (!self->v[i].s || (i == 11 && !*self->v[i].s)))
            continue; /* unset, or no owner: the server's default */
        json_object_set_new(args, writable[w], slot_json(self, i));
    }
    return args;
}

json_t *pacta_contract_get_field(PactaContract *self, const char *field)
{
    g_return_val_if_fail(PACTA_IS_CONTRACT(self), NULL);
    int i = field_index(field);
    return i < 0 ? NULL : slot_json(self, (guint)i);
}

gboolean pacta_contract_set_field(PactaContract *self, const char *field, const json_t *value,
                                  GError **error)
{
    g_return_val_if_fail(PACTA_IS_CONTRACT(self), FALSE);
    int i = field_index(field);
    if (i < 0) {
        g_set_error(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_INVALID, "unknown field");
        return FALSE;
    }
    if (strcmp(field, "id") == 0) {
        if (!json_is_string(value) || !pacta_valid_uuid(json_string_value(value))) {
            g_set_error(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_INVALID, "must be a UUID");
            return FALSE;
        }
    } else if (strcmp(field, "version") == 0) {
        if (!json_is_integer(value) || json_integer_value(value) < 0) {
            g_set_error(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_INVALID,
                        "must be a non-negative integer");
            return FALSE;
        }
    } else if (!pacta_contract_validate_value(field, value, error)) {
        return FALSE;
    }
    json_t *record = pacta_contract_to_json(self);
    json_object_set(record, field, value ? (json_t *)value : json_null());
    pacta_contract_update_from_json(self, record);
    json_decref(record);
    return TRUE;
}

json_t *pacta_contract_diff(PactaContract *base, PactaContract *edited)
{
    g_return_val_if_fail(PACTA_IS_CONTRACT(base) && PACTA_IS_CONTRACT(edited), NULL);
    json_t *changes = json_object();
    for (guint w = 0; writable[w]; w++) {
        guint i = (guint)field_index(writable[w]);
        if (!slot_equal(base, edited, i))
            json_object_set_new(changes, writable[w], slot_json(edited, i));
    }
    return changes;
}

/* ---- getters ------------------------------------------------------------- */

#define STR_GETTER(name, idx)                                                                      \
    const char *pacta_contract_get_##name(PactaContract *self)                                     \
    {                                                                                              \
        g_return_val_if_fail(PACTA_IS_CONTRACT(self), NULL);                                       \
        return str_at(self, idx);                                                                  \
    }
STR_GETTER(id, 0)
STR_GETTER(number, 1)
STR_GETTER(title, 2)
STR_GETTER(counterparty, 3)
STR_GETTER(kind, 4)
STR_GETTER(status, 5)
STR_GETTER(sign_date, 6)
STR_GETTER(start_date, 7)
STR_GETTER(end_date, 8)
STR_GETTER(currency, 10)
STR_GETTER(owner, 11)
STR_GETTER(description, 12)
STR_GETTER(renewal, 14)
STR_GETTER(created_at, 16)
STR_GETTER(updated_at, 17)
STR_GETTER(updated_by, 18)
STR_GETTER(deleted_at, 19)
STR_GETTER(lifecycle, LIFECYCLE)

gint64 pacta_contract_get_amount_cents(PactaContract *self)
{
    g_return_val_if_fail(PACTA_IS_CONTRACT(self), 0);
    return int_at(self, 9);
}

gint pacta_contract_get_notice_days(PactaContract *self)
{
    g_return_val_if_fail(PACTA_IS_CONTRACT(self), 0);
    return (gint)int_at(self, 13);
}

gint64 pacta_contract_get_version(PactaContract *self)
{
    g_return_val_if_fail(PACTA_IS_CONTRACT(self), 0);
    return int_at(self, 15);
}

gboolean pacta_contract_get_highlight(PactaContract *self)
{
    g_return_val_if_fail(PACTA_IS_CONTRACT(self), FALSE);
    return self->highlight;
}

const char *pacta_contract_get_last_actor(PactaContract *self)
{
    g_return_val_if_fail(PACTA_IS_CONTRACT(self), NULL);
    return self->last_actor ? self->last_actor : "";
}

const char *const *pacta_contract_get_changed_fields(PactaContract *self)
{
    g_return_val_if_fail(PACTA_IS_CONTRACT(self), NULL);
    return (const char *const *)self->changed_fields;
}

const char *pacta_contract_get_editing_text(PactaContract *self)
{
    g_return_val_if_fail(PACTA_IS_CONTRACT(self), NULL);
    return self->editing_text;
}

void pacta_contract_set_highlight(PactaContract *self, gboolean highlight)
{
    g_return_if_fail(PACTA_IS_CONTRACT(self));
    highlight = !!highlight;
    if (self->highlight == highlight)
        return;
    self->highlight = highlight;
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_HIGHLIGHT]);
}

void pacta_contract_set_last_change(PactaContract *self, const char *actor,
                                    const char *const *changed_fields)
{
    g_return_if_fail(PACTA_IS_CONTRACT(self));
    g_object_freeze_notify(G_OBJECT(self));
    if (g_strcmp0(self->last_actor, actor) != 0) {
        g_free(self->last_actor);
        self->last_actor = g_strdup(actor);
        g_object_notify_by_pspec(G_OBJECT(self), props[PROP_LAST_ACTOR]);
    }
    g_strfreev(self->changed_fields);
    self->changed_fields = g_strdupv((char **)changed_fields);
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_CHANGED_FIELDS]);
    g_object_thaw_notify(G_OBJECT(self));
}

void pacta_contract_set_editing_text(PactaContract *self, const char *text)
{
    g_return_if_fail(PACTA_IS_CONTRACT(self));
    if (g_strcmp0(self->editing_text, text) == 0)
        return;
    g_free(self->editing_text);
    self->editing_text = g_strdup(text);
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_EDITING_TEXT]);
}

/* ---- field metadata and validation ----------------------------------------- */

const char *const *pacta_contract_writable_fields(void)
{
    return writable;
}

const char *pacta_contract_field_label(const char *field)
{
    int i = field_index(field);
    return i < 0 ? field : fields[i].label;
}

const char *const *pacta_contract_field_choices(const char *field)
{
    static const char *const kinds[] = {"client", "supplier", NULL};
    static const char *const statuses[] = {"draft", "active", "expired", "terminated", NULL};
    static const char *const renewals[] = {"none", "auto", "evergreen", NULL};
    if (g_strcmp0(field, "kind") == 0)
        return kinds;
    if (g_strcmp0(field, "status") == 0)
        return statuses;
    if (g_strcmp0(field, "renewal") == 0)
        return renewals;
    return NULL;
}

gboolean pacta_contract_validate_value(const char *field, const json_t *value, GError **error)
{
    const struct pacta_field_def *def = field ? pacta_contract_field(field) : NULL;
    if (!def) {
        g_set_error(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_INVALID, "not a writable field");
        return FALSE;
    }
    json_auto_t *null = json_null();
    struct pacta_error err = {0};
    if (pacta_field_validate(def, value ? value : null, &err) != 0) {
        g_set_error(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_INVALID, "%s", err.message);
        return FALSE;
    }
    return TRUE;
}

gboolean pacta_contract_validate(PactaContract *self, const char **bad_field, GError **error)
{
    g_return_val_if_fail(PACTA_IS_CONTRACT(self), FALSE);
    json_auto_t *args = pacta_contract_to_create_args(self);
    for (guint i = 0; writable[i]; i++) {
        json_t *v = json_object_get(args, writable[i]);
        const struct pacta_field_def *def = pacta_contract_field(writable[i]);
        if (!v && !(def && (def->flags & PACTA_FF_REQUIRED)))
            continue; /* optional and unset: the server's default */
        if (!pacta_contract_validate_value(writable[i], v, error)) {
            if (bad_field)
                *bad_field = writable[i];
            return FALSE;
        }
    }
    struct pacta_error err = {0};
    json_auto_t *record = pacta_contract_to_json(self);
    if (pacta_contract_check(record, &err) != 0) {
        g_set_error(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_INVALID, "%s", err.message);
        if (bad_field) {
            int i = field_index(err.field);
            *bad_field = i >= 0 ? fields[i].field : "end_date";
        }
        return FALSE;
    }
    return TRUE;
}

/* ---- search and sort keys ------------------------------------------------------ */

gboolean pacta_contract_matches_search(PactaContract *self, const char *needle_folded)
{
    g_return_val_if_fail(PACTA_IS_CONTRACT(self), FALSE);
    if (!self->haystack)
        self->haystack =
            pacta_search_haystack_make(str_at(self, 1), str_at(self, 2), str_at(self, 3));
    return strstr(self->haystack, needle_folded) != NULL;
}

/*
 * A sorter compares two rows about 17 times per row for 100,000 rows; a
 * collation key made once per row and compared with strcmp() keeps that to
 * a pointer chase, where collating the texts (or evaluating a property
 * expression) on every comparison made a sort take seconds.
 */
static int sort_key_index(const char *field)
{
    for (guint i = 0; i < G_N_ELEMENTS(sort_key_fields); i++)
        if (strcmp(field, sort_key_fields[i]) == 0)
            return (int)i;
    return -1;
}

char *pacta_sort_key_make(const char *field, const char *text)
{
    if (strcmp(field, "end_date") == 0)
        return g_ref_string_new(text ? text : ""); /* ISO dates sort as text */
    g_autofree char *folded = g_utf8_casefold(text ? text : "", -1);
    g_autofree char *key = g_utf8_collate_key(folded, -1);
    return g_ref_string_new(key);
}

const char *pacta_contract_get_sort_key(PactaContract *self, const char *field)
{
    g_return_val_if_fail(PACTA_IS_CONTRACT(self), "");
    int i = sort_key_index(field);
    g_return_val_if_fail(i >= 0, "");
    if (!self->sort_keys[i])
        self->sort_keys[i] = pacta_sort_key_make(field, str_at(self, (guint)field_index(field)));
    return self->sort_keys[i];
}

char *pacta_contract_ref_sort_key(PactaContract *self, const char *field)
{
    int i = sort_key_index(field);
    g_return_val_if_fail(i >= 0, NULL);
    return self->sort_keys[i] ? g_ref_string_acquire(self->sort_keys[i]) : NULL;
}

char *pacta_contract_ref_haystack(PactaContract *self)
{
    return self->haystack ? g_ref_string_acquire(self->haystack) : NULL;
}

guint pacta_contract_get_revision(PactaContract *self)
{
    return self->revision;
}

void pacta_contract_offer_sort_key(PactaContract *self, const char *field, guint revision,
                                   char *key)
{
    int i = sort_key_index(field);
    if (i >= 0 && revision == self->revision && !self->sort_keys[i])
        self->sort_keys[i] = key;
    else
        g_ref_string_release(key);
}

void pacta_contract_offer_haystack(PactaContract *self, guint revision, char *haystack)
{
    if (revision == self->revision && !self->haystack)
        self->haystack = haystack;
    else
        g_ref_string_release(haystack);
}
