/* test_probe: the elim's probe, with real forked children. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "harness.h"
#include "testutil.h"
#include "feature_set.h"
#include "history.h"
#include "model.h"
#include "options.h"
#include "probe.h"

/* Drive the probe as the main loop does until one result arrives; returns
 * the probe's wall time (seconds) and fills v with the features of the
 * record that carried it. */
static double one_result(struct probe *p, double *v)
{
	uint64_t deadline = tu_mono_ns() + 20ULL * 1000000000ULL;
	while (tu_mono_ns() < deadline) {
		probe_run(p, tu_mono_ns());
		tu_sleep_ms(10);
		features_clear(v);
		probe_features(p, tu_mono_ns(), v);
		if (isfinite(v[FEAT_probe_result]))   /* the window may have just been reset */
			return p->ntimes ? p->times[p->ntimes - 1] : NAN;
	}
	fail_msg("no probe result within 20 s (runs %lu, failures %lu)", p->runs, p->failures);
	return NAN;
}

static struct probe_config quick(const char *dir)
{
	return (struct probe_config){ .enabled = true, .interval = 0.01, .duration = 0.05,
				      .timeout = 10, .state_dir = dir };
}

/* ------------------------------------------------------------ pure parts */

static void test_split_argv(void **state)
{
	(void)state;
	char buf[256], *av[8];
	assert_int_equal(probe_split_argv("  /bin/echo  a\tb ", buf, sizeof buf, av, 7), 3);
	assert_string_equal(av[0], "/bin/echo");
	assert_string_equal(av[2], "b");
	assert_null(av[3]);
	assert_int_equal(probe_split_argv("sh -c 'echo \"x  y\" > f' \"a\\\"b\" c\\ d ''", buf, sizeof buf, av, 7), 6);
	assert_string_equal(av[2], "echo \"x  y\" > f");
	assert_string_equal(av[3], "a\"b");
	assert_string_equal(av[4], "c d");
	assert_string_equal(av[5], "");
	assert_int_equal(probe_split_argv("a 'b", buf, sizeof buf, av, 7), -EINVAL);
	assert_int_equal(probe_split_argv("a \"b", buf, sizeof buf, av, 7), -EINVAL);
	assert_int_equal(probe_split_argv("a\\", buf, sizeof buf, av, 7), -EINVAL);
	assert_int_equal(probe_split_argv("1 2 3 4 5 6 7 8", buf, sizeof buf, av, 7), -E2BIG);
	assert_int_equal(probe_split_argv("abcdefgh", buf, 5, av, 7), -E2BIG);
	assert_int_equal(probe_split_argv("   ", buf, sizeof buf, av, 7), 0);
}

static void test_baseline_percentile(void **state)
{
	(void)state;
	double t[PROBE_WINDOW] = { 0 };
	assert_true(isnan(probe_baseline(t, 0)));
	t[0] = 0.5;
	assert_true(probe_baseline(t, 1) == 0.5);
	/* 100 values 1..100 shuffled: the 10th percentile (lower rank) is 10 */
	for (int i = 0; i < 100; i++)
		t[i] = (double)((i * 37) % 100 + 1);
	assert_true(probe_baseline(t, 100) == 10.0);
	/* a few loaded outliers do not move it */
	for (int i = 0; i < 20; i++)
		t[i] = 1000;
	assert_true(probe_baseline(t, 100) > 9.0 && probe_baseline(t, 100) < 40.0);
}

/* The robust reading: a burst in one half of a part is not read as load;
 * a load in both halves is. */
static void test_reading(void **state)
{
	(void)state;
	struct probe_times w[4] = {
		{ 1.0, 0.25, 0.25, 0.25, 0.25 },   /* idle */
		{ 1.1, 0.26, 0.24, 0.30, 0.30 },
		{ 1.5, 0.25, 0.75, 0.25, 0.25 },   /* a burst in the speed part's second half */
		{ 2.0, 0.50, 0.50, 0.50, 0.50 },   /* a load through the whole probe */
	};
	struct probe_reading r = probe_read(&w[2], w, 3);
	assert_near(r.whole, 1.5, 1e-12);                 /* the single timing reads the burst */
	assert_near(r.cpu, 0.5 / 0.48, 1e-12);            /* the faster half does not */
	assert_near(r.mem, 1.0, 1e-12);
	assert_near(r.slowdown, (0.5 + 0.5) / (0.48 + 0.5), 1e-12);
	r = probe_read(&w[3], w, 4);
	assert_near(r.cpu, 1.0 / 0.48, 1e-12);
	assert_near(r.mem, 2.0, 1e-12);
	assert_near(r.slowdown, 2.0 / 0.98, 1e-12);
	/* a command: only its whole time */
	struct probe_times c[2] = { { 1.0, NAN, NAN, NAN, NAN }, { 3.0, NAN, NAN, NAN, NAN } };
	r = probe_read(&c[1], c, 2);
	assert_near(r.slowdown, 3.0, 1e-12);
	assert_near(r.whole, 3.0, 1e-12);
	assert_true(isnan(r.cpu) && isnan(r.mem));
	assert_true(isnan(probe_robust(NAN, 1)));
	assert_near(probe_robust(0.3, 0.2), 0.4, 1e-12);
}

/* The contention walk: at least twice the last-level cache, a power of
 * two, within its bounds. */
static void test_walk_bytes(void **state)
{
	(void)state;
	assert_int_equal(probe_walk_bytes(0), PROBE_BUF_MIN);              /* unknown */
	assert_int_equal(probe_walk_bytes(8u << 20), PROBE_BUF_MIN);
	assert_int_equal(probe_walk_bytes(30u << 20), 64u << 20);          /* Intel-like 30 MiB */
	assert_int_equal(probe_walk_bytes(32u << 20), 64u << 20);          /* one AMD CCX */
	assert_int_equal(probe_walk_bytes(105000000), 256u << 20);         /* 105 MB: 2x is 210 MB */
	assert_int_equal(probe_walk_bytes(260u << 20), PROBE_BUF_MAX);     /* capped */
	assert_int_equal(PROBE_BUF_MAX, 256u << 20);
}

