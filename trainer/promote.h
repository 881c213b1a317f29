/*
 * promote: rank-train --promote DIR [GROUP], a canary model made the
 * group's model.
 *
 * rank-train --group-by --canary HOSTS writes each canary host's new group
 * model as DIR/canary/HOST.model, a model with "meta group GROUP" (the
 * elim reads it before DIR/GROUP.model: model_source.h).  Promoting GROUP
 * takes its canary files (those whose "meta group" line names it), which
 * must all be the same bytes (copies of one model), and:
 *   1. links the current DIR/GROUP.model (if any) as DIR/GROUP.model.prev
 *      (through a temporary name and a rename: an older .prev is replaced
 *      only by a whole one);
 *   2. renames one canary file over DIR/GROUP.model (atomic: an elim reads
 *      the old or the new model, never a part);
 *   3. removes the other canary copies (their hosts then read
 *      DIR/GROUP.model, the same model).
 * Without GROUP, every group with canary files is promoted.  Undo by hand:
 * mv DIR/GROUP.model.prev DIR/GROUP.model.  Nothing here prints: what was
 * done is appended to a caller's buffer.
 */
#ifndef ELIM_RANK_PROMOTE_H
#define ELIM_RANK_PROMOTE_H

#include <stddef.h>

#define PROMOTE_MAX_FILES 4096   /* canary files in DIR/canary */

/*
 * The group a model's text[0..len) names in its first line "meta group
 * NAME" into group (size at least 64): NAME 1-63 letters, digits, '.', '-'
 * or '_', not starting with '.'.  Returns 0, or -ENOENT (group "") when
 * there is no such line or its name is not one.  Pure; text need not end
 * in NUL.
 */
int promote_group_of(const char *text, size_t len, char *group, size_t size);

/*
 * Promote group (NULL: every group with canary files) in dir.  Returns the
 * number of groups promoted (>= 1), or a negative errno with "PATH: problem"
 * in err: no canary model of the group, canary copies that differ, a file
 * that cannot be read, renamed or linked (what was done before the failure
 * is in done: a failure after step 1 leaves the group's model as it was).
 * done (may be NULL) gets one line a step.
 */
int promote_run(const char *dir, const char *group, char *done, size_t donelen, char *err,
		size_t errlen);

#endif
