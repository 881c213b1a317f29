/*
 * acct: slowdown labels from OpenLava/LSF job accounting (lsb.acct).
 *
 * Reads JOB_FINISH records (one per line; strings double-quoted with an
 * embedded quote doubled; the layout is in elim-rank's notes and
 * rank-train(8); after the execution hosts come jStatus, hostFactor (its
 * first host's CPU factor, "%3.1f"), jobName and command, as OpenLava's
 * lsbatch/lib/lsb.log.c writes them and mbd.log.c fills them), keeps
 * successful single-host jobs (jStatus 64, every execution host the same),
 * and gives each job a label:
 *
 *   run time  = the record's event time - startTime
 *   job class = by the set's key (enum acct_class): the job name, else
 *               the command's program (its first word, without a
 *               directory: the arguments do not make each job a class);
 *               the program; or the queue
 *   slowdown  = run time / the ACCT_PERCENTILE run time of its class,
 *               over all hosts and times (the class's "idle-host" speed),
 *               as the class references' sketch estimates it, within
 *               ACCT_REFS_ALPHA relative (acct_label, acct_refs.h; the
 *               same summary read from a file for partial fits;
 *               acct_speed.h's labels take the hosts' speeds out first)
 *
 * Classes with fewer than ACCT_MIN_RUNS jobs, and jobs shorter than
 * ACCT_MIN_SECONDS (start and finish are whole seconds), are skipped and
 * counted.  acct_join then attaches each job to the executing host's sample
 * at the job's start: the last history row of that host at or before
 * startTime, at most ACCT_MAX_GAP seconds before it; acct_label_at is the
 * dataset's label hook that hands those labels to rank-train.
 *
 * Errors are returned with a message naming the file and line; nothing
 * here prints.
 */
#ifndef ELIM_RANK_ACCT_H
#define ELIM_RANK_ACCT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dataset.h"

#define ACCT_PERCENTILE 0.10
#define ACCT_MIN_RUNS 5
#define ACCT_MIN_SECONDS 10
#define ACCT_MAX_GAP 60
#define ACCT_JSTATUS_DONE 64

struct acct_job {
	int64_t start, finish;    /* epoch seconds */
	int64_t job_id;           /* the record's jobId */
	char *host;               /* the execution host */
	char *cls;                /* job name, else command */
	double host_factor;       /* the record's hostFactor: LSF's CPU factor of its first
				     execution host (higher = faster) */
	double slowdown;          /* NAN until labelled, or skipped */
	double pred;              /* a fitted model's slowdown at its row (acct_refine), or NAN */
	int64_t row_time;         /* the history row it is attached to; -1 none */
	char *row_host;           /* that row's host when it names host otherwise (a domain,
				     --host-map), or NULL */
};

struct acct_stats {
	unsigned long lines;          /* lines read */
	unsigned long records;        /* JOB_FINISH records */
	unsigned long other_events;   /* other event types, ignored */
	unsigned long not_done;       /* jStatus other than 64 */
	unsigned long multi_host;     /* ran on more than one host */
	unsigned long bad_times;      /* never started, or finished before it started */
	unsigned long too_short;      /* shorter than ACCT_MIN_SECONDS */
	unsigned long truncated;      /* an unfinished last line */
	unsigned long duplicates;     /* the same job read twice (acct_dedupe) */
	unsigned long jobs;           /* usable jobs */
	unsigned long classes;        /* classes with enough runs */
	unsigned long classes_skipped;/* classes with too few runs ... */
	unsigned long jobs_skipped;   /* ... and their jobs */
	bool speeds;                  /* labelled by acct_speed_fit: a class needs its runs on
					 one host (or group), a job its class's and host's effects */
	unsigned long joined;         /* labelled jobs attached to a sample */
	unsigned long no_sample;      /* labelled jobs with no sample of their host near the start */
};

/* What a job's class is (rank-train --class). */
enum acct_class {
	ACCT_CLASS_NAME = 0,   /* the job name, else the command's program */
	ACCT_CLASS_COMMAND,    /* the command's program */
	ACCT_CLASS_QUEUE,      /* the queue */
};

struct acct_set {
	enum acct_class key;      /* set by the caller before acct_read */
	struct acct_job *jobs;
	size_t n, cap;
	struct acct_stats st;
};

/*
 * Split a record line into tokens, in place: blank-separated; a token
 * starting with '"' runs to the next lone '"', with "" standing for one
 * quote.  Returns the number of tokens (at most max), -EINVAL for an
 * unterminated string or text glued after one, -E2BIG for more than max.
 */
int acct_tokenize(char *line, char **tok, int max);

/*
 * Parse one line (tokenized in place).  Returns 1 and fills job (malloc'd strings, owned by the
 * caller) for a usable job; 0 for a line that is skipped (counted in st);
 * -EINVAL for a malformed record, with the reason in why.
 */
int acct_parse_line(char *line, struct acct_job *job, struct acct_stats *st,
		    char *why, size_t whylen);

/* acct_parse_line with the class given by key (acct_parse_line's is
 * ACCT_CLASS_NAME). */
int acct_parse_line_as(char *line, enum acct_class key, struct acct_job *job,
		       struct acct_stats *st, char *why, size_t whylen);

/* Parse a --class value ("name", "command", "queue") into *key; -EINVAL
 * for another. */
int acct_class_parse(const char *s, enum acct_class *key);

/* The --class value of key. */
const char *acct_class_name(enum acct_class key);

/* Read every record of path into set (appending), classes by set->key.  A malformed record is
 * an error "PATH:LINE: why"; an unfinished last line is skipped and counted. */
int acct_read(const char *path, struct acct_set *set, char *err, size_t errlen);

/* Drop the jobs read twice (the same jobId, host, start and finish: one
 * file given twice, or copies that overlap), counted in st.duplicates and
 * taken out of st.jobs.  Reorders the jobs. */
void acct_dedupe(struct acct_set *set);

/* Compute every job's slowdown from its class (see above): the class
 * references of set's own jobs (acct_refs_add_set, acct_refs_label).
 * Returns 0 or -ENOMEM (the labels then NAN). */
int acct_label(struct acct_set *set);

struct hostmap;

/*
 * Attach each labelled job to a sample in the history files and make spec
 * take its labels from them (spec->label_fn, spec->label_ctx = set).  A
 * job's host is the accounting's name, mapped by map (NULL: none; see
 * hostmap.h) when an entry names it; it matches a history's host by
 * hostmatch (equal, or the same short name when one has no domain, as
 * LSF_STRIP_DOMAIN leaves it).  One pass per history, in time order
 * (acct_join.c).  Returns 0 or a negative errno with a message naming the
 * file in err.
 */
int acct_join_map(struct acct_set *set, char *const *files, size_t nfiles,
		  const struct hostmap *map, struct dataset_spec *spec, char *err, size_t errlen);

/* acct_join_map without a map. */
int acct_join(struct acct_set *set, char *const *files, size_t nfiles,
	      struct dataset_spec *spec, char *err, size_t errlen);

/* The label hook: the mean slowdown of the jobs attached to host's row at
 * time (host as the history names it), or NAN. */
double acct_label_at(void *set, const char *host, int64_t time);

/* Print the counts, one "acct: ..." line each. */
void acct_report(const struct acct_set *set, FILE *f);

void acct_free(struct acct_set *set);

#endif
