/*
 * accum: one streaming pass of rows into k per-fold TSQR accumulators.
 *
 * Each row (term values x[0..p), label y, time t) goes to the fold of its
 * time: the window [tmin, tmax] is cut into k contiguous, equal time blocks
 * (samples seconds apart are autocorrelated: random folds would flatter a
 * model).  Each fold has its own gsl_multilarge_linear (TSQR) workspace
 * fed in blocks of ACCUM_BLOCK rows with the augmented row [1, u, y - c],
 * where u is x shifted and scaled by the first rows' mean and deviation
 * (a provisional preconditioning).  The mean and deviation of every column
 * over all rows are kept with Welford's one-pass method.
 *
 * accum_finish then turns each fold's triangular factor into the final
 * standardised basis [1, z, y - ybar], z = (x - mean) / sd, exactly (an
 * upper-triangular change of basis), so that for any coefficient vector
 * c over [1, z]:  sum over the fold's rows of (y - [1 z] c)^2
 *               = || R_f [c; -1] ||^2.
 * Memory is O(k p^2 + k ACCUM_BLOCK p), whatever the number of rows.
 * GSL's error handler must be off; every GSL status is checked.
 */
#ifndef ELIM_RANK_ACCUM_H
#define ELIM_RANK_ACCUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_matrix.h>

#include "model.h"

#define ACCUM_BLOCK 1024
#define ACCUM_MAX_FOLDS 20
#define ACCUM_MAX_COLS MODEL_MAX_TERMS

/* The finished accumulation: every field is read-only for callers. */
struct folds {
	size_t p;                          /* term columns */
	unsigned k;                        /* folds */
	int64_t tmin, tmax;                /* the time window cut into folds */
	uint64_t n[ACCUM_MAX_FOLDS];       /* rows per fold */
	uint64_t n_total;
	double mean[ACCUM_MAX_COLS];       /* of each term over all rows */
	double scale[ACCUM_MAX_COLS];      /* its standard deviation (0: constant) */
	double ymean, sst;                 /* label mean, sum of squares about it */
	/* (p+2) x (p+2) upper triangular, columns [1, z_1..z_p, y - ymean] */
	gsl_matrix *R[ACCUM_MAX_FOLDS];
};

struct accum;

/*
 * A new accumulator for p term columns (1..ACCUM_MAX_COLS) and k folds
 * (2..ACCUM_MAX_FOLDS) over the time window [tmin, tmax].  Returns 0 or
 * -EINVAL / -ENOMEM.
 */
int accum_new(size_t p, unsigned k, int64_t tmin, int64_t tmax, struct accum **out);

/* The fold of a time (clamped into the window). */
unsigned accum_fold_of(const struct accum *a, int64_t time);

/* The fold of a time in a finished accumulation (same rule). */
unsigned folds_fold_of(const struct folds *f, int64_t time);

/* Add one row (x has p finite values).  Returns 0 or -EDOM on a GSL failure. */
int accum_add(struct accum *a, const double *x, double y, int64_t time);

/*
 * Flush, then fill *out (which then owns the R matrices: folds_free).
 * Fails with -ENODATA when a fold has fewer than p + 2 rows (message in
 * err), -EDOM on a GSL failure.  The accumulator is spent either way.
 */
int accum_finish(struct accum *a, struct folds *out, char *err, size_t errlen);

/*
 * accum_finish for a part of the rows (a partial fit, partial.h): a fold
 * may have any number of rows, none included (its R is then zero); the
 * merge checks the pooled counts.  Same results otherwise.
 */
int accum_finish_partial(struct accum *a, struct folds *out, char *err, size_t errlen);

void accum_free(struct accum *a);

/* Free the matrices of a finished accumulation (NULL-safe, idempotent). */
void folds_free(struct folds *f);

#endif
