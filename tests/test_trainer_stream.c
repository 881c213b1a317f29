/*
 * The trainer's library: one-pass fold accumulators and blocked CV checked
 * against a brute-force dense computation on the same rows, the methods
 * (OLS, ridge, L-curve, robust, forward selection), and the data problems.
 * Real SQLite files written in the real schema, real GSL fits.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit.h>
#include <sqlite3.h>

#include "accum.h"
#include "cv.h"
#include "dataset.h"
#include "ols_oracle.h"
#include "model.h"
#include "sample.h"
#include "testutil.h"
#include "train.h"
#include "trainer_fixture.h"

static char *dir;
static char db_main[512], db_b[512];

static int setup(void **state)
{
	(void)state;
	gsl_set_error_handler_off();
	dir = tu_tmpdir();
	snprintf(db_main, sizeof db_main, "%s/main.db", dir);
	snprintf(db_b, sizeof db_b, "%s/b.db", dir);
	struct fixture_opts o = { .rows = 6000, .hosts = 3, .t0 = 1790000000, .step = 10,
				  .seed = 11, .noise = 0.05, .null_frac = 0.1, .null_label_frac = 0.05 };
	assert_int_equal(fixture_history(db_main, &o), 0);
	struct fixture_opts ob = { .rows = 3000, .hosts = 1, .t0 = 1790003000, .step = 10,
				   .seed = 12, .noise = 0.05 };
	assert_int_equal(fixture_history(db_b, &ob), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(dir);
	free(dir);
	return 0;
}

static size_t terms_of(const char *const *exprs, size_t n, struct model_term *t)
{
	for (size_t i = 0; i < n; i++) {
		struct model_error e;
		assert_int_equal(model_parse_expr(exprs[i], NULL, &t[i], &e), 0);
	}
	return n;
}

/* ------------------------------------------------------------ brute force */
struct dense {
	size_t p, n, cap;
	double *x, *y;
	int64_t *t;
};

static int dense_row(void *ctx, const double *x, double y, int64_t t)
{
	struct dense *d = ctx;
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 1024;
		d->x = realloc(d->x, d->cap * d->p * sizeof *d->x);
		d->y = realloc(d->y, d->cap * sizeof *d->y);
		d->t = realloc(d->t, d->cap * sizeof *d->t);
	}
	memcpy(d->x + d->n * d->p, x, d->p * sizeof *x);
	d->y[d->n] = y;
	d->t[d->n] = t;
	d->n++;
	return 0;
}

/* OLS on the rows with (fold != skip), raw columns + intercept; returns c. */
static void dense_ols(const struct dense *d, const struct folds *F, unsigned skip, double lambda,
		      gsl_vector *c)
{
	size_t m = 0, q = d->p + 1;
	for (size_t i = 0; i < d->n; i++)
		m += folds_fold_of(F, d->t[i]) != skip;
	gsl_matrix *X = gsl_matrix_calloc(m + (lambda > 0 ? d->p : 0), q);
	gsl_vector *y = gsl_vector_calloc(X->size1);
	size_t r = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (folds_fold_of(F, d->t[i]) == skip)
			continue;
		gsl_matrix_set(X, r, 0, 1);
		for (size_t j = 0; j < d->p; j++)
			gsl_matrix_set(X, r, j + 1, (d->x[i * d->p + j] - F->mean[j]) / F->scale[j]);
		gsl_vector_set(y, r, d->y[i]);
		r++;
	}
	for (size_t j = 0; lambda > 0 && j < d->p; j++) {
		gsl_matrix_set(X, r++, j + 1, sqrt(lambda));
	}
	gsl_matrix *cov = gsl_matrix_alloc(q, q);
	gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(X->size1, q);
	double chi2;
	assert_int_equal(gsl_multifit_linear(X, y, c, cov, &chi2, w), 0);
	gsl_multifit_linear_free(w);
	gsl_matrix_free(cov);
	gsl_matrix_free(X);
	gsl_vector_free(y);
}