/* A command's baseline of the first format is still its own times: kept
 * across the upgrade (only the built-in work changed). */
static void test_command_baseline_kept(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char err[512];
	struct probe *p = malloc(sizeof *p);
	struct probe_config c = quick(dir);
	c.command = "/bin/true";
	c.user = "nobody";
	tu_write(dir, "probe.baseline", "elim-rank-probe-baseline 1\nkey command user=nobody /bin/true\n"
		 "units 0\ntimes 0.5 0.25 0.75\n");
	assert_int_equal(probe_init(p, &c, err, sizeof err), 0);
	assert_int_equal(p->ntimes, 3);
	assert_near(probe_baseline(p->times, p->ntimes), 0.25, 1e-12);
	double v[FEAT_VECTOR_LEN];
	features_clear(v);
	probe_features(p, tu_mono_ns(), v);
	assert_true(isnan(v[FEAT_probe_unit_seconds]));     /* no speed part in a command */
	assert_true(isnan(v[FEAT_probe_work_version]));
	probe_fini(p);
	free(p);
	tu_rmtree(dir);
	free(dir);
}

/* A probe that runs longer than its idle baseline says is a reading while
 * it runs (a lower bound, probe_age 0), and one killed at its timeout
 * leaves that bound as its result, outside the baseline window. */
static void test_overdue_probe_is_a_reading(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char err[512];
	struct probe *p = malloc(sizeof *p);
	struct probe_config c = quick(dir);
	c.command = "/bin/sleep 60";
	c.user = "nobody";
	c.interval = 3600;
	c.timeout = 3;
	tu_write(dir, "probe.baseline", "elim-rank-probe-baseline 2\nkey command user=nobody /bin/sleep 60\n"
		 "units 0\ntimes 0.1 0.1 0.1\n");
	assert_int_equal(probe_init(p, &c, err, sizeof err), 0);
	assert_int_equal(p->ntimes, 3);
	double v[FEAT_VECTOR_LEN];
	uint64_t t0 = tu_mono_ns();
	assert_true(isnan(probe_overdue(p, t0)));   /* none runs */
	probe_run(p, t0);
	assert_true(p->pid > 0);
	uint64_t start = p->started_ns;
	/* not late enough to tell: less than twice the baseline */
	assert_true(isnan(probe_overdue(p, start + 150 * 1000000ULL)));
	assert_near(probe_overdue(p, start + 1000 * 1000000ULL), 10.0, 1e-9);
	tu_sleep_ms(300);
	features_clear(v);
	uint64_t now = tu_mono_ns();
	probe_features(p, now, v);
	assert_false(p->killed);
	assert_true(v[FEAT_probe_slowdown] >= 3.0);
	assert_near(v[FEAT_probe_slowdown], (double)(now - start) / 1e9 / 0.1, 1e-6);
	assert_true(v[FEAT_probe_whole_slowdown] == v[FEAT_probe_slowdown]);
	assert_true(v[FEAT_probe_age] == 0);
	assert_true(isnan(v[FEAT_probe_result]));   /* not a result yet */
	/* past the timeout: killed, its bound the result */
	while (tu_mono_ns() < start + 3200 * 1000000ULL)
		tu_sleep_ms(50);
	probe_run(p, tu_mono_ns());
	assert_true(p->killed);
	assert_int_equal(p->failures, 1);
	features_clear(v);
	probe_features(p, tu_mono_ns(), v);
	assert_true(v[FEAT_probe_result] >= 30.0);
	assert_true(isnan(v[FEAT_probe_cpu_slowdown]));
	assert_int_equal(p->ntimes, 3);   /* the window holds timings only */
	/* a bound is not doubted: the elim keeps it even far from the levels */
	double bound = v[FEAT_probe_result];
	assert_false(probe_doubt(p, tu_mono_ns()));
	assert_true(p->last.slowdown == bound);
	features_clear(v);
	probe_features(p, tu_mono_ns(), v);   /* the next record uses it */
	assert_true(v[FEAT_probe_slowdown] == bound);
	assert_true(isnan(v[FEAT_probe_result]));
	probe_fini(p);
	free(p);
	tu_rmtree(dir);
	free(dir);
}

static void test_init_errors(void **state)
{
	(void)state;
	struct probe *p = malloc(sizeof *p);
	char err[512];
	struct probe_config c = quick("/tmp");
	c.command = "/bin/true";
	assert_int_equal(probe_init(p, &c, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "--probe-user"));
	c.user = "no-such-user-elim-rank";
	assert_int_equal(probe_init(p, &c, err, sizeof err), -ENOENT);
	assert_non_null(strstr(err, "no-such-user-elim-rank"));
	c.user = "root";
	assert_int_equal(probe_init(p, &c, err, sizeof err), -EPERM);
	c.user = "nobody";
	c.command = "/bin/echo 'unbalanced";
	assert_int_equal(probe_init(p, &c, err, sizeof err), -EINVAL);
	c.command = "/bin/true";
	c.cgroup = "/nonexistent/cgroup";
	assert_true(probe_init(p, &c, err, sizeof err) < 0);
	assert_non_null(strstr(err, "/nonexistent/cgroup/cgroup.procs"));
	c.cgroup = NULL;
	assert_int_equal(probe_init(p, &c, err, sizeof err), 0);
	free(p);
}

