/*
 * partial: per-host partial fits (factor files) merged equal a pooled run.
 *
 * Five synthetic hosts' histories cover different spans of one window
 * (one starts late, one ends early, one has two hosts, one has no row in
 * the window at all, one has unknown values and labels); each is fitted
 * as a partial fit, written, read back and merged, and the result is
 * compared with train_run on all the histories at once (the same window
 * as the fold grid): coefficients, CV figures, lambda, the selection's
 * steps, the installed model's comparison and every count.  Then the
 * files that must not merge, and the command line end to end (model
 * files within 1e-6).  Real SQLite histories, real GSL, the real binary.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "factor.h"
#include "harness.h"
#include "model.h"
#include "partial.h"
#include "testutil.h"
#include "train.h"
#include "trainer_fixture.h"

#define T0 1790000000LL
#define SINCE T0
#define UNTIL (T0 + 39990)
#define NHIST 5

static char *dir;
static char hist[NHIST][600], incumbent_path[600];

static const struct fixture_opts hosts[NHIST] = {
	{ .rows = 3000, .hosts = 1, .t0 = T0, .step = 10, .seed = 21, .noise = 0.05,
	  .null_frac = 0.1, .null_label_frac = 0.05, .host_prefix = "a" },
	{ .rows = 2000, .hosts = 1, .t0 = T0 + 10000, .step = 10, .seed = 22, .noise = 0.05,
	  .host_prefix = "b" },
	{ .rows = 1500, .hosts = 2, .t0 = T0 + 25000, .step = 10, .seed = 23, .noise = 0.05,
	  .host_prefix = "c" },
	{ .rows = 1000, .hosts = 1, .t0 = T0 + 30000, .step = 10, .seed = 24, .noise = 0.05,
	  .host_prefix = "d" },
	{ .rows = 500, .hosts = 1, .t0 = T0 + 100000, .step = 10, .seed = 25, .noise = 0.05,
	  .host_prefix = "e" },   /* after the window: a partial fit of no rows */
};

static const char *terms5[] = { "runq_per_core", "psi_cpu_some", "hinge(mem_used,0.85)",
				"cpu_iowait", "psi_io_full" };

static int setup(void **state)
{
	(void)state;
	gsl_set_error_handler_off();
	dir = tu_tmpdir();
	for (int i = 0; i < NHIST; i++) {
		snprintf(hist[i], sizeof hist[i], "%s/h%d.db", dir, i);
		assert_int_equal(fixture_history(hist[i], &hosts[i]), 0);
	}
	snprintf(incumbent_path, sizeof incumbent_path, "%s/installed.model", dir);
	FILE *f = fopen(incumbent_path, "w");
	assert_non_null(f);
	fputs("elim-rank-model 1\nmeta label rank\nintercept 150\n"
	      "term cpu_busy mean 0.5 scale 0.2 coef 3 fill 0.5\n"
	      "term runq_per_core mean 1 scale 0.3 coef 20 fill 1\n", f);
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(dir);
	free(dir);
	return 0;
}

static struct model_term terms[8];

static void base_opts(struct train_opts *o, size_t nt)
{
	memset(o, 0, sizeof *o);
	for (size_t i = 0; i < nt; i++) {
		struct model_error e;
		assert_int_equal(model_parse_expr(terms5[i], NULL, &terms[i], &e), 0);
	}
	o->spec.terms = terms;
	o->spec.n_terms = nt;
	o->spec.label = "rank";
	o->spec.since = SINCE;
	o->spec.until = UNTIL;
	o->folds = 5;
	o->seed = 1;
	o->window_grid = true;
}

static bool close_rel(double a, double b, double tol)
{
	return fabs(a - b) <= tol * fmax(fabs(a), fabs(b)) + 1e-300;
}

#define ASSERT_CLOSE(a, b, tol) do { \
	double a_ = (a), b_ = (b); \
	if (!close_rel(a_, b_, tol)) \
		fail_msg("%s = %.17g, %s = %.17g: not within %g", #a, a_, #b, b_, (double)(tol)); \
} while (0)