static double dense_sse(const struct dense *d, const struct folds *F, unsigned only, const gsl_vector *c)
{
	double s = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (only < F->k && folds_fold_of(F, d->t[i]) != only)
			continue;
		double p = gsl_vector_get(c, 0);
		for (size_t j = 0; j < d->p; j++)
			p += gsl_vector_get(c, j + 1) * (d->x[i * d->p + j] - F->mean[j]) / F->scale[j];
		s += (d->y[i] - p) * (d->y[i] - p);
	}
	return s;
}

static const char *const four[] = { "hinge(runq_per_core,0.5)", "psi_cpu_some", "cpu_iowait",
				    "load1_per_core" };

static void run(struct train_opts *o, struct model_term *t, size_t nt, char **files, size_t nf,
		struct train_result *r, int expect, char *err)
{
	o->spec.terms = t;
	o->spec.n_terms = nt;
	if (o->spec.label == NULL)
		o->spec.label = "rank";
	if (o->folds == 0)
		o->folds = 5;
	int rc = train_run(o, files, nf, r, err, 512);
	if (rc != expect)
		fprintf(stderr, "# train_run: %d (%s)\n", rc, err);
	assert_int_equal(rc, expect);
}

/* The one-pass CV equals a dense k-fold refit on the same rows. */
static void test_cv_matches_dense(void **state)
{
	(void)state;
	struct model_term t[8];
	size_t nt = terms_of(four, 4, t);
	struct train_opts o = { 0 };
	static struct train_result r;
	char err[512];
	char *files[] = { db_main };
	run(&o, t, nt, files, 1, &r, 0, err);
	assert_int_equal(r.p, 4);
	assert_false(r.baseline_added);

	struct dataset_spec spec = { .terms = t, .n_terms = nt, .label = "rank" };
	struct dense d = { .p = nt };
	struct dataset_stats st;
	assert_int_equal(ols_oracle_scan(&spec, files, 1, dense_row, &d, &st, err, sizeof err), 0);
	assert_int_equal(d.n, r.F.n_total);
	assert_int_equal(st.rows_used, r.stats.rows_used);
	/* label NULLs (5 %) are not read; psi_io_full NULLs do not matter here */
	assert_int_equal(r.stats.rows_skipped, 0);
	assert_true(r.stats.rows_read > 5500 && r.stats.rows_read < 5900);

	gsl_vector *c = gsl_vector_alloc(nt + 1);
	double cv = 0;
	for (unsigned f = 0; f < r.F.k; f++) {
		dense_ols(&d, &r.F, f, 0, c);
		double e = dense_sse(&d, &r.F, f, c);
		assert_true(fabs(e - r.fit.cv_sse[f]) <= 1e-8 * e);
		cv += e;
	}
	assert_true(fabs(sqrt(cv / (double)d.n) - r.fit.cv_rmse) <= 1e-9 * r.fit.cv_rmse);
	dense_ols(&d, &r.F, r.F.k, 0, c);
	for (size_t j = 0; j < nt; j++)
		assert_true(fabs(gsl_vector_get(c, j + 1) - r.fit.coef[j]) <= 1e-8 * fabs(r.fit.coef[j]) + 1e-9);
	assert_true(fabs(gsl_vector_get(c, 0) - r.fit.intercept) <= 1e-9 * fabs(r.fit.intercept));
	assert_true(fabs(dense_sse(&d, &r.F, r.F.k, c) - r.fit.sse) <= 1e-8 * r.fit.sse);

	/* the folds are contiguous time blocks of about equal length */
	int64_t last_max = INT64_MIN;
	for (unsigned f = 0; f < r.F.k; f++) {
		int64_t lo = INT64_MAX, hi = INT64_MIN;
		for (size_t i = 0; i < d.n; i++)
			if (folds_fold_of(&r.F, d.t[i]) == f) {
				lo = d.t[i] < lo ? d.t[i] : lo;
				hi = d.t[i] > hi ? d.t[i] : hi;
			}
		assert_true(lo > last_max);
		last_max = hi;
		assert_true(r.F.n[f] > d.n / 5 - d.n / 20 && r.F.n[f] < d.n / 5 + d.n / 20);
	}

	/* the oracle (tests/ols_oracle.c), a two-pass fit, agrees on the same rows */
	static struct ols_oracle_result oracle;
	assert_int_equal(ols_oracle_fit(&spec, files, 1, &oracle, err, sizeof err), 0);
	for (size_t j = 0; j < nt; j++) {
		assert_true(fabs(oracle.coef[j] - r.fit.coef[j]) <= 1e-7 * fabs(r.fit.coef[j]) + 1e-9);
		assert_true(fabs(oracle.se[j] - r.fit.se[j]) <= 1e-6 * r.fit.se[j]);
	}
	/* truth: 100 x (0.8, 0.5, 0.3) per raw unit */
	assert_true(fabs(r.fit.coef[0] / r.F.scale[0] - 80) < 4);
	assert_true(fabs(r.fit.coef[1] / r.F.scale[1] - 50) < 4);
	assert_true(fabs(r.fit.coef[2] / r.F.scale[2] - 30) < 4);

	/* ridge with a fixed lambda equals the dense penalised fit */
	train_result_free(&r);
	o.method = TRAIN_RIDGE;
	o.lambda_rule = TRAIN_LAMBDA_FIXED;
	o.lambda = 500;
	run(&o, t, nt, files, 1, &r, 0, err);
	dense_ols(&d, &r.F, r.F.k, 500, c);
	for (size_t j = 0; j < nt; j++)
		assert_true(fabs(gsl_vector_get(c, j + 1) - r.fit.coef[j]) <= 1e-7 * fabs(r.fit.coef[j]) + 1e-9);
	dense_ols(&d, &r.F, 2, 500, c);
	assert_true(fabs(dense_sse(&d, &r.F, 2, c) - r.fit.cv_sse[2]) <= 1e-8 * r.fit.cv_sse[2]);

	gsl_vector_free(c);
	free(d.x);
	free(d.y);
	free(d.t);
	train_result_free(&r);
}

