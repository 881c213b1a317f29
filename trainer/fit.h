/*
 * fit: ordinary least squares over a streamed dataset, in bounded memory.
 *
 * Two passes over the rows: the first computes each term's mean and
 * standard deviation (Welford), the second accumulates the standardised
 * design in blocks into GSL's large linear least-squares workspace (TSQR),
 * so memory does not depend on the number of rows.  GSL's error handler
 * must be off (gsl_set_error_handler_off): every status is checked here.
 */
#ifndef ELIM_RANK_FIT_H
#define ELIM_RANK_FIT_H

#include "dataset.h"
#include "model.h"

#define FIT_MIN_ROWS_PER_TERM 10

struct fit_result {
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

/*
 * Fit spec->label on spec's terms over files.  Returns 0, or a negative
 * errno with a message (naming the file or the problem: too few rows, a
 * constant or collinear term) in err.
 */
int fit_ols(const struct dataset_spec *spec, char *const *files, size_t nfiles,
	    struct fit_result *out, char *err, size_t errlen);

/* Turn a fit into a model (terms from spec, normalisation from the fit). */
void fit_to_model(const struct dataset_spec *spec, const struct fit_result *r, struct model *m);

#endif
