/*
 * history: the SQLite file every sample is appended to.
 *
 * One wide table, samples(time, host, <one REAL column per feature>, rank,
 * model_id); unknown features are NULL.  WAL journal, synchronous=NORMAL,
 * auto_vacuum=INCREMENTAL from creation, a small page cache.  The schema
 * version is PRAGMA user_version; older versions are migrated in place.
 * The layout is documented in elim-rank.history(5).
 *
 * Errors are returned (negative errno-style codes) with a message in the
 * caller's buffer; nothing here logs.
 */
#ifndef ELIM_RANK_HISTORY_H
#define ELIM_RANK_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "feature_set.h"

#define HISTORY_SCHEMA_VERSION 2

/* Distinguishable failures of history_open, besides I/O errnos. */
#define HISTORY_EFOREIGN  (-1001)   /* a database, but not an elim-rank history */
#define HISTORY_ENEWER    (-1002)   /* written by a newer elim-rank */
#define HISTORY_ECORRUPT  (-1003)   /* not a database, or damaged */

struct history;

struct history_row {
	int64_t time;            /* Unix epoch seconds */
	const char *host;
	const double *features;  /* FEAT_VECTOR_LEN values, NAN = unknown */
	double rank;
	const char *model_id;    /* may be NULL */
};

/*
 * Process-wide, before the first history is opened (the elim's recorder
 * calls it): SQLite then grows each page cache page by page, up to its
 * cache_size, instead of starting with a bulk allocation of 20 pages
 * (87 KiB, every page touched) per cache, temporary ones included.
 * Returns 0, or -EBUSY when SQLite is already initialised (no change).
 */
int history_lean_caches(void);

/* Flags for history_open. */
#define HISTORY_ROLLBACK_JOURNAL 1u   /* journal_mode=DELETE: for network file systems */

/*
 * Open or create the history at path (the directory must exist), with a
 * column for each static feature and each runtime-named feature bound in
 * schema (NULL: static only; copied).  Missing columns are added to an
 * existing history (they read NULL in older rows).  flags: 0 or
 * HISTORY_ROLLBACK_JOURNAL.  On success *out owns the connection.  On
 * failure returns a negative code and writes a message naming the file
 * into err.
 */
int history_open(const char *path, const struct feature_schema *schema, unsigned flags,
		 struct history **out, char *err, size_t errlen);

struct sqlite3;

/*
 * Make the empty database db (named path in messages) a history of some
 * columns only, as rank-train --extract writes: the samples table with
 * time, host and the REAL columns names[0..n) (SQL identifiers: feature
 * or label names), its time index and this schema version.  Readers take
 * it as any history; history_open would add the missing columns.  Returns
 * 0 or a negative code with a message naming path in err.
 */
int history_create_columns(struct sqlite3 *db, const char *path, const char *const *names,
			   size_t n, char *err, size_t errlen);

/*
 * One bounded step of retention: delete at most max_rows of the oldest
 * samples that are older than before (Unix seconds; 0 = no age limit) or,
 * while the live data exceeds max_bytes (0 = no size limit), the oldest
 * ones.  *more is set when another step has work to do.  Then reclaims up
 * to vacuum_pages free pages (incremental vacuum).  Returns 0 or a negative
 * code with a message in err.
 */
int history_prune(struct history *h, int64_t before, int64_t max_bytes, int max_rows,
		  int vacuum_pages, int *more, char *err, size_t errlen);

/* Bytes of live data (pages in use times page size), or a negative code. */
int64_t history_live_bytes(struct history *h);

/* Append one row.  Returns 0 or a negative code with a message in err. */
int history_append(struct history *h, const struct history_row *row, char *err, size_t errlen);

/*
 * Append n rows in one transaction: all of them or none.  One commit for
 * several rows costs much less than one per row: the WAL takes each changed
 * page once per commit.  Returns 0 or a negative code with a message in err
 * (then nothing was written).
 */
int history_append_many(struct history *h, const struct history_row *rows, size_t n,
			char *err, size_t errlen);

/* Close; NULL is fine. */
void history_close(struct history *h);

/* The SQL that creates schema version 1 (kept to test migration). */
extern const char history_schema_v1_sql[];

#endif