static void test_methods(void **state)
{
	(void)state;
	struct model_term t[8];
	size_t nt = terms_of(four, 3, t);   /* without load1_per_core: the baseline adds it */
	static struct train_result r;
	char err[512];
	char *files[] = { db_main, db_b };

	struct train_opts o = { .method = TRAIN_RIDGE };
	run(&o, t, nt, files, 2, &r, 0, err);
	assert_true(r.baseline_added);
	assert_int_equal(r.p, 4);
	assert_int_equal(r.fit.ncols, 3);
	assert_int_equal(r.stats.hosts, 3);                /* host0 is in both files */
	assert_string_equal(r.lambda_rule, "cv");
	double ridge_cv = r.fit.cv_rmse;
	assert_true(r.baseline.present);
	assert_true(r.baseline.cv_rmse > 1.2 * ridge_cv);   /* the true terms beat load1 alone */
	train_result_free(&r);

	o = (struct train_opts){ .method = TRAIN_RIDGE, .lambda_rule = TRAIN_LAMBDA_LCURVE };
	run(&o, t, nt, files, 2, &r, 0, err);
	assert_true(isfinite(r.fit.lambda) && r.fit.lambda > 0);
	assert_true(r.fit.cv_rmse >= ridge_cv * 0.999);     /* CV picked the best on this grid */
	train_result_free(&r);

	o = (struct train_opts){ .method = TRAIN_ROBUST, .robust_rows = 2000 };
	run(&o, t, nt, files, 2, &r, 0, err);
	assert_int_equal(r.robust_rows, 2000);
	assert_true(fabs(r.fit.coef[0] / r.F.scale[0] - 80) < 6);
	assert_true(r.fit.cv_rmse < 1.1 * ridge_cv);
	train_result_free(&r);

	/* forward selection from every feature plus the true hinges finds the true terms */
	struct model_term all[3 + FEAT_COUNT];   /* the hinges and every feature */
	size_t na = terms_of(four, 3, all);
	for (int f = 0; f < FEAT_COUNT; f++)
		if (f != FEAT_psi_cpu_some && f != FEAT_cpu_iowait)
			all[na++] = (struct model_term){ .kind = TERM_FEATURE, .a = f, .scale = 1 };
	o = (struct train_opts){ .select = true, .max_terms = 6 };
	run(&o, all, na, files, 1, &r, 0, err);
	assert_true(r.fit.ncols >= 3 && r.fit.ncols <= 6);
	bool found[3] = { false };
	for (size_t i = 0; i < r.fit.ncols; i++)
		for (int k = 0; k < 3; k++)
			found[k] |= r.fit.cols[i] == k;
	assert_true(found[0] && found[1] && found[2]);
	assert_int_equal(r.trace[0].col, -1);
	for (size_t i = 1; i < r.ntrace; i++)
		assert_true(r.trace[i].cv_rmse < r.trace[i - 1].cv_rmse);
	/* psi_io_full is NULL in 10 % of rows: they are skipped and counted */
	bool seen_io = false;
	for (size_t i = 0; i < r.p; i++)
		if (r.cols[i].a == FEAT_psi_io_full) {
			assert_true(r.stats.unknown[i] > 300);
			seen_io = true;
		}
	assert_true(seen_io);
	assert_true(r.stats.rows_skipped > 300);
	train_result_free(&r);

	o = (struct train_opts){ .select = true, .max_terms = 1 };
	run(&o, all, na, files, 1, &r, 0, err);
	assert_int_equal(r.fit.ncols, 1);
	assert_int_equal(r.fit.cols[0], 0);                /* the strongest term first */
	train_result_free(&r);
}

