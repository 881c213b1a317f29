/*
 * acct_refs: the class references of job accounting labels, as a small
 * mergeable summary (rank-train --write-class-refs, --class-refs; the file
 * is elim-rank.classrefs(5)).
 *
 * acct.h's label divides a job's run time by the ACCT_PERCENTILE run time
 * of its class over all hosts: a figure no single host knows.  Here each
 * class's run times are kept as a log-bucketed histogram (the sketch of
 * DDSketch, Masson et al., VLDB 2019): a run time x > 0 goes to bucket
 *
 *   i = ceil(log(x) / log(g)),   g = (1 + a) / (1 - a),   a = ACCT_REFS_ALPHA
 *
 * which holds the run times in (g^(i-1), g^i], and stands for them as
 * 2 g^i / (g + 1): within a of each of them, relatively.  The class's
 * reference is the value of the bucket holding its run of rank
 * floor(ACCT_PERCENTILE (runs - 1)) (0-based, as acct_label always took
 * it), so it is within a relative of the exact percentile.  Two summaries
 * merge by adding their counts, exactly: summarising several accounting
 * files (or clusters) apart and merging gives the summary of all of them
 * at once, bucket for bucket; the same jobs summarised twice count twice
 * (summarise copies that overlap together: acct_dedupe drops the repeats).
 * The pooled --acct labels use the same estimator (acct_label), so a
 * pooled run and per-host partial fits with the same references agree.
 *
 * Nothing here prints.  Errors: a negative errno and a message in the
 * caller's buffer naming the file (and line).
 */
#ifndef ELIM_RANK_ACCT_REFS_H
#define ELIM_RANK_ACCT_REFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acct.h"

#define ACCT_REFS_VERSION 1
#define ACCT_REFS_ALPHA 0.005            /* relative error of a reference */
#define ACCT_REFS_MAX_INDEX 20000        /* |bucket index|: 1e-44 s .. 1e43 s */
#define ACCT_REFS_MAX_BYTES (64u << 20)  /* no file read is larger */

struct acct_refs_bucket {
	int32_t idx;
	uint64_t n;
};

struct acct_refs_class {
	char *name;
	uint64_t runs;                   /* the sum of its buckets' counts */
	struct acct_refs_bucket *b;      /* ascending idx, n >= 1 */
	size_t nb, cap;
};

/* An execution host as the accounting names it: its jobs, and the
 * hostFactor values of its records (LSF's CPU factor), for the report of
 * the speeds learned at a merge (merge_speed.h). */
struct acct_refs_hf {
	double v;                        /* a hostFactor, finite and > 0 */
	uint64_t n;
};

struct acct_refs_host {
	char *name;
	uint64_t jobs;
	struct acct_refs_hf *hf;         /* ascending v */
	size_t nhf, cap;
};

struct acct_refs {
	struct acct_refs_host *h;        /* ascending name (strcmp) */
	size_t nh, caph;
	enum acct_class key;             /* the job class the summary was made by ... */
	bool keyed;                      /* ... when set (by the caller, or the first file read) */
	struct acct_refs_class *c;       /* ascending name (strcmp) */
	size_t n, cap;
};

/* The bucket of a run time x > 0, and the value that stands for bucket i. */
int acct_refs_index(double x);
double acct_refs_value(int idx);

/* Add count runs of x seconds to class cls.  0 or -ENOMEM. */
int acct_refs_add(struct acct_refs *r, const char *cls, double x, uint64_t count);

/* Add count jobs of host with hostFactor hf (not finite or <= 0: counted, no value).
 * 0 or -ENOMEM. */
int acct_refs_add_host(struct acct_refs *r, const char *host, double hf, uint64_t count);

/* The median hostFactor of the host that hostmatch()es name (a history's
 * name: with or without the domain), or NAN; *jobs its jobs (may be NULL). */
double acct_refs_host_factor(const struct acct_refs *r, const char *name, uint64_t *jobs);

/* Add every job of set, to its class and its host; r takes set->key.  0,
 * -EINVAL when r is keyed otherwise, or -ENOMEM. */
int acct_refs_add_set(struct acct_refs *r, const struct acct_set *set);

/* Add src's counts to dst's.  -EINVAL (said in err) when their class keys differ, -ENOMEM. */
int acct_refs_merge(struct acct_refs *dst, const struct acct_refs *src, char *err, size_t errlen);

/* The reference of class cls in seconds, or NAN: no such class, or fewer
 * than ACCT_MIN_RUNS runs. */
double acct_refs_ref(const struct acct_refs *r, const char *cls);

/*
 * Label set's jobs: run time / acct_refs_ref (NAN when it is NAN), and
 * set->st's class counts (classes with a reference among set's jobs, the
 * others and their jobs).  set->key must be r->key.
 */
void acct_refs_label(struct acct_set *set, const struct acct_refs *r);

/*
 * The file's text (elim-rank.classrefs(5)) into *out (malloc'd, NUL
 * terminated); returns its length, or -ENOMEM.
 */
long acct_refs_format(const struct acct_refs *r, char **out);

/* The identity of r recorded in factor files: FNV-1a 64 of its text (never 0). */
uint64_t acct_refs_id(const struct acct_refs *r);

/*
 * Parse buf[0..len) (name for messages) and merge it into r (zeroed, or
 * holding others: when r->keyed its key must be the file's, else it takes
 * the file's).  Returns 0, or -EINVAL with
 * "NAME:LINE: problem" in err (r then as it was), -ENOMEM.
 */
int acct_refs_parse(const char *buf, size_t len, const char *name, struct acct_refs *r,
		    char *err, size_t errlen);

/* Read path and merge it into r (acct_refs_parse). */
int acct_refs_read(const char *path, struct acct_refs *r, char *err, size_t errlen);

/* Write r to path atomically (a bad file never replaces a good one), mode 0644. */
int acct_refs_write(const char *path, const struct acct_refs *r, char *err, size_t errlen);

void acct_refs_free(struct acct_refs *r);

#endif