static void test_options(void **state)
{
	(void)state;
	struct elim_options o;
	char err[256];
	char *a1[] = { "elim.rank", "--state-dir", "/x", NULL };
	assert_int_equal(options_parse(3, a1, &o, err, sizeof err), 0);
	assert_true(o.probe.enabled);
	assert_true(o.probe.interval == 300 && o.probe.duration == 0.3 && o.probe.timeout == 30);
	assert_int_equal(o.probe.nice, 0);
	assert_string_equal(o.probe.state_dir, "/x");
	char *a2[] = { "elim.rank", "--probe-interval", "2.5", "--probe-duration", "0.2", "--probe-timeout",
		       "4", "--probe-nice", "5", "--probe-cgroup", "/cg", "--probe-command", "/bin/x y",
		       "--probe-user", "nobody", "--probe-write", NULL };
	assert_int_equal(options_parse(16, a2, &o, err, sizeof err), 0);
	assert_true(o.probe.interval == 2.5 && o.probe.duration == 0.2 && o.probe.timeout == 4);
	assert_int_equal(o.probe.nice, 5);
	assert_string_equal(o.probe.cgroup, "/cg");
	assert_string_equal(o.probe.command, "/bin/x y");
	assert_string_equal(o.probe.user, "nobody");
	assert_true(o.probe.write);
	char *a3[] = { "elim.rank", "--no-probe", NULL };
	assert_int_equal(options_parse(2, a3, &o, err, sizeof err), 0);
	assert_false(o.probe.enabled);
	char *a4[] = { "elim.rank", "--once", NULL };
	assert_int_equal(options_parse(2, a4, &o, err, sizeof err), 0);
	assert_true(o.probe.enabled);    /* one probe before the window (issue 15) */
	assert_false(o.probe_trigger.enabled);   /* and no more */
	char *bad[][3] = { { "elim.rank", "--probe-interval", "0" }, { "elim.rank", "--probe-timeout", "x" },
			   { "elim.rank", "--probe-duration", "1e9" }, { "elim.rank", "--probe-nice", "20" } };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *av[] = { bad[i][0], bad[i][1], bad[i][2], NULL };
		assert_int_equal(options_parse(3, av, &o, err, sizeof err), -1);
		assert_non_null(strstr(err, bad[i][1] + 2));
	}
}

/* The embedded default model uses probe_slowdown when known, and nothing
 * of it when unknown. */
static void test_default_model_uses_probe(void **state)
{
	(void)state;
	static struct model m;
	struct model_error merr;
	double f[FEAT_VECTOR_LEN];
	assert_int_equal(model_load_default(&m, &merr), 0);
	features_clear(f);
	double unknown = model_score(&m, f, NULL, NULL);
	f[FEAT_probe_slowdown] = 1.0;
	assert_true(fabs(model_score(&m, f, NULL, NULL) - unknown) < 1e-12);
	f[FEAT_probe_slowdown] = 0.9;   /* faster than the baseline: noise */
	assert_true(fabs(model_score(&m, f, NULL, NULL) - unknown) < 1e-12);
	f[FEAT_probe_slowdown] = 1.5;
	double loaded = model_score(&m, f, NULL, NULL);
	assert_true(loaded > unknown + 0.2 && loaded < unknown + 0.5);
}

/* A history made before the probe features existed gets their columns. */
static void test_history_gains_probe_columns(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char path[4200], err[512];
	snprintf(path, sizeof path, "%s/h.db", dir);
	/* the current schema less the probe columns, at the current version */
	assert_int_equal(tu_system("sqlite3 '%s' 'CREATE TABLE samples (time INTEGER NOT NULL,"
				   " host TEXT NOT NULL, cpu_busy REAL, rank REAL, model_id TEXT);"
				   " PRAGMA user_version = %d;'", path, HISTORY_SCHEMA_VERSION), 0);
	struct history *h;
	assert_int_equal(history_open(path, NULL, 0, &h, err, sizeof err), 0);
	double f[FEAT_VECTOR_LEN];
	features_clear(f);
	f[FEAT_probe_slowdown] = 1.25;
	struct history_row row = { .time = 1, .host = "h", .features = f, .rank = 100 };
	assert_int_equal(history_append(h, &row, err, sizeof err), 0);
	history_close(h);
	assert_int_equal(tu_system("test \"$(sqlite3 '%s' 'SELECT probe_slowdown FROM samples')\" = 1.25", path), 0);
	tu_rmtree(dir);
	free(dir);
}

/* ------------------------------------------------------------ real probes */

