/*
 * extract: rank-train --extract writes the labelled rows of the window,
 * with only the columns the terms use, as a history that trains to the
 * same model, counts and figures as the full histories; a failure leaves
 * no file and keeps the one there.  Real SQLite histories (some labels and
 * a term's values unknown), real GSL, the real binary for the command line.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>
#include <sqlite3.h>

#include "extract.h"
#include "harness.h"
#include "model.h"
#include "testutil.h"
#include "train.h"
#include "trainer_fixture.h"

#define T0 1790000000LL

static char *dir;
static char h1[600], h2[600];
static struct model_term terms[4];
static const char *exprs[] = { "runq_per_core", "mul(psi_cpu_some,cpu_busy)",
			       "hinge(mem_used,0.85)", "psi_io_full" };

static int setup(void **state)
{
	(void)state;
	gsl_set_error_handler_off();
	dir = tu_tmpdir();
	snprintf(h1, sizeof h1, "%s/h1.db", dir);
	snprintf(h2, sizeof h2, "%s/h2.db", dir);
	struct fixture_opts a = { .rows = 4000, .hosts = 2, .t0 = T0, .step = 10, .seed = 31,
				  .noise = 0.05, .null_frac = 0.1, .null_label_frac = 0.1,
				  .host_prefix = "x" };
	struct fixture_opts b = { .rows = 2000, .hosts = 1, .t0 = T0 + 5000, .step = 10, .seed = 32,
				  .noise = 0.05, .host_prefix = "y" };
	assert_int_equal(fixture_history(h1, &a), 0);
	assert_int_equal(fixture_history(h2, &b), 0);
	for (size_t i = 0; i < 4; i++) {
		struct model_error e;
		assert_int_equal(model_parse_expr(exprs[i], NULL, &terms[i], &e), 0);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(dir);
	free(dir);
	return 0;
}

static struct dataset_spec spec_of(void)
{
	return (struct dataset_spec){ .terms = terms, .n_terms = 4, .label = "rank",
				      .since = T0 + 2000, .until = T0 + 18000 };
}

/* Files in dir whose name starts with prefix. */
static int count_files(const char *prefix)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}

static void test_rows_and_columns(void **state)
{
	(void)state;
	char out[700], err[1024], sql[1024];
	snprintf(out, sizeof out, "%s/e1.db", dir);
	struct dataset_spec s = spec_of();
	bool extra[FEAT_VECTOR_LEN] = { false };
	extra[FEAT_cpu_steal] = true;
	uint64_t rows;
	char *files[] = { h1 };
	assert_int_equal(extract_write(&s, extra, files, 1, out, &rows, err, sizeof err), 0);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM samples WHERE rank IS NOT NULL"
		 " AND time BETWEEN %lld AND %lld", T0 + 2000, T0 + 18000);
	long long want = tu_sql_int(h1, sql);
	assert_true(want > 1000);
	assert_int_equal(rows, want);
	assert_int_equal(tu_sql_int(out, "SELECT count(*) FROM samples"), want);
	assert_int_equal(tu_sql_int(out, "SELECT count(*) FROM samples WHERE psi_io_full IS NULL"),
			 tu_sql_int(h1, "SELECT count(*) FROM samples WHERE psi_io_full IS NULL AND"
				    " rank IS NOT NULL AND time BETWEEN 1790002000 AND 1790018000"));
	/* only these columns: time, host, the label, the terms' features, the
	 * baseline's and the extra one */
	assert_int_equal(tu_sql_int(out, "SELECT count(*) FROM pragma_table_info('samples')"), 10);
	const char *cols[] = { "time", "host", "rank", "runq_per_core", "psi_cpu_some", "cpu_busy",
			       "mem_used", "psi_io_full", "load1_per_core", "cpu_steal" };
	for (int i = 0; i < 10; i++) {
		snprintf(sql, sizeof sql, "SELECT count(*) FROM pragma_table_info('samples')"
			 " WHERE name = '%s' AND cid = %d", cols[i], i);
		if (tu_sql_int(out, sql) != 1)
			fail_msg("column %d is not %s", i, cols[i]);
	}
	assert_int_equal(tu_sql_int(out, "PRAGMA user_version"), 2);
	/* the values themselves: every row as it is in the history */
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(out, &db), SQLITE_OK);
	snprintf(sql, sizeof sql, "ATTACH '%s' AS src", h1);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM samples e JOIN src.samples o"
		" USING (time, host) WHERE e.rank = o.rank AND e.runq_per_core = o.runq_per_core"
		" AND e.cpu_busy = o.cpu_busy AND e.psi_io_full IS o.psi_io_full", -1, &st, NULL),
		SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(st, 0), want);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* Trained on, the extracts give what the full histories give. */
