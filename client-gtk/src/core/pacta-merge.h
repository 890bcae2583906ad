/*
 * pacta-desk: PactaMerge, the three-way merge of a stale save (PROTOCOL.md
 * §8, DESIGN §5).
 *
 *   base    the record the editor loaded (version N)
 *   mine    what the user typed: a whole record or only the changed
 *           fields (members absent from `mine` count as unchanged)
 *   theirs  the server's current record (the conflict's "current")
 *
 * Per writable field:
 *   UNCHANGED  nobody changed it
 *   MINE       only I changed it: re-sent at theirs' version, no question
 *   THEIRS     only they changed it: take theirs
 *   SAME       both changed it to the same value: nothing to send
 *   CONFLICT   both changed it to different values: the user picks MINE or
 *              THEIRS (pacta_merge_choose); until then the merge is not
 *              resolved.  Nothing the user typed is dropped: mine stays
 *              available in pacta_merge_get_mine().
 *
 * Pure logic over jansson values; no I/O.
 */
#ifndef PACTA_DESK_MERGE_H
#define PACTA_DESK_MERGE_H

#include <glib-object.h>
#include <jansson.h>

G_BEGIN_DECLS

typedef enum {
    PACTA_MERGE_UNCHANGED = 0,
    PACTA_MERGE_MINE,
    PACTA_MERGE_THEIRS,
    PACTA_MERGE_SAME,
    PACTA_MERGE_CONFLICT,
} PactaMergeKind;

typedef enum {
    PACTA_MERGE_PICK_NONE = 0, /* not chosen yet (CONFLICT only) */
    PACTA_MERGE_PICK_MINE,
    PACTA_MERGE_PICK_THEIRS,
} PactaMergePick;

#define PACTA_TYPE_MERGE (pacta_merge_get_type())
G_DECLARE_FINAL_TYPE(PactaMerge, pacta_merge, PACTA, MERGE, GObject)

/* All three borrowed (copied inside).  base and theirs are whole records. */
PactaMerge *pacta_merge_new(const json_t *base, const json_t *mine, const json_t *theirs);

/* Writable fields in §5 order (static, NULL-terminated) and their kind. */
PactaMergeKind pacta_merge_get_kind(PactaMerge *self, const char *field);
/* Fields of one kind, §5 order (new NULL-terminated array). */
GStrv pacta_merge_list_fields(PactaMerge *self, PactaMergeKind kind);
guint pacta_merge_count(PactaMerge *self, PactaMergeKind kind);

/* The values of a field (borrowed; JSON null for a cleared date). */
const json_t *pacta_merge_get_base(PactaMerge *self, const char *field);
const json_t *pacta_merge_get_mine(PactaMerge *self, const char *field);
const json_t *pacta_merge_get_theirs(PactaMerge *self, const char *field);

/* Who changed theirs, and when (theirs' updated_by / updated_at / version). */
const char *pacta_merge_get_their_author(PactaMerge *self);
const char *pacta_merge_get_their_time(PactaMerge *self);
gint64 pacta_merge_get_their_version(PactaMerge *self);

/* For a CONFLICT field: choose a side (FALSE if the field is not CONFLICT). */
gboolean pacta_merge_choose(PactaMerge *self, const char *field, PactaMergePick pick);
PactaMergePick pacta_merge_get_choice(PactaMerge *self, const char *field);
/* TRUE when every CONFLICT field has a choice. */
gboolean pacta_merge_is_resolved(PactaMerge *self);

/*
 * The `changes` to send with "version": their_version (new reference): MINE
 * fields, plus CONFLICT fields resolved as MINE.  Unresolved conflicts are
 * left out (callers check is_resolved first).  {} when nothing is left to
 * send (e.g. every conflict resolved as theirs).
 */
json_t *pacta_merge_get_changes(PactaMerge *self);
/* The merged record: theirs with the changes applied (new reference). */
json_t *pacta_merge_get_result(PactaMerge *self);

/* TRUE if the JSON values are equal for merge purposes (NULL == json null). */
gboolean pacta_merge_values_equal(const json_t *a, const json_t *b);

G_END_DECLS

#endif