static void test_cycle_and_persistence(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char err[512], path[4200];
	double v[FEAT_VECTOR_LEN];
	struct probe *p = malloc(sizeof *p);
	struct probe_config c = quick(dir);

	assert_int_equal(probe_init(p, &c, err, sizeof err), 0);
	assert_int_equal(p->units, 0);
	features_clear(v);
	probe_features(p, tu_mono_ns(), v);
	assert_true(isnan(v[FEAT_probe_slowdown]));   /* unknown before the first probe */
	assert_true(isnan(v[FEAT_probe_age]));

	double t1 = one_result(p, v);
	assert_true(p->units > 0);                    /* calibrated by the first run */
	assert_int_equal(p->ntimes, 1);               /* calibration is not a label */
	assert_true(t1 > 0.005 && t1 < 5);
	assert_true(fabs(v[FEAT_probe_result] - 1.0) < 1e-9);   /* baseline = itself */
	assert_true(isnan(v[FEAT_probe_slowdown]));   /* this record pairs it with before */

	double t2 = one_result(p, v);
	assert_true(t2 > 0.005 && t2 < 5);
	assert_true(fabs(v[FEAT_probe_slowdown] - 1.0) < 1e-9);  /* the previous result */
	assert_true(v[FEAT_probe_age] >= 0 && v[FEAT_probe_age] < 10);
	double r2 = v[FEAT_probe_result];
	/* robust: each part twice its faster half, over the window's fastest
	 * such time (the low percentile of two) */
	const struct probe_times *h1 = &p->halves[0], *h2 = &p->halves[1];
	assert_true(h2->cpu1 > 0 && h2->cpu2 > 0 && h2->mem1 > 0 && h2->mem2 > 0);
	assert_true(h2->whole >= h2->cpu1 + h2->cpu2 + h2->mem1 + h2->mem2 - 1e-5);
	double c1 = 2 * fmin(h1->cpu1, h1->cpu2), c2 = 2 * fmin(h2->cpu1, h2->cpu2);
	double m1 = 2 * fmin(h1->mem1, h1->mem2), m2 = 2 * fmin(h2->mem1, h2->mem2);
	assert_near(r2, (c2 + m2) / (fmin(c1, c2) + fmin(m1, m2)), 1e-9);
	assert_near(v[FEAT_probe_work_version], PROBE_WORK_VERSION, 0);
	assert_near(v[FEAT_probe_unit_seconds],
		    fmin(h1->cpu1 + h1->cpu2, h2->cpu1 + h2->cpu2) / PROBE_SPEED_UNITS, 1e-12);
	features_clear(v);
	probe_features(p, tu_mono_ns(), v);                 /* next record: no new result */
	assert_true(isnan(v[FEAT_probe_result]));
	assert_true(fabs(v[FEAT_probe_slowdown] - r2) < 1e-12);
	assert_near(v[FEAT_probe_whole_slowdown], t2 / fmin(t1, t2), 1e-6);
	assert_near(v[FEAT_probe_cpu_slowdown], c2 / fmin(c1, c2), 1e-9);
	assert_near(v[FEAT_probe_mem_slowdown], m2 / fmin(m1, m2), 1e-9);

	one_result(p, v);
	long units = p->units;
	double base = probe_baseline(p->times, p->ntimes);
	probe_fini(p);

	/* the file: atomically written, the right key, three times */
	snprintf(path, sizeof path, "%s/probe.baseline", dir);
	char *txt = tu_slurp(path);
	assert_non_null(strstr(txt, "elim-rank-probe-baseline 2\n"));
	assert_non_null(strstr(txt, "\nwork 2\n"));
	assert_non_null(strstr(txt, "key builtin work=2 duration=0.05"));
	free(txt);
	DIR *dd = opendir(dir);   /* no temporary file left beside it */
	assert_non_null(dd);
	for (struct dirent *e; (e = readdir(dd)) != NULL; )
		assert_null(strstr(e->d_name, ".tmp"));
	closedir(dd);

	/* a restart keeps the calibration and the window */
	assert_int_equal(probe_init(p, &c, err, sizeof err), 0);
	assert_int_equal(p->units, units);
	assert_int_equal(p->ntimes, 3);
	assert_true(fabs(probe_baseline(p->times, p->ntimes) - base) < 1e-5);
	assert_true(p->halves[2].mem2 > 0);
	features_clear(v);
	probe_features(p, tu_mono_ns(), v);   /* known before the first probe after a restart */
	assert_true(v[FEAT_probe_unit_seconds] > 0);
	probe_fini(p);

	/* --once and --no-probe read it too, for probe_unit_seconds alone */
	c.enabled = false;
	assert_int_equal(probe_init(p, &c, err, sizeof err), 0);
	features_clear(v);
	probe_features(p, tu_mono_ns(), v);
	assert_true(v[FEAT_probe_unit_seconds] > 0);
	assert_near(v[FEAT_probe_work_version], PROBE_WORK_VERSION, 0);
	assert_true(isnan(v[FEAT_probe_slowdown]));
	probe_fini(p);
	c.enabled = true;

	/* a baseline of the first format (work version 1) is not used */
	char old[512];
	snprintf(old, sizeof old, "elim-rank-probe-baseline 1\nkey builtin duration=0.05 buffer=%zu write=0\n"
		 "units 7\ntimes 0.1 0.1 0.1\n", p->buf_bytes);
	char *keep = tu_slurp(path);
	tu_write(dir, "probe.baseline", old);
	assert_int_equal(probe_init(p, &c, err, sizeof err), 0);
	assert_int_equal(p->units, 0);
	assert_int_equal(p->ntimes, 0);
	probe_fini(p);
	/* nor one of another work version in the current format */
	char *other = strdup(keep);
	memcpy(strstr(other, "\nwork 2\n"), "\nwork 9\n", 8);
	tu_write(dir, "probe.baseline", other);
	assert_int_equal(probe_init(p, &c, err, sizeof err), 0);
	assert_int_equal(p->units, 0);
	assert_int_equal(p->ntimes, 0);
	probe_fini(p);
	/* nor a window whose lines disagree in length (damaged) */
	free(other);
	other = malloc(strlen(keep) + 16);
	char *m2l = strstr(keep, "\nmem2 ");
	size_t at = (size_t)(m2l - keep) + 6;
	memcpy(other, keep, at);
	strcpy(other + at, strchr(keep + at, ' ') + 1);    /* one value fewer */
	tu_write(dir, "probe.baseline", other);
	assert_int_equal(probe_init(p, &c, err, sizeof err), 0);
	assert_int_equal(p->ntimes, 0);
	probe_fini(p);
	tu_write(dir, "probe.baseline", keep);       /* the good one back */
	assert_int_equal(probe_init(p, &c, err, sizeof err), 0);
	assert_int_equal(p->ntimes, 3);
	probe_fini(p);
	free(other);
	free(keep);

	/* other work: a new calibration and an empty window */
	c.duration = 0.06;
	assert_int_equal(probe_init(p, &c, err, sizeof err), 0);
	assert_int_equal(p->units, 0);
	assert_int_equal(p->ntimes, 0);
	probe_fini(p);

	/* a calibration made under load (1 unit: far shorter than the duration
	 * once the baseline is known) is made again */
	char txt2[4096];
	int o = snprintf(txt2, sizeof txt2, "elim-rank-probe-baseline 2\nwork %d\n"
			 "key builtin work=%d duration=0.05 buffer=%zu write=0\nunits 2\n",
			 PROBE_WORK_VERSION, PROBE_WORK_VERSION, p->buf_bytes);
	static const char *const lines[] = { "times", "cpu1", "cpu2", "mem1", "mem2" };
	for (int k = 0; k < 5; k++) {
		o += snprintf(txt2 + o, sizeof txt2 - (size_t)o, "%s", lines[k]);
		for (int i = 0; i < PROBE_RECALIBRATE_AFTER; i++)
			o += snprintf(txt2 + o, sizeof txt2 - (size_t)o, k ? " 0.0005" : " 0.4");
		o += snprintf(txt2 + o, sizeof txt2 - (size_t)o, "\n");
	}
	tu_write(dir, "probe.baseline", txt2);
	c.duration = 0.05;
	assert_int_equal(probe_init(p, &c, err, sizeof err), 0);
	assert_int_equal(p->units, 2);
	assert_int_equal(p->ntimes, PROBE_RECALIBRATE_AFTER);
	one_result(p, v);
	assert_int_equal(p->units, 0);       /* the next probe calibrates */
	one_result(p, v);
	assert_true(p->units >= 1);
	assert_int_equal(p->ntimes, 1);
	probe_fini(p);

	/* a damaged file is ignored, not fatal */
	tu_write(dir, "probe.baseline", "garbage\n\x01\x02 times 1 2 3\n");
	c.duration = 0.05;
	assert_int_equal(probe_init(p, &c, err, sizeof err), 0);
	assert_int_equal(p->units, 0);
	assert_int_equal(p->ntimes, 0);
	probe_fini(p);
	free(p);
	tu_rmtree(dir);
	free(dir);
}

