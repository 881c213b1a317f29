#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multilarge.h>
#include <gsl/gsl_vector.h>

#include "ols_oracle.h"

#define FIT_BLOCK 1024

/* ---------------------------------------------------------- the rows in time order */
struct kept {
	size_t p, n, cap;
	double *x;       /* p values a row */
	double *y;
	int64_t *t;
	size_t *order;
};

static int keep_row(void *ctx, const struct dataset_row *row)
{
	struct kept *k = ctx;
	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 1024;
		double *x = realloc(k->x, cap * (k->p ? k->p : 1) * sizeof *x);
		if (x)
			k->x = x;
		double *y = realloc(k->y, cap * sizeof *y);
		if (y)
			k->y = y;
		int64_t *t = realloc(k->t, cap * sizeof *t);
		if (t)
			k->t = t;
		if (!x || !y || !t)
			return -ENOMEM;
		k->cap = cap;
	}
	memcpy(k->x + k->n * k->p, row->x, k->p * sizeof *k->x);
	k->y[k->n] = row->y;
	k->t[k->n] = row->time;
	k->n++;
	return 0;
}

static const int64_t *sort_times;

/* By time, then by the order read: a stable sort. */
static int by_time(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	if (sort_times[i] != sort_times[j])
		return sort_times[i] < sort_times[j] ? -1 : 1;
	return i < j ? -1 : i > j;
}

int ols_oracle_scan(const struct dataset_spec *spec, char *const *files, size_t nfiles,
		    ols_oracle_row_fn fn, void *ctx, struct dataset_stats *stats,
		    char *err, size_t errlen)
{
	struct kept k = { .p = spec->n_terms };
	int rc = dataset_stream(spec, files, nfiles, keep_row, &k, stats, err, errlen);
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	if (rc == 0 && k.n > 0) {
		k.order = malloc(k.n * sizeof *k.order);
		if (k.order == NULL) {
			snprintf(err, errlen, "out of memory");
			rc = -ENOMEM;
		}
	}
	if (rc == 0) {
		for (size_t i = 0; i < k.n; i++)
			k.order[i] = i;
		sort_times = k.t;
		qsort(k.order, k.n, sizeof *k.order, by_time);
		for (size_t i = 0; i < k.n && rc == 0; i++) {
			size_t r = k.order[i];
			rc = fn(ctx, k.x + r * k.p, k.y[r], k.t[r]);
		}
	}
	free(k.x);
	free(k.y);
	free(k.t);
	free(k.order);
	return rc;
}

/* ---------------------------------------------------------- pass 1: moments */
struct moments {
	size_t p;
	uint64_t n;
	double mean[MODEL_MAX_TERMS], m2[MODEL_MAX_TERMS];
	double ymean, ym2;
};

static int moments_row(void *ctx, const double *x, double y, int64_t time)
{
	struct moments *m = ctx;
	(void)time;
	m->n++;
	double inv = 1.0 / (double)m->n;
	for (size_t j = 0; j < m->p; j++) {
		double d = x[j] - m->mean[j];
		m->mean[j] += d * inv;
		m->m2[j] += d * (x[j] - m->mean[j]);
	}
	double d = y - m->ymean;
	m->ymean += d * inv;
	m->ym2 += d * (y - m->ymean);
	return 0;
}

/* ---------------------------------------------------------- pass 2: TSQR */
struct accum {
	const struct ols_oracle_result *norm;
	gsl_multilarge_linear_workspace *w;
	gsl_matrix *X;
	gsl_vector *y;
	size_t rows;
	int status;
};

static int flush_block(struct accum *a)
{
	if (a->rows == 0)
		return 0;
	gsl_matrix_view Xv = gsl_matrix_submatrix(a->X, 0, 0, a->rows, a->X->size2);
	gsl_vector_view yv = gsl_vector_subvector(a->y, 0, a->rows);
	int s = gsl_multilarge_linear_accumulate(&Xv.matrix, &yv.vector, a->w);
	a->rows = 0;
	if (s != GSL_SUCCESS)
		a->status = s;
	return s;
}

static int accum_row(void *ctx, const double *x, double y, int64_t time)
{
	struct accum *a = ctx;
	(void)time;
	size_t p = a->norm->p;
	gsl_matrix_set(a->X, a->rows, 0, 1.0);
	for (size_t j = 0; j < p; j++)
		gsl_matrix_set(a->X, a->rows, j + 1, (x[j] - a->norm->mean[j]) / a->norm->scale[j]);
	gsl_vector_set(a->y, a->rows, y);
	if (++a->rows == FIT_BLOCK && flush_block(a) != GSL_SUCCESS)
		return 1;
	return 0;
}

static int gsl_fail(char *err, size_t errlen, const char *what, int status)
{
	snprintf(err, errlen, "%s: %s", what, gsl_strerror(status));
	return -EDOM;
}

