/*
 * acct_refs: the class references of accounting labels as a mergeable
 * summary (rank-train --write-class-refs, --class-refs), and --partial
 * with --acct.
 *
 * The sketch's bound (every run time and every reference within
 * ACCT_REFS_ALPHA relative), its merge (summaries of parts merged are the
 * summary of the whole, byte for byte), the file (round trip, and each kind
 * of bad file refused naming the file and line, the summary unchanged),
 * then end to end on three real one-host SQLite histories and lsb.acct
 * files in the real record layout: class references written on the
 * "master" from two accounting files apart and merged, per-host partial
 * fits with --acct and them, a merge, against the pooled --acct run with
 * the same estimator: the fit within 1e-8 in memory and 1e-6 in the
 * written models; and what is refused.  Real GSL, the real binary.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>
#include <sqlite3.h>

#include "acct.h"
#include "acct_labels.h"
#include "acct_refs.h"
#include "factor.h"
#include "harness.h"
#include "merge_speed.h"
#include "model.h"
#include "partial.h"
#include "testutil.h"
#include "train.h"
#include "trainer_fixture.h"

#define T0 1790000000LL
#define NH 3

static uint64_t rng = 88172645463325252ULL;
static double unif(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
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

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Every run time's bucket value, and every class's reference, within alpha. */
static void test_sketch_bound(void **state)
{
	(void)state;
	for (double x = 1; x < 1e7; x *= 1.0007) {
		double v = acct_refs_value(acct_refs_index(x));
		if (fabs(v / x - 1) > ACCT_REFS_ALPHA * (1 + 1e-12))
			fail_msg("x %.17g stands as %.17g", x, v);
		v = acct_refs_value(acct_refs_index(round(x)));
		assert_true(fabs(v / round(x) - 1) <= ACCT_REFS_ALPHA * (1 + 1e-12));
	}
	static double runs[5000];
	struct acct_refs r = { 0 };
	for (int c = 0; c < 20; c++) {
		char name[16];
		snprintf(name, sizeof name, "c%d", c);
		int n = 5 + (int)(unif() * 4995);
		for (int i = 0; i < n; i++) {
			runs[i] = round(10 + exp(unif() * (2 + c % 7)) * 20);
			assert_int_equal(acct_refs_add(&r, name, runs[i], 1), 0);
		}
		qsort(runs, (size_t)n, sizeof *runs, cmp_d);
		double exact = runs[(int)floor(ACCT_PERCENTILE * (n - 1))];
		double ref = acct_refs_ref(&r, name);
		if (fabs(ref / exact - 1) > ACCT_REFS_ALPHA * (1 + 1e-12))
			fail_msg("class %s: reference %.17g, exact %.17g", name, ref, exact);
	}
	/* too few runs, or none: no reference */
	assert_int_equal(acct_refs_add(&r, "few", 100, ACCT_MIN_RUNS - 1), 0);
	assert_true(isnan(acct_refs_ref(&r, "few")));
	assert_true(isnan(acct_refs_ref(&r, "none")));
	assert_int_equal(acct_refs_add(&r, "few", 300, 1), 0);
	ASSERT_CLOSE(acct_refs_ref(&r, "few"), acct_refs_value(acct_refs_index(100)), 1e-15);
	acct_refs_free(&r);
}

/* A JOB_FINISH record in OpenLava's lsb.log.c layout (as test_acct_speed's). */
static void record(FILE *f, long start, long run, const char *host, double host_factor,
		   const char *name)
{
	fprintf(f, "\"JOB_FINISH\" \"40\" %ld 7 0 33554451 1 %ld 0 0 %ld \"alice\" \"normal\" "
		"\"\" \"\" \"\" \"vm\" \"/tmp\" \"\" \"/dev/null\" \"\" \"%ld.7\" 0 1 \"%s\" 64 %.1f "
		"\"%s\" \"./%s.sh\" 0.5 0.1 5040 0 -1 0 0 648 3 0 1096 64 -1 0 0 0 15 1 -1 \"\" "
		"\"default\" 0 1 \"\" 0 5040 12676 \"\" \"\"\n",
		start + run, start - 5, start, start, host, host_factor, name, name);
}

static char *dir;

static char *text_of(const struct acct_refs *r)
{
	char *t;
	assert_true(acct_refs_format(r, &t) > 0);
	return t;
}