/* A result far from the levels is doubted once: the one in use before it
 * stays, a probe is asked for at once, and that check is trusted. */
static void test_doubt_and_recheck(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char err[512];
	double v[FEAT_VECTOR_LEN];
	struct probe *p = malloc(sizeof *p);
	struct probe_config c = quick(dir);
	c.interval = 3600;                          /* nothing periodic during the test */

	assert_false(probe_disagrees(1.0, 1.2));    /* close */
	assert_false(probe_disagrees(1.3, 1.0));    /* 1.3x: within the ratio */
	assert_true(probe_disagrees(1.6, 1.0));
	assert_true(probe_disagrees(1.0, 1.6));
	assert_false(probe_disagrees(0.3, 0.5));    /* far apart in ratio, not in slowdown */
	assert_false(probe_disagrees(NAN, 1.0));
	assert_false(probe_disagrees(3.0, NAN));

	assert_int_equal(probe_init(p, &c, err, sizeof err), 0);
	one_result(p, v);                           /* calibration, then a first result */
	probe_run(p, tu_mono_ns());
	assert_int_equal(p->pid, 0);                /* the next is an hour away */
	probe_request(p, tu_mono_ns());
	one_result(p, v);                           /* so asked for, it runs at once */
	double before = v[FEAT_probe_slowdown], arrived = v[FEAT_probe_result];
	assert_true(isfinite(before) && isfinite(arrived));
	assert_true(probe_doubt(p, tu_mono_ns()));
	assert_near(p->last.slowdown, before, 1e-12);        /* the doubted one is not in use */
	features_clear(v);
	probe_features(p, tu_mono_ns(), v);
	assert_near(v[FEAT_probe_slowdown], before, 1e-12);

	one_result(p, v);                           /* the check: asked for by the doubt */
	double check = v[FEAT_probe_result];
	assert_false(probe_doubt(p, tu_mono_ns()));       /* trusted as it is */
	assert_near(p->last.slowdown, check, 1e-12);

	probe_request(p, tu_mono_ns());
	one_result(p, v);
	assert_true(probe_doubt(p, tu_mono_ns()));        /* a later result may be doubted again */
	assert_int_equal(p->doubted, 2);
	probe_fini(p);
	free(p);
	tu_rmtree(dir);
	free(dir);
}

static pid_t hog(void)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setsid();            /* its own session, as a batch job */
		alarm(30);           /* never outlive a broken test */
		volatile unsigned long x = 0;
		for (;;)
			x++;
	}
	return pid;
}

/* Rows with a probe result in the elim's history at db, or 0 while it does
 * not exist or has no samples table yet (the elim is creating it). */
static long probe_rows(const char *db)
{
	sqlite3 *h;
	long n = 0;
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(h, 2000);
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(h, "SELECT count(*) FROM samples WHERE probe_result IS NOT NULL",
				       -1, &st, NULL) == SQLITE_OK) {
			if (sqlite3_step(st) == SQLITE_ROW)
				n = (long)sqlite3_column_int64(st, 0);
			sqlite3_finalize(st);
		}
	}
	sqlite3_close(h);
	return n;
}

/*
 * The real elim probes when the load moves: after its first probes, at an
 * hour's period, what the model predicts from the load moves (its fixture
 * /proc's load average, rewritten in place, under a model on
 * load1_per_core: no other load on the machine can move it), and a probe
 * result follows within a few records; with --probe-move-max 0 none does.
 * Rows, not seconds: the history is committed record by record.
 */
static long results_after_move(const char *move_max)
{
	char *dir = tu_tmpdir();
	char db[600], q[200], proc[600], sys[600], model[600];
	snprintf(db, sizeof db, "%s/h.db", dir);
	snprintf(proc, sizeof proc, "%s/proc", dir);
	snprintf(sys, sizeof sys, "%s/basic/sys", tu_data());
	snprintf(model, sizeof model, "%s/load.model", dir);
	char src[600];
	snprintf(src, sizeof src, "%s/basic/t0/proc", tu_data());
	tu_copy_tree(src, proc);
	tu_write(dir, "load.model", "elim-rank-model 1\nintercept 1\nterm load1_per_core coef 1\n");
	const char *args[] = { "--interval", "0.5", "--probe-interval", "3600",
			       "--probe-duration", "0.05", "--probe-move-gap", "5",
			       "--probe-move-max", move_max, "--state-dir", dir, "--history", db,
			       "--history-commit", "0", "--procfs", proc, "--sysfs", sys,
			       "--model", model, NULL };
	struct th h;
	th_start(&h, &(struct th_opts){ .foreground = true, .err = TH_NULL }, args);
	double rank;
	/* the calibration and the first result, at most 120 records */
	long first = 0;
	for (int i = 0; i < 120 && first == 0; i++) {
		assert_int_equal(th_read_lim(&h, 60.0, &rank), 1);
		first = probe_rows(db);
	}
	assert_true(first > 0);
	for (int i = 0; i < 4; i++)     /* a check of a doubted first result comes and goes */
		assert_int_equal(th_read_lim(&h, 60.0, &rank), 1);
	long mark = tu_sql_int(db, "SELECT max(rowid) FROM samples");
	tu_write(proc, "loadavg", "3.00 0.40 0.30 4/290 12000\n");   /* the load moves */
	for (int i = 0; i < 30; i++)    /* 15 s: the move's two records, the gap, the probe */
		assert_int_equal(th_read_lim(&h, 60.0, &rank), 1);
	th_kill(&h, SIGTERM);
	assert_int_equal(th_wait(&h, 60.0), 0);
	th_close(&h);
	snprintf(q, sizeof q, "SELECT count(*) FROM samples WHERE rowid > %ld AND probe_result IS NOT NULL",
		 mark);
	long after = tu_sql_int(db, q);
	tu_rmtree(dir);
	free(dir);
	return after;
}

