/*
 * robust: bisquare robust regression (gsl_multifit_robust) on a bounded
 * uniform sample of the rows, so memory stays fixed on a large history.
 * The fit is in the standardised basis of the folds (z = (x - mean)/sd,
 * label less its mean), so its coefficients can be validated on every row
 * of a held-out fold with cv_fold_sse.
 */
#ifndef ELIM_RANK_ROBUST_H
#define ELIM_RANK_ROBUST_H

#include <stdbool.h>
#include <stddef.h>

#include "cv.h"
#include "sample.h"

/*
 * Fit on the sample's rows outside fold `fold` (fold == k: all rows) over
 * the subset cols[0..ncols).  c gets ncols + 1 coefficients (intercept
 * first), se (may be NULL) their standard errors; *maxiter (may be NULL)
 * is set when the iteration limit was reached (the result is still the
 * last iterate).  Returns 0 or a negative errno with a message in err.
 */
int robust_fit(const struct folds *F, const struct sample *s, unsigned fold,
	       const int *cols, size_t ncols, double *c, double *se, bool *maxiter,
	       char *err, size_t errlen);

#endif