/* Summaries of parts merged: the summary of the whole, byte for byte. */
static void test_merge_exact(void **state)
{
	(void)state;
	char a1[700], a2[700], err[512];
	snprintf(a1, sizeof a1, "%s/m.acct.1", dir);
	snprintf(a2, sizeof a2, "%s/m.acct", dir);
	FILE *f1 = fopen(a1, "w"), *f2 = fopen(a2, "w");
	assert_non_null(f1);
	assert_non_null(f2);
	static const char *const cls[] = { "alpha", "beta job", "gamma%x" };
	long t = 3000000;
	for (int i = 0; i < 3000; i++) {
		int c = i % 3;
		long run = 10 + lround(unif() * 100 * (c + 1) * (1 + unif()));
		record(i < 1700 ? f1 : f2, t += 7, run, i % 2 ? "n1" : "n2", 10.0, cls[c]);
	}
	fclose(f1);
	fclose(f2);
	struct acct_set s1 = { 0 }, s2 = { 0 }, all = { 0 };
	assert_int_equal(acct_read(a1, &s1, err, sizeof err), 0);
	assert_int_equal(acct_read(a2, &s2, err, sizeof err), 0);
	assert_int_equal(acct_read(a1, &all, err, sizeof err), 0);
	assert_int_equal(acct_read(a2, &all, err, sizeof err), 0);
	struct acct_refs r1 = { 0 }, r2 = { 0 }, rall = { 0 };
	assert_int_equal(acct_refs_add_set(&r1, &s1), 0);
	assert_int_equal(acct_refs_add_set(&r2, &s2), 0);
	assert_int_equal(acct_refs_add_set(&rall, &all), 0);
	assert_int_equal(acct_refs_merge(&r1, &r2, err, sizeof err), 0);
	char *tm = text_of(&r1), *ta = text_of(&rall);
	assert_string_equal(tm, ta);
	assert_true(acct_refs_id(&r1) == acct_refs_id(&rall));
	assert_int_equal(rall.n, 3);
	assert_non_null(strstr(ta, "class beta%20job "));   /* escaped */
	assert_non_null(strstr(ta, "class gamma%25x "));

	/* the pooled label is the references' label */
	assert_int_equal(acct_label(&all), 0);
	for (size_t i = 0; i < all.n; i++) {
		double want = (double)(all.jobs[i].finish - all.jobs[i].start) /
			acct_refs_ref(&rall, all.jobs[i].cls);
		assert_true(all.jobs[i].slowdown == want);
	}
	assert_int_equal(all.st.classes, 3);

	/* another key does not merge */
	struct acct_refs q = { .key = ACCT_CLASS_QUEUE, .keyed = true };
	assert_int_equal(acct_refs_merge(&q, &rall, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "--class queue and --class name"));
	free(tm);
	free(ta);
	acct_refs_free(&r1);
	acct_refs_free(&r2);
	acct_refs_free(&rall);
	acct_refs_free(&q);
	acct_free(&s1);
	acct_free(&s2);
	acct_free(&all);
}

