#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_multilarge.h>
#include <gsl/gsl_vector.h>

#include "cv.h"

#define CV_SINGULAR 1e-7        /* |r_ii| / column norm: exact collinearity */
#define CV_COLLINEAR 1e-9       /* 1 - R^2 of a term on the ones before it */
#define CV_LCURVE_POINTS 60

static gsl_matrix *triu_copy(const gsl_matrix *src, size_t c)
{
	gsl_matrix *m = gsl_matrix_calloc(c, c);
	if (m == NULL)
		return NULL;
	for (size_t i = 0; i < c; i++)
		for (size_t j = i; j < c; j++)
			gsl_matrix_set(m, i, j, gsl_matrix_get(src, i, j));
	return m;
}

/* Merge the factors of folds (all but skip) through a TSQR workspace. */
static int merge(gsl_multilarge_linear_workspace *w, const struct folds *F, unsigned skip,
		 gsl_matrix *tmp, gsl_vector *zero, gsl_matrix **out)
{
	size_t c = F->p + 2;
	int s = gsl_multilarge_linear_reset(w);
	for (unsigned f = 0; f < F->k && s == GSL_SUCCESS; f++) {
		if (f == skip)
			continue;
		gsl_matrix_memcpy(tmp, F->R[f]);
		gsl_vector_set_zero(zero);
		s = gsl_multilarge_linear_accumulate(tmp, zero, w);
	}
	if (s != GSL_SUCCESS)
		return s;
	*out = triu_copy(gsl_multilarge_linear_matrix_ptr(w), c);
	return *out ? GSL_SUCCESS : GSL_ENOMEM;
}

int cv_prepare(struct cv *cv, const struct folds *F, char *err, size_t errlen)
{
	memset(cv, 0, sizeof *cv);
	cv->F = F;
	size_t c = F->p + 2;
	gsl_multilarge_linear_workspace *w = gsl_multilarge_linear_alloc(gsl_multilarge_linear_tsqr, c);
	gsl_matrix *tmp = gsl_matrix_alloc(c, c);
	gsl_vector *zero = gsl_vector_alloc(c);
	int s = (w && tmp && zero) ? GSL_SUCCESS : GSL_ENOMEM;
	for (unsigned f = 0; f <= F->k && s == GSL_SUCCESS; f++)
		s = merge(w, F, f, tmp, zero, f < F->k ? &cv->train[f] : &cv->all);
	if (w)
		gsl_multilarge_linear_free(w);
	gsl_matrix_free(tmp);
	gsl_vector_free(zero);
	if (s != GSL_SUCCESS) {
		cv_free(cv);
		snprintf(err, errlen, "merging the folds (TSQR): %s", gsl_strerror(s));
		return s == GSL_ENOMEM ? -ENOMEM : -EDOM;
	}
	return 0;
}

void cv_free(struct cv *cv)
{
	for (unsigned f = 0; f < ACCUM_MAX_FOLDS; f++) {
		gsl_matrix_free(cv->train[f]);
		cv->train[f] = NULL;
	}
	gsl_matrix_free(cv->all);
	cv->all = NULL;
}

/* [1, z_cols] and y from a factor T, plus ridge rows: A (rows x q), b. */
static int build(const gsl_matrix *T, size_t p, const int *cols, size_t ncols, double lambda,
		 gsl_matrix **A, gsl_vector **b)
{
	size_t c = p + 2, q = ncols + 1;
	size_t rows = c + (lambda > 0 ? ncols : 0);
	*A = gsl_matrix_calloc(rows, q);
	*b = gsl_vector_calloc(rows);
	if (*A == NULL || *b == NULL) {
		gsl_matrix_free(*A);
		gsl_vector_free(*b);
		return -ENOMEM;
	}
	for (size_t r = 0; r < c; r++) {
		gsl_matrix_set(*A, r, 0, gsl_matrix_get(T, r, 0));
		for (size_t i = 0; i < ncols; i++)
			gsl_matrix_set(*A, r, i + 1, gsl_matrix_get(T, r, (size_t)cols[i] + 1));
		gsl_vector_set(*b, r, gsl_matrix_get(T, r, c - 1));
	}
	if (lambda > 0)
		for (size_t i = 0; i < ncols; i++)
			gsl_matrix_set(*A, c + i, i + 1, sqrt(lambda));
	return 0;
}

static double col_norm(const gsl_matrix *A, size_t j, size_t rows)
{
	double s = 0;
	for (size_t r = 0; r < rows; r++)
		s += gsl_matrix_get(A, r, j) * gsl_matrix_get(A, r, j);
	return sqrt(s);
}