/* The installed model: refitted by the same CV, and as it is. */
static void test_incumbent(void **state)
{
	(void)state;
	struct model_term t[8];
	size_t nt = terms_of(four, 4, t);
	static struct train_result r, r2;
	static struct model m;
	char err[512];
	char *files[] = { db_main };
	struct train_opts o = { 0 };
	run(&o, t, nt, files, 1, &r, 0, err);
	train_to_model(&r, &m);

	/* installed = this very fit: refitting its terms gives the same CV error;
	 * as it is, its error is in sample, so lower than any CV error */
	struct model_term t2[8];
	const char *two[] = { "cpu_busy", "load1_per_core" };
	o = (struct train_opts){ .incumbent = &m };
	run(&o, t2, terms_of(two, 2, t2), files, 1, &r2, 0, err);
	assert_true(r2.incumbent_cv.present);
	assert_true(fabs(r2.incumbent_cv.cv_rmse - r.fit.cv_rmse) < 1e-9 * r.fit.cv_rmse);
	assert_true(r2.incumbent.present);
	assert_true(r2.incumbent.cv_rmse < r.fit.cv_rmse);
	assert_true(fabs(r2.incumbent.cv_rmse - r.fit.rmse) < 1e-9 * r.fit.rmse);
	assert_true(r2.fit.cv_rmse > 2 * r2.incumbent_cv.cv_rmse);
	assert_int_equal(r2.p_req, 2);
	assert_int_equal(r2.p, 5);            /* + hinge(runq), psi_cpu_some, cpu_iowait; load1 shared */
	train_result_free(&r2);

	/* the embedded default, on a history in its own form: its terms
	 * (hinge(probe_slowdown,1), the moves since the probe, ...) are filled
	 * and refitted, and beat two load indices */
	static struct model def;
	struct model_error me;
	assert_int_equal(model_load_default(&def, &me), 0);
	char db_p[600];
	snprintf(db_p, sizeof db_p, "%s/probe.db", dir);
	struct fixture_opts fp = { .rows = 3000, .hosts = 1, .t0 = 1790000000, .step = 10,
				   .seed = 13, .noise = 0.05, .probe_form = true };
	assert_int_equal(fixture_history(db_p, &fp), 0);
	char *pfiles[] = { db_p };
	o = (struct train_opts){ .incumbent = &def };
	run(&o, t2, 2, pfiles, 1, &r2, 0, err);
	unlink(db_p);
	assert_true(r2.incumbent_cv.present);
	assert_true(r2.incumbent_cv.cv_rmse < r2.fit.cv_rmse);
	assert_true(r2.incumbent.cv_rmse > 10 * r2.incumbent_cv.cv_rmse);   /* slowdown vs rank units */
	train_result_free(&r2);
	train_result_free(&r);

	/* which error judges it: trained on these rows or not */
	static struct model x;
	memset(&x, 0, sizeof x);
	assert_false(train_trained_on(&x, 100, 200));          /* hand-set */
	model_meta_set(&x, "rows", "5000");
	assert_true(train_trained_on(&x, 100, 200));           /* trained, window unknown */
	model_meta_set(&x, "window", "2026-09-21T14:13:20Z 2026-09-22T17:59:50Z");
	assert_true(train_trained_on(&x, 1790000000, 1790000100));
	assert_false(train_trained_on(&x, 1790100000, 1790200000));  /* later rows */
	assert_false(train_trained_on(&x, 1000, 2000));
	model_meta_set(&x, "window", "garbage");
	assert_true(train_trained_on(&x, 1000, 2000));
}