/* Partial fits of each history written as dir/NAME/hI.factor; returns the paths. */
static size_t make_factors(const struct train_opts *base, uint64_t inc_id, const char *name,
			   char paths[NHIST][700])
{
	char sub[640];
	snprintf(sub, sizeof sub, "%s/%s", dir, name);
	tu_system("mkdir -p '%s'", sub);
	struct factor *f = malloc(sizeof *f);
	assert_non_null(f);
	for (int i = 0; i < NHIST; i++) {
		static struct train_result r;
		struct train_opts o = *base;
		o.partial = true;
		char err[512];
		char *files[] = { hist[i] };
		int rc = train_run(&o, files, 1, &r, err, sizeof err);
		if (rc != 0)
			fail_msg("partial fit of %s: %s", hist[i], err);
		partial_from_run(&r, &o, inc_id, f);
		train_result_free(&r);
		snprintf(paths[i], 700, "%s/h%d.factor", sub, i);
		assert_int_equal(factor_write(paths[i], f, err, sizeof err), 0);
	}
	free(f);
	return NHIST;
}

/* Merge them and compare every figure with the pooled run. */
static void compare(const struct train_opts *o, uint64_t inc_id, const char *name)
{
	static struct train_result pooled, merged;
	char err[512], paths[NHIST][700];
	char *files[NHIST], *fpaths[NHIST];
	for (int i = 0; i < NHIST; i++)
		files[i] = hist[i];
	int rc = train_run(o, files, NHIST, &pooled, err, sizeof err);
	if (rc != 0)
		fail_msg("pooled: %s", err);
	size_t n = make_factors(o, inc_id, name, paths);
	for (size_t i = 0; i < n; i++)
		fpaths[i] = paths[i];
	rc = partial_merge(o, fpaths, n, inc_id, &merged, err, sizeof err);
	if (rc != 0)
		fail_msg("merge: %s", err);

	/* the counts: exactly */
	assert_int_equal(merged.stats.rows_read, pooled.stats.rows_read);
	assert_int_equal(merged.stats.rows_used, pooled.stats.rows_used);
	assert_int_equal(merged.stats.rows_skipped, pooled.stats.rows_skipped);
	assert_true(pooled.stats.rows_skipped > 0);   /* host a's unknown psi_io_full */
	for (size_t j = 0; j < pooled.p_req; j++)
		assert_int_equal(merged.stats.unknown[j], pooled.stats.unknown[j]);
	assert_int_equal(merged.stats.hosts, pooled.stats.hosts);
	assert_int_equal(merged.stats.hosts, 5);      /* a0 b0 c0 c1 d0; e has none */
	assert_int_equal(merged.tmin, pooled.tmin);
	assert_int_equal(merged.tmax, pooled.tmax);
	assert_int_equal(merged.F.k, pooled.F.k);
	for (unsigned k = 0; k < pooled.F.k; k++)
		assert_int_equal(merged.F.n[k], pooled.F.n[k]);

	/* the fit */
	assert_string_equal(merged.method, pooled.method);
	assert_int_equal(merged.fit.ncols, pooled.fit.ncols);
	for (size_t i = 0; i < pooled.fit.ncols; i++) {
		assert_int_equal(merged.fit.cols[i], pooled.fit.cols[i]);
		ASSERT_CLOSE(merged.fit.coef[i], pooled.fit.coef[i], 1e-8);
		ASSERT_CLOSE(merged.fit.se[i], pooled.fit.se[i], 1e-8);
		int c = pooled.fit.cols[i];
		ASSERT_CLOSE(merged.F.mean[c], pooled.F.mean[c], 1e-8);
		ASSERT_CLOSE(merged.F.scale[c], pooled.F.scale[c], 1e-8);
	}
	ASSERT_CLOSE(merged.fit.intercept, pooled.fit.intercept, 1e-8);
	ASSERT_CLOSE(merged.fit.lambda, pooled.fit.lambda, 1e-8);
	ASSERT_CLOSE(merged.fit.r2, pooled.fit.r2, 1e-8);
	ASSERT_CLOSE(merged.fit.cv_rmse, pooled.fit.cv_rmse, 1e-8);
	for (unsigned k = 0; k < pooled.F.k; k++)
		ASSERT_CLOSE(merged.fit.cv_sse[k], pooled.fit.cv_sse[k], 1e-8);
	assert_int_equal(merged.ntrace, pooled.ntrace);
	for (size_t i = 0; i < pooled.ntrace; i++) {
		assert_int_equal(merged.trace[i].col, pooled.trace[i].col);
		ASSERT_CLOSE(merged.trace[i].cv_rmse, pooled.trace[i].cv_rmse, 1e-8);
	}
	/* the comparisons */
	assert_int_equal(merged.baseline.present, pooled.baseline.present);
	ASSERT_CLOSE(merged.baseline.cv_rmse, pooled.baseline.cv_rmse, 1e-8);
	assert_int_equal(merged.incumbent.present, pooled.incumbent.present);
	assert_int_equal(merged.incumbent_cv.present, pooled.incumbent_cv.present);
	if (pooled.incumbent.present) {
		ASSERT_CLOSE(merged.incumbent.cv_rmse, pooled.incumbent.cv_rmse, 1e-8);
		ASSERT_CLOSE(merged.incumbent.r2, pooled.incumbent.r2, 1e-8);
		ASSERT_CLOSE(merged.incumbent_cv.cv_rmse, pooled.incumbent_cv.cv_rmse, 1e-8);
	}
	train_result_free(&pooled);
	train_result_free(&merged);
}

