#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multilarge.h>
#include <gsl/gsl_vector.h>

#include "accum.h"

struct accum {
	size_t p, cols;                 /* cols = p + 2 */
	unsigned k;
	int64_t tmin, tmax;
	double span;
	/* provisional preconditioning from the first rows */
	bool ready;
	double shift[ACCUM_MAX_COLS + 1], inv_scale[ACCUM_MAX_COLS];   /* shift[p] = label */
	/* the first ACCUM_BLOCK rows, raw, until the preconditioning is known */
	double *warm;                   /* ACCUM_BLOCK x (p + 1) */
	int64_t *warm_t;
	size_t n_warm;
	/* Welford over all rows, columns x then y */
	uint64_t n;
	double mean[ACCUM_MAX_COLS + 1], m2[ACCUM_MAX_COLS + 1];
	/* per fold */
	gsl_multilarge_linear_workspace *w[ACCUM_MAX_FOLDS];
	gsl_matrix *block[ACCUM_MAX_FOLDS];
	size_t rows[ACCUM_MAX_FOLDS];
	bool started[ACCUM_MAX_FOLDS];
	uint64_t fold_n[ACCUM_MAX_FOLDS];
	gsl_vector *zero;               /* the dummy right-hand side */
	int status;                     /* first GSL failure */
};

int accum_new(size_t p, unsigned k, int64_t tmin, int64_t tmax, struct accum **out)
{
	*out = NULL;
	if (p < 1 || p > ACCUM_MAX_COLS || k < 2 || k > ACCUM_MAX_FOLDS || tmax < tmin)
		return -EINVAL;
	struct accum *a = calloc(1, sizeof *a);
	if (a == NULL)
		return -ENOMEM;
	a->p = p;
	a->cols = p + 2;
	a->k = k;
	a->tmin = tmin;
	a->tmax = tmax;
	a->span = (double)(tmax - tmin) + 1.0;
	a->warm = malloc(ACCUM_BLOCK * (p + 1) * sizeof *a->warm);
	a->warm_t = malloc(ACCUM_BLOCK * sizeof *a->warm_t);
	a->zero = gsl_vector_calloc(ACCUM_BLOCK);
	bool ok = a->warm && a->warm_t && a->zero;
	for (unsigned f = 0; f < k && ok; f++) {
		a->w[f] = gsl_multilarge_linear_alloc(gsl_multilarge_linear_tsqr, a->cols);
		a->block[f] = gsl_matrix_alloc(ACCUM_BLOCK, a->cols);
		ok = a->w[f] && a->block[f];
	}
	if (!ok) {
		accum_free(a);
		return -ENOMEM;
	}
	*out = a;
	return 0;
}

void accum_free(struct accum *a)
{
	if (a == NULL)
		return;
	for (unsigned f = 0; f < a->k; f++) {
		if (a->w[f])
			gsl_multilarge_linear_free(a->w[f]);
		gsl_matrix_free(a->block[f]);
	}
	gsl_vector_free(a->zero);
	free(a->warm);
	free(a->warm_t);
	free(a);
}

void folds_free(struct folds *f)
{
	for (unsigned i = 0; i < ACCUM_MAX_FOLDS; i++) {
		gsl_matrix_free(f->R[i]);
		f->R[i] = NULL;
	}
}

unsigned accum_fold_of(const struct accum *a, int64_t time)
{
	if (time <= a->tmin)
		return 0;
	if (time >= a->tmax)
		return a->k - 1;
	unsigned f = (unsigned)((double)(time - a->tmin) / a->span * a->k);
	return f < a->k ? f : a->k - 1;
}

unsigned folds_fold_of(const struct folds *F, int64_t time)
{
	if (time <= F->tmin)
		return 0;
	if (time >= F->tmax)
		return F->k - 1;
	double span = (double)(F->tmax - F->tmin) + 1.0;
	unsigned f = (unsigned)((double)(time - F->tmin) / span * F->k);
	return f < F->k ? f : F->k - 1;
}

static int flush(struct accum *a, unsigned f)
{
	size_t r = a->rows[f];
	if (r == 0 || a->status)
		return a->status;
	/* the first block of a fold must be at least as tall as it is wide */
	if (!a->started[f] && r < a->cols)
		return 0;
	gsl_matrix_view X = gsl_matrix_submatrix(a->block[f], 0, 0, r, a->cols);
	gsl_vector_view b = gsl_vector_subvector(a->zero, 0, r);
	int s = gsl_multilarge_linear_accumulate(&X.matrix, &b.vector, a->w[f]);
	/* accumulate may use b as scratch: keep the dummy zero */
	gsl_vector_set_zero(&b.vector);
	a->rows[f] = 0;
	a->started[f] = true;
	if (s != GSL_SUCCESS)
		a->status = s;
	return a->status;
}

static int push(struct accum *a, const double *x, double y, int64_t time)
{
	unsigned f = accum_fold_of(a, time);
	size_t r = a->rows[f];
	double *row = gsl_matrix_ptr(a->block[f], r, 0);
	row[0] = 1.0;
	for (size_t j = 0; j < a->p; j++)
		row[j + 1] = (x[j] - a->shift[j]) * a->inv_scale[j];
	row[a->p + 1] = y - a->shift[a->p];
	a->fold_n[f]++;
	if (++a->rows[f] == ACCUM_BLOCK)
		return flush(a, f) ? -EDOM : 0;
	return 0;
}