static void test_elim_probes_when_load_moves(void **state)
{
	(void)state;
	assert_true(results_after_move("60") >= 1);
	assert_int_equal(results_after_move("0"), 0);
}

/*
 * No rank below idle.  Through the real elim: a model on the probe and the
 * run queue's move since it; the probe's result arrives while the fixture's
 * run queue is long (4 per CPU), then the queue empties: the model's sum
 * falls to about probe - 2, far under idle, and every rank printed stays at
 * 100 or above.  The history says the sum was under 1 in those records, so
 * without the floor the test fails.
 */
static void test_floor_after_load_drops(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char db[600], proc[600], sys[600], model[600], src[600], q[400];
	snprintf(db, sizeof db, "%s/h.db", dir);
	snprintf(proc, sizeof proc, "%s/proc", dir);
	snprintf(sys, sizeof sys, "%s/basic/sys", tu_data());
	snprintf(model, sizeof model, "%s/drop.model", dir);
	snprintf(src, sizeof src, "%s/basic/t1/proc", tu_data());
	tu_copy_tree(src, proc);
	char statpath[700];
	snprintf(statpath, sizeof statpath, "%s/stat", proc);
	char *stat = tu_slurp(statpath);
	char *at = strstr(stat, "procs_running 5");
	assert_non_null(at);
	at[14] = '9';                                   /* (9 - 1) / 2 CPUs = 4 per CPU */
	tu_write(proc, "stat", stat);
	tu_write(dir, "drop.model", "elim-rank-model 1\nintercept 0\n"
		 "term probe_slowdown coef 1 fill 1\nterm runq_since_probe coef 0.5\n");
	/* a baseline of the first work: not used, said once */
	tu_write(dir, "probe.baseline", "elim-rank-probe-baseline 1\nkey builtin duration=0.05 "
		 "buffer=33554432 write=0\nunits 9\ntimes 0.01 0.01 0.01\n");
	char errlog[700];
	snprintf(errlog, sizeof errlog, "%s/err.log", dir);
	const char *args[] = { "--interval", "0.5", "--probe-interval", "3600",
			       "--probe-duration", "0.05", "--probe-move-max", "0",
			       "--state-dir", dir, "--history", db, "--history-commit", "0",
			       "--procfs", proc, "--sysfs", sys, "--model", model, NULL };
	struct th h;
	th_start(&h, &(struct th_opts){ .foreground = true, .err = TH_FILE, .err_file = errlog }, args);
	double rank, low = 1e9;
	long first = 0;
	for (int i = 0; i < 120 && first == 0; i++) {   /* the calibration and a first result */
		assert_int_equal(th_read_lim(&h, 60.0, &rank), 1);
		low = fmin(low, rank);
		first = probe_rows(db);
	}
	assert_true(first > 0);
	for (int i = 0; i < 2; i++) {                   /* the result in use */
		assert_int_equal(th_read_lim(&h, 60.0, &rank), 1);
		low = fmin(low, rank);
	}
	long mark = tu_sql_int(db, "SELECT max(rowid) FROM samples");
	at[14] = '1';                                   /* the host empties */
	tu_write(proc, "stat", stat);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(th_read_lim(&h, 60.0, &rank), 1);
		low = fmin(low, rank);
	}
	th_kill(&h, SIGTERM);
	assert_int_equal(th_wait(&h, 60.0), 0);
	th_close(&h);
	printf("# lowest rank printed %.1f\n", low);
	assert_true(low >= 100.0);
	/* the sum was under idle after the drop, and the rank kept at 100 */
	snprintf(q, sizeof q, "SELECT count(*) FROM samples WHERE rowid > %ld AND "
		 "probe_slowdown + 0.5 * runq_since_probe < 0.9 AND abs(rank - 100) < 1e-9", mark);
	assert_true(tu_sql_int(db, q) >= 3);
	snprintf(q, sizeof q, "SELECT count(*) FROM samples WHERE rank < 100");
	assert_int_equal(tu_sql_int(db, q), 0);
	snprintf(q, sizeof q, "SELECT count(*) FROM samples WHERE probe_work_version = %d", PROBE_WORK_VERSION);
	assert_true(tu_sql_int(db, q) > 0);
	char *log = tu_slurp(errlog), *hit = strstr(log, "made with probe work version 1, not 2");
	assert_non_null(hit);
	assert_null(strstr(hit + 1, "made with probe work version 1, not 2"));   /* once */
	free(log);
	char bpath[700];
	snprintf(bpath, sizeof bpath, "%s/probe.baseline", dir);
	char *base = tu_slurp(bpath);
	assert_non_null(strstr(base, "elim-rank-probe-baseline 2\n"));   /* replaced */
	assert_non_null(strstr(base, "\nwork 2\n"));
	free(base);
	free(stat);
	tu_rmtree(dir);
	free(dir);
}