static void test_windows_and_filters(void **state)
{
	(void)state;
	struct model_term t[8];
	size_t nt = terms_of(four, 4, t);
	static struct train_result r;
	char err[512];
	char *files[] = { db_main };
	struct train_opts o = { .spec = { .since = 1790000000 + 6000, .until = 1790000000 + 14000,
					  .host = "host1" } };
	run(&o, t, nt, files, 1, &r, 0, err);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(db_main, &db), SQLITE_OK);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*), min(time), max(time) FROM samples WHERE rank"
		" IS NOT NULL AND host='host1' AND time BETWEEN 1790006000 AND 1790014000", -1, &st, NULL), 0);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(r.stats.rows_used, sqlite3_column_int64(st, 0));
	assert_int_equal(r.tmin, sqlite3_column_int64(st, 1));
	assert_int_equal(r.tmax, sqlite3_column_int64(st, 2));
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_int_equal(r.stats.hosts, 1);
	train_result_free(&r);
}

static void test_data_problems(void **state)
{
	(void)state;
	char path[600], err[512];
	static struct train_result r;
	struct model_term t[8];

	/* constant term */
	snprintf(path, sizeof path, "%s/const.db", dir);
	struct fixture_opts fo = { .rows = 800, .hosts = 1, .t0 = 1790000000, .step = 10, .seed = 3,
				   .noise = 0.05, .constant_steal = true, .collinear = true };
	assert_int_equal(fixture_history(path, &fo), 0);
	char *files[] = { path };
	const char *c1[] = { "psi_mem_some", "cpu_steal" };
	struct train_opts o = { 0 };
	run(&o, t, terms_of(c1, 2, t), files, 1, &r, -EDOM, err);
	assert_non_null(strstr(err, "'cpu_steal' is constant"));
	train_result_free(&r);

	/* collinear terms: psi_cpu_some = cpu_busy / 2 */
	const char *c2[] = { "cpu_busy", "mem_used", "psi_cpu_some" };
	o = (struct train_opts){ 0 };
	run(&o, t, terms_of(c2, 3, t), files, 1, &r, -EDOM, err);
	assert_non_null(strstr(err, "collinear"));
	assert_non_null(strstr(err, "'cpu_busy'"));
	assert_non_null(strstr(err, "'psi_cpu_some'"));
	train_result_free(&r);

	/* too few rows in a window */
	const char *c3[] = { "cpu_busy", "mem_used" };
	o = (struct train_opts){ .spec = { .until = 1790000000 + 100 } };
	run(&o, t, terms_of(c3, 2, t), files, 1, &r, -ENODATA, err);
	assert_non_null(strstr(err, "too few usable rows: 11"));
	train_result_free(&r);
	o = (struct train_opts){ .spec = { .since = 1890000000 } };
	run(&o, t, terms_of(c3, 2, t), files, 1, &r, -ENODATA, err);
	assert_non_null(strstr(err, "no row with a known 'rank'"));
	train_result_free(&r);

	/* a feature unknown everywhere: the message names it */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE samples SET net_util_max = NULL", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	const char *c4[] = { "cpu_busy", "net_util_max" };
	o = (struct train_opts){ 0 };
	run(&o, t, terms_of(c4, 2, t), files, 1, &r, -ENODATA, err);
	assert_non_null(strstr(err, "most often unknown: net_util_max (800 rows)"));
	train_result_free(&r);

	/* no such label column */
	o = (struct train_opts){ .spec = { .label = "nosuch" } };
	run(&o, t, terms_of(c3, 2, t), files, 1, &r, -ENOENT, err);
	assert_non_null(strstr(err, "no column 'nosuch'"));
	assert_non_null(strstr(err, path));
	train_result_free(&r);
}

