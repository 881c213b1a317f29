/*
 * ols_oracle: the reference fit the tests hold rank-train's answers to.
 *
 * Ordinary least squares over a streamed dataset in bounded memory, the
 * plain way: two passes over the rows, the first for each term's mean and
 * standard deviation (Welford), the second accumulating the standardised
 * design in blocks into GSL's large linear least-squares workspace (TSQR).
 * Nothing in the programs uses it: it is the skeleton's first fit, kept as
 * an independent oracle for the one-pass cross-validated fit (trainer/cv.c).
 * ols_oracle_scan is the other half of the oracle: the rows dataset_stream
 * gives, handed over in time order.  GSL's error handler must be off
 * (gsl_set_error_handler_off): every status is checked here.
 */
#ifndef ELIM_RANK_OLS_ORACLE_H
#define ELIM_RANK_OLS_ORACLE_H

#include "dataset.h"
#include "model.h"

#define OLS_ORACLE_MIN_ROWS_PER_TERM 10

struct ols_oracle_result {
	size_t p;                          /* number of terms */
	double mean[MODEL_MAX_TERMS];      /* of each term's value */
	double scale[MODEL_MAX_TERMS];     /* its standard deviation */
	double coef[MODEL_MAX_TERMS];      /* per standardised unit */
	double se[MODEL_MAX_TERMS];        /* standard error of coef */
	double intercept, intercept_se;
	double r2;                         /* on the training rows */
	double rmse;                       /* residual RMS on the training rows */
	double rcond;                      /* reciprocal condition number */
	struct dataset_stats stats;
};

/* Called for each usable row; x has n_terms values.  Non-zero stops the scan. */
typedef int (*ols_oracle_row_fn)(void *ctx, const double *x, double y, int64_t time);

/*
 * The usable rows of files[0..nfiles) (dataset_stream's), in time order
 * (rows of the same time in the order dataset_stream gave them).  Returns 0,
 * the callback's non-zero value, or dataset_stream's negative errno with its
 * message in err.  stats may be NULL.
 */
int ols_oracle_scan(const struct dataset_spec *spec, char *const *files, size_t nfiles,
		    ols_oracle_row_fn fn, void *ctx, struct dataset_stats *stats,
		    char *err, size_t errlen);

/*
 * Fit spec->label on spec's terms over files.  Returns 0, or a negative
 * errno with a message (naming the file or the problem: too few rows, a
 * constant or collinear term) in err.
 */
int ols_oracle_fit(const struct dataset_spec *spec, char *const *files, size_t nfiles,
		   struct ols_oracle_result *out, char *err, size_t errlen);

#endif