/* QR-solve A c = b in the least-squares sense; A is overwritten by QR. */
static int qr_solve(gsl_matrix *A, gsl_vector *b, double *c)
{
	size_t q = A->size2;
	double norms[ACCUM_MAX_COLS + 1];
	for (size_t j = 0; j < q; j++)
		norms[j] = col_norm(A, j, A->size1);
	gsl_vector *tau = gsl_vector_alloc(q);
	gsl_vector *x = gsl_vector_alloc(q);
	gsl_vector *res = gsl_vector_alloc(A->size1);
	int rc = 0;
	if (!tau || !x || !res) {
		rc = -ENOMEM;
		goto out;
	}
	if (gsl_linalg_QR_decomp(A, tau) != GSL_SUCCESS) {
		rc = -EDOM;
		goto out;
	}
	for (size_t j = 0; j < q; j++)
		if (!(fabs(gsl_matrix_get(A, j, j)) > CV_SINGULAR * fmax(norms[j], 1e-300))) {
			rc = -EDOM;
			goto out;
		}
	if (gsl_linalg_QR_lssolve(A, tau, b, x, res) != GSL_SUCCESS) {
		rc = -EDOM;
		goto out;
	}
	for (size_t j = 0; j < q; j++) {
		c[j] = gsl_vector_get(x, j);
		if (!isfinite(c[j]))
			rc = -EDOM;
	}
out:
	gsl_vector_free(tau);
	gsl_vector_free(x);
	gsl_vector_free(res);
	return rc;
}

int cv_solve(const struct cv *cv, unsigned fold, const int *cols, size_t ncols,
	     double lambda, double *c)
{
	const gsl_matrix *T = fold < cv->F->k ? cv->train[fold] : cv->all;
	gsl_matrix *A;
	gsl_vector *b;
	int rc = build(T, cv->F->p, cols, ncols, lambda, &A, &b);
	if (rc < 0)
		return rc;
	rc = qr_solve(A, b, c);
	gsl_matrix_free(A);
	gsl_vector_free(b);
	return rc;
}

double cv_fold_sse(const struct folds *F, unsigned f, const int *cols, size_t ncols,
		   const double *c)
{
	const gsl_matrix *R = F->R[f];
	size_t rows = F->p + 2;
	double sse = 0;
	for (size_t r = 0; r < rows; r++) {
		double v = gsl_matrix_get(R, r, 0) * c[0] - gsl_matrix_get(R, r, rows - 1);
		for (size_t i = 0; i < ncols; i++)
			v += gsl_matrix_get(R, r, (size_t)cols[i] + 1) * c[i + 1];
		sse += v * v;
	}
	return sse;
}

int cv_error(const struct cv *cv, const int *cols, size_t ncols, double lambda,
	     double *per_fold, double *total)
{
	double c[ACCUM_MAX_COLS + 1];
	*total = 0;
	for (unsigned f = 0; f < cv->F->k; f++) {
		int rc = cv_solve(cv, f, cols, ncols, lambda, c);
		if (rc < 0)
			return rc;
		double e = cv_fold_sse(cv->F, f, cols, ncols, c);
		if (per_fold)
			per_fold[f] = e;
		*total += e;
	}
	return 0;
}

