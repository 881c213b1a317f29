/*
 * csv: rank-train --export-csv, the rows it trains on as RFC 4180 CSV
 * (header: time, host, fold, the label, then each term's expression,
 * quoted since "mul(a,b)" holds a comma).  Written to a temporary file
 * beside the target and renamed into place by csv_commit, so a failed run
 * leaves no half file.
 */
#ifndef ELIM_RANK_CSV_H
#define ELIM_RANK_CSV_H

#include <stdint.h>
#include <stdio.h>

#include "fsutil.h"
#include "model.h"

struct csv_out {
	FILE *f;               /* the temporary file (out.f), NULL when closed */
	struct fs_atomic out;  /* lib/fsutil.h */
	size_t n_terms;
};

/* Create the temporary file and write the header (terms named by schema,
 * NULL: static features only).  0 or -errno (err set). */
int csv_begin(struct csv_out *c, const char *path, const char *label,
	      const struct feature_schema *schema, const struct model_term *terms,
	      size_t n_terms, char *err, size_t errlen);

/* One row; 0 or -EIO. */
int csv_row(struct csv_out *c, int64_t time, const char *host, unsigned fold,
	    double y, const double *x);

/* Flush, fsync, rename into place.  0 or -errno (err set); closes either way. */
int csv_commit(struct csv_out *c, char *err, size_t errlen);

/* Close and remove the temporary file (NULL-safe for an unused c). */
void csv_abort(struct csv_out *c);

#endif
