#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit.h>

#include "robust.h"

int robust_fit(const struct folds *F, const struct sample *s, unsigned fold,
	       const int *cols, size_t ncols, double *c, double *se, bool *maxiter,
	       char *err, size_t errlen)
{
	size_t q = ncols + 1, n = 0;
	for (size_t i = 0; i < s->n; i++)
		if (fold >= F->k || folds_fold_of(F, s->time[i]) != fold)
			n++;
	if (n < 2 * q) {
		snprintf(err, errlen, "robust fit: only %zu sampled rows for %zu coefficients", n, q);
		return -ENODATA;
	}
	gsl_matrix *X = gsl_matrix_alloc(n, q);
	gsl_vector *y = gsl_vector_alloc(n);
	gsl_vector *cv = gsl_vector_alloc(q);
	gsl_matrix *cov = gsl_matrix_alloc(q, q);
	gsl_multifit_robust_workspace *w = gsl_multifit_robust_alloc(gsl_multifit_robust_bisquare, n, q);
	int rc = 0;
	if (!X || !y || !cv || !cov || !w) {
		snprintf(err, errlen, "robust fit: out of memory");
		rc = -ENOMEM;
		goto out;
	}
	size_t r = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (fold < F->k && folds_fold_of(F, s->time[i]) == fold)
			continue;
		gsl_matrix_set(X, r, 0, 1.0);
		for (size_t j = 0; j < ncols; j++) {
			int col = cols[j];
			gsl_matrix_set(X, r, j + 1, (s->x[i * s->p + (size_t)col] - F->mean[col]) / F->scale[col]);
		}
		gsl_vector_set(y, r, s->y[i] - F->ymean);
		r++;
	}
	int st = gsl_multifit_robust(X, y, cv, cov, w);
	if (maxiter)
		*maxiter = st == GSL_EMAXITER;
	if (st != GSL_SUCCESS && st != GSL_EMAXITER) {
		snprintf(err, errlen, "robust fit (bisquare): %s", gsl_strerror(st));
		rc = -EDOM;
		goto out;
	}
	for (size_t j = 0; j < q; j++) {
		c[j] = gsl_vector_get(cv, j);
		if (se)
			se[j] = sqrt(gsl_matrix_get(cov, j, j));
		if (!isfinite(c[j])) {
			snprintf(err, errlen, "robust fit (bisquare): no finite solution (collinear terms?)");
			rc = -EDOM;
			goto out;
		}
	}
out:
	gsl_matrix_free(X);
	gsl_vector_free(y);
	gsl_vector_free(cv);
	gsl_matrix_free(cov);
	if (w)
		gsl_multifit_robust_free(w);
	return rc;
}
