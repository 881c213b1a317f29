/*
 * acct_speed: per-host speed factors learned from job accounting, and the
 * slowdown labels that take them out of the load.
 *
 * A job's run time is modelled as
 *
 *   run time = class effect x host speed x slowdown(load at its start)
 *
 * so   log run time = a[class] + b[host] + log slowdown.   The idle run
 * time of a class on a host is taken, as acct.h's label always took it,
 * as a low percentile (ACCT_PERCENTILE) of the runs: here of each (class,
 * host) cell with at least ACCT_MIN_RUNS runs.  The cells' logs are fitted
 * by the two-way additive model a[class] + b[host] in least squares, by
 * backfitting (alternating exact means, Gauss-Seidel on the normal
 * equations: no matrix the size of the hosts), which converges to the
 * least-squares fit on each connected part of the class-host graph.  Then
 *
 *   slowdown = run time / exp(a[class] + b[host])
 *
 * for every job whose class and host have a fitted effect in the same
 * connected part (a class that ran on one host only is labelled against
 * that host's idle runs), and the load terms are fitted to these labels as
 * before (rank-train's streaming TSQR): a slow host's speed is in b, not
 * in the labels.  The speed factor of a host is exp(b[host] - b[ref]),
 * ref being the fastest host (least b) of the largest connected part (the
 * most jobs), so no factor is below 1, as with LSF's CPU factors in
 * elim.rank(8)'s RANK BASIS; hosts outside that part get no factor (their
 * b is on another scale) but their jobs keep their labels.  Beside each
 * factor the median hostFactor of the host's records (LSF's CPU factor,
 * higher = faster) and the factor it implies (the reference host's over
 * the host's) are kept, for the report.
 *
 * A host key may be a group (acct_speed_fit's group hook): then the cells
 * are (class, group), one factor per group, given to each of its hosts.
 * Nothing here prints but acct_speed_report.
 */
#ifndef ELIM_RANK_ACCT_SPEED_H
#define ELIM_RANK_ACCT_SPEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "acct.h"
#include "model.h"

#define ACCT_SPEED_MAX_ITER 10000  /* backfitting sweeps, at most */
#define ACCT_SPEED_TOL 1e-10       /* stop when no effect moves more (log units) */
#define ACCT_SPEED_MIN_PRED 0.1    /* a refit ignores jobs predicted below this slowdown */

struct acct_speed_host {
	char *name;            /* the host, as the accounting names it */
	size_t key;            /* its index in keys[] (itself, or its group) */
	unsigned long jobs;    /* its usable jobs */
	double host_factor;    /* median hostFactor of its records */
};

struct acct_speed_key {
	char *name;            /* the host or group */
	double b;              /* log effect; NAN: no cell */
	double factor;         /* exp(b - b[ref]); NAN: not in the reference's part */
	unsigned long cells;   /* cells fitted */
	int part;              /* connected part, or -1 */
};

struct acct_speed {
	struct acct_speed_host *hosts;
	size_t nhosts;
	struct acct_speed_key *keys;
	size_t nkeys;
	size_t ref;                   /* the reference key; nkeys: none */
	unsigned long cells, cells_fitted, parts, sweeps;
	unsigned long rounds;         /* refits to the model's predictions (acct_speed_refit) */
	unsigned long refit_jobs;     /* jobs the last refit used */
	bool grouped;                 /* keys are groups */
};

/* The group of host, or NULL: the host is its own key. */
typedef const char *(*acct_speed_group_fn)(void *ctx, const char *host);

/*
 * Fit the effects over set's jobs and label them (job->slowdown; NAN when
 * skipped), filling set->st's class counts as acct_label does.  group
 * (NULL: none) maps hosts to groups.  Returns 0 or -ENOMEM with a message
 * in err; sp is then freed.
 */
int acct_speed_fit(struct acct_set *set, acct_speed_group_fn group, void *ctx,
		   struct acct_speed *sp, char *err, size_t errlen);

/*
 * Refit the effects to every job with a prediction (job->pred > 0, from
 * the load model fitted to the first labels: acct_refine.h), as
 *   log run time - log pred = a[class] + b[key]
 * in least squares over the jobs (backfitting again): the load the model
 * sees at each job's start is taken out, so a host that is never idle
 * in the window no longer has its least load learned as speed.  Then the
 * factors (same reference rule) and labels (run / exp(a + b); NAN for a
 * job without both effects in one part) are replaced and sp->rounds
 * counted.  Returns 0 or -ENOMEM with a message in err (sp, set as they
 * were).
 */
int acct_speed_refit(struct acct_set *set, struct acct_speed *sp, char *err, size_t errlen);

struct hostmap;

/*
 * The learned factors as model speed lines, within the model's limits and
 * with valid names, at most max: with groups (the map the fit's group hook
 * read, or NULL) one line per entry of the map whose group has a factor,
 * naming the entry's pattern (a glob then covers its hosts in one line);
 * then one per host in no group, in name order.  Returns how many were
 * written to out; *left the ones that were not.
 */
size_t acct_speed_lines(const struct acct_speed *sp, const struct hostmap *groups,
			struct model_speed *out, size_t max, size_t *left);

/* Print "speed: ..." lines: the fit, then one per host (learned factor,
 * hostFactor and the factor it implies). */
void acct_speed_report(const struct acct_speed *sp, FILE *f);

void acct_speed_free(struct acct_speed *sp);

#endif