static void test_ols(void **state)
{
	(void)state;
	struct train_opts o;
	base_opts(&o, 5);
	compare(&o, 0, "ols");
}

static void test_ridge_cv(void **state)
{
	(void)state;
	struct train_opts o;
	base_opts(&o, 5);
	o.method = TRAIN_RIDGE;
	o.lambda_rule = TRAIN_LAMBDA_CV;
	compare(&o, 0, "ridge");
	o.lambda_rule = TRAIN_LAMBDA_LCURVE;
	compare(&o, 0, "lcurve");
}

static void test_select(void **state)
{
	(void)state;
	struct train_opts o;
	base_opts(&o, 5);
	o.select = true;
	o.max_terms = 3;
	compare(&o, 0, "select");
}

/* The installed model: its error as it is and its terms refitted (one of
 * its terms, cpu_busy, is an extra column). */
static void test_incumbent(void **state)
{
	(void)state;
	static struct model m;
	bool have;
	uint64_t id;
	char err[512];
	assert_int_equal(partial_model_id(incumbent_path, NULL, &m, &have, &id, err, sizeof err), 0);
	assert_true(have);
	assert_true(id != 0);
	struct train_opts o;
	base_opts(&o, 5);
	o.incumbent = &m;
	compare(&o, id, "incumbent");
	/* none */
	assert_int_equal(partial_model_id("none", NULL, &m, &have, &id, err, sizeof err), 0);
	assert_false(have);
	assert_int_equal(id, 0);
	/* a file that is not there is an error, not the embedded default */
	char missing[700];
	snprintf(missing, sizeof missing, "%s/nothing.model", dir);
	assert_int_equal(partial_model_id(missing, NULL, &m, &have, &id, err, sizeof err), -ENOENT);
	assert_non_null(strstr(err, missing));
}

/* What must not merge, and robust fitting. */
static void test_refused(void **state)
{
	(void)state;
	struct train_opts o;
	base_opts(&o, 4);
	char paths[NHIST][700], err[512];
	char *fp[NHIST];
	make_factors(&o, 0, "refused", paths);
	for (int i = 0; i < NHIST; i++)
		fp[i] = paths[i];
	static struct train_result r;

	struct train_opts x = o;
	x.spec.n_terms = 3;                       /* other terms */
	assert_int_equal(partial_merge(&x, fp, NHIST, 0, &r, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, paths[0]));
	assert_non_null(strstr(err, "other terms"));
	train_result_free(&r);

	x = o;
	x.spec.until = UNTIL + 10;                /* another window */
	assert_int_equal(partial_merge(&x, fp, NHIST, 0, &r, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "window"));
	train_result_free(&r);

	x = o;
	x.folds = 4;
	assert_int_equal(partial_merge(&x, fp, NHIST, 0, &r, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "--folds 5, not 4"));
	train_result_free(&r);

	x = o;
	x.spec.label = "slowdown";
	assert_int_equal(partial_merge(&x, fp, NHIST, 0, &r, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "label 'rank'"));
	train_result_free(&r);

	assert_int_equal(partial_merge(&o, fp, NHIST, 42, &r, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "--incumbent"));
	train_result_free(&r);

	x = o;
	x.method = TRAIN_ROBUST;
	assert_int_equal(partial_merge(&x, fp, NHIST, 0, &r, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "pooled histories"));
	train_result_free(&r);

	/* one factor given twice: merged (two histories of a host are right),
	 * with a warning naming the host and both files */
	static struct train_result once;
	char *twice[] = { fp[0], fp[1], fp[2], fp[0] };
	assert_int_equal(partial_merge(&o, fp, 3, 0, &once, err, sizeof err), 0);
	assert_int_equal(once.warning[0], '\0');
	assert_int_equal(partial_merge(&o, twice, 4, 0, &r, err, sizeof err), 0);
	assert_non_null(strstr(r.warning, "host a0 is in more than one factor file"));
	assert_non_null(strstr(r.warning, "h0.factor"));
	assert_int_equal(r.stats.hosts, once.stats.hosts);
	assert_true(r.stats.rows_used > once.stats.rows_used);
	train_result_free(&once);
	train_result_free(&r);

	/* the host after the window alone: no rows to fit */
	assert_int_equal(partial_merge(&o, &fp[4], 1, 0, &r, err, sizeof err), -ENODATA);
	train_result_free(&r);
	/* host d alone covers the last time blocks only */
	assert_int_equal(partial_merge(&o, &fp[3], 1, 0, &r, err, sizeof err), -ENODATA);
	assert_non_null(strstr(err, "time block 1 of 5 has only 0 usable rows"));
	train_result_free(&r);
}

