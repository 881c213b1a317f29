/*
 * dataset: the rows rank-train learns from, streamed out of history files.
 *
 * For each history file, checks it is an elim-rank history with the needed
 * columns, then reads, in time order, the rows where the label is known and
 * hands each usable one (every term value known) to a callback.  Memory
 * does not grow with the number of rows.
 */
#ifndef ELIM_RANK_DATASET_H
#define ELIM_RANK_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define DATASET_MAX_HOSTS 65536

struct dataset_spec {
	const struct model_term *terms;   /* term values become the row's x */
	size_t n_terms;
	const char *label;                /* column name */
	int64_t since, until;             /* epoch seconds; 0 = open */
	const char *host;                 /* only this host; NULL = all */
	/* optional: each row's label from this hook (NAN = none) instead of
	 * the label column, which then need not exist (acct.h) */
	double (*label_fn)(void *ctx, const char *host, int64_t time);
	void *label_ctx;
};

struct dataset_stats {
	uint64_t rows_read;      /* rows with a known label */
	uint64_t rows_used;
	uint64_t rows_skipped;   /* an unknown value in a used feature */
	size_t hosts;            /* distinct hosts among used rows */
};

/* Called for each usable row; x has n_terms values.  Non-zero stops the scan. */
typedef int (*dataset_row_fn)(void *ctx, const double *x, double y, int64_t time);

/*
 * Scan files[0..nfiles) in order.  Returns 0, the callback's non-zero
 * value, or a negative errno with a message naming the file in err.
 * stats may be NULL.
 */
int dataset_scan(const struct dataset_spec *spec, char *const *files, size_t nfiles,
		 dataset_row_fn fn, void *ctx, struct dataset_stats *stats,
		 char *err, size_t errlen);

/*
 * Expand paths: a directory stands for the *.db files in it (sorted).
 * On success *out is a malloc'd array of malloc'd strings (free with
 * dataset_free_files).  Returns the count or a negative errno with err set.
 */
long dataset_expand(char *const *paths, size_t n, char ***out, char *err, size_t errlen);
void dataset_free_files(char **files, size_t n);

#endif
