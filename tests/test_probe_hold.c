/* test_probe_hold: --probe-hold-file, the module and the real elim. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "testutil.h"
#include "probe_hold.h"

#define NSEC 1000000000LL

static int64_t wall_ns(void)
{
	struct timespec w;
	clock_gettime(CLOCK_REALTIME, &w);
	return (int64_t)w.tv_sec * NSEC + w.tv_nsec;
}

/* Set path's modification time to seconds ago (negative: in the future). */
static void set_age(const char *path, double ago)
{
	struct timespec t[2];
	int64_t when = wall_ns() - (int64_t)(ago * 1e9);
	t[0].tv_sec = t[1].tv_sec = (time_t)(when / NSEC);
	t[0].tv_nsec = t[1].tv_nsec = (long)(when % NSEC);
	assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
}

/* ------------------------------------------------------------ the module */

static void test_no_file_set(void **state)
{
	(void)state;
	struct probe_hold h;
	probe_hold_init(&h);
	struct probe_hold_config c = { .path = NULL, .max_age = 3600 };
	assert_false(probe_hold_check(&h, &c, 1 * NSEC, wall_ns()));
	assert_false(probe_hold_check(&h, &c, 2 * NSEC, wall_ns()));
	assert_int_equal(h.held_ns, 0);
	assert_int_equal(h.holds, 0);
}

/* Held while the file is there: the time between checks that found it
 * counts, from the monotonic clock given; gone, it no longer holds. */
static void test_held_time_counted(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char path[600];
	snprintf(path, sizeof path, "%s/hold", dir);
	struct probe_hold h;
	probe_hold_init(&h);
	struct probe_hold_config c = { .path = path, .max_age = 3600 };
	assert_false(probe_hold_check(&h, &c, 10 * NSEC, wall_ns()));   /* no file yet */
	tu_write(dir, "hold", "");
	assert_true(probe_hold_check(&h, &c, 20 * NSEC, wall_ns()));
	assert_int_equal(h.held_ns, 0);             /* the hold begins at this check */
	assert_true(probe_hold_check(&h, &c, 25 * NSEC, wall_ns()));
	assert_true(probe_hold_check(&h, &c, 30 * NSEC, wall_ns()));
	assert_near(probe_hold_seconds(&h), 10.0, 1e-9);
	assert_int_equal(h.holds, 1);
	assert_int_equal(unlink(path), 0);
	assert_false(probe_hold_check(&h, &c, 32 * NSEC, wall_ns()));
	assert_near(probe_hold_seconds(&h), 12.0, 1e-9);   /* up to the check that saw it gone */
	assert_false(probe_hold_check(&h, &c, 50 * NSEC, wall_ns()));
	assert_near(probe_hold_seconds(&h), 12.0, 1e-9);
	tu_write(dir, "hold", "");
	assert_true(probe_hold_check(&h, &c, 60 * NSEC, wall_ns()));
	assert_int_equal(h.holds, 2);
	tu_rmtree(dir);
	free(dir);
}

/* A hold file older than max_age (a lost epilog), or dated further in the
 * future than that, does not hold; touched again, it does. */
static void test_old_file_ignored(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char path[600];
	snprintf(path, sizeof path, "%s/hold", dir);
	tu_write(dir, "hold", "");
	struct probe_hold h;
	probe_hold_init(&h);
	struct probe_hold_config c = { .path = path, .max_age = 3600 };
	set_age(path, 3500);
	assert_true(probe_hold_check(&h, &c, 1 * NSEC, wall_ns()));
	set_age(path, 3700);
	assert_false(probe_hold_check(&h, &c, 2 * NSEC, wall_ns()));
	assert_true(h.stale);
	set_age(path, -7200);
	assert_false(probe_hold_check(&h, &c, 3 * NSEC, wall_ns()));
	set_age(path, 0);
	assert_true(probe_hold_check(&h, &c, 4 * NSEC, wall_ns()));
	assert_false(h.stale);
	tu_rmtree(dir);
	free(dir);
}

