/*
 * history_read: the read side of the history format (elim-rank.history(5)).
 *
 * What both the writer (lib/history.c) and the readers (the trainer's
 * dataset and its accounting join) must agree on lives here once:
 * - how SQLite's result codes map to our codes (history_sqlite_code);
 * - which files are histories we may use (history_check_schema): a schema
 *   version newer than this program's is refused, naming the file, as is a
 *   database without a samples table or a schema version;
 * - opening one read-only and learning its columns (history_read_open).
 *
 * Errors are returned (negative errno-style codes, HISTORY_E* from
 * history.h) with a message naming the file in the caller's buffer; nothing
 * here logs.
 */
#ifndef ELIM_RANK_HISTORY_READ_H
#define ELIM_RANK_HISTORY_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "feature_set.h"
#include "history.h"

/*
 * Our code for an SQLite result code (extended codes are folded to their
 * primary one): HISTORY_ECORRUPT (not a database, damaged), -ENOSPC (full),
 * -EROFS, -EBUSY (locked), -EACCES (cannot open), -ENOMEM, else -EIO.
 * Always negative: call it with a failure (SQLITE_ROW or SQLITE_DONE where
 * the other was expected is -EIO too).
 */
int history_sqlite_code(int sqlite_rc);

/*
 * Is a database with this PRAGMA user_version (version), any table at all
 * (has_tables) and a samples table (has_samples) a history this program may
 * use?  Returns 0; HISTORY_ENEWER when version is newer than
 * HISTORY_SCHEMA_VERSION ("PATH: schema version N is newer than this
 * elim-rank's M"); HISTORY_EFOREIGN when it has tables but no samples table
 * or no schema version ("PATH: not an elim-rank history ...").  An empty
 * database (no table, version 0) passes: the writer creates its schema
 * there; a reader refuses it by passing has_tables true.
 */
int history_check_schema(const char *path, int64_t version, bool has_tables, bool has_samples,
			 char *err, size_t errlen);

#define HISTORY_MAX_COLUMNS 256
#define HISTORY_COLUMN_NAME 64

/* The columns of a history's samples table. */
struct history_columns {
	int version;                                  /* PRAGMA user_version */
	size_t n;                                     /* columns in name[] */
	char name[HISTORY_MAX_COLUMNS][HISTORY_COLUMN_NAME];
	bool feature[FEAT_VECTOR_LEN];                /* a feature of the schema has a column */
};

/* Is there a column of this name?  (Names are compared exactly.) */
bool history_columns_has(const struct history_columns *c, const char *name);

/*
 * Open the history at path read-only and check it is one we may read: it
 * exists and is not a directory; it is not a live WAL database on a
 * network file system (-EREMOTE: SQLite cannot read it safely there; the
 * message says to read a snapshot); history_check_schema passes (an empty
 * or foreign database, or a newer schema, is refused).  Waits up to busy_ms
 * for a writer's lock.  On success *db owns the read-only connection (close
 * with sqlite3_close) and *cols (caller-owned) holds the schema version and
 * the samples table's columns, with which features of schema (NULL: the
 * static ones) have one.  On failure returns a negative code with a
 * message naming the file in err, and *db is NULL.
 */
int history_read_open(const char *path, const struct feature_schema *schema, int busy_ms,
		      sqlite3 **db, struct history_columns *cols, char *err, size_t errlen);

/*
 * The message and code for a failed SQLite call rc on db (reading path;
 * what says what was being done, busy_ms how long a lock was waited for):
 * "PATH: locked by another process (waited N ms); ...", "PATH: corrupt or
 * not an SQLite database: ...", "PATH: out of memory", else
 * "PATH: WHAT: sqlite's message".  Returns history_sqlite_code(rc).
 */
int history_read_error(sqlite3 *db, const char *path, const char *what, int rc, int busy_ms,
		       char *err, size_t errlen);

#endif