/* Preconditioning from the buffered first rows, then replay them. */
static int warm_up(struct accum *a)
{
	size_t n = a->n_warm, w = a->p + 1;
	for (size_t j = 0; j < w; j++) {
		double m = 0, v = 0;
		for (size_t i = 0; i < n; i++)
			m += a->warm[i * w + j];
		m = n ? m / (double)n : 0;
		for (size_t i = 0; i < n; i++) {
			double d = a->warm[i * w + j] - m;
			v += d * d;
		}
		double sd = n > 1 ? sqrt(v / (double)(n - 1)) : 0;
		a->shift[j] = m;
		if (j < a->p)
			a->inv_scale[j] = sd > 0 && isfinite(sd) ? 1.0 / sd
				: 1.0 / fmax(1.0, fabs(m));
	}
	a->ready = true;
	for (size_t i = 0; i < n; i++)
		if (push(a, a->warm + i * w, a->warm[i * w + a->p], a->warm_t[i]) < 0)
			return -EDOM;
	a->n_warm = 0;
	return 0;
}

int accum_add(struct accum *a, const double *x, double y, int64_t time)
{
	size_t p = a->p;
	a->n++;
	double inv = 1.0 / (double)a->n;
	for (size_t j = 0; j < p; j++) {
		double d = x[j] - a->mean[j];
		a->mean[j] += d * inv;
		a->m2[j] += d * (x[j] - a->mean[j]);
	}
	double d = y - a->mean[p];
	a->mean[p] += d * inv;
	a->m2[p] += d * (y - a->mean[p]);

	if (a->ready)
		return push(a, x, y, time);
	double *slot = a->warm + a->n_warm * (p + 1);
	memcpy(slot, x, p * sizeof *x);
	slot[p] = y;
	a->warm_t[a->n_warm++] = time;
	if (a->n_warm == ACCUM_BLOCK)
		return warm_up(a);
	return 0;
}

/* A fold with fewer rows than columns, padded with zero rows (which leave
 * R'R as it is) so that TSQR takes it as one block. */
static int flush_short(struct accum *a, unsigned f)
{
	size_t r = a->rows[f];
	if (a->started[f] || r == 0 || r >= a->cols)
		return flush(a, f);
	for (size_t i = r; i < a->cols; i++)
		for (size_t j = 0; j < a->cols; j++)
			gsl_matrix_set(a->block[f], i, j, 0.0);
	a->rows[f] = a->cols;
	return flush(a, f);
}

static int finish(struct accum *a, bool partial, struct folds *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	size_t p = a->p, c = a->cols;
	if (!a->ready && warm_up(a) < 0)
		goto gsl_failed;
	for (unsigned f = 0; f < a->k; f++) {
		if (partial) {
			if (flush_short(a, f) != 0)
				goto gsl_failed;
			continue;
		}
		if (a->fold_n[f] < c) {
			snprintf(err, errlen, "time block %u of %u has only %llu usable rows (needs at least %zu):"
				 " too few rows, or use fewer --folds", f + 1, a->k,
				 (unsigned long long)a->fold_n[f], c);
			return -ENODATA;
		}
		if (flush(a, f) != 0)
			goto gsl_failed;
	}
	if (a->status)
		goto gsl_failed;

	out->p = p;
	out->k = a->k;
	out->tmin = a->tmin;
	out->tmax = a->tmax;
	out->n_total = a->n;
	for (size_t j = 0; j < p; j++) {
		out->mean[j] = a->mean[j];
		out->scale[j] = a->n > 1 ? sqrt(a->m2[j] / (double)(a->n - 1)) : 0;
	}
	out->ymean = a->mean[p];
	out->sst = a->m2[p];

	/* change of basis B: [1 z y-ybar] = [1 u y-c] B, upper triangular */
	gsl_matrix *B = gsl_matrix_calloc(c, c);
	if (B == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	gsl_matrix_set(B, 0, 0, 1.0);
	for (size_t j = 0; j < p; j++) {
		double sd = out->scale[j] > 0 ? out->scale[j] : 1.0;
		/* z = (x - m)/sd = (u/inv_scale + shift - m)/sd */
		gsl_matrix_set(B, j + 1, j + 1, 1.0 / (a->inv_scale[j] * sd));
		gsl_matrix_set(B, 0, j + 1, (a->shift[j] - out->mean[j]) / sd);
	}
	gsl_matrix_set(B, c - 1, c - 1, 1.0);
	gsl_matrix_set(B, 0, c - 1, a->shift[p] - out->ymean);

	for (unsigned f = 0; f < a->k; f++) {
		out->n[f] = a->fold_n[f];
		gsl_matrix *R = gsl_matrix_calloc(c, c);
		if (R != NULL && !a->started[f]) {
			out->R[f] = R;    /* no row in this fold: a zero factor */
			continue;
		}
		const gsl_matrix *Ru = gsl_multilarge_linear_matrix_ptr(a->w[f]);
		if (R == NULL || Ru == NULL || Ru->size1 < c || Ru->size2 < c) {
			gsl_matrix_free(R);
			gsl_matrix_free(B);
			folds_free(out);
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		/* R = triu(Ru) * B, both upper triangular */
		for (size_t i = 0; i < c; i++)
			for (size_t j = i; j < c; j++) {
				double s = 0;
				for (size_t l = i; l <= j; l++)
					s += gsl_matrix_get(Ru, i, l) * gsl_matrix_get(B, l, j);
				gsl_matrix_set(R, i, j, s);
			}
		out->R[f] = R;
	}
	gsl_matrix_free(B);
	return 0;

gsl_failed:
	snprintf(err, errlen, "accumulating rows (TSQR): %s", gsl_strerror(a->status ? a->status : GSL_EFAILED));
	return -EDOM;
}

int accum_finish(struct accum *a, struct folds *out, char *err, size_t errlen)
{
	return finish(a, false, out, err, errlen);
}

int accum_finish_partial(struct accum *a, struct folds *out, char *err, size_t errlen)
{
	return finish(a, true, out, err, errlen);
}
