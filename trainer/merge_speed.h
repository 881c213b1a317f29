/*
 * merge_speed: per-host speed factors learned with the load model where the
 * labels come from class references (rank-train --class-refs): at a merge
 * from the hosts' factor files, or in a pooled run from the rows, by one
 * estimator, so the two agree.
 *
 * A host's labels (run time over its class's reference over all hosts,
 * acct_refs.h) are modelled as its speed times the load's slowdown.  After
 * a fit, each host's
 *
 *   s = sum(label x pred) / sum(pred^2)     over the host's rows used
 *
 * (least squares through the origin of its labels on the fitted model's
 * predictions, the linear sum, not floored) is folded into its factor
 * (factor x s), the factors are divided by the least of them (the fastest
 * host is 1, as with LSF's CPU factors and acct_speed.h's), each host's
 * labels are divided by its factor, and the model is fitted again: N fits
 * for --speed-rounds N.  From a factor file the sums need no rows: with a
 * row's vector a = [1, z, y - ymean] in the file's basis, pred = u'a and
 * label = v'a, so they are |R u|^2 and (R v)'(R u) over its time blocks
 * (partial_host_sums), and dividing a host's labels by f scales its R's
 * last column, label mean and sum of squares (partial_scale_label); in a
 * pooled run they are summed over the rows and the jobs' labels divided.
 *
 * Unlike acct_speed.h's refit (class and host effects refitted to every
 * job's run time, which needs the jobs), this needs only what a factor
 * holds, so it is what a merge can do.  A host with no rows, or an s that
 * is not above 0, keeps its factor (NAN when it never had one: no label is
 * divided).  Hosts are keyed by the histories' names; a factor file of
 * several hosts is refused (one speed per file would not be per host).
 * Nothing here prints but merge_speed_report.
 */
#ifndef ELIM_RANK_MERGE_SPEED_H
#define ELIM_RANK_MERGE_SPEED_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "acct.h"
#include "acct_refs.h"
#include "dataset.h"
#include "model.h"
#include "train.h"

struct merge_speed_host {
	char name[64];        /* as the histories name it */
	double spp, syp;      /* this round's sums */
	uint64_t rows;        /* this round's rows */
	double factor;        /* learned (the fastest 1), NAN: none */
	double prev;          /* the factor the labels were divided by before the last update */
};

struct merge_speed {
	struct merge_speed_host *h;   /* ascending name */
	size_t n, cap;
	size_t *file_host;            /* a merge's files' hosts (merge_speed_factors) */
	size_t nfiles;
	unsigned rounds;              /* updates done */
};

/*
 * The sums of a round from factor files[0..n) (read again, each of one
 * host, or none: skipped), their labels divided by their hosts' factors,
 * r being the fit of the merge of them.  Returns 0, or a negative errno
 * with a message naming the file in err.
 */
int merge_speed_factors(struct merge_speed *ms, const struct train_result *r,
			char *const *files, size_t n, char *err, size_t errlen);

/*
 * The sums of a round from the rows r was fitted on (spec as for
 * train_run: the same rows; their labels already divided: merge_speed_relabel).
 */
int merge_speed_rows(struct merge_speed *ms, const struct train_result *r,
		     const struct dataset_spec *spec, char *const *files, size_t n,
		     char *err, size_t errlen);

/* Fold the round's s into the factors and normalise them (see above). */
void merge_speed_update(struct merge_speed *ms);

/* The factor each of a merge's files' labels are multiplied by: 1 / its host's
 * factor (1 without one), into yscale[0..ms->nfiles). */
void merge_speed_scales(const struct merge_speed *ms, double *yscale);

/* A pooled run's jobs relabelled after merge_speed_update: each attached
 * job's slowdown times its row host's previous factor over its new one. */
void merge_speed_relabel(const struct merge_speed *ms, struct acct_set *set);

/* The factors as model speed lines (4 significant digits), at most max,
 * in name order; *left the ones that cannot be (out of the model's
 * limits, a name a line cannot hold). */
size_t merge_speed_lines(const struct merge_speed *ms, struct model_speed *out, size_t max,
			 size_t *left);

/* "speed: ..." lines: the method, then each host's factor beside the
 * median hostFactor of its records in refs (NULL: none) and the factor that
 * implies (the reference's over the host's). */
void merge_speed_report(const struct merge_speed *ms, const struct acct_refs *refs, FILE *f);

void merge_speed_free(struct merge_speed *ms);

#endif
