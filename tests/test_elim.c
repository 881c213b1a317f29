/*
 * The real elim.rank binary under the test harness (harness.h), started the way LIM
 * does (pipe on stdout, stderr closed, signals blocked, nice -20) and reads
 * its records the way LIM does (fscanf "%d", then "%s %s" pairs).
 */
#include "config.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "feature_set.h"
#include "harness.h"
#include "testutil.h"

/* Read one record as LIM does (the harness checks its form).  Returns 1
 * with *value set, 0 at EOF. */
static int read_record(struct th *e, double *value)
{
	int r = th_read_lim(e, 60.0, value);
	assert_int_not_equal(r, -1);
	return r;
}

/* Start the elim with args: as LIM does (lim_like), or with stderr captured. */
static void start(struct th *e, const char *const *args, bool lim_like)
{
	struct th_opts o = { .lim_like = lim_like };
	th_start(e, &o, args);
}

/* Wait for the exit and return everything it wrote to stderr (malloc'd). */
static char *err_of(struct th *e)
{
	th_wait(e, 60.0);
	char *err = strdup(th_err(e));
	assert_non_null(err);
	return err;
}

static char procfs[512], sysfs[512];

static int group_setup(void **state)
{
	(void)state;
	snprintf(procfs, sizeof procfs, "%s/basic/t1/proc", tu_data());
	snprintf(sysfs, sizeof sysfs, "%s/basic/sys", tu_data());
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static void test_lim_like_run(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char hist[600];
	snprintf(hist, sizeof hist, "%s/history.db", dir);
	const char *argv[] = { "--procfs", procfs, "--sysfs", sysfs,
			 "--interval", "0.2", "--count", "6", "--history", hist, NULL };
	struct th e;
	start(&e, argv, 1);
	double ranks[6], t[6];
	struct th_rec rec;
	int n = 0;
	while (n < 6 && th_read_timed(&e, 60.0, &rec) == 1) {
		if (n == 0)
			assert_int_equal(th_nice(e.pid), 0);  /* LIM's -20 is not kept */
		assert_true(rec.rank >= 10.0 && rec.rank <= 10000.0);
		t[n] = rec.t;
		ranks[n++] = rec.rank;
	}
	assert_int_equal(n, 6);
	assert_int_equal(th_read_timed(&e, 60.0, &rec), 0);   /* then EOF */
	/* the first record comes at the first point of the grid, not after a
	 * default interval (10 s); the rest keep to the grid */
	assert_true(t[0] < 10.0 / 2);
	char why[256];
	if (!th_on_grid(t, 6, 0.2, 0.5, NULL, why, sizeof why))
		fail_msg("%s", why);
	assert_int_equal(th_wait(&e, 60.0), 0);
	th_close(&e);

	assert_int_equal(tu_sql_int(hist, "SELECT count(*) FROM samples"), 6);
	assert_int_equal(tu_sql_int(hist, "SELECT count(*) FROM samples WHERE model_id IS NOT NULL"), 6);
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM samples WHERE abs(rank - %.1f) < 0.051", ranks[5]);
	assert_true(tu_sql_int(hist, sql) >= 1);
	/* the fixture's levels were recorded: mem_used 0.75 */
	assert_int_equal(tu_sql_int(hist, "SELECT count(*) FROM samples WHERE abs(mem_used - 0.75) < 1e-9"), 6);
	sqlite3 *db;
	sqlite3_stmt *st;
	sqlite3_open(hist, &db);
	sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	sqlite3_close(db);
	tu_rmtree(dir);
	free(dir);
}

/* Records keep to the grid: 8 records at 0.25 s span at least six intervals, and
 * the shortest gap is one interval (harness.h: th_on_grid). */
static void test_grid(void **state)
{
	(void)state;
	const char *argv[] = { "--procfs", procfs, "--sysfs", sysfs,
			 "--interval", "0.25", "--count", "8", "--no-history", NULL };
	struct th e;
	start(&e, argv, 1);
	struct th_rec rec;
	double t[9];
	int n = 0;
	while (n < 9 && th_read_timed(&e, 60.0, &rec) == 1)
		t[n++] = rec.t;
	assert_int_equal(n, 8);                  /* --count 8: eight, then EOF */
	char why[256];
	int skipped;
	if (!th_on_grid(t, n, 0.25, 0.5, &skipped, why, sizeof why))
		fail_msg("%s", why);
	print_message("# %d grid points skipped (a loaded machine)\n", skipped);
	assert_int_equal(th_wait(&e, 60.0), 0);
	th_close(&e);
}

static void test_once(void **state)
{
	(void)state;
	const char *argv[] = { "--once", "--no-history", "--procfs", procfs,
			 "--sysfs", sysfs, NULL };
	double t0 = th_now();
	struct th e;
	start(&e, argv, 1);
	double v;
	assert_int_equal(read_record(&e, &v), 1);
	assert_int_equal(read_record(&e, &v), 0);
	assert_int_equal(th_wait(&e, 60.0), 0);
	/* at once: well within the default interval (10 s) it does not wait */
	assert_true(th_now() - t0 < 10.0 / 2);
	th_close(&e);
}

static void test_usage_errors(void **state)
{
	(void)state;
	static const char *bad[][3] = {
		{ "--bogus", NULL, "unknown option '--bogus'" },
		{ "--interval", "abc", "invalid argument 'abc' for --interval" },
		{ "--interval", "0", "invalid argument '0' for --interval" },
		{ "--count", "-3", "invalid argument '-3' for --count" },
		{ "--syslog-facility", "kern9", "unknown syslog facility" },
		{ "extra", NULL, "unexpected argument 'extra'" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *argv[] = { (char *)bad[i][0], (char *)bad[i][1], NULL };
		struct th e;
	start(&e, argv, 0);
		char *err = err_of(&e);
		int st = th_wait(&e, 60.0);
		if (st != 2 || strstr(err, bad[i][2]) == NULL)
			fail_msg("%s: exit %d, stderr '%s'", bad[i][0], st, err);
		double v;
		assert_int_equal(read_record(&e, &v), 0);   /* nothing on stdout */
		free(err);
		th_close(&e);
	}
	/* --help goes to stdout and exits 0, and names every option */
	char *help;
	assert_int_equal(th_run(NULL, (const char *const[]){ "--help", NULL }, 60.0, &help, NULL), 0);
	const char *opts[] = { "--interval", "--count", "--once", "--explain", "--model", "--history",
			       "--no-history", "--state-dir", "--procfs", "--sysfs", "--foreground",
			       "--verbose", "--syslog-facility", "--help", "--version" };
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
		if (!strstr(help, opts[i]))
			fail_msg("--help does not mention %s", opts[i]);
	free(help);
}

static void write_model(const char *dir, const char *name, const char *text)
{
	/* replace atomically, as rank-train does */
	char tmp[600], path[600];
	snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(tmp, "w");
	fputs(text, f);
	fclose(f);
	assert_int_equal(rename(tmp, path), 0);
}

static void test_bad_model_at_start(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	write_model(dir, "m", "elim-rank-model 1\nintercept 1\nterm no_such_feature coef 1\n");
	char path[600];
	snprintf(path, sizeof path, "%s/m", dir);
	const char *argv[] = { "--model", path, "--once", "--no-history",
			 "--foreground", NULL };
	struct th e;
	start(&e, argv, 0);
	char *err = err_of(&e);
	assert_int_equal(th_wait(&e, 60.0), 1);
	char want[700];
	snprintf(want, sizeof want, "%s:3: unknown feature 'no_such_feature'", path);
	if (!strstr(err, want))
		fail_msg("stderr lacks '%s': %s", want, err);
	free(err);
	th_close(&e);

	/* a missing explicit model is an error too */
	const char *argv2[] = { "--model", "/nonexistent.model", "--once",
			  "--no-history", "--foreground", NULL };
	start(&e, argv2, 0);
	err = err_of(&e);
	assert_int_equal(th_wait(&e, 60.0), 1);
	assert_non_null(strstr(err, "/nonexistent.model"));
	free(err);
	th_close(&e);
	tu_rmtree(dir);
	free(dir);
}

/* A changed model is used from the next record; a broken one is reported and ignored. */
static void test_model_reload(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	write_model(dir, "m", "elim-rank-model 1\nintercept 1.5\n");
	char path[600];
	snprintf(path, sizeof path, "%s/m", dir);
	const char *argv[] = { "--model", path, "--procfs", procfs, "--sysfs", sysfs,
			 "--interval", "0.1", "--count", "40", "--no-history", "--foreground", NULL };
	struct th e;
	start(&e, argv, 0);
	double v;
	int n = 0, seen200 = 0, after_bad = 0;
	while (read_record(&e, &v)) {
		n++;
		if (n <= 3)
			assert_near(v, 150.0, 0.01);
		if (n == 3)
			write_model(dir, "m", "elim-rank-model 1\nintercept 2.0\n");
		if (v > 199.9 && !seen200) {
			seen200 = n;
			write_model(dir, "m", "elim-rank-model 1\nintercept 3.0\nbroken line\n");
		}
		if (seen200 && n > seen200) {
			assert_near(v, 200.0, 0.01);   /* the broken model is never used */
			after_bad++;
		}
	}
	assert_int_equal(n, 40);
	assert_true(seen200 > 3 && seen200 <= 6);
	assert_true(after_bad > 10);
	assert_int_equal(th_wait(&e, 60.0), 0);
	char *err = err_of(&e);
	char want[700];
	snprintf(want, sizeof want, "%s:3: unknown keyword 'broken'", path);
	if (!strstr(err, want))
		fail_msg("stderr lacks '%s': %s", want, err);
	/* reported once, not once per tick */
	assert_null(strstr(strstr(err, want) + 1, want));
	free(err);
	th_close(&e);
	tu_rmtree(dir);
	free(dir);
}

/* A source that goes bad mid-run (/proc/stat rewritten as nonsense, then
 * restored): its sampler's failure is logged once, its recovery once, and
 * the records never stop. */
static void test_sampler_failure_logged(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char proc[600], stat_path[700];
	snprintf(proc, sizeof proc, "%s/proc", dir);
	tu_copy_tree(procfs, proc);
	snprintf(stat_path, sizeof stat_path, "%s/stat", proc);
	char *good = tu_slurp(stat_path);
	assert_true(good[0] != '\0');
	const char *argv[] = { "--procfs", proc, "--sysfs", sysfs, "--interval", "0.1",
			 "--count", "40", "--no-history", "--no-probe", "--foreground", NULL };
	struct th e;
	start(&e, argv, 0);
	double v;
	int n = 0;
	while (read_record(&e, &v)) {
		n++;
		if (n == 5)
			tu_write(dir, "proc/stat", "nonsense\n");
		if (n == 15)
			tu_write(dir, "proc/stat", good);
	}
	free(good);
	assert_int_equal(n, 40);
	assert_int_equal(th_wait(&e, 60.0), 0);
	char *err = err_of(&e);
	const char *bad = "sampler cpu: Invalid argument; its features are unknown until it recovers";
	if (!strstr(err, bad))
		fail_msg("stderr lacks '%s': %s", bad, err);
	assert_null(strstr(strstr(err, bad) + 1, bad));   /* once, not per tick */
	const char *again = "sampler cpu: working again";
	assert_non_null(strstr(err, again));
	assert_true(strstr(err, again) > strstr(err, bad));
	assert_null(strstr(strstr(err, again) + 1, again));
	free(err);
	th_close(&e);
	tu_rmtree(dir);
	free(dir);
}

/* A read-only state directory (a ro bind mount: root ignores modes): ranks go on. */
static void test_readonly_state_dir(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char script[2048];
	snprintf(script, sizeof script,
		 "mount --bind %s %s && mount -o remount,bind,ro %s && exec %s --state-dir %s/state "
		 "--procfs %s --sysfs %s --interval 0.1 --count 5 --foreground",
		 dir, dir, dir, getenv("ELIM_BIN"), dir, procfs, sysfs);
	const char *argv[] = { "-m", "/bin/sh", "-c", script, NULL };
	struct th e;
	th_start(&e, &(struct th_opts){ .bin = "/usr/bin/unshare" }, argv);
	double v;
	int n = 0;
	while (read_record(&e, &v))
		n++;
	assert_int_equal(n, 5);
	assert_int_equal(th_wait(&e, 60.0), 0);
	char *err = err_of(&e);
	const char *what = "ranks go on without history";
	char *hit = strstr(err, what);
	if (!hit)
		fail_msg("no history warning in: %s", err);
	assert_null(strstr(hit + 1, what));   /* logged once */
	assert_non_null(strstr(err, dir));
	free(err);
	th_close(&e);
	tu_rmtree(dir);
	free(dir);
}

static void test_stdout_closed_and_sigterm(void **state)
{
	(void)state;
	const char *argv[] = { "--procfs", procfs, "--sysfs", sysfs,
			 "--interval", "0.1", "--no-history", NULL };
	/* LIM goes away: the elim notices at its next write and exits 0 */
	struct th e;
	start(&e, argv, 1);
	double v;
	assert_int_equal(read_record(&e, &v), 1);
	assert_int_equal(read_record(&e, &v), 1);
	th_close(&e);
	assert_int_equal(th_wait(&e, 60.0), 0);

	/* SIGTERM (deliverable although LIM blocked signals): prompt, clean
	 * exit.  With a 30 s interval (the first record still comes after about
	 * a second), prompt is well within the interval it was sleeping */
	const char *argv30[] = { "--procfs", procfs, "--sysfs", sysfs,
				 "--interval", "30", "--no-history", NULL };
	start(&e, argv30, 1);
	assert_int_equal(read_record(&e, &v), 1);
	th_kill(&e, SIGTERM);
	double t0 = th_now();
	assert_int_equal(th_wait(&e, 60.0), 0);
	assert_true(th_now() - t0 < 30.0 / 2);
	th_close(&e);
}

/* LSF_RESOURCES without rank: no sampling, probing or history either; with
 * ELIM_ABORT_VALUE (IBM LSF) the elim exits with it at once, so LIM does
 * not start it again. */
static void test_lsf_resources_without_rank_measures_nothing(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char hist[600], base[600];
	snprintf(hist, sizeof hist, "%s/history.db", dir);
	snprintf(base, sizeof base, "%s/probe.baseline", dir);
	const char *argv[] = { "--procfs", procfs, "--sysfs", sysfs, "--state-dir", dir,
			       "--probe-interval", "0.01", "--probe-duration", "0.01",
			       "--count", "1", "--foreground", NULL };
	char *out = NULL, *err = NULL;
	/* idle: its one tick (about a second in), then done; nothing written */
	int st = th_run(&(struct th_opts){ .env = { "LSF_RESOURCES=gpu_util ", "ELIM_ABORT_VALUE" } },
			argv, 60.0, &out, &err);
	assert_int_equal(st, 0);
	assert_string_equal(out, "");
	assert_non_null(strstr(err, "idle, no sampling, probing or history"));
	assert_int_equal(access(hist, F_OK), -1);
	assert_int_equal(access(base, F_OK), -1);
	free(out);
	free(err);
	/* with ELIM_ABORT_VALUE: that exit status, and nothing measured */
	st = th_run(&(struct th_opts){ .env = { "LSF_RESOURCES=gpu_util ", "ELIM_ABORT_VALUE=42" } },
		    argv, 60.0, &out, &err);
	assert_int_equal(st, 42);
	assert_string_equal(out, "");
	assert_non_null(strstr(err, "exiting with ELIM_ABORT_VALUE"));
	assert_int_equal(access(hist, F_OK), -1);
	assert_int_equal(access(base, F_OK), -1);
	free(out);
	free(err);
	tu_rmtree(dir);
	free(dir);
}

/* LSF_RESOURCES without rank: report nothing (rather than be killed for it). */
static void test_lsf_resources_without_rank(void **state)
{
	(void)state;
	const char *argv[] = { "--procfs", procfs, "--sysfs", sysfs,
			 "--interval", "0.1", "--count", "2", "--no-history", "--foreground", NULL };
	struct th e;
	th_start(&e, &(struct th_opts){ .env = { "LSF_RESOURCES=gpu_util " } }, argv);
	/* the interval is raised to 5 s: wait for the first tick (~1 s), not the second */
	double v;
	assert_int_equal(th_read_raw(&e, 1.8, &v), -1);        /* nothing on stdout */
	th_kill(&e, SIGTERM);
	assert_int_equal(th_wait(&e, 60.0), 0);
	char *err = err_of(&e);
	assert_int_equal(read_record(&e, &v), 0);   /* nothing at all */
	assert_non_null(strstr(err, "does not include rank"));
	assert_non_null(strstr(err, "raised to 5 s"));
	free(err);
	th_close(&e);
}

static void test_explain(void **state)
{
	(void)state;
	const char *argv[] = { "--once", "--explain", "--procfs", procfs,
			 "--sysfs", sysfs, NULL };
	struct th e;
	start(&e, argv, 0);
	char line[512];
	int features = 0, terms = 0;
	double rank = -1, slowdown = -1, total = 0, intercept = 0;
	while (fgets(line, sizeof line, e.f)) {
		char name[128], value[64], unit[64], contrib[64];
		int k = sscanf(line, "%127s %63s %63s %63s", name, value, unit, contrib);
		if (k >= 1 && strcmp(name, "basis") == 0)
			continue;   /* the rank basis and speed factor, in words */
		if (k == 2 && strcmp(name, "rank") == 0)
			rank = atof(value);
		else if (k == 2 && strcmp(name, "slowdown") == 0)
			slowdown = atof(value);
		else if (k == 2 && strcmp(name, "intercept") == 0)
			intercept = atof(value);
		else if (k == 4) {
			if (strchr(name, '('))
				terms++;
			else
				features++;
			total += atof(contrib);
		} else
			fail_msg("unexpected line: %s", line);
	}
	assert_int_equal(th_wait(&e, 60.0), 0);
	assert_int_equal(features, FEAT_COUNT);
	assert_true(terms >= 1);
	assert_near(slowdown, intercept + total, 1e-3);
	assert_near(rank, 100 * slowdown, 0.06);
	th_close(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lim_like_run),
		cmocka_unit_test(test_grid),
		cmocka_unit_test(test_once),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_bad_model_at_start),
		cmocka_unit_test(test_model_reload),
		cmocka_unit_test(test_sampler_failure_logged),
		cmocka_unit_test(test_readonly_state_dir),
		cmocka_unit_test(test_stdout_closed_and_sigterm),
		cmocka_unit_test(test_lsf_resources_without_rank),
		cmocka_unit_test(test_lsf_resources_without_rank_measures_nothing),
		cmocka_unit_test(test_explain),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