int ols_oracle_fit(const struct dataset_spec *spec, char *const *files, size_t nfiles,
		   struct ols_oracle_result *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	size_t p = spec->n_terms;
	out->p = p;

	struct moments mo = { .p = p };
	int rc = ols_oracle_scan(spec, files, nfiles, moments_row, &mo, &out->stats, err, errlen);
	if (rc < 0)
		return rc;
	uint64_t need = (uint64_t)OLS_ORACLE_MIN_ROWS_PER_TERM * (p + 1);
	if (mo.n < need) {
		snprintf(err, errlen, "too few usable rows: %llu (read %llu, skipped %llu with unknown values);"
			 " need at least %llu for %zu terms",
			 (unsigned long long)mo.n, (unsigned long long)out->stats.rows_read,
			 (unsigned long long)out->stats.rows_skipped, (unsigned long long)need, p);
		return -ENODATA;
	}
	double sst = mo.ym2;
	for (size_t j = 0; j < p; j++) {
		out->mean[j] = mo.mean[j];
		out->scale[j] = sqrt(mo.m2[j] / (double)(mo.n - 1));
		if (!(out->scale[j] > 1e-12 * fmax(1.0, fabs(mo.mean[j])))) {
			char expr[128];
			model_term_expr(&spec->terms[j], spec->schema, expr, sizeof expr);
			snprintf(err, errlen, "term '%s' is constant over the %llu rows (always %g): it cannot be fitted",
				 expr, (unsigned long long)mo.n, mo.mean[j]);
			return -EDOM;
		}
	}

	struct accum a = { .norm = out };
	a.w = gsl_multilarge_linear_alloc(gsl_multilarge_linear_tsqr, p + 1);
	a.X = gsl_matrix_alloc(FIT_BLOCK, p + 1);
	a.y = gsl_vector_alloc(FIT_BLOCK);
	gsl_vector *c = gsl_vector_alloc(p + 1);
	gsl_matrix *Rinv = gsl_matrix_calloc(p + 1, p + 1);
	if (!a.w || !a.X || !a.y || !c || !Rinv) {
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
		goto done;
	}
	struct dataset_stats again;
	rc = ols_oracle_scan(spec, files, nfiles, accum_row, &a, &again, err, errlen);
	if (rc == 0 && a.status == GSL_SUCCESS)
		flush_block(&a);
	if (rc < 0)
		goto done;
	if (a.status != GSL_SUCCESS) {
		rc = gsl_fail(err, errlen, "accumulating rows", a.status);
		goto done;
	}
	if (again.rows_used != mo.n) {
		snprintf(err, errlen, "the history changed while reading it (%llu rows, then %llu): try again"
			 " on a snapshot", (unsigned long long)mo.n, (unsigned long long)again.rows_used);
		rc = -EAGAIN;
		goto done;
	}
	int s = gsl_multilarge_linear_rcond(&out->rcond, a.w);
	if (s != GSL_SUCCESS) {
		rc = gsl_fail(err, errlen, "condition number", s);
		goto done;
	}
	if (!(out->rcond > 1e-10)) {
		snprintf(err, errlen, "the terms are collinear (reciprocal condition number %.3g):"
			 " drop one of the terms that move together", out->rcond);
		rc = -EDOM;
		goto done;
	}
	double rnorm, snorm;
	s = gsl_multilarge_linear_solve(0.0, c, &rnorm, &snorm, a.w);
	if (s != GSL_SUCCESS) {
		rc = gsl_fail(err, errlen, "solving", s);
		goto done;
	}
	out->intercept = gsl_vector_get(c, 0);
	for (size_t j = 0; j < p; j++)
		out->coef[j] = gsl_vector_get(c, j + 1);
	out->r2 = sst > 0 ? 1.0 - rnorm * rnorm / sst : 0.0;
	out->rmse = rnorm / sqrt((double)mo.n);

	/* standard errors: sigma^2 (R^T R)^-1 = sigma^2 R^-1 R^-T */
	const gsl_matrix *R = gsl_multilarge_linear_matrix_ptr(a.w);
	for (size_t i = 0; i <= p; i++)
		for (size_t j = i; j <= p; j++)
			gsl_matrix_set(Rinv, i, j, gsl_matrix_get(R, i, j));
	s = gsl_linalg_tri_upper_invert(Rinv);
	if (s != GSL_SUCCESS) {
		rc = gsl_fail(err, errlen, "inverting R", s);
		goto done;
	}
	double dof = (double)mo.n - (double)(p + 1);
	double sigma2 = dof > 0 ? rnorm * rnorm / dof : NAN;
	for (size_t i = 0; i <= p; i++) {
		double v = 0;
		for (size_t k = i; k <= p; k++)
			v += gsl_matrix_get(Rinv, i, k) * gsl_matrix_get(Rinv, i, k);
		double se = sqrt(sigma2 * v);
		if (i == 0)
			out->intercept_se = se;
		else
			out->se[i - 1] = se;
	}
	rc = 0;
done:
	if (a.w)
		gsl_multilarge_linear_free(a.w);
	gsl_matrix_free(a.X);
	gsl_vector_free(a.y);
	gsl_vector_free(c);
	gsl_matrix_free(Rinv);
	return rc;
}