/* A due probe that waits counts once per interval, not at every record. */
static void test_skips_once_per_interval(void **state)
{
	(void)state;
	struct probe_hold h;
	probe_hold_init(&h);
	for (int s = 0; s < 1000; s += 10)           /* a record every 10 s, 1000 s */
		probe_hold_skip(&h, (uint64_t)(100 + s) * NSEC, 300.0);
	assert_int_equal(h.skipped, 4);              /* at 100, 400, 700, 1000 - 10 */
}

/* ------------------------------------------------------------ the real elim */

/* Rows of the history at db with a probe result; 0 while it has none. */
static long results(const char *db)
{
	if (access(db, F_OK) < 0)
		return 0;
	return (long)tu_sql_int(db, "SELECT count(*) FROM samples WHERE probe_result IS NOT NULL");
}

struct run {
	char *dir;
	char db[600], hold[600], baseline[600];
	struct th h;
};

/* Start the elim with a hold file dated ago seconds back (NAN: none) and
 * --probe-hold-max-age max_age. */
static void start(struct run *r, double ago, const char *max_age)
{
	r->dir = tu_tmpdir();
	snprintf(r->db, sizeof r->db, "%s/h.db", r->dir);
	snprintf(r->hold, sizeof r->hold, "%s/hold", r->dir);
	snprintf(r->baseline, sizeof r->baseline, "%s/probe.baseline", r->dir);
	if (!isnan(ago)) {
		tu_write(r->dir, "hold", "prolog\n");
		set_age(r->hold, ago);
	}
	const char *args[] = { "--interval", "0.2", "--probe-interval", "0.1",
			       "--probe-duration", "0.05", "--probe-move-max", "0",
			       "--state-dir", r->dir, "--history", r->db, "--history-commit", "0",
			       "--probe-hold-file", r->hold, "--probe-hold-max-age", max_age, NULL };
	th_start(&r->h, &(struct th_opts){ .foreground = true, .err = TH_PIPE }, args);
}

static void stop(struct run *r)
{
	th_kill(&r->h, SIGTERM);
	assert_int_equal(th_wait(&r->h, 60.0), 0);
	th_close(&r->h);
	tu_rmtree(r->dir);
	free(r->dir);
}

/* Records until the history holds a probe result, at most max; returns
 * how many were read, or -1. */
static int until_result(struct run *r, int max)
{
	double rank;
	for (int i = 1; i <= max; i++) {
		assert_int_equal(th_read_lim(&r->h, 60.0, &rank), 1);
		if (results(r->db) > 0)
			return i;
	}
	return -1;
}

/*
 * With the hold file there from the start, no probe runs over 30 records
 * at a probe interval shorter than the record's (not even the
 * calibration: no baseline file is written), and the history counts the
 * hold; once the file is removed, a result arrives.
 */
static void test_elim_held_then_released(void **state)
{
	(void)state;
	struct run r;
	start(&r, 0, "3600");
	double rank;
	for (int i = 0; i < 30; i++)
		assert_int_equal(th_read_lim(&r.h, 60.0, &rank), 1);
	assert_int_equal(results(r.db), 0);
	assert_int_equal(access(r.baseline, F_OK), -1);
	/* held the whole while: the counters grew, a skip per probe interval at most */
	long long rows = tu_sql_int(r.db, "SELECT count(*) FROM samples");
	long long held_ms = tu_sql_int(r.db, "SELECT CAST(max(probe_held_total) * 1000 AS INTEGER)"
				       " FROM samples");
	long long skipped = tu_sql_int(r.db, "SELECT max(probe_skipped_total) FROM samples");
	assert_true(rows >= 29);
	assert_true(held_ms >= 28 * 200 * 9 / 10);   /* the records' 0.2 s apart, less slack */
	assert_true(skipped >= 2 && skipped <= rows);
	assert_int_equal(unlink(r.hold), 0);
	if (until_result(&r, 120) < 0)
		fail_msg("no probe result after the hold; stderr: %s", th_err(&r.h));
	assert_true(access(r.baseline, F_OK) == 0);
	stop(&r);
}

/* A hold file older than --probe-hold-max-age (a lost epilog) holds
 * nothing, and the elim says so. */