/* ------------------------------------------------------------ the command line */

static char *slurp_in(const char *rel)
{
	char p[700];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	return tu_slurp(p);
}

#define RT(args, expect) TH_RANK_TRAIN(dir, args, expect)

static void test_cli(void **state)
{
	(void)state;
	char a[4096], opts[1024];
	snprintf(opts, sizeof opts, "--label rank --since %lld --until %lld --incumbent none"
		 " --terms runq_per_core,psi_cpu_some,'hinge(mem_used,0.85)',cpu_iowait,psi_io_full",
		 (long long)SINCE, (long long)UNTIL);
	tu_system("mkdir -p '%s/cli'", dir);
	for (int i = 0; i < NHIST; i++) {
		snprintf(a, sizeof a, "--partial %s/cli/h%d.factor %s %s", dir, i, opts, hist[i]);
		RT(a, 0);
		char *out = slurp_in("out");
		assert_non_null(strstr(out, "factor written: "));
		free(out);
	}
	/* size: independent of rows (host a has 3000, host d 1000) */
	char pa[700], pd[700];
	snprintf(pa, sizeof pa, "%s/cli/h0.factor", dir);
	snprintf(pd, sizeof pd, "%s/cli/h3.factor", dir);
	FILE *fa = fopen(pa, "rb"), *fd = fopen(pd, "rb");
	assert_non_null(fa);
	assert_non_null(fd);
	fseek(fa, 0, SEEK_END);
	fseek(fd, 0, SEEK_END);
	assert_int_equal(ftell(fa), ftell(fd));   /* same names' lengths: "a0", "d0" */
	fclose(fa);
	fclose(fd);

	/* merge (a directory) and the pooled run */
	snprintf(a, sizeof a, "--merge %s --output %s/merged.model %s/cli", opts, dir, dir);
	RT(a, 0);
	char *mout = slurp_in("out");
	snprintf(a, sizeof a, "%s --output %s/pooled.model %s %s %s %s %s", opts, dir, hist[0],
		 hist[1], hist[2], hist[3], hist[4]);
	RT(a, 0);
	char *pout = slurp_in("out");
	const char *rows = strstr(pout, "rows: ");
	assert_non_null(rows);
	assert_memory_equal(strstr(mout, "rows: "), rows, strcspn(rows, "\n"));
	assert_non_null(strstr(mout, "hosts: 5\n"));
	assert_non_null(strstr(pout, "hosts: 5\n"));
	free(mout);
	free(pout);

	/* the written models: every number within 1e-6 (OLS coefficients do not
	 * depend on how the folds are cut) */
	char mp[700], pp[700];
	snprintf(mp, sizeof mp, "%s/merged.model", dir);
	snprintf(pp, sizeof pp, "%s/pooled.model", dir);
	static struct model mm, pm;
	struct model_error me;
	assert_int_equal(model_load_file(mp, NULL, &mm, &me), 0);
	assert_int_equal(model_load_file(pp, NULL, &pm, &me), 0);
	assert_int_equal(mm.n_terms, pm.n_terms);
	ASSERT_CLOSE(mm.intercept, pm.intercept, 1e-6);
	for (size_t i = 0; i < pm.n_terms; i++) {
		assert_true(model_term_same(&mm.terms[i], &pm.terms[i]));
		ASSERT_CLOSE(mm.terms[i].coef, pm.terms[i].coef, 1e-6);
		ASSERT_CLOSE(mm.terms[i].mean, pm.terms[i].mean, 1e-6);
		ASSERT_CLOSE(mm.terms[i].scale, pm.terms[i].scale, 1e-6);
	}
	assert_string_equal(model_meta_get(&mm, "rows"), model_meta_get(&pm, "rows"));
	assert_string_equal(model_meta_get(&mm, "window"), model_meta_get(&pm, "window"));
	assert_string_equal(model_meta_get(&mm, "hosts"), model_meta_get(&pm, "hosts"));

	/* the HTML report of a merge: no row plots, and no NaN where they were */
	snprintf(a, sizeof a, "--merge %s --dry-run --report %s/merge.html %s/cli", opts, dir, dir);
	RT(a, 0);
	char *html = slurp_in("merge.html");
	assert_non_null(strstr(html, "No plots of rows"));
	assert_null(strstr(html, "nan"));
	assert_null(strstr(html, "NaN"));
	free(html);

	/* --incumbent in a plain run: compared with that file, not --output's;
	 * a missing one is an error, not the embedded default */
	snprintf(a, sizeof a, "--label rank --terms runq_per_core --incumbent %s --dry-run"
		 " --output %s/none.model %s", incumbent_path, dir, hist[0]);
	RT(a, 0);
	char *o0 = slurp_in("out"), want[800];
	snprintf(want, sizeof want, "installed model: %s (", incumbent_path);
	assert_non_null(strstr(o0, want));
	free(o0);
	snprintf(a, sizeof a, "--label rank --terms runq_per_core --incumbent %s/gone.model"
		 " --dry-run %s", dir, hist[0]);
	RT(a, 1);
	o0 = slurp_in("err");
	assert_non_null(strstr(o0, "gone.model: No such file"));
	free(o0);

	/* the rules of the command line */
	snprintf(a, sizeof a, "--partial %s/x.factor %s --report %s/x.html %s", dir, opts, dir, hist[0]);
	RT(a, 2);
	char *e0 = slurp_in("err");
	assert_non_null(strstr(e0, "--partial with --report"));
	free(e0);
	snprintf(a, sizeof a, "--partial %s/x.factor --label rank --terms cpu_busy"
		 " --incumbent none %s", dir, hist[0]);
	RT(a, 2);
	char *e = slurp_in("err");
	assert_non_null(strstr(e, "--partial needs --since and --until"));
	free(e);
	snprintf(a, sizeof a, "--partial %s/x.factor --label rank --since 1 --until 2"
		 " --incumbent none %s", dir, hist[0]);
	RT(a, 2);
	e = slurp_in("err");
	assert_non_null(strstr(e, "--partial needs --terms"));
	free(e);
	snprintf(a, sizeof a, "--merge --label rank --since 1 --until 2 --terms cpu_busy %s/cli", dir);
	RT(a, 2);
	e = slurp_in("err");
	assert_non_null(strstr(e, "--merge needs --incumbent"));
	free(e);
	snprintf(a, sizeof a, "--merge %s --host a0 %s/cli", opts, dir);
	RT(a, 2);
	e = slurp_in("err");
	assert_non_null(strstr(e, "give --host to --partial"));
	free(e);
	snprintf(a, sizeof a, "--merge %s --method robust %s/cli", opts, dir);
	RT(a, 2);
	e = slurp_in("err");
	assert_non_null(strstr(e, "pooled histories"));
	free(e);
	/* another window: refused, naming the file, nothing written */
	snprintf(a, sizeof a, "--merge --label rank --since %lld --until %lld --incumbent none"
		 " --terms runq_per_core,psi_cpu_some,'hinge(mem_used,0.85)',cpu_iowait,psi_io_full"
		 " --output %s/never.model %s/cli", (long long)SINCE, (long long)UNTIL + 1, dir, dir);
	RT(a, 1);
	e = slurp_in("err");
	assert_non_null(strstr(e, "h0.factor: made with the window"));
	free(e);
	char never[700];
	snprintf(never, sizeof never, "%s/never.model", dir);
	assert_int_equal(access(never, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ols),
		cmocka_unit_test(test_ridge_cv),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_incumbent),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_cli),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
