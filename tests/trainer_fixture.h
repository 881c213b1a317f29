/*
 * trainer_fixture: synthetic elim-rank histories in the real schema, for
 * the trainer's tests and benchmarks.  The schema is created by
 * history_open (the elim's own code); rows are then inserted in one
 * transaction through one prepared statement.  Features follow AR(1)
 * processes (autocorrelated, as 10 s samples are); the label
 *   slowdown = 1 + 0.8 hinge(runq_per_core, 0.5) + 0.5 psi_cpu_some
 *              + 2 hinge(mem_used, 0.85) + 0.3 cpu_iowait + noise
 * is stored as rank = 100 x slowdown (and in an extra "slowdown" column
 * when asked).
 */
#ifndef ELIM_RANK_TRAINER_FIXTURE_H
#define ELIM_RANK_TRAINER_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

struct fixture_opts {
	uint64_t rows;
	unsigned hosts;          /* rows cycle over host0..hostN-1 (>= 1) */
	int64_t t0;              /* first time */
	unsigned step;           /* seconds between a host's samples */
	uint64_t seed;
	double noise;            /* sd of the label noise (slowdown units) */
	bool slowdown_col;       /* add and fill a "slowdown" column */
	bool constant_steal;     /* cpu_steal always 0 */
	bool collinear;          /* psi_cpu_some = 0.5 x cpu_busy exactly */
	double null_frac;        /* share of rows with psi_io_full NULL */
	double null_label_frac;  /* share of rows with the label NULL */
};

/* Returns 0, or -1 with a message on stderr. */
int fixture_history(const char *path, const struct fixture_opts *o);

#endif
