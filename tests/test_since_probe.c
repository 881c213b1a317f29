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
	double v[FEAT_VECTOR_LEN];
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
					 " cpu_busy_since_probe, probe_result, probe_slowdown"
					 " FROM samples ORDER BY rowid");
	enum { MAXROWS = 64, COLS = 6 };
	double row[MAXROWS][COLS];
	int rows = 0;
	while (sqlite3_step(q) == SQLITE_ROW) {
		assert_true(rows < MAXROWS);
		for (int c = 0; c < COLS; c++)
			row[rows][c] = sqlite3_column_type(q, c) == SQLITE_NULL ? NAN :
				       sqlite3_column_double(q, c);
		rows++;
	}
	th_query_end(q);
	assert_int_equal(rows, 25);

	/* A result becomes the reference of the moves where it is put in use:
	 * the next record's probe_slowdown shows it; a doubted one is not
	 * (probe.h: probe_doubt), and the reference stays.  When a result
	 * equals the one in use before it (two exact 1.0s: each the fastest
	 * probe so far), probe_slowdown cannot tell: the next record's moves
	 * must then match one of the two references. */
	double ref_runq = 0, ref_busy = 0;   /* an idle host before the first result */
	double cand_runq = NAN, cand_busy = NAN;
	int results = 0, trusted = 0, checked = 0, before = 0;
	for (int i = 0; i < rows; i++) {
		double *r = row[i];
		bool known = isfinite(r[1]);
		if (known != isfinite(r[0]))
			fail_msg("row %d: runq_since_probe known where runq_per_core is not, or not where it is", i + 1);
		if (known) {
#define MATCHES(rq, rb) (fabs(r[1] - (r[0] - (rq))) <= 1e-9 && \
			 (!isfinite(r[3]) || fabs(r[3] - (r[2] - (rb))) <= 1e-9))
			if (!MATCHES(ref_runq, ref_busy) && isfinite(cand_runq) &&
			    MATCHES(cand_runq, cand_busy)) {
				ref_runq = cand_runq;   /* the ambiguous result was put in use */
				ref_busy = cand_busy;
				trusted++;
			}
			if (!MATCHES(ref_runq, ref_busy)) {
				for (int k = 0; k < rows; k++)
					printf("# row %d: runq %g move %g busy %g move %g result %g in use %g\n",
					       k + 1, row[k][0], row[k][1], row[k][2], row[k][3], row[k][4],
					       row[k][5]);
				fail_msg("row %d: moves against the wrong reference", i + 1);
			}
#undef MATCHES
			cand_runq = cand_busy = NAN;
			checked++;
			before += trusted == 0;
		}
		if (isfinite(r[4])) {
			results++;
			bool next = i + 1 < rows && isfinite(row[i + 1][5]);
			bool same_as_before = isfinite(r[5]) && fabs(r[5] - r[4]) < 1e-12;
			if (next && same_as_before) {
				cand_runq = r[0];       /* decided by the next record's moves */
				cand_busy = r[2];
			} else if (next && fabs(row[i + 1][5] - r[4]) < 1e-12) {
				trusted++;
				ref_runq = r[0];
				ref_busy = r[2];
			}
		}
	}
	assert_true(results >= 2);
	assert_true(trusted >= 1);
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

/* The size of a move: the largest over its threshold, up or down. */
static void test_move_size(void **state)
{
	(void)state;
	double v[FEAT_VECTOR_LEN];
	features_clear(v);
	assert_unknown(since_probe_move(v));                 /* nothing known */
	v[FEAT_cpu_groups_since_probe] = -0.5;               /* a fall counts as a move too */
	assert_near(since_probe_move(v), 2.0, 1e-12);
	v[FEAT_psi_mem_since_probe] = 0.1;                   /* the largest over its threshold */
	assert_near(since_probe_move(v), 2.0, 1e-12);
	v[FEAT_psi_mem_since_probe] = 0.2;
	assert_near(since_probe_move(v), 4.0, 1e-12);
	features_clear(v);
	v[FEAT_cpu_groups_since_probe] = 0.1;
	assert_true(since_probe_move(v) < 1.0);              /* under the threshold */

	/* since_probe_fill fills it from the moves it takes */
	struct since_probe s;
	since_probe_init(&s);
	features_clear(v);
	v[FEAT_cpu_groups_per_core] = 0.75;                  /* against an idle host */
	since_probe_fill(&s, v);
	assert_near(v[FEAT_move_since_probe], 3.0, 1e-12);
	features_clear(v);
	since_probe_fill(&s, v);
	assert_unknown(v[FEAT_move_since_probe]);
}

/* The levels form: each move is its level, the probe unknown. */
static void test_levels_form(void **state)
{
	(void)state;
	double v[FEAT_VECTOR_LEN], out[FEAT_VECTOR_LEN];
	for (int i = 0; i < FEAT_VECTOR_LEN; i++)
		v[i] = NAN;
	v[FEAT_cpu_groups_per_core] = 1.5;
	v[FEAT_cpu_groups_since_probe] = 0.25;
	v[FEAT_psi_mem_some] = 0.1;
	v[FEAT_psi_mem_since_probe] = -0.2;
	v[FEAT_probe_slowdown] = 2.0;
	v[FEAT_probe_age] = 40;
	v[FEAT_mem_used] = 0.5;
	since_probe_levels(v, out, FEAT_VECTOR_LEN);
	assert_near(out[FEAT_cpu_groups_since_probe], 1.5, 1e-12);
	assert_near(out[FEAT_move_since_probe], 6.0, 1e-12);  /* the levels' size: 1.5 / 0.25 */
	assert_near(out[FEAT_psi_mem_since_probe], 0.1, 1e-12);
	assert_unknown(out[FEAT_runq_since_probe]);   /* its level is unknown */
	assert_unknown(out[FEAT_probe_slowdown]);
	assert_unknown(out[FEAT_probe_age]);
	assert_near(out[FEAT_mem_used], 0.5, 1e-12);  /* the rest as it was */
	assert_near(v[FEAT_cpu_groups_since_probe], 0.25, 1e-12);   /* input untouched */
	since_probe_levels(v, v, FEAT_VECTOR_LEN);    /* in place */
	assert_near(v[FEAT_cpu_groups_since_probe], 1.5, 1e-12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_move_size),
		cmocka_unit_test(test_levels_form),
		cmocka_unit_test(test_moves),
		cmocka_unit_test(test_elim_history),
		cmocka_unit_test(test_elim_no_probe),
	};
	return TU_RUN(tests);
}
