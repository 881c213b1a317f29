/*
 * dataset: the rows rank-train learns from, streamed out of history files.
 *
 * For each history file, checks it is an elim-rank history with the needed
 * columns, then reads the rows where the label is known and hands each
 * usable one (every term value known) to a callback.  Memory does not grow
 * with the number of rows.  Rows come in storage order, which is fast (no
 * index walk): callers place rows by their time value, not their order.
 * Histories are opened through lib/history_read.h.
 */
#ifndef ELIM_RANK_DATASET_H
#define ELIM_RANK_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define DATASET_MAX_HOSTS 65536

struct dataset_spec {
	/* the features' names: static ones and runtime-named ones found in the
	 * histories (dataset_schema); NULL: static features only */
	const struct feature_schema *schema;
	const struct model_term *terms;   /* term values become the row's x */
	size_t n_terms;
	const char *label;                /* column name */
	int64_t since, until;             /* epoch seconds; 0 = open */
	const char *host;                 /* only this host; NULL = all */
	/* optional: each row's label from this hook (NAN = none) instead of
	 * the label column, which then need not exist (acct.h); label still
	 * names it in reports */
	double (*label_fn)(void *ctx, const char *host, int64_t time);
	void *label_ctx;
	/* more features to read (not required known),
	 * e.g. those of another model to score on the same rows; may be NULL */
	const bool *want;                 /* FEAT_VECTOR_LEN flags */
};

struct dataset_stats {
	uint64_t rows_read;      /* rows with a known label */
	uint64_t rows_used;
	uint64_t rows_skipped;   /* an unknown value in a used feature */
	size_t hosts;            /* distinct hosts among used rows */
	uint64_t unknown[MODEL_MAX_TERMS];  /* rows skipped because term i was unknown */
	char first_host[64];     /* one host name among used rows (for reports) */
};

/* One usable row as dataset_stream hands it over (valid during the call). */
struct dataset_row {
	const double *x;         /* n_terms term values, all finite */
	const double *feat;      /* FEAT_VECTOR_LEN feature values, NAN = unknown */
	double y;                /* the label, finite */
	int64_t time;
	const char *host;
};

typedef int (*dataset_stream_fn)(void *ctx, const struct dataset_row *row);

/*
 * Read files[0..nfiles) in order, handing each usable row to fn (non-zero
 * stops the scan).  Returns 0, the callback's non-zero value, or a negative
 * errno with a message naming the file in err.  stats may be NULL.
 */
int dataset_stream(const struct dataset_spec *spec, char *const *files, size_t nfiles,
		   dataset_stream_fn fn, void *ctx, struct dataset_stats *stats,
		   char *err, size_t errlen);

/*
 * The first and last time of a row with a known label within spec's window
 * and host filter, over all files (uses the time index).  *tmin > *tmax when
 * there is none.  Returns 0 or a negative errno with a message naming the
 * file (missing, locked, corrupt, foreign, no such label column) in err.
 */
int dataset_time_range(const struct dataset_spec *spec, char *const *files, size_t nfiles,
		       int64_t *tmin, int64_t *tmax, char *err, size_t errlen);

/*
 * The share of rows (with a known label, within spec's window and host)
 * where each feature is known, estimated from the first `limit` such rows
 * of each file: known[f] for f < FEAT_VECTOR_LEN (NAN when there is no row
 * or the feature has no name in spec->schema).
 * Cheap; used to leave mostly unknown features out of default candidates.
 * Returns 0 or a negative errno with a message naming the file in err.
 */
int dataset_known_share(const struct dataset_spec *spec, char *const *files, size_t nfiles,
			unsigned limit, double *known, char *err, size_t errlen);

/*
 * Add to schema every runtime-named feature (pcap_NAME_bps) that is a
 * column of a history among paths[0..n) (files, or directories as in
 * dataset_expand): the names the elims that wrote them bound.  Paths and
 * files that cannot be read are skipped here (the scan reports them).
 * Returns 0, or -ENOSPC with a message naming the file in err when there
 * are more such names than slots.
 */
int dataset_schema(char *const *paths, size_t n, struct feature_schema *schema,
		   char *err, size_t errlen);

/*
 * Expand paths: a directory stands for the *.db files in it (sorted).
 * On success *out is a malloc'd array of malloc'd strings (free with
 * dataset_free_files).  Returns the count or a negative errno with err set.
 */
long dataset_expand(char *const *paths, size_t n, char ***out, char *err, size_t errlen);
/*
 * The rows the scan reads, as SQL for other readers (extract.h): " FROM
 * samples WHERE" the label known (any row with spec->label_fn), within
 * since/until and of spec->host, into sql; returns its length (>= size:
 * cut).  dataset_bind_filters binds its parameters on a statement that
 * ends with it (parameters ?1..?3).
 */
size_t dataset_where(const struct dataset_spec *spec, char *sql, size_t size);
struct sqlite3_stmt;
void dataset_bind_filters(const struct dataset_spec *spec, struct sqlite3_stmt *st);

/* The same with the files of a directory named by their suffix (".factor"). */
long dataset_expand_suffix(char *const *paths, size_t n, const char *suffix, char ***out,
			   char *err, size_t errlen);
void dataset_free_files(char **files, size_t n);

#endif