int cv_check(const struct cv *cv, const int *cols, size_t ncols,
	     const char *const *names, char *err, size_t errlen)
{
	const struct folds *F = cv->F;
	for (size_t i = 0; i < ncols; i++) {
		int j = cols[i];
		if (!(F->scale[j] > 1e-12 * fmax(1.0, fabs(F->mean[j])))) {
			snprintf(err, errlen, "term '%s' is constant over the %llu rows (always %g): it cannot be"
				 " fitted; leave it out of --terms", names[j],
				 (unsigned long long)F->n_total, F->mean[j]);
			return -EDOM;
		}
	}
	gsl_matrix *A, *A0;
	gsl_vector *b;
	int rc = build(cv->all, F->p, cols, ncols, 0, &A, &b);
	if (rc < 0)
		return rc;
	A0 = gsl_matrix_alloc(A->size1, A->size2);
	gsl_vector *tau = gsl_vector_alloc(A->size2);
	if (!A0 || !tau) {
		rc = -ENOMEM;
		goto out;
	}
	gsl_matrix_memcpy(A0, A);
	if (gsl_linalg_QR_decomp(A, tau) != GSL_SUCCESS) {
		snprintf(err, errlen, "QR decomposition failed");
		rc = -EDOM;
		goto out;
	}
	for (size_t i = 0; i < ncols; i++) {
		double norm = col_norm(A0, i + 1, A0->size1);
		double ratio = fabs(gsl_matrix_get(A, i + 1, i + 1)) / norm;
		if (ratio * ratio >= CV_COLLINEAR)
			continue;
		/* the earlier term it moves with most */
		double best = 0;
		size_t bi = 0;
		for (size_t k = 0; k < i; k++) {
			double dot = 0;
			for (size_t r = 0; r < A0->size1; r++)
				dot += gsl_matrix_get(A0, r, i + 1) * gsl_matrix_get(A0, r, k + 1);
			double corr = dot / (norm * col_norm(A0, k + 1, A0->size1));
			if (fabs(corr) > fabs(best)) {
				best = corr;
				bi = k;
			}
		}
		if (fabs(best) > 0.999)
			snprintf(err, errlen, "terms '%s' and '%s' are collinear (correlation %.6f over %llu rows):"
				 " drop one of them", names[cols[bi]], names[cols[i]], best,
				 (unsigned long long)F->n_total);
		else
			snprintf(err, errlen, "term '%s' is a linear combination of the terms before it"
				 " (1 - R^2 = %.3g over %llu rows): the terms are collinear, drop it",
				 names[cols[i]], ratio * ratio, (unsigned long long)F->n_total);
		rc = -EDOM;
		goto out;
	}
out:
	gsl_matrix_free(A);
	gsl_matrix_free(A0);
	gsl_vector_free(b);
	gsl_vector_free(tau);
	return rc;
}

int cv_evaluate(const struct cv *cv, const int *cols, size_t ncols, const double *c,
		double lambda, struct cv_fit *out)
{
	const struct folds *F = cv->F;
	out->ncols = ncols;
	memcpy(out->cols, cols, ncols * sizeof *cols);
	out->lambda = lambda;
	out->intercept = c[0] + F->ymean;
	for (size_t i = 0; i < ncols; i++)
		out->coef[i] = c[i + 1];
	out->sse = 0;
	for (unsigned f = 0; f < F->k; f++)
		out->sse += cv_fold_sse(F, f, cols, ncols, c);
	out->r2 = F->sst > 0 ? 1.0 - out->sse / F->sst : 0.0;
	out->rmse = sqrt(out->sse / (double)F->n_total);
	return 0;
}

/* Standard errors sigma^2 (A^T A)^-1 from A's QR, and rcond of it. */
static int std_errors(const struct cv *cv, const int *cols, size_t ncols, double lambda,
		      struct cv_fit *out)
{
	const struct folds *F = cv->F;
	gsl_matrix *A;
	gsl_vector *b;
	int rc = build(cv->all, F->p, cols, ncols, lambda, &A, &b);
	if (rc < 0)
		return rc;
	size_t q = ncols + 1;
	gsl_vector *tau = gsl_vector_alloc(q);
	gsl_vector *work = gsl_vector_alloc(3 * q);
	gsl_matrix *Rinv = gsl_matrix_calloc(q, q);
	if (!tau || !work || !Rinv) {
		rc = -ENOMEM;
		goto out;
	}
	if (gsl_linalg_QR_decomp(A, tau) != GSL_SUCCESS) {
		rc = -EDOM;
		goto out;
	}
	for (size_t i = 0; i < q; i++)
		for (size_t j = i; j < q; j++)
			gsl_matrix_set(Rinv, i, j, gsl_matrix_get(A, i, j));
	if (gsl_linalg_tri_upper_rcond(Rinv, &out->rcond, work) != GSL_SUCCESS)
		out->rcond = NAN;
	if (gsl_linalg_tri_upper_invert(Rinv) != GSL_SUCCESS) {
		rc = -EDOM;
		goto out;
	}
	double dof = (double)F->n_total - (double)q;
	double sigma2 = dof > 0 ? out->sse / dof : NAN;
	for (size_t i = 0; i < q; i++) {
		double v = 0;
		for (size_t k = i; k < q; k++)
			v += gsl_matrix_get(Rinv, i, k) * gsl_matrix_get(Rinv, i, k);
		double se = sqrt(sigma2 * v);
		if (i == 0)
			out->intercept_se = se;
		else
			out->se[i - 1] = se;
	}
out:
	gsl_matrix_free(A);
	gsl_vector_free(b);
	gsl_vector_free(tau);
	gsl_vector_free(work);
	gsl_matrix_free(Rinv);
	return rc;
}

