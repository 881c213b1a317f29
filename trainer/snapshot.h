/*
 * snapshot: a consistent copy of a live history, without the sqlite3 tool.
 *
 * rank-train --snapshot HISTORY OUT copies HISTORY (an elim's SQLite
 * history, in WAL mode, possibly being written at that moment) to OUT with
 * SQLite's online backup API in one step, so the copy is one transaction's
 * view of the database.  It works on SQLite 3.26 (RHEL 8), where VACUUM
 * INTO does not exist.  The copy is made in a temporary file beside OUT,
 * turned into a rollback-journal database (readable on any file system),
 * checked (PRAGMA quick_check), fsync'd and renamed over OUT: OUT is
 * either as it was or the whole snapshot.  HISTORY is opened read-only.
 */
#ifndef ELIM_RANK_SNAPSHOT_H
#define ELIM_RANK_SNAPSHOT_H

#include <stddef.h>

/*
 * Copy src to dst as above.  busy_ms: how long to wait for a writer's lock
 * (the elim holds it only while it writes a batch).  Returns 0, or a
 * negative errno with "FILE: what" in err (-EIO for SQLite's errors, -EBUSY
 * when the database stayed locked, -EEXIST when dst is src itself); on
 * failure nothing is left beside dst.
 */
int snapshot_copy(const char *src, const char *dst, int busy_ms, char *err, size_t errlen);

#endif
