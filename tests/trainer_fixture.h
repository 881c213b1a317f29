/*
 * trainer_fixture: synthetic elim-rank histories in the real schema, for
 * the trainer's tests and benchmarks.  The schema is created by
 * history_open (the elim's own code); rows are then inserted in one
 * transaction through one prepared statement.  Features follow AR(1)
 * processes (autocorrelated, as 10 s samples are); the label is one of
 * two forms.  The load indices' (the default):
 *   slowdown = 1 + 0.8 hinge(runq_per_core, 0.5) + 0.5 psi_cpu_some
 *              + 2 hinge(mem_used, 0.85) + 0.3 cpu_iowait + noise
 * The embedded default model's (probe_form: the probe and the moves since
 * it, with coefficients of its own, not the default's), probe_slowdown then
 * in [1, 1.5]:
 *   slowdown = 1 + 0.9 hinge(probe_slowdown, 1) + 0.6 cpu_demand_since_probe
 *              + 0.3 psi_cpu_since_probe + 0.5 psi_mem_since_probe
 *              + 0.2 disk_busy_since_probe + 0.4 cpu_steal
 *              + 2 hinge(mem_used, 0.85) + noise
 * It is stored as rank = 100 x slowdown (and in an extra "slowdown" column
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
	bool probe_form;         /* the label in the embedded default's form (above) */
	double null_frac;        /* share of rows with psi_io_full NULL */
	double null_label_frac;  /* share of rows with the label NULL */
	const char *host_prefix; /* hosts are PREFIXn; NULL: "host" */
	double speed;            /* the label times this (a host's speed); 0: 1 */
	/* the probe's speed columns; unit_seconds 0: random, as the other features */
	double unit_seconds;     /* > 0: probe_unit_seconds, host k's times (1 + unit_spread k) */
	double unit_spread;
	unsigned unit_work;      /* their probe_work_version (0: NULL, a probe command's) */
	double unit_outlier_frac; /* this share of rows reads 10 times the value */
	double old_frac;         /* the first share of a host's rows at old_work ... */
	double old_unit_seconds; /* ... with this probe_unit_seconds instead */
	unsigned old_work;
};

/* Returns 0, or -1 with a message on stderr. */
int fixture_history(const char *path, const struct fixture_opts *o);

#endif