static void test_elim_old_hold_ignored(void **state)
{
	(void)state;
	struct run r;
	start(&r, 7200, "3600");
	if (until_result(&r, 120) < 0)
		fail_msg("no probe result under an old hold file; stderr: %s", th_err(&r.h));
	assert_non_null(strstr(th_err(&r.h), "ignored"));
	assert_int_equal(tu_sql_int(r.db, "SELECT count(*) FROM samples WHERE probe_skipped_total > 0"), 0);
	stop(&r);
}

/*
 * Triggered probes are held too: after a first result, at an hour's
 * period, the load moves (the fixture /proc's load average, under a model
 * on load1_per_core) while the hold file is there, and no result arrives
 * over 30 records (15 s: a move's two records and the 5 s gap fit three
 * times); removed, the move is probed.
 */
static void test_elim_holds_triggered(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char db[600], q[200], proc[600], sys[600], model[600], src[600], hold[600];
	snprintf(db, sizeof db, "%s/h.db", dir);
	snprintf(proc, sizeof proc, "%s/proc", dir);
	snprintf(sys, sizeof sys, "%s/basic/sys", tu_data());
	snprintf(model, sizeof model, "%s/load.model", dir);
	snprintf(src, sizeof src, "%s/basic/t0/proc", tu_data());
	snprintf(hold, sizeof hold, "%s/hold", dir);
	tu_copy_tree(src, proc);
	tu_write(dir, "load.model", "elim-rank-model 1\nintercept 1\nterm load1_per_core coef 1\n");
	const char *args[] = { "--interval", "0.5", "--probe-interval", "3600",
			       "--probe-duration", "0.05", "--probe-move-gap", "5",
			       "--probe-move-max", "60", "--state-dir", dir, "--history", db,
			       "--history-commit", "0", "--procfs", proc, "--sysfs", sys,
			       "--model", model, "--probe-hold-file", hold, NULL };
	struct th h;
	th_start(&h, &(struct th_opts){ .foreground = true, .err = TH_PIPE }, args);
	double rank;
	long first = 0;
	for (int i = 0; i < 120 && first == 0; i++) {
		assert_int_equal(th_read_lim(&h, 60.0, &rank), 1);
		first = results(db);
	}
	assert_true(first > 0);
	for (int i = 0; i < 4; i++)     /* a check of a doubted first result comes and goes */
		assert_int_equal(th_read_lim(&h, 60.0, &rank), 1);
	tu_write(dir, "hold", "prolog\n");
	assert_int_equal(th_read_lim(&h, 60.0, &rank), 1);   /* a record has seen it */
	long mark = tu_sql_int(db, "SELECT max(rowid) FROM samples");
	tu_write(proc, "loadavg", "3.00 0.40 0.30 4/290 12000\n");   /* the load moves */
	for (int i = 0; i < 30; i++)
		assert_int_equal(th_read_lim(&h, 60.0, &rank), 1);
	snprintf(q, sizeof q, "SELECT count(*) FROM samples WHERE rowid > %ld AND probe_result IS NOT NULL",
		 mark);
	assert_int_equal(tu_sql_int(db, q), 0);
	assert_int_equal(unlink(hold), 0);
	long after = 0;
	for (int i = 0; i < 40 && after == 0; i++) {
		assert_int_equal(th_read_lim(&h, 60.0, &rank), 1);
		after = tu_sql_int(db, q);
	}
	if (after == 0)
		fail_msg("the move was not probed after the hold; stderr: %s", th_err(&h));
	th_kill(&h, SIGTERM);
	assert_int_equal(th_wait(&h, 60.0), 0);
	th_close(&h);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_file_set),
		cmocka_unit_test(test_held_time_counted),
		cmocka_unit_test(test_old_file_ignored),
		cmocka_unit_test(test_skips_once_per_interval),
		cmocka_unit_test(test_elim_held_then_released),
		cmocka_unit_test(test_elim_old_hold_ignored),
		cmocka_unit_test(test_elim_holds_triggered),
	};
	return TU_RUN(tests);
}