/* --explain shows the floor when it applies, through the real elim. */
static void test_explain_floor(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char proc[600], model[600];
	snprintf(proc, sizeof proc, "%s/basic/t1/proc", tu_data());
	snprintf(model, sizeof model, "%s/low.model", dir);
	tu_write(dir, "low.model", "elim-rank-model 1\nintercept 0.5\n");
	char *out = NULL;
	int st = th_run(NULL, (const char *const[]){ "--once", "--explain", "--no-probe", "--model",
						       model, "--state-dir", dir, "--no-history", "--procfs",
						       proc, NULL }, 60.0, &out, NULL);
	assert_int_equal(st, 0);
	assert_non_null(strstr(out, "floor 1.0000 (the model's sum 0.5000 is below idle)\n"));
	assert_non_null(strstr(out, "slowdown 1.0000\nrank 100.0\n"));
	assert_non_null(strstr(out, "probe_unit_seconds nan s"));   /* no baseline yet */
	free(out);
	tu_write(dir, "low.model", "elim-rank-model 1\nintercept 1.5\n");
	st = th_run(NULL, (const char *const[]){ "--once", "--explain", "--no-probe", "--model",
						   model, "--state-dir", dir, "--no-history", "--procfs",
						   proc, NULL }, 60.0, &out, NULL);
	assert_int_equal(st, 0);
	assert_null(strstr(out, "floor"));
	assert_non_null(strstr(out, "rank 150.0\n"));
	free(out);
	tu_rmtree(dir);
	free(dir);
}

static double median(double *a, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && a[j] < a[j - 1]; j--) {
			double t = a[j];
			a[j] = a[j - 1];
			a[j - 1] = t;
		}
	return n % 2 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
}

/* Four busy processes per CPU, each in its own session: with autogroup a
 * probe in its own session gets at most 1/(4 * ncpu + 1) of the machine
 * (on 2 cores 2/9 of a core, about 4.5x slower).  The machine is shared:
 * load from E other sessions slows the idle probe too, so the ratio is
 * about (E + 4 ncpu + 1) / (E + 1), which stays far above the threshold
 * for any load a check machine sees (with two hogs it was (E + 3) / (E + 1),
 * which other sessions' load brought under it).  Idle and contended
 * probes alternate in rounds and medians are compared. */
static void test_contention_slows_probe(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char err[512];
	double v[FEAT_VECTOR_LEN], idle[6], busy[6];
	int ni = 0, nb = 0;
	struct probe *p = malloc(sizeof *p);
	struct probe_config c = quick(dir);
	c.duration = 0.15;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int nhogs = 4 * ncpu < 64 ? (int)(4 * ncpu) : 64;
	pid_t hogs[64];

	assert_int_equal(probe_init(p, &c, err, sizeof err), 0);
	one_result(p, v);                 /* calibrate */
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 2; i++)
			idle[ni++] = one_result(p, v);
		for (int i = 0; i < nhogs; i++)
			hogs[i] = hog();
		tu_sleep_ms(100);
		for (int i = 0; i < 2; i++)
			busy[nb++] = one_result(p, v);
		for (int i = 0; i < nhogs; i++) {
			kill(hogs[i], SIGKILL);
			waitpid(hogs[i], NULL, 0);
		}
	}
	double mi = median(idle, ni), mb = median(busy, nb);
	printf("# probe median idle %.3f s, with %d hogs %.3f s (x%.2f)\n", mi, nhogs, mb, mb / mi);
	assert_true(mb > 1.15 * mi);
	probe_fini(p);
	free(p);
	tu_rmtree(dir);
	free(dir);
}

static void test_cgroup(void **state)
{
	(void)state;
	char cg[256], err[512], cmd[1024];
	snprintf(cg, sizeof cg, "/sys/fs/cgroup/cpu/elim-rank-test.%d", (int)getpid());
	if (mkdir(cg, 0755) < 0) {
		snprintf(cg, sizeof cg, "/sys/fs/cgroup/elim-rank-test.%d", (int)getpid());
		if (mkdir(cg, 0755) < 0 || access("/sys/fs/cgroup/cgroup.procs", F_OK) < 0) {
			rmdir(cg);
			skip();
		}
	}
	char *dir = tu_tmpdir();
	tu_system("chmod 0777 '%s'", dir);
	struct probe *p = malloc(sizeof *p);
	struct probe_config c = quick(dir);
	snprintf(cmd, sizeof cmd, "/bin/sh -c 'cat /proc/self/cgroup > %s/cg'", dir);
	c.command = cmd;
	c.user = "nobody";
	c.cgroup = cg;
	double v[FEAT_VECTOR_LEN];
	assert_int_equal(probe_init(p, &c, err, sizeof err), 0);
	one_result(p, v);
	probe_fini(p);
	char path[4200];
	snprintf(path, sizeof path, "%s/cg", dir);
	const char *want = strrchr(cg, '/');
	char *got = tu_slurp(path);
	assert_non_null(strstr(got, want));
	free(got);
	free(p);
	tu_sleep_ms(100);
	assert_int_equal(rmdir(cg), 0);   /* the probe has left it */
	tu_rmtree(dir);
	free(dir);
}

/* ------------------------------------------------------------ the real elim */

/* Start the elim with stdout on a pipe and stderr in a file.  The elim
 * inherits a blocked signal mask and an ignored SIGUSR1, as from LIM. */
static void spawn_elim(struct th *h, const char *const *args, const char *errfile)
{
	struct th_opts o = { .sigmask = TH_SIG_BLOCK_ALL_BUT_TERM, .ignore_sigusr1 = true,
			     .err = TH_FILE, .err_file = errfile, .foreground = true };
	th_start(h, &o, args);
}

