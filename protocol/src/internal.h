/*
 * Declarations shared between the files of libpacta-protocol and not part of
 * its public interface.  Names carry the pacta__ prefix (STYLE.md).
 */
#ifndef PACTA_PROTOCOL_INTERNAL_H
#define PACTA_PROTOCOL_INTERNAL_H

#include <stddef.h>

#include <pacta/protocol.h>

/* Out of memory is not an error we report: it aborts (STYLE.md, as h2o). */
void pacta__fatal_oom(void) __attribute__((noreturn));

/* Number of Unicode code points in a string known to be valid UTF-8. */
size_t pacta__utf8_length(const char *s);

/* What a text value may contain, for pacta__check_text(). */
#define PACTA__TEXT_SINGLE_LINE 0x1 /* no control characters at all */
#define PACTA__TEXT_MULTI_LINE 0x2  /* \n and \t allowed, other controls not */
#define PACTA__TEXT_NOT_BLANK 0x4   /* must hold a non-whitespace character */
#define PACTA__TEXT_BYTES 0x8       /* min/max count bytes, not code points */

/*
 * Checks a string value (valid UTF-8, as jansson guarantees) against a length
 * range and the content rules in `rules`.  Returns 0 or sets err on `field`.
 */
int pacta__check_text(const char *s, size_t min, size_t max, unsigned rules, const char *field,
                      struct pacta_error *err);

/*
 * Member checks of the op decoders (arg_members.c).  Every one returns 0 or
 * sets err (bad_request) naming the member; strings in *out borrow from
 * args.  JSON null is the same as an absent member.
 */
/* Refuses args that is not an object, or any member not in `allowed`
 * (NULL-terminated): "unknown field". */
int pacta__check_members(const json_t *args, const char *const *allowed, struct pacta_error *err);
/* The member, or NULL when it is absent or null. */
json_t *pacta__member(const json_t *args, const char *name);
/* A string checked by pacta__check_text (min..max, rules); absent: "required"
 * if required, else 0 with *out NULL. */
int pacta__get_text(const json_t *args, const char *name, int required, size_t min, size_t max,
                    unsigned rules, const char **out, struct pacta_error *err);
/* An integer in min..max; absent: "required" if required, else 0 and *out
 * untouched.  *present (may be NULL) tells whether it was given. */
int pacta__get_int(const json_t *args, const char *name, int required, int64_t min, int64_t max,
                   int64_t *out, int *present, struct pacta_error *err);
/* A canonical lowercase UUID; absent: "required" if required, else 0 with
 * *out NULL. */
int pacta__get_uuid(const json_t *args, const char *name, int required, const char **out,
                    struct pacta_error *err);
/* An optional boolean; absent: 0 and *out untouched. */
int pacta__get_bool(const json_t *args, const char *name, int *out, struct pacta_error *err);

/* 1 if name is a server-managed contract field (version, created_at, ...). */
int pacta__is_server_managed(const char *name);

/* The value a writable contract field takes when create leaves it out
 * (new reference). */
json_t *pacta__field_default(const struct pacta_field_def *def);

#endif
