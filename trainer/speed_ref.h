/*
 * speed_ref: the cluster's speed reference, from the hosts' histories.
 *
 * The probe's speed part is the same work on every host, and the history
 * column probe_unit_seconds is its idle seconds per unit there (the
 * probe's own idle baseline: a low percentile of its recent times).  In
 * the elim's cluster rank basis a host's speed factor may be its
 * probe_unit_seconds over the reference host's (host_speed.h); this module
 * gives rank-train that reference, written as the model's
 * "speed-reference SECONDS work VERSION" line (elim-rank.model(5)).
 *
 * Per host: the lower median of its probe_unit_seconds over the rows the
 * run reads (--since, --until, --host), among its rows of the highest
 * probe_work_version it has rows of: times of different probe work are
 * never mixed (rows without a work version, a probe command's, are not
 * used).  The cluster's version is the highest any host has; hosts with
 * rows of older versions only are listed but left out.  The reference is
 * the value of the median host among the others (sorted by value, then
 * name; the lower of the two middle ones for an even count, so it is
 * always a host's own value and that host's factor is 1), or of the host
 * named by rank-train --speed-reference HOST.
 *
 * A partial fit (partial.h) carries its hosts' values (host, version,
 * value, rows: struct factor's unit[]); from factor files the same choice
 * is made, so --merge gives the reference of a pooled run over the same
 * histories.  A host in more than one factor file gets the rows-weighted
 * lower median of its files' values (at its highest version): exact when
 * each host's rows are in one file, as --partial on each host makes them.
 *
 * Errors: a negative errno with a message naming the file in err.  Nothing
 * here prints but speed_ref_report.
 */
#ifndef ELIM_RANK_SPEED_REF_H
#define ELIM_RANK_SPEED_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dataset.h"
#include "model.h"

#define SPEED_REF_HOST_MAX 64     /* a host name with its NUL */

/* One host's value; during collection, one run of equal values. */
struct speed_ref_host {
	char host[SPEED_REF_HOST_MAX];
	unsigned work;                /* the probe_work_version of its value */
	double seconds;               /* its lower median probe_unit_seconds at work */
	uint64_t rows;                /* rows at work the median is over */
	unsigned parts;               /* factor files it came from (0 from histories) */
};

struct speed_ref {
	struct speed_ref_host *host;  /* by name once speed_ref_choose ran */
	size_t n, cap;
	unsigned work;                /* the cluster's version: the highest; 0 none */
	size_t at_work;               /* hosts at work */
	int ref;                      /* the reference host's index in host[], -1 none */
	double seconds;               /* its value: the reference; 0 none */
	bool named;                   /* chosen by name, not as the median */
	bool approx;                  /* a host's value combined from several factor files */
	/* collection state (histories) */
	struct speed_ref_runs *runs;
	size_t nruns, runcap;
};

/*
 * Add to sr the rows of files[0..n) within spec's --since, --until and
 * --host (spec's label and terms do not matter): per host, its
 * probe_unit_seconds at each probe_work_version.  A history without those
 * columns (an older schema) gives none.  sr starts zeroed; release it with
 * speed_ref_free.  speed_ref_choose then makes the hosts' values.
 */
int speed_ref_read_histories(struct speed_ref *sr, const struct dataset_spec *spec,
			     char *const *files, size_t n, char *err, size_t errlen);

/*
 * Add one host's value from a factor file (its highest version's): a host
 * added again is combined (struct comment).  Returns 0 or -ENOMEM.
 */
int speed_ref_add(struct speed_ref *sr, const char *host, unsigned work, double seconds,
		  uint64_t rows);

/*
 * Make the hosts' values (sr->host, by name) from what was read or added,
 * and choose the reference among them: name NULL or "median" for the
 * median host, else the host of that name (hostmatch.h: with or without
 * its domain).  Returns 0 (sr->ref -1 when no host has a value and the
 * median was asked for), -ENODATA with the reason in err for a named host
 * without a value at the cluster's version, or -ENOMEM.  It may be called
 * again after more values were added.
 */
int speed_ref_choose(struct speed_ref *sr, const char *name, char *err, size_t errlen);

/* A host's speed factor: its value over the reference (NAN: none). */
double speed_ref_factor(const struct speed_ref *sr, size_t i);

/* What the reference is, for "meta speed-reference-from" and the report:
 * "host h2, the median of 3 hosts at probe work version 2". */
void speed_ref_describe(const struct speed_ref *sr, char *buf, size_t len);

/* Set m's speed-reference line and its "speed-reference-from" meta (none
 * when sr has no reference: m is left without the line). */
void speed_ref_to_model(const struct speed_ref *sr, struct model *m);

/* The text report: a line "speed reference: ..." then a row per host. */
void speed_ref_report(const struct speed_ref *sr, FILE *f);

void speed_ref_free(struct speed_ref *sr);

#endif