static void test_same_training(void **state)
{
	(void)state;
	char o1[700], o2[700], err[1024];
	snprintf(o1, sizeof o1, "%s/t1.db", dir);
	snprintf(o2, sizeof o2, "%s/t2.db", dir);
	struct dataset_spec s = spec_of();
	uint64_t rows;
	char *f1[] = { h1 }, *f2[] = { h2 };
	assert_int_equal(extract_write(&s, NULL, f1, 1, o1, &rows, err, sizeof err), 0);
	assert_int_equal(extract_write(&s, NULL, f2, 1, o2, &rows, err, sizeof err), 0);
	static struct train_result full, ext;
	struct train_opts o = { .spec = s, .folds = 5, .seed = 1, .method = TRAIN_RIDGE };
	char *all[] = { h1, h2 }, *extracts[] = { o1, o2 };
	assert_int_equal(train_run(&o, all, 2, &full, err, sizeof err), 0);
	assert_int_equal(train_run(&o, extracts, 2, &ext, err, sizeof err), 0);
	assert_int_equal(ext.stats.rows_read, full.stats.rows_read);
	assert_int_equal(ext.stats.rows_used, full.stats.rows_used);
	assert_int_equal(ext.stats.rows_skipped, full.stats.rows_skipped);
	assert_true(full.stats.rows_skipped > 0);
	assert_int_equal(ext.stats.hosts, 3);
	assert_int_equal(ext.tmin, full.tmin);
	assert_int_equal(ext.tmax, full.tmax);
	assert_int_equal(ext.fit.ncols, full.fit.ncols);
	for (size_t i = 0; i < full.fit.ncols; i++)
		assert_true(fabs(ext.fit.coef[i] - full.fit.coef[i]) <= 1e-12 * fabs(full.fit.coef[i]));
	assert_true(fabs(ext.fit.lambda - full.fit.lambda) <= 1e-12 * fabs(full.fit.lambda) + 1e-300);
	assert_true(fabs(ext.fit.cv_rmse - full.fit.cv_rmse) <= 1e-12 * full.fit.cv_rmse);
	assert_true(fabs(ext.baseline.cv_rmse - full.baseline.cv_rmse) <= 1e-12 * full.baseline.cv_rmse);
	train_result_free(&full);
	train_result_free(&ext);
}

static void test_failures(void **state)
{
	(void)state;
	char out[700], err[1024];
	snprintf(out, sizeof out, "%s/keep.db", dir);
	tu_write(dir, "keep.db", "sentinel");
	struct dataset_spec s = spec_of();
	uint64_t rows = 7;
	char *files[] = { h2, h1 };
	s.label = "nope";
	assert_int_equal(extract_write(&s, NULL, files, 2, out, &rows, err, sizeof err), -ENOENT);
	assert_non_null(strstr(err, h2));
	assert_non_null(strstr(err, "no column 'nope' to use as the label"));
	assert_int_equal(rows, 0);
	char *text = tu_slurp(out);
	assert_string_equal(text, "sentinel");   /* kept */
	free(text);
	assert_int_equal(count_files("keep.db.tmp"), 0);   /* nothing left */
	s.label = "rank; DROP TABLE samples";
	assert_int_equal(extract_write(&s, NULL, files, 2, out, &rows, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "not a column name"));
	/* a history that is not one */
	s = spec_of();
	char junk[700];
	snprintf(junk, sizeof junk, "%s/junk.db", dir);
	tu_write(dir, "junk.db", "not sqlite at all, not at all, not at all");
	char *bad[] = { h1, junk };
	assert_true(extract_write(&s, NULL, bad, 2, out, &rows, err, sizeof err) < 0);
	assert_non_null(strstr(err, junk));
	text = tu_slurp(out);
	assert_string_equal(text, "sentinel");
	free(text);
	assert_int_equal(count_files("keep.db.tmp"), 0);
	/* an output directory that is not there */
	snprintf(out, sizeof out, "%s/no/such/e.db", dir);
	assert_true(extract_write(&s, NULL, files, 2, out, &rows, err, sizeof err) < 0);
	assert_non_null(strstr(err, out));
}

static void test_cli(void **state)
{
	(void)state;
	char a[4096], p[700];
	snprintf(a, sizeof a, "--extract %s/cli.db --label rank --terms runq_per_core,psi_io_full"
		 " --incumbent none --since %lld %s %s", dir, T0 + 2000, h1, h2);
	assert_int_equal(th_rank_train(dir, a), 0);
	snprintf(p, sizeof p, "%s/out", dir);
	char *out = tu_slurp(p);
	char want[64];
	snprintf(p, sizeof p, "%s/cli.db", dir);
	snprintf(want, sizeof want, "rows extracted: %lld\n",
		 tu_sql_int(p, "SELECT count(*) FROM samples"));
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "extract written: "));
	free(out);
	/* time, host, rank, the two features, load1_per_core, and the probe's
	 * speed for the speed reference (speed_ref.h) */
	assert_int_equal(tu_sql_int(p, "SELECT count(*) FROM pragma_table_info('samples')"), 8);
	assert_int_equal(tu_sql_int(p, "SELECT count(*) FROM pragma_table_info('samples') WHERE"
				    " name IN ('probe_unit_seconds', 'probe_work_version')"), 2);
	snprintf(a, sizeof a, "--extract %s/cli2.db --acct /dev/null --terms runq_per_core %s", dir, h1);
	assert_int_equal(th_rank_train(dir, a), 2);
	snprintf(p, sizeof p, "%s/err", dir);
	char *e = tu_slurp(p);
	assert_non_null(strstr(e, "--extract with --acct"));
	free(e);
	snprintf(a, sizeof a, "--extract %s/cli2.db --merge --label rank %s", dir, h1);
	assert_int_equal(th_rank_train(dir, a), 2);
	e = tu_slurp(p);
	assert_non_null(strstr(e, "one at a time"));
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_and_columns),
		cmocka_unit_test(test_same_training),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_cli),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
