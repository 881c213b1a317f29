/* since_probe: moves since the probe result in use, alone and as the real
 * elim writes them to its history. */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "feature_set.h"
#include "harness.h"
#include "since_probe.h"
#include "testutil.h"

static void record(double *v, double runq, double busy, double result)
{
	features_clear(v);
	v[FEAT_runq_per_core] = runq;
	v[FEAT_cpu_busy] = busy;
	v[FEAT_probe_result] = result;
}

static void test_moves(void **state)
{
	(void)state;
	struct since_probe s;
	double v[FEAT_COUNT];
	since_probe_init(&s);

	record(v, 1.0, 0.5, NAN);              /* no result yet: against an idle host */
	since_probe_fill(&s, v);
	assert_near(v[FEAT_runq_since_probe], 1.0, 1e-12);
	assert_near(v[FEAT_cpu_busy_since_probe], 0.5, 1e-12);
	assert_unknown(v[FEAT_psi_cpu_since_probe]);   /* unknown in, unknown out */

	record(v, 1.5, 0.6, 1.2);              /* the first result: still against idle */
	since_probe_fill(&s, v);
	assert_near(v[FEAT_runq_since_probe], 1.5, 1e-12);

	record(v, 2.5, 0.9, NAN);              /* moves against the record it arrived in */
	since_probe_fill(&s, v);
	assert_near(v[FEAT_runq_since_probe], 1.0, 1e-12);
	assert_near(v[FEAT_cpu_busy_since_probe], 0.3, 1e-12);
	assert_unknown(v[FEAT_psi_cpu_since_probe]);   /* unknown in, unknown out */

	record(v, 2.0, 1.0, 1.8);              /* the next result: against the first one's record */
	since_probe_fill(&s, v);
	assert_near(v[FEAT_runq_since_probe], 0.5, 1e-12);
	record(v, 2.0, 1.0, NAN);              /* then against its own */
	since_probe_fill(&s, v);
	assert_near(v[FEAT_runq_since_probe], 0.0, 1e-12);
	assert_near(v[FEAT_cpu_busy_since_probe], 0.0, 1e-12);

	record(v, 0.5, 0.2, NAN);              /* a load that left shows as a fall */
	since_probe_fill(&s, v);
	assert_near(v[FEAT_runq_since_probe], -1.5, 1e-12);
}

/* Run the real elim (through the harness) for 25 records into DIR/h.db
 * with the extra options opts (NULL-terminated), then open that history
 * read-only and prepare sql on it; th_query_end finalizes and closes. */
static sqlite3_stmt *run_elim_query(const char *dir, const char *const *opts, const char *sql)
{
	char db[4200], err[4200];
	snprintf(db, sizeof db, "%s/h.db", dir);
	snprintf(err, sizeof err, "%s/err", dir);
	const char *args[16] = { "--interval", "0.2", "--count", "25", "--state-dir", dir,
				 "--history", db, "--history-commit", "0" };
	int n = 10;
	for (int i = 0; opts[i] && n < 15; i++)
		args[n++] = opts[i];
	args[n] = NULL;
	struct th h;
	struct th_opts o = { .out = TH_NULL, .err = TH_FILE, .err_file = err, .foreground = true };
	th_start(&h, &o, args);
	assert_int_equal(th_wait(&h, 120.0), 0);
	th_close(&h);
	return th_query(db, sql);
}

/* The real elim with its built-in probe: every record's moves are its
 * levels less those of the last earlier record holding a probe result, or
 * the levels themselves before the first. */
static void test_elim_history(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	sqlite3_stmt *q = run_elim_query(dir, (const char *const[]){ "--probe-interval", "0.3",
							"--probe-duration", "0.05", NULL },
					 "SELECT runq_per_core, runq_since_probe, cpu_busy,"
					 " cpu_busy_since_probe, probe_result FROM samples ORDER BY rowid");
	double ref_runq = 0, ref_busy = 0;   /* an idle host before the first result */
	int rows = 0, results = 0, checked = 0, before = 0;
	while (sqlite3_step(q) == SQLITE_ROW) {
		rows++;
		bool known = sqlite3_column_type(q, 1) != SQLITE_NULL;
		if (known != (sqlite3_column_type(q, 0) != SQLITE_NULL))
			fail_msg("row %d: runq_since_probe known where runq_per_core is not, or not where it is", rows);
		if (known) {
			assert_near(sqlite3_column_double(q, 1), sqlite3_column_double(q, 0) - ref_runq, 1e-9);
			assert_near(sqlite3_column_double(q, 3), sqlite3_column_double(q, 2) - ref_busy, 1e-9);
			checked++;
			before += results == 0;
		}
		if (sqlite3_column_type(q, 4) != SQLITE_NULL) {
			results++;
			ref_runq = sqlite3_column_double(q, 0);
			ref_busy = sqlite3_column_double(q, 2);
		}
	}
	th_query_end(q);
	assert_int_equal(rows, 25);
	assert_true(results >= 2);
	assert_true(checked >= 5);
	assert_true(before >= 1);   /* the elim's first records come before any result */
	tu_rmtree(dir);
	free(dir);
}

/* With the probe off, every move is the level itself: a model on the probe
 * and the moves falls back to the load's levels. */
static void test_elim_no_probe(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	sqlite3_stmt *q = run_elim_query(dir, (const char *const[]){ "--no-probe", NULL },
					 "SELECT runq_per_core, runq_since_probe, cpu_groups_per_core,"
					 " cpu_groups_since_probe, probe_result FROM samples ORDER BY rowid");
	int rows = 0, checked = 0;
	while (sqlite3_step(q) == SQLITE_ROW) {
		rows++;
		assert_int_equal(sqlite3_column_type(q, 4), SQLITE_NULL);   /* no probe ran */
		for (int c = 0; c < 4; c += 2) {
			assert_int_equal(sqlite3_column_type(q, c), sqlite3_column_type(q, c + 1));
			if (sqlite3_column_type(q, c) == SQLITE_NULL)
				continue;
			assert_near(sqlite3_column_double(q, c + 1), sqlite3_column_double(q, c), 1e-12);
			checked++;
		}
	}
	th_query_end(q);
	assert_int_equal(rows, 25);
	assert_true(checked >= 20);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_moves),
		cmocka_unit_test(test_elim_history),
		cmocka_unit_test(test_elim_no_probe),
	};
	return TU_RUN(tests);
}
