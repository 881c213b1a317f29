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
	const double *features;  /* FEAT_COUNT values, NAN = unknown; FEAT_VECTOR_LEN
				  * when opened with a binding */
	double rank;
	const char *model_id;    /* may be NULL */
};

/*
 * Open or create the history at path (the directory must exist).
 * On success *out owns the connection.  On failure returns a negative code
 * and writes a message naming the file into err.
 */
int history_open(const char *path, struct history **out, char *err, size_t errlen);

/*
 * The same, with a column for each runtime-named feature bound in names
 * (may be NULL; copied).  Missing columns are added to an existing history
 * (they read NULL in older rows).
 */
int history_open_bound(const char *path, const struct feature_binding *names,
		       struct history **out, char *err, size_t errlen);

/* Append one row.  Returns 0 or a negative code with a message in err. */
int history_append(struct history *h, const struct history_row *row, char *err, size_t errlen);

/* Close; NULL is fine. */
void history_close(struct history *h);

/* The SQL that creates schema version 1 (kept to test migration). */
extern const char history_schema_v1_sql[];

#endif
