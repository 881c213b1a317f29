/*
 * cv: solving and cross-validating from finished fold accumulators.
 *
 * cv_prepare merges the per-fold factors once for each training set (all
 * folds but one, and all folds), again through gsl_multilarge_linear
 * (TSQR): stacking triangular factors is a least-squares problem of p + 2
 * rows per fold.  Every fit after that is a small dense problem: a subset
 * of the columns, optionally with a ridge penalty lambda * ||beta||^2 on
 * the standardised slopes (never on the intercept).  A held-out fold's
 * squared error for any coefficients is || R_f [c; -1] ||^2, so the
 * cross-validation needs no second pass over the rows.
 *
 * Column indices (cols[]) name term columns 0..p-1 of the folds.
 * Functions return 0 or a negative errno with a message in err.
 */
#ifndef ELIM_RANK_CV_H
#define ELIM_RANK_CV_H

#include <stdbool.h>
#include <stddef.h>

#include "accum.h"

struct cv {
	const struct folds *F;
	gsl_matrix *train[ACCUM_MAX_FOLDS];   /* merged factor without fold f */
	gsl_matrix *all;                      /* merged factor of every fold */
};

/* The result of one fit on a subset of columns. */
struct cv_fit {
	size_t ncols;
	int cols[ACCUM_MAX_COLS];
	double lambda;
	double intercept, intercept_se;       /* in label units */
	double coef[ACCUM_MAX_COLS];          /* per standard deviation of the term */
	double se[ACCUM_MAX_COLS];
	double sse, r2, rmse;                 /* on all rows (in-sample) */
	double rcond;                         /* of the standardised design */
	double cv_sse[ACCUM_MAX_FOLDS];       /* held-out squared error per fold */
	double cv_rmse;                       /* sqrt(sum cv_sse / n) */
};

int cv_prepare(struct cv *cv, const struct folds *F, char *err, size_t errlen);
void cv_free(struct cv *cv);

/*
 * Coefficients c[0..ncols] (c[0] intercept, in the basis [1, z - 0, y - ybar])
 * minimising the training set's error plus lambda ||c[1..]||^2.
 * fold < k: train without that fold; fold == k: all folds.
 * Returns -EDOM when the subset is singular (collinear) without a penalty.
 */
int cv_solve(const struct cv *cv, unsigned fold, const int *cols, size_t ncols,
	     double lambda, double *c);

/* Squared error of coefficients c (as from cv_solve) on fold f's rows. */
double cv_fold_sse(const struct folds *F, unsigned f, const int *cols, size_t ncols,
		   const double *c);

/* Held-out error summed over folds; -EDOM when some training set is singular. */
int cv_error(const struct cv *cv, const int *cols, size_t ncols, double lambda,
	     double *cv_sse_per_fold, double *total);

/*
 * Check the subset is fit to solve: no constant term, none a linear
 * combination of the ones before it.  names[i] names column i.  Returns 0,
 * or -EDOM with a message naming the terms.
 */
int cv_check(const struct cv *cv, const int *cols, size_t ncols,
	     const char *const *names, char *err, size_t errlen);

/* A full fit: coefficients on all rows, standard errors, R^2, CV. */
int cv_fit(const struct cv *cv, const int *cols, size_t ncols, double lambda,
	   struct cv_fit *out, char *err, size_t errlen);

/* Lambda minimising the blocked-CV error over a log grid (0 included). */
int cv_choose_lambda(const struct cv *cv, const int *cols, size_t ncols,
		     double *lambda, char *err, size_t errlen);

/* Lambda at the corner of the L-curve (gsl_multilarge_linear_lcurve). */
int cv_lcurve_lambda(const struct cv *cv, const int *cols, size_t ncols,
		     double *lambda, char *err, size_t errlen);

/* Convert standardised coefficients c[0..ncols] into a cv_fit's fields and CV. */
int cv_evaluate(const struct cv *cv, const int *cols, size_t ncols, const double *c,
		double lambda, struct cv_fit *out);

#endif