static void test_sample_bounded_uniform(void **state)
{
	(void)state;
	struct sample s;
	assert_int_equal(sample_init(&s, 1, 1000, 5), 0);
	for (int i = 0; i < 100000; i++) {
		double x = i;
		sample_offer(&s, &x, 0, 100000 - i);
	}
	assert_int_equal(s.n, 1000);
	assert_int_equal(s.seen, 100000);
	double mean = 0;
	size_t late = 0;
	for (size_t i = 0; i < s.n; i++) {
		mean += s.x[i];
		late += s.x[i] >= 50000;
	}
	mean /= (double)s.n;
	assert_true(fabs(mean - 50000) < 3000);           /* uniform over the stream */
	assert_true(late > 430 && late < 570);
	sample_sort_by_time(&s);
	for (size_t i = 1; i < s.n; i++)
		assert_true(s.time[i - 1] <= s.time[i]);
	sample_free(&s);
}

/* accum refuses a fold too small to factor, and bad arguments */
static void test_accum_limits(void **state)
{
	(void)state;
	struct accum *a;
	assert_int_equal(accum_new(0, 5, 0, 10, &a), -EINVAL);
	assert_int_equal(accum_new(3, 1, 0, 10, &a), -EINVAL);
	assert_int_equal(accum_new(3, 5, 10, 0, &a), -EINVAL);
	assert_int_equal(accum_new(2, 2, 0, 99, &a), 0);
	double x[2];
	for (int i = 0; i < 60; i++) {            /* every row in the first half */
		x[0] = i;
		x[1] = i * i;
		assert_int_equal(accum_add(a, x, i, i % 50), 0);
	}
	struct folds F;
	char err[256];
	assert_int_equal(accum_finish(a, &F, err, sizeof err), -ENODATA);
	assert_non_null(strstr(err, "time block 2 of 2 has only 0"));
	accum_free(a);
	folds_free(&F);
}

/* One pass, yet sound: a term with a huge offset and a small spread. */
static void test_one_pass_precision(void **state)
{
	(void)state;
	struct accum *a;
	const unsigned k = 4;
	assert_int_equal(accum_new(2, k, 0, 39999, &a), 0);
	uint64_t s = 99;
	for (int i = 0; i < 40000; i++) {
		s ^= s << 13; s ^= s >> 7; s ^= s << 17;
		double u = (double)(s >> 11) / 9007199254740992.0 - 0.5;
		s ^= s << 13; s ^= s >> 7; s ^= s << 17;
		double v = (double)(s >> 11) / 9007199254740992.0 - 0.5;
		/* 1e9 + u: Welford and the normal equations would lose ~18 digits of 16 */
		double x[2] = { 1e9 + u, 1e-6 * v };
		double y = 2.0 + 3.0 * u + 4e6 * v * 1e-6 * 1e0;
		assert_int_equal(accum_add(a, x, y, i), 0);
	}
	struct folds F;
	char err[256];
	assert_int_equal(accum_finish(a, &F, err, sizeof err), 0);
	accum_free(a);
	struct cv cv;
	assert_int_equal(cv_prepare(&cv, &F, err, sizeof err), 0);
	struct cv_fit fit;
	int cols[2] = { 0, 1 };
	assert_int_equal(cv_fit(&cv, cols, 2, 0, &fit, err, sizeof err), 0);
	/* exact data: slopes 3 per unit and 4e6 per unit, no residual */
	assert_true(fabs(fit.coef[0] / F.scale[0] - 3.0) < 1e-6);
	assert_true(fabs(fit.coef[1] / F.scale[1] - 4e6) < 1e-1);
	assert_true(fabs(fit.intercept - (2.0 + 3.0 * (F.mean[0] - 1e9) + 4e6 * F.mean[1])) < 1e-5);
	assert_true(fit.cv_rmse < 1e-5);
	assert_true(fit.r2 > 0.999999);
	cv_free(&cv);
	folds_free(&F);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cv_matches_dense),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_incumbent),
		cmocka_unit_test(test_windows_and_filters),
		cmocka_unit_test(test_data_problems),
		cmocka_unit_test(test_sample_bounded_uniform),
		cmocka_unit_test(test_accum_limits),
		cmocka_unit_test(test_one_pass_precision),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