static bool process_gone(pid_t pid)
{
	char path[64], st[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	for (int i = 0; i < 50; i++) {
		FILE *f = fopen(path, "r");
		if (!f)
			return true;
		size_t n = fread(st, 1, sizeof st - 1, f);
		fclose(f);
		st[n] = '\0';
		const char *rp = strrchr(st, ')');
		if (rp && (rp[2] == 'Z' || rp[2] == 'X'))
			return true;
		tu_sleep_ms(100);
	}
	return false;
}

/* A hung probe command is killed at its timeout, with its children, and
 * the records keep coming on time meanwhile. */
static void test_hung_command_killed(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char cmd[8400], errfile[4200], pidfile[4200];
	tu_system("chmod 0777 '%s'", dir);
	snprintf(pidfile, sizeof pidfile, "%s/pid", dir);
	snprintf(errfile, sizeof errfile, "%s/stderr", dir);
	snprintf(cmd, sizeof cmd, "/bin/sh -c 'echo $$ >> %s; exec sleep 60'", pidfile);
	const char *argv[] = { "--no-history", "--interval", "0.25",
			 "--count", "12", "--state-dir", dir, "--probe-interval", "0.1",
			 "--probe-timeout", "0.6", "--probe-user", "nobody",
			 "--probe-command", cmd, NULL };
	struct th h;
	double when[64];
	struct th_rec rec;
	spawn_elim(&h, argv, errfile);
	int n = 0;
	while (n < 64 && th_read_timed(&h, 60.0, &rec) == 1)
		when[n++] = rec.t;
	assert_int_equal(th_wait(&h, 60.0), 0);
	th_close(&h);
	assert_int_equal(n, 12);
	/* on the grid while the command hangs (killed at 0.6 s, between ticks):
	 * never held up for the probe's timeout */
	char why[256];
	if (!th_on_grid(when, n, 0.25, 0.5, NULL, why, sizeof why))
		fail_msg("%s", why);
	char *log = tu_slurp(errfile);
	assert_non_null(strstr(log, "probe: still running after 0.6 s: killed"));
	free(log);
	/* every command that got as far as writing its pid (one killed before
	 * it could, on a loaded machine, wrote nothing) is gone */
	char *pidtxt = tu_slurp(pidfile);
	int seen = 0;
	for (char *p = pidtxt, *end; *p; p = end) {
		long hung = strtol(p, &end, 10);
		if (end == p)
			break;
		assert_true(hung > 1);
		assert_true(process_gone((pid_t)hung));
		seen++;
	}
	free(pidtxt);
	assert_true(seen >= 1);
	tu_rmtree(dir);
	free(dir);
}

/* The command runs as the configured user, with its groups, clean signals,
 * and its result becomes probe_result. */
static void test_command_user(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char cmd[1024], errfile[4200], path[4200];
	tu_system("chmod 0777 '%s'", dir);
	snprintf(errfile, sizeof errfile, "%s/stderr", dir);
	snprintf(cmd, sizeof cmd,
		 "/bin/sh -c 'id -u > %s/uid; id -G > %s/groups; "
		 "grep -E \"^(SigBlk|SigIgn)\" /proc/self/status > %s/sig; "
		 "cut -d\" \" -f6 /proc/$$/stat > %s/sid'",
		 dir, dir, dir, dir);
	const char *argv[] = { "--no-history", "--explain", "--interval", "0.3",
			 "--count", "8", "--state-dir", dir, "--probe-interval", "0.1",
			 "--probe-user", "nobody", "--probe-command", cmd, NULL };
	struct th h;
	spawn_elim(&h, argv, errfile);
	char *text = th_read_all(&h, 120.0);
	assert_int_equal(th_wait(&h, 60.0), 0);
	pid_t pid = h.pid;
	th_close(&h);
	snprintf(path, sizeof path, "%s/uid", dir);
	char *got = tu_slurp(path);
	assert_string_equal(got, "65534\n");
	free(got);
	snprintf(path, sizeof path, "%s/groups", dir);
	got = tu_slurp(path);
	assert_string_equal(got, "65534\n");   /* no root groups left over */
	free(got);
	snprintf(path, sizeof path, "%s/sig", dir);
	/* the elim was started with everything blocked and SIGUSR1 ignored;
	 * glibc reserves signals 32 and 33 (nobody can reset them), so look at
	 * the classic signals 1..31 and every real-time one above 33 */
	unsigned long long blk = 1, ign = 1;
	got = tu_slurp(path);
	assert_int_equal(sscanf(got, "SigBlk: %llx SigIgn: %llx", &blk, &ign), 2);
	free(got);
	assert_true((blk & ~0x180000000ULL) == 0);
	assert_true((ign & ~0x180000000ULL) == 0);
	/* its own session: sid = the probe child's pid, not the elim's session */
	snprintf(path, sizeof path, "%s/sid", dir);
	got = tu_slurp(path);
	long sid = strtol(got, NULL, 10);
	free(got);
	if (sid > 0) {
		assert_int_not_equal(sid, getsid(0));
		assert_int_not_equal(sid, pid);
	}
	/* a result reached the features (explain prints "name value unit ...") */
	const char *r = strstr(text, "probe_result ");
	bool seen = false;
	for (; r; r = strstr(r + 1, "probe_result "))
		if (strncmp(r + 13, "nan", 3) != 0)
			seen = true;
	if (!seen)
		fail_msg("no probe_result in the explain output; stderr: %s", tu_slurp(errfile));
	free(text);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_argv),
		cmocka_unit_test(test_baseline_percentile),
		cmocka_unit_test(test_reading),
		cmocka_unit_test(test_walk_bytes),
		cmocka_unit_test(test_command_baseline_kept),
		cmocka_unit_test(test_overdue_probe_is_a_reading),
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_default_model_uses_probe),
		cmocka_unit_test(test_history_gains_probe_columns),
		cmocka_unit_test(test_cycle_and_persistence),
		cmocka_unit_test(test_doubt_and_recheck),
		cmocka_unit_test(test_contention_slows_probe),
		cmocka_unit_test(test_elim_probes_when_load_moves),
		cmocka_unit_test(test_floor_after_load_drops),
		cmocka_unit_test(test_explain_floor),
		cmocka_unit_test(test_cgroup),
		cmocka_unit_test(test_hung_command_killed),
		cmocka_unit_test(test_command_user),
	};
	return TU_RUN(tests);
}
