/*
 * The member checks every op decoder makes (internal.h): only known
 * members, JSON null as absent, and typed, ranged values whose errors name
 * the member.  One copy, so that every op says "unknown field", "required"
 * or "must be between 1 and 262144" the same way.
 */
#include <string.h>

#include "internal.h"

int pacta__check_members(const json_t *args, const char *const *allowed, struct pacta_error *err)
{
    const char *key;
    json_t *value;
    if (!json_is_object(args))
        return pacta_error_set(err, PACTA_BAD_REQUEST, "args", "must be an object");
    json_object_foreach((json_t *)args, key, value)
    {
        int known = 0;
        for (int i = 0; allowed[i] && !known; i++)
            known = strcmp(allowed[i], key) == 0;
        if (!known)
            return pacta_error_set(err, PACTA_BAD_REQUEST, key, "unknown field");
    }
    return 0;
}

json_t *pacta__member(const json_t *args, const char *name)
{
    json_t *v = json_object_get(args, name);
    return json_is_null(v) ? NULL : v;
}

int pacta__get_text(const json_t *args, const char *name, int required, size_t min, size_t max,
                    unsigned rules, const char **out, struct pacta_error *err)
{
    json_t *v = pacta__member(args, name);
    *out = NULL;
    if (v == NULL)
        return required ? pacta_error_set(err, PACTA_BAD_REQUEST, name, "required") : 0;
    if (!json_is_string(v))
        return pacta_error_set(err, PACTA_BAD_REQUEST, name, "must be a string");
    int rc = pacta__check_text(json_string_value(v), min, max, rules, name, err);
    if (rc == 0)
        *out = json_string_value(v);
    return rc;
}

int pacta__get_int(const json_t *args, const char *name, int required, int64_t min, int64_t max,
                   int64_t *out, int *present, struct pacta_error *err)
{
    json_t *v = pacta__member(args, name);
    if (present)
        *present = v != NULL;
    if (v == NULL)
        return required ? pacta_error_set(err, PACTA_BAD_REQUEST, name, "required") : 0;
    if (!json_is_integer(v))
        return pacta_error_set(err, PACTA_BAD_REQUEST, name, "must be an integer");
    json_int_t n = json_integer_value(v);
    if (n < min || n > max) {
        if (max == INT64_MAX)
            return pacta_error_set(err, PACTA_BAD_REQUEST, name, "must be at least %lld",
                                   (long long)min);
        return pacta_error_set(err, PACTA_BAD_REQUEST, name, "must be between %lld and %lld",
                               (long long)min, (long long)max);
    }
    *out = n;
    return 0;
}

int pacta__get_uuid(const json_t *args, const char *name, int required, const char **out,
                    struct pacta_error *err)
{
    json_t *v = pacta__member(args, name);
    *out = NULL;
    if (v == NULL)
        return required ? pacta_error_set(err, PACTA_BAD_REQUEST, name, "required") : 0;
    if (!json_is_string(v))
        return pacta_error_set(err, PACTA_BAD_REQUEST, name, "must be a string");
    if (!pacta_valid_uuid(json_string_value(v)))
        return pacta_error_set(err, PACTA_BAD_REQUEST, name, "must be a canonical lowercase UUID");
    *out = json_string_value(v);
    return 0;
}

int pacta__get_bool(const json_t *args, const char *name, int *out, struct pacta_error *err)
{
    json_t *v = pacta__member(args, name);
    if (v == NULL)
        return 0;
    if (!json_is_boolean(v))
        return pacta_error_set(err, PACTA_BAD_REQUEST, name, "must be a boolean");
    *out = json_is_true(v);
    return 0;
}