int cv_fit(const struct cv *cv, const int *cols, size_t ncols, double lambda,
	   struct cv_fit *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	double c[ACCUM_MAX_COLS + 1];
	int rc = cv_solve(cv, cv->F->k, cols, ncols, lambda, c);
	if (rc < 0) {
		snprintf(err, errlen, "the terms are collinear: the fit is singular");
		return rc;
	}
	cv_evaluate(cv, cols, ncols, c, lambda, out);
	rc = std_errors(cv, cols, ncols, lambda, out);
	if (rc < 0) {
		snprintf(err, errlen, "computing standard errors failed");
		return rc;
	}
	double total;
	rc = cv_error(cv, cols, ncols, lambda, out->cv_sse, &total);
	if (rc < 0) {
		snprintf(err, errlen, "a cross-validation training set is singular (the terms are collinear"
			 " within some time blocks): use --method ridge or fewer terms");
		return rc;
	}
	out->cv_rmse = sqrt(total / (double)cv->F->n_total);
	return 0;
}

int cv_choose_lambda(const struct cv *cv, const int *cols, size_t ncols,
		     double *lambda, char *err, size_t errlen)
{
	double n = (double)cv->F->n_total, best = INFINITY, best_l = 0;
	for (int e = -13; e <= 2; e++) {
		double l = e == -13 ? 0.0 : n * pow(10.0, e / 2.0);
		double total;
		if (cv_error(cv, cols, ncols, l, NULL, &total) < 0)
			continue;
		if (total < best) {
			best = total;
			best_l = l;
		}
	}
	if (!isfinite(best)) {
		snprintf(err, errlen, "no ridge parameter gave a solvable fit");
		return -EDOM;
	}
	*lambda = best_l;
	return 0;
}

int cv_lcurve_lambda(const struct cv *cv, const int *cols, size_t ncols,
		     double *lambda, char *err, size_t errlen)
{
	const struct folds *F = cv->F;
	gsl_matrix *A;
	gsl_vector *b;
	int rc = build(cv->all, F->p, cols, ncols, 0, &A, &b);
	if (rc < 0)
		return rc;
	size_t q = ncols + 1, rows = A->size1;
	/* factor [1 z y] and keep the part orthogonal to the intercept */
	gsl_matrix *Aug = gsl_matrix_alloc(rows, q + 1);
	gsl_vector *tau = gsl_vector_alloc(q + 1);
	gsl_matrix *X = gsl_matrix_alloc(ncols, ncols);
	gsl_vector *y = gsl_vector_alloc(ncols);
	gsl_vector *reg = gsl_vector_alloc(CV_LCURVE_POINTS);
	gsl_vector *rho = gsl_vector_alloc(CV_LCURVE_POINTS);
	gsl_vector *eta = gsl_vector_alloc(CV_LCURVE_POINTS);
	gsl_multilarge_linear_workspace *w = gsl_multilarge_linear_alloc(gsl_multilarge_linear_tsqr, ncols);
	int s;
	if (!Aug || !tau || !X || !y || !reg || !rho || !eta || !w) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t r = 0; r < rows; r++) {
		for (size_t j = 0; j < q; j++)
			gsl_matrix_set(Aug, r, j, gsl_matrix_get(A, r, j));
		gsl_matrix_set(Aug, r, q, gsl_vector_get(b, r));
	}
	s = gsl_linalg_QR_decomp(Aug, tau);
	for (size_t i = 0; i < ncols && s == GSL_SUCCESS; i++) {
		for (size_t j = 0; j < ncols; j++)
			gsl_matrix_set(X, i, j, j >= i ? gsl_matrix_get(Aug, i + 1, j + 1) : 0.0);
		gsl_vector_set(y, i, gsl_matrix_get(Aug, i + 1, q));
	}
	if (s == GSL_SUCCESS)
		s = gsl_multilarge_linear_accumulate(X, y, w);
	if (s == GSL_SUCCESS)
		s = gsl_multilarge_linear_lcurve(reg, rho, eta, w);
	size_t idx = 0;
	if (s == GSL_SUCCESS)
		s = gsl_multifit_linear_lcorner(rho, eta, &idx);
	if (s != GSL_SUCCESS) {
		snprintf(err, errlen, "L-curve: %s", gsl_strerror(s));
		rc = -EDOM;
		goto out;
	}
	double mu = gsl_vector_get(reg, idx);
	*lambda = mu * mu;
	rc = 0;
out:
	gsl_matrix_free(A);
	gsl_vector_free(b);
	gsl_matrix_free(Aug);
	gsl_vector_free(tau);
	gsl_matrix_free(X);
	gsl_vector_free(y);
	gsl_vector_free(reg);
	gsl_vector_free(rho);
	gsl_vector_free(eta);
	if (w)
		gsl_multilarge_linear_free(w);
	return rc;
}