/* Written and read back; each bad file refused naming file and line, nothing merged. */
static void test_file(void **state)
{
	(void)state;
	char path[700], err[512];
	struct acct_refs r = { 0 }, back = { 0 };
	assert_int_equal(acct_refs_add(&r, "a b\n", 100, 7), 0);
	assert_int_equal(acct_refs_add(&r, "a b\n", 1000, 3), 0);
	assert_int_equal(acct_refs_add(&r, "x", 50, 2), 0);
	snprintf(path, sizeof path, "%s/r.refs", dir);
	assert_int_equal(acct_refs_write(path, &r, err, sizeof err), 0);
	assert_int_equal(acct_refs_read(path, &back, err, sizeof err), 0);
	char *t1 = text_of(&r), *t2 = text_of(&back), *file = tu_slurp(path);
	assert_string_equal(t1, t2);
	assert_string_equal(t1, file);
	free(t2);
	assert_true(back.keyed);
	assert_int_equal(back.n, 2);
	assert_string_equal(back.c[0].name, "a b\n");
	ASSERT_CLOSE(acct_refs_ref(&back, "a b\n"), acct_refs_value(acct_refs_index(100)), 1e-15);
	/* the hosts' hostFactors: the median, found by a history's name */
	assert_int_equal(acct_refs_add_host(&r, "n1.example.com", 10, 3), 0);
	assert_int_equal(acct_refs_add_host(&r, "n1.example.com", 20, 1), 0);
	assert_int_equal(acct_refs_add_host(&r, "n1.example.com", NAN, 2), 0);
	assert_int_equal(acct_refs_add_host(&r, "n2", 20, 1), 0);
	assert_int_equal(acct_refs_add_host(&r, "n2", 10, 1), 0);
	uint64_t jobs;
	assert_true(acct_refs_host_factor(&r, "n1", &jobs) == 10);
	assert_int_equal(jobs, 6);
	assert_true(acct_refs_host_factor(&r, "n2.example.com", &jobs) == 15);
	assert_true(isnan(acct_refs_host_factor(&r, "n3", &jobs)));
	assert_int_equal(jobs, 0);
	free(t1);
	t1 = text_of(&r);
	assert_non_null(strstr(t1, "hosts 2\nhost n1.example.com 6 10:3 20:1\nhost n2 2 10:1 20:1\nend\n"));
	assert_int_equal(acct_refs_write(path, &r, err, sizeof err), 0);
	acct_refs_free(&back);
	assert_int_equal(acct_refs_read(path, &back, err, sizeof err), 0);
	t2 = text_of(&back);
	assert_string_equal(t1, t2);
	free(t2);
	/* whatever the accounting holds writes back: a long name, a subnormal hostFactor */
	{
		static char longname[6000];
		memset(longname, 'j', sizeof longname - 1);
		longname[100] = ' ';
		struct acct_refs odd = { 0 }, oback = { 0 };
		assert_int_equal(acct_refs_add(&odd, longname, 30, 5), 0);
		assert_int_equal(acct_refs_add_host(&odd, "n9", 4.9e-320, 1), 0);
		assert_int_equal(acct_refs_write(path, &odd, err, sizeof err), 0);
		assert_int_equal(acct_refs_read(path, &oback, err, sizeof err), 0);
		char *a = text_of(&odd), *b = text_of(&oback);
		assert_string_equal(a, b);
		assert_string_equal(oback.c[0].name, longname);
		free(a);
		free(b);
		acct_refs_free(&odd);
		acct_refs_free(&oback);
		assert_int_equal(acct_refs_write(path, &r, err, sizeof err), 0);
	}
	/* a copy with CRLF line ends reads the same */
	{
		char *crlf = malloc(2 * strlen(t1) + 1), *o = crlf;
		assert_non_null(crlf);
		for (const char *c = t1; *c; c++) {
			if (*c == '\n')
				*o++ = '\r';
			*o++ = *c;
		}
		*o = '\0';
		struct acct_refs cr = { 0 };
		assert_int_equal(acct_refs_parse(crlf, strlen(crlf), "crlf", &cr, err, sizeof err), 0);
		char *ct = text_of(&cr);
		assert_string_equal(ct, t1);
		free(ct);
		free(crlf);
		acct_refs_free(&cr);
	}
	/* read twice: the counts add */
	assert_int_equal(acct_refs_read(path, &back, err, sizeof err), 0);
	assert_int_equal(back.c[0].runs, 20);
	assert_true(acct_refs_host_factor(&back, "n1", &jobs) == 10);
	assert_int_equal(jobs, 12);
	free(file);

	static const struct { const char *text, *why; } bad[] = {
		{ "", "bad.refs: empty" },
		{ "elim-rank-model 1\n", ":1: not a class references file" },
		{ "elim-rank-class-refs 2\n", ":1: version 2; this rank-train reads version 1" },
		{ "elim-rank-class-refs 1\nalpha 0.01\n", ":2: alpha 0.01" },
		{ "elim-rank-class-refs 1\nalpha 0.005\npercentile 0.5\n", ":3: percentile 0.5" },
		{ "elim-rank-class-refs 1\nalpha 0.005\npercentile 0.1\nmin-runs 5\nclass-key app\n",
		  ":5: class-key 'app'" },
		{ "elim-rank-class-refs 1\nalpha 0.005\npercentile 0.1\nmin-runs 5\nclass-key name\n"
		  "classes 1\nclass a 3 10:3\n", ":7: ends before 'end' (truncated?)" },
		{ "elim-rank-class-refs 1\nalpha 0.005\npercentile 0.1\nmin-runs 5\nclass-key name\n"
		  "classes 1\nclass a 3 10:2\nhosts 0\nend\n", ":7: class 'a': its buckets count 2 runs, not 3" },
		{ "elim-rank-class-refs 1\nalpha 0.005\npercentile 0.1\nmin-runs 5\nclass-key name\n"
		  "classes 2\nclass a 3 10:3\nclass a 1 5:1\nhosts 0\nend\n", ":8: class 'a' twice" },
		{ "elim-rank-class-refs 1\nalpha 0.005\npercentile 0.1\nmin-runs 5\nclass-key name\n"
		  "classes 1\nclass a 3 10:1 9:2\nhosts 0\nend\n", ":7: class 'a': bucket 9 after 10" },
		{ "elim-rank-class-refs 1\nalpha 0.005\npercentile 0.1\nmin-runs 5\nclass-key name\n"
		  "classes 1\nclass a%2 3 10:3\nhosts 0\nend\n", ":7: a class needs a name" },
		{ "elim-rank-class-refs 1\nalpha 0.005\npercentile 0.1\nmin-runs 5\nclass-key name\n"
		  "classes 2\nclass a 3 10:3\nhosts 0\nend\n", ":8: 1 classes, the header says 2" },
		{ "elim-rank-class-refs 1\nalpha 0.005\npercentile 0.1\nmin-runs 5\nclass-key name\n"
		  "classes 0\nhosts 0\nend\nclass b 1 1:1\n", ":9: text after 'end'" },
		{ "elim-rank-class-refs 1\nalpha 0.005\npercentile 0.1\nmin-runs 5\nclass-key name\n"
		  "classes 1\nclass a 3 99999:3\nhosts 0\nend\n", ":7: class 'a': bucket index '99999'" },
		{ "elim-rank-class-refs 1\nalpha 0.005\npercentile 0.1\nmin-runs 5\nclass-key name\n"
		  "classes 0\nhosts 2\nhost n1 3 10:3\nhost n1 1\nend\n", ":9: host 'n1' twice" },
		{ "elim-rank-class-refs 1\nalpha 0.005\npercentile 0.1\nmin-runs 5\nclass-key name\n"
		  "classes 0\nhosts 1\nhost n1 3 10:2 12.5:2\nend\n",
		  ":8: host 'n1': hostFactor 12.5's count '2' is not a count above 0 within its jobs" },
		{ "elim-rank-class-refs 1\nalpha 0.005\npercentile 0.1\nmin-runs 5\nclass-key name\n"
		  "classes 0\nhosts 1\nhost n1 3 nan:2\nend\n", ":8: host 'n1': hostFactor 'nan'" },
		{ "elim-rank-class-refs 1\nalpha 0.005\npercentile 0.1\nmin-runs 5\nclass-key name\n"
		  "classes 0\nhosts 2\nhost n1 3\nend\n", ":9: 1 hosts, the header says 2" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct acct_refs keep = { 0 };
		assert_int_equal(acct_refs_add(&keep, "kept", 100, 5), 0);
		tu_write(dir, "bad.refs", bad[i].text);
		snprintf(path, sizeof path, "%s/bad.refs", dir);
		int rc = acct_refs_read(path, &keep, err, sizeof err);
		if (rc != -EINVAL || strstr(err, path) == NULL || strstr(err, bad[i].why) == NULL)
			fail_msg("bad file %zu: rc %d, '%s' (wanted '%s')", i, rc, err, bad[i].why);
		char *kt = text_of(&keep);
		assert_int_equal(keep.n, 1);
		assert_non_null(strstr(kt, "class kept 5 "));
		free(kt);
		acct_refs_free(&keep);
	}
	/* another key than the summary's */
	struct acct_refs q = { .key = ACCT_CLASS_QUEUE, .keyed = true };
	snprintf(path, sizeof path, "%s/r.refs", dir);
	assert_int_equal(acct_refs_read(path, &q, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "r.refs: made with --class name, not --class queue"));
	snprintf(path, sizeof path, "%s/missing.refs", dir);
	assert_int_equal(acct_refs_read(path, &q, err, sizeof err), -ENOENT);
	assert_non_null(strstr(err, "missing.refs"));
	acct_refs_free(&q);
	free(t1);
	acct_refs_free(&r);
	acct_refs_free(&back);
}

/* ------------------------------------------------------------ end to end */

static const char *const prefix[NH] = { "fast", "mid", "slow" };
static char hist[NH][600], acct1[600], acct2[600];
static long first_row = -1, last_row;

/*
 * Three one-host histories covering different spans, and two lsb.acct
 * files (rotated: lsb.acct.1 the older jobs): a job of class c0..c2 starts
 * 5 s after every third sample and runs base x the fixture's slowdown.
 */
static void make_cluster(void)
{
	static const double base[] = { 300, 1000, 2500 };
	static const int64_t t0[NH] = { T0, T0 + 4000, T0 + 9000 };
	snprintf(acct1, sizeof acct1, "%s/lsb.acct.1", dir);
	snprintf(acct2, sizeof acct2, "%s/lsb.acct", dir);
	FILE *f1 = fopen(acct1, "w"), *f2 = fopen(acct2, "w");
	assert_non_null(f1);
	assert_non_null(f2);
	for (int h = 0; h < NH; h++) {
		snprintf(hist[h], sizeof hist[h], "%s/%s.db", dir, prefix[h]);
		const struct fixture_opts fo = { .rows = 2000, .hosts = 1, .t0 = t0[h], .step = 10,
						 .seed = 31 + (uint64_t)h, .noise = 0.02,
						 .slowdown_col = true, .host_prefix = prefix[h],
						 .speed = 1.0 + 0.3 * h };
		assert_int_equal(fixture_history(hist[h], &fo), 0);
		sqlite3 *db;
		sqlite3_stmt *st;
		assert_int_equal(sqlite3_open(hist[h], &db), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT time, host, slowdown FROM samples"
						    " ORDER BY time", -1, &st, NULL), SQLITE_OK);
		for (int k = 0; sqlite3_step(st) == SQLITE_ROW; k++) {
			if (k % 3)
				continue;
			char cls[8];
			snprintf(cls, sizeof cls, "c%d", k / 3 % 3);
			long t = (long)sqlite3_column_int64(st, 0);
			double run = base[k / 3 % 3] * 4 * sqlite3_column_double(st, 2);
			record(t < T0 + 12000 ? f1 : f2, t + 5, lround(run),
			       (const char *)sqlite3_column_text(st, 1), 100.0 / (1.0 + 0.3 * h), cls);
			if (first_row < 0 || t < first_row)
				first_row = t;
			if (t > last_row)
				last_row = t;
		}
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
	fclose(f1);
	fclose(f2);
}

static int setup(void **state)
{
	(void)state;
	gsl_set_error_handler_off();
	dir = tu_tmpdir();
	make_cluster();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(dir);
	free(dir);
	return 0;
}

static const char *terms_list = "runq_per_core,psi_cpu_some,hinge(mem_used,0.85),cpu_iowait";

/*
 * In memory: the pooled --acct labels (acct_label's references, from the
 * two files read together) against per-host partial fits labelled with
 * the references summarised from the files apart and merged; the factors
 * merged (TSQR) against the pooled pass on the same window grid.
 */
static void test_partial_equals_pooled(void **state)
{
	(void)state;
	static struct model_term terms[4];
	static struct train_result pooled, merged, r;
	char err[1024];
	static const char *const exprs[] = { "runq_per_core", "psi_cpu_some",
					     "hinge(mem_used,0.85)", "cpu_iowait" };
	size_t nt = 0;
	for (; nt < 4; nt++) {
		struct model_error me;
		assert_int_equal(model_parse_expr(exprs[nt], NULL, &terms[nt], &me), 0);
	}
	assert_int_equal(nt, 4);
	struct train_opts o;
	memset(&o, 0, sizeof o);
	o.spec.terms = terms;
	o.spec.n_terms = nt;
	o.spec.label = "acct_slowdown";
	o.spec.since = T0;
	o.spec.until = T0 + 30000;
	o.folds = 5;
	o.seed = 1;
	o.window_grid = true;

	/* pooled: both files, the references of their jobs */
	char *files[NH];
	for (int h = 0; h < NH; h++)
		files[h] = hist[h];
	const char *both[] = { acct1, acct2 };
	struct acct_labels_opts ao = { .paths = both, .npaths = 2 };
	struct acct_set set = { 0 };
	struct train_opts po = o;
	assert_int_equal(acct_labels_attach(&ao, files, NH, &po.spec, &set, NULL, err, sizeof err), 0);
	assert_true(set.st.joined > 1500);
	assert_int_equal(set.st.classes, 3);
	if (train_run(&po, files, NH, &pooled, err, sizeof err) != 0)
		fail_msg("pooled: %s", err);
	acct_free(&set);

	/* the references, from the two files summarised apart */
	struct acct_refs refs = { 0 }, part = { 0 };
	for (int i = 0; i < 2; i++) {
		struct acct_set s = { 0 };
		assert_int_equal(acct_read(both[i], &s, err, sizeof err), 0);
		assert_int_equal(acct_refs_add_set(&part, &s), 0);
		assert_int_equal(acct_refs_merge(&refs, &part, err, sizeof err), 0);
		acct_refs_free(&part);
		acct_free(&s);
	}
	/* each host: its own history, all the accounting, the references */
	struct factor *f = malloc(sizeof *f);
	assert_non_null(f);
	char paths[NH][700], *fp[NH];
	o.class_refs_id = acct_refs_id(&refs);
	for (int h = 0; h < NH; h++) {
		struct train_opts ho = o;
		ho.partial = true;
		struct acct_labels_opts hao = { .paths = both, .npaths = 2, .refs = &refs };
		char *one[] = { hist[h] };
		assert_int_equal(acct_labels_attach(&hao, one, 1, &ho.spec, &set, NULL, err,
						    sizeof err), 0);
		if (train_run(&ho, one, 1, &r, err, sizeof err) != 0)
			fail_msg("partial %d: %s", h, err);
		partial_from_run(&r, &ho, 0, f);
		train_result_free(&r);
		acct_free(&set);
		snprintf(paths[h], sizeof paths[h], "%s/mem%d.factor", dir, h);
		assert_int_equal(factor_write(paths[h], f, err, sizeof err), 0);
		fp[h] = paths[h];
		char want[64];
		snprintf(want, sizeof want, "acct_slowdown class-refs %016llx",
			 (unsigned long long)o.class_refs_id);
		assert_string_equal(f->label, want);
	}
	free(f);
	if (partial_merge(&o, fp, NH, 0, &merged, err, sizeof err) != 0)
		fail_msg("merge: %s", err);
	assert_int_equal(merged.stats.rows_used, pooled.stats.rows_used);
	assert_int_equal(merged.stats.rows_read, pooled.stats.rows_read);
	assert_int_equal(merged.stats.hosts, 3);
	assert_int_equal(merged.fit.ncols, pooled.fit.ncols);
	ASSERT_CLOSE(merged.fit.intercept, pooled.fit.intercept, 1e-8);
	for (size_t i = 0; i < pooled.fit.ncols; i++) {
		ASSERT_CLOSE(merged.fit.coef[i], pooled.fit.coef[i], 1e-8);
		ASSERT_CLOSE(merged.F.mean[pooled.fit.cols[i]], pooled.F.mean[pooled.fit.cols[i]], 1e-8);
	}
	ASSERT_CLOSE(merged.fit.cv_rmse, pooled.fit.cv_rmse, 1e-8);
	ASSERT_CLOSE(merged.fit.r2, pooled.fit.r2, 1e-8);
	train_result_free(&merged);

	/* a merge without the references, or with others: refused, naming the file */
	struct train_opts no = o;
	no.class_refs_id = 0;
	assert_int_equal(partial_merge(&no, fp, NH, 0, &merged, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "mem0.factor: labelled with class references"));
	no.class_refs_id = o.class_refs_id + 1;
	assert_int_equal(partial_merge(&no, fp, NH, 0, &merged, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "other class references"));
	train_result_free(&pooled);
	acct_refs_free(&refs);
}

#define RT(args, expect) TH_RANK_TRAIN(dir, args, expect)

static char *slurp_in(const char *rel)
{
	char p[700];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	return tu_slurp(p);
}

/* The recipe with the binary: references on the master, partials, merge. */
static void test_cli(void **state)
{
	(void)state;
	char a[8192], w[1024];
	snprintf(w, sizeof w, "--since %lld --until %lld --incumbent none --terms '%s'",
		 (long long)T0, (long long)T0 + 30000, terms_list);
	/* the master: each file summarised, then the summaries merged */
	snprintf(a, sizeof a, "--write-class-refs %s/r1.refs --acct %s", dir, acct1);
	RT(a, 0);
	char *out = slurp_in("out");
	assert_non_null(strstr(out, "class references written: "));
	free(out);
	snprintf(a, sizeof a, "--write-class-refs %s/r2.refs --acct %s", dir, acct2);
	RT(a, 0);
	snprintf(a, sizeof a, "--write-class-refs %s/cls.refs --class-refs %s/r1.refs"
		 " --class-refs %s/r2.refs", dir, dir, dir);
	RT(a, 0);
	snprintf(a, sizeof a, "--write-class-refs %s/both.refs --acct %s --acct %s", dir, acct1,
		 acct2);
	RT(a, 0);
	char *m = slurp_in("cls.refs"), *b = slurp_in("both.refs");
	assert_string_equal(m, b);
	free(m);
	free(b);

	/* the hosts: each its own history, the shared accounting, the references */
	tu_system("mkdir -p '%s/fac'", dir);
	for (int h = 0; h < NH; h++) {
		snprintf(a, sizeof a, "--partial %s/fac/%s.factor --acct %s --acct %s"
			 " --class-refs %s/cls.refs %s %s", dir, prefix[h], acct1, acct2, dir, w,
			 hist[h]);
		RT(a, 0);
		out = slurp_in("out");
		assert_non_null(strstr(out, "factor written: "));
		assert_non_null(strstr(out, "acct: 3 classes labelled"));
		free(out);
	}
	snprintf(a, sizeof a, "--merge --class-refs %s/cls.refs --no-learn-speed %s --output"
		 " %s/merged.model %s/fac", dir, w, dir, dir);
	RT(a, 0);
	snprintf(a, sizeof a, "--acct %s --acct %s --no-learn-speed %s --output %s/pooled.model"
		 " %s %s %s", acct1, acct2, w, dir, hist[0], hist[1], hist[2]);
	RT(a, 0);
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
	assert_string_equal(model_meta_get(&mm, "hosts"), model_meta_get(&pm, "hosts"));
	/* a pooled run given the same references: the same model */
	snprintf(a, sizeof a, "--acct %s --acct %s --class-refs %s/cls.refs --no-learn-speed %s"
		 " --output %s/pooled2.model %s %s %s", acct1, acct2, dir, w, dir, hist[0], hist[1],
		 hist[2]);
	RT(a, 0);
	snprintf(pp, sizeof pp, "%s/pooled2.model", dir);
	assert_int_equal(model_load_file(pp, NULL, &pm, &me), 0);
	ASSERT_CLOSE(mm.intercept, pm.intercept, 1e-6);

	/* refused: a partial without references, a merge with --acct or without them */
	snprintf(a, sizeof a, "--partial %s/x.factor --acct %s %s %s", dir, acct1, w, hist[0]);
	RT(a, 2);
	char *e = slurp_in("err");
	assert_non_null(strstr(e, "--partial with --acct needs --class-refs FILE"));
	free(e);
	snprintf(a, sizeof a, "--merge --acct %s %s %s/fac", acct1, w, dir);
	RT(a, 2);
	e = slurp_in("err");
	assert_non_null(strstr(e, "--merge with --acct"));
	free(e);
	snprintf(a, sizeof a, "--merge --label acct_slowdown %s --output %s/never.model %s/fac", w,
		 dir, dir);
	RT(a, 1);
	e = slurp_in("err");
	assert_non_null(strstr(e, ".factor: labelled with class references: give the merge"));
	free(e);
	snprintf(a, sizeof a, "--merge --class-refs %s/r1.refs %s --output %s/never.model %s/fac",
		 dir, w, dir, dir);
	RT(a, 1);
	e = slurp_in("err");
	assert_non_null(strstr(e, "other class references"));
	free(e);
	snprintf(pp, sizeof pp, "%s/never.model", dir);
	assert_int_equal(access(pp, F_OK), -1);
	/* references by another class key than the partial's --class */
	snprintf(a, sizeof a, "--partial %s/x.factor --acct %s --class queue --class-refs"
		 " %s/cls.refs %s %s", dir, acct1, dir, w, hist[0]);
	RT(a, 1);
	e = slurp_in("err");
	assert_non_null(strstr(e, "made with --class name, not --class queue"));
	free(e);
	/* a bad references file: named, with its line; nothing written */
	tu_write(dir, "bad.refs", "elim-rank-class-refs 1\nalpha 0.005\n");
	snprintf(a, sizeof a, "--write-class-refs %s/cls.refs --class-refs %s/bad.refs", dir, dir);
	RT(a, 1);
	e = slurp_in("err");
	assert_non_null(strstr(e, "bad.refs:2: ends before 'percentile'"));
	free(e);
	m = slurp_in("cls.refs");
	assert_non_null(strstr(m, "class c0 "));
	free(m);
	snprintf(a, sizeof a, "--write-class-refs %s/y.refs %s", dir, hist[0]);
	RT(a, 2);
	snprintf(a, sizeof a, "--class-refs %s/cls.refs --label rank %s", dir, hist[0]);
	RT(a, 2);
	e = slurp_in("err");
	assert_non_null(strstr(e, "--class-refs only applies to --acct"));
	free(e);
}

/* The terms, parsed. */
static size_t parse_terms(struct model_term *terms)
{
	static const char *const exprs[] = { "runq_per_core", "psi_cpu_some",
					     "hinge(mem_used,0.85)", "cpu_iowait" };
	for (size_t i = 0; i < 4; i++) {
		struct model_error me;
		assert_int_equal(model_parse_expr(exprs[i], NULL, &terms[i], &me), 0);
	}
	return 4;
}

/*
 * Host speeds learned at the merge from the factors alone, against the
 * same estimator on the pooled rows: three rounds each, the factors and the
 * fit within 1e-8; the factors near the hosts' true speeds (1, 1.3, 1.6:
 * the fixture's slowdown column is the load's times the speed).
 */
static void test_speeds_in_memory(void **state)
{
	(void)state;
	static struct model_term terms[4];
	static struct train_result pooled, merged, r;
	char err[1024];
	struct train_opts o;
	memset(&o, 0, sizeof o);
	o.spec.terms = terms;
	o.spec.n_terms = parse_terms(terms);
	o.spec.label = "acct_slowdown";
	o.spec.since = T0;
	o.spec.until = T0 + 30000;
	o.folds = 5;
	o.seed = 1;
	o.window_grid = true;
	const char *both[] = { acct1, acct2 };
	struct acct_refs refs = { 0 };
	struct acct_set set = { 0 };
	assert_int_equal(acct_read(acct1, &set, err, sizeof err), 0);
	assert_int_equal(acct_read(acct2, &set, err, sizeof err), 0);
	assert_int_equal(acct_refs_add_set(&refs, &set), 0);
	acct_free(&set);
	o.class_refs_id = acct_refs_id(&refs);

	/* pooled: the rows */
	char *files[NH];
	for (int h = 0; h < NH; h++)
		files[h] = hist[h];
	struct acct_labels_opts ao = { .paths = both, .npaths = 2, .refs = &refs };
	struct train_opts po = o;
	assert_int_equal(acct_labels_attach(&ao, files, NH, &po.spec, &set, NULL, err, sizeof err), 0);
	if (train_run(&po, files, NH, &pooled, err, sizeof err) != 0)
		fail_msg("pooled: %s", err);
	struct merge_speed mp = { 0 }, mm = { 0 };
	for (int k = 1; k < 3; k++) {
		assert_int_equal(merge_speed_rows(&mp, &pooled, &po.spec, files, NH, err, sizeof err), 0);
		merge_speed_update(&mp);
		merge_speed_relabel(&mp, &set);
		train_result_free(&pooled);
		assert_int_equal(train_run(&po, files, NH, &pooled, err, sizeof err), 0);
	}
	acct_free(&set);

	/* partial fits, then the merge and its rounds from the factors */
	struct factor *f = malloc(sizeof *f);
	assert_non_null(f);
	char paths[NH][700], *fp[NH];
	for (int h = 0; h < NH; h++) {
		struct train_opts ho = o;
		ho.partial = true;
		char *one[] = { hist[h] };
		assert_int_equal(acct_labels_attach(&ao, one, 1, &ho.spec, &set, NULL, err,
						    sizeof err), 0);
		assert_int_equal(train_run(&ho, one, 1, &r, err, sizeof err), 0);
		partial_from_run(&r, &ho, 0, f);
		train_result_free(&r);
		acct_free(&set);
		snprintf(paths[h], sizeof paths[h], "%s/spd%d.factor", dir, h);
		assert_int_equal(factor_write(paths[h], f, err, sizeof err), 0);
		fp[h] = paths[h];
	}
	free(f);
	double yscale[NH];
	assert_int_equal(partial_merge(&o, fp, NH, 0, &merged, err, sizeof err), 0);
	for (int k = 1; k < 3; k++) {
		assert_int_equal(merge_speed_factors(&mm, &merged, fp, NH, err, sizeof err), 0);
		merge_speed_update(&mm);
		merge_speed_scales(&mm, yscale);
		train_result_free(&merged);
		assert_int_equal(partial_merge_scaled(&o, fp, NH, 0, yscale, &merged, err, sizeof err), 0);
	}

	/* the same factors, the same fit */
	assert_int_equal(mm.n, NH);
	assert_int_equal(mp.n, NH);
	static const double truth[NH] = { 1.0, 1.3, 1.6 };
	for (int h = 0; h < NH; h++) {
		char name[16];
		snprintf(name, sizeof name, "%s0", prefix[h]);
		const struct merge_speed_host *a = NULL, *b = NULL;
		for (size_t i = 0; i < NH; i++) {
			if (strcmp(mm.h[i].name, name) == 0)
				a = &mm.h[i];
			if (strcmp(mp.h[i].name, name) == 0)
				b = &mp.h[i];
		}
		assert_non_null(a);
		assert_non_null(b);
		ASSERT_CLOSE(a->factor, b->factor, 1e-8);
		assert_int_equal(a->rows, b->rows);
		print_message("# %s: learned %.6g at the merge, %.6g pooled, true %.2g\n", name,
			      a->factor, b->factor, truth[h]);
		if (fabs(a->factor / truth[h] - 1) > 0.03)
			fail_msg("%s: learned %g, true %g", name, a->factor, truth[h]);
	}
	assert_int_equal(merged.stats.rows_used, pooled.stats.rows_used);
	ASSERT_CLOSE(merged.fit.intercept, pooled.fit.intercept, 1e-8);
	for (size_t i = 0; i < pooled.fit.ncols; i++)
		ASSERT_CLOSE(merged.fit.coef[i], pooled.fit.coef[i], 1e-8);
	ASSERT_CLOSE(merged.fit.cv_rmse, pooled.fit.cv_rmse, 1e-8);
	ASSERT_CLOSE(merged.F.ymean, pooled.F.ymean, 1e-8);
	ASSERT_CLOSE(merged.F.sst, pooled.F.sst, 1e-8);

	/* a factor of two hosts: refused, naming it */
	struct train_opts two = o;
	two.partial = true;
	assert_int_equal(acct_labels_attach(&ao, files, 2, &two.spec, &set, NULL, err, sizeof err), 0);
	assert_int_equal(train_run(&two, files, 2, &r, err, sizeof err), 0);
	f = malloc(sizeof *f);
	assert_non_null(f);
	partial_from_run(&r, &two, 0, f);
	snprintf(paths[0], sizeof paths[0], "%s/two.factor", dir);
	assert_int_equal(factor_write(paths[0], f, err, sizeof err), 0);
	free(f);
	train_result_free(&r);
	acct_free(&set);
	assert_int_equal(merge_speed_factors(&mm, &merged, fp, 1, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "two.factor: a partial fit of 2 hosts"));

	merge_speed_free(&mp);
	merge_speed_free(&mm);
	train_result_free(&pooled);
	train_result_free(&merged);
	acct_refs_free(&refs);
}

/* The same with the binary: the merge's speed lines and report are the pooled run's. */
static void test_speeds_cli(void **state)
{
	(void)state;
	char a[8192], w[1024];
	snprintf(w, sizeof w, "--since %lld --until %lld --incumbent none --terms '%s'",
		 (long long)T0, (long long)T0 + 30000, terms_list);
	snprintf(a, sizeof a, "--write-class-refs %s/s.refs --acct %s --acct %s", dir, acct1, acct2);
	RT(a, 0);
	tu_system("mkdir -p '%s/sfac'", dir);
	for (int h = 0; h < NH; h++) {
		snprintf(a, sizeof a, "--partial %s/sfac/%s.factor --acct %s --acct %s"
			 " --class-refs %s/s.refs %s %s", dir, prefix[h], acct1, acct2, dir, w, hist[h]);
		RT(a, 0);
	}
	snprintf(a, sizeof a, "--merge --class-refs %s/s.refs %s --output %s/smerged.model %s/sfac",
		 dir, w, dir, dir);
	RT(a, 0);
	char *mout = slurp_in("out");
	snprintf(a, sizeof a, "--acct %s --acct %s --class-refs %s/s.refs %s --output"
		 " %s/spooled.model %s %s %s", acct1, acct2, dir, w, dir, hist[0], hist[1], hist[2]);
	RT(a, 0);
	char *pout = slurp_in("out");
	for (const char *l = strstr(mout, "speed: "); l; l = strstr(l + 1, "\nspeed: "))
		print_message("# merge: %.*s\n", (int)strcspn(l + (*l == '\n'), "\n"),
			      l + (*l == '\n'));
	/* each host's line: learned factor, hostFactor, what it implies */
	for (int h = 0; h < NH; h++) {
		char want[64];
		snprintf(want, sizeof want, "speed: %s0: learned ", prefix[h]);
		const char *lm = strstr(mout, want), *lp = strstr(pout, want);
		assert_non_null(lm);
		assert_non_null(lp);
		const char *em = strstr(lm, " rows"), *ep = strstr(lp, " rows");
		assert_non_null(em);
		assert_non_null(ep);
		assert_int_equal(em - lm, ep - lp);
		assert_memory_equal(lm, lp, (size_t)(em - lm));
	}
	assert_non_null(strstr(mout, "speed: mid0: learned 1.3"));
	assert_non_null(strstr(mout, "hostFactor 76.9 (implies 1.3)"));
	assert_non_null(strstr(mout, "speed: reference fast0"));
	static struct model mm, pm;
	struct model_error me;
	char mp[700], pp[700];
	snprintf(mp, sizeof mp, "%s/smerged.model", dir);
	snprintf(pp, sizeof pp, "%s/spooled.model", dir);
	assert_int_equal(model_load_file(mp, NULL, &mm, &me), 0);
	assert_int_equal(model_load_file(pp, NULL, &pm, &me), 0);
	ASSERT_CLOSE(mm.intercept, pm.intercept, 1e-6);
	assert_int_equal(mm.n_terms, pm.n_terms);
	for (size_t i = 0; i < pm.n_terms; i++)
		ASSERT_CLOSE(mm.terms[i].coef, pm.terms[i].coef, 1e-6);
	assert_int_equal(mm.n_speed, 3);
	assert_int_equal(mm.n_speed, pm.n_speed);
	for (size_t i = 0; i < pm.n_speed; i++) {
		assert_string_equal(mm.speed[i].host, pm.speed[i].host);
		assert_true(mm.speed[i].factor == pm.speed[i].factor);
	}
	free(mout);
	free(pout);
	/* per host group (one that spans the window's time blocks; mid0 in
	 * none): each group's speeds among its own hosts, the fastest 1 */
	tu_write(dir, "groups.map", "fast0 g1\nslow0 g1\n");
	tu_system("mkdir -p '%s/gm'", dir);
	snprintf(a, sizeof a, "--merge --group-by %s/groups.map --output %s/gm --class-refs"
		 " %s/s.refs %s %s/sfac", dir, dir, dir, w, dir);
	RT(a, 0);
	mout = slurp_in("out");
	const char *g1 = strstr(mout, "== group g1");
	assert_non_null(g1);
	assert_non_null(strstr(g1, "speed: 2 hosts"));
	assert_non_null(strstr(g1, "speed: fast0: learned 1,"));
	assert_non_null(strstr(g1, "speed: slow0: learned 1.6"));
	free(mout);
	snprintf(mp, sizeof mp, "%s/gm/g1.model", dir);
	assert_int_equal(model_load_file(mp, NULL, &mm, &me), 0);
	assert_int_equal(mm.n_speed, 2);
	snprintf(mp, sizeof mp, "%s/gm/default.model", dir);
	assert_int_equal(model_load_file(mp, NULL, &mm, &me), 0);
	assert_int_equal(mm.n_speed, 3);
	snprintf(mp, sizeof mp, "%s/smerged.model", dir);
	/* with an installed model to compare with: refused at the merge */
	snprintf(a, sizeof a, "--merge --class-refs %s/s.refs --since %lld --until %lld"
		 " --incumbent %s --terms '%s' %s/sfac", dir, (long long)T0, (long long)T0 + 30000,
		 mp, terms_list, dir);
	RT(a, 2);
	char *e = slurp_in("err");
	assert_non_null(strstr(e, "needs --incumbent none"));
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sketch_bound),
		cmocka_unit_test(test_merge_exact),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_partial_equals_pooled),
		cmocka_unit_test(test_cli),
		cmocka_unit_test(test_speeds_in_memory),
		cmocka_unit_test(test_speeds_cli),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
