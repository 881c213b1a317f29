#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "acct.h"
#include "acct_refs.h"

/* Token positions in a JOB_FINISH record (0-based), up to the host lists. */
enum {
	T_EVENT = 0, T_VERSION, T_TIME, T_JOBID, T_USERID, T_OPTIONS, T_NPROC,
	T_SUBMIT, T_BEGIN, T_TERM, T_START,
	T_USER, T_QUEUE, T_RESREQ, T_DEPEND, T_PREEXEC, T_FROMHOST, T_CWD,
	T_INFILE, T_OUTFILE, T_ERRFILE, T_JOBFILE,
	T_NASKED   /* then the asked hosts, the count of execution hosts, ... */
};

#define MAX_TOKENS 4096

int acct_tokenize(char *line, char **tok, int max)
{
	/* in place: the write position never passes the read position */
	char *o = line, *s = line;
	int n = 0;
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		if (!*s)
			return n;
		if (n >= max)
			return -E2BIG;
		tok[n++] = o;
		if (*s == '"') {
			for (s++;; s++) {
				if (!*s)
					return -EINVAL;
				if (*s == '"') {
					if (s[1] != '"')
						break;
					s++;   /* "" is one quote */
				}
				*o++ = *s;
			}
			s++;
			if (*s && *s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
				return -EINVAL;   /* "abc"def */
		} else {
			while (*s && *s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
				*o++ = *s++;
		}
		bool end = !*s;
		*o++ = '\0';
		if (end)
			return n;
		s++;
	}
}

static int num(const char *tok, const char *name, long long *out, char *why, size_t whylen)
{
	char *end;
	errno = 0;
	*out = strtoll(tok, &end, 10);
	if (end == tok || *end || errno)
		return errmsg(why, whylen, -EINVAL, "%s: '%s' is not an integer", name, tok);
	return 0;
}

static const char *const class_names[] = { "name", "command", "queue" };

const char *acct_class_name(enum acct_class key)
{
	return (unsigned)key < sizeof class_names / sizeof class_names[0] ? class_names[key] : "?";
}

int acct_class_parse(const char *s, enum acct_class *key)
{
	const char *const *names = class_names;
	for (size_t i = 0; i < sizeof class_names / sizeof class_names[0]; i++)
		if (strcmp(s, names[i]) == 0) {
			*key = (enum acct_class)i;
			return 0;
		}
	return -EINVAL;
}

/* The program of a command line: its first word, without a directory. */
static char *program(const char *command)
{
	command += strspn(command, " \t");
	size_t len = strcspn(command, " \t\n");
	const char *slash = memrchr(command, '/', len);
	if (slash && (size_t)(slash + 1 - command) < len) {
		len -= (size_t)(slash + 1 - command);
		command = slash + 1;
	}
	return strndup(command, len);
}

int acct_parse_line(char *line, struct acct_job *job, struct acct_stats *st,
		    char *why, size_t whylen)
{
	return acct_parse_line_as(line, ACCT_CLASS_NAME, job, st, why, whylen);
}

int acct_parse_line_as(char *line, enum acct_class key, struct acct_job *job,
		       struct acct_stats *st, char *why, size_t whylen)
{
	char *tok[MAX_TOKENS];
	memset(job, 0, sizeof *job);
	int n = acct_tokenize(line, tok, MAX_TOKENS);
	if (n == -EINVAL)
		return errmsg(why, whylen, -EINVAL, "unterminated or misplaced quote");
	if (n < 0)
		return errmsg(why, whylen, -EINVAL, "more than %d fields", MAX_TOKENS);
	if (n == 0)
		return 0;                         /* a blank line */
	if (strcmp(tok[T_EVENT], "JOB_FINISH") != 0) {
		st->other_events++;
		return 0;
	}
	st->records++;
	if (n <= T_NASKED)
		return errmsg(why, whylen, -EINVAL, "JOB_FINISH record with %d fields, too few", n);
	long long event, start, nasked, nexec, status, job_id;
	if (num(tok[T_TIME], "event time", &event, why, whylen) < 0 ||
	    num(tok[T_JOBID], "jobId", &job_id, why, whylen) < 0 ||
	    num(tok[T_START], "startTime", &start, why, whylen) < 0 ||
	    num(tok[T_NASKED], "number of asked hosts", &nasked, why, whylen) < 0)
		return -EINVAL;
	if (nasked < 0 || nasked > n)
		return errmsg(why, whylen, -EINVAL, "number of asked hosts %lld out of range", nasked);
	int i = T_NASKED + 1 + (int)nasked;
	if (i >= n || num(tok[i], "number of execution hosts", &nexec, why, whylen) < 0)
		return i >= n ? errmsg(why, whylen, -EINVAL, "record ends in the asked hosts") : -EINVAL;
	if (nexec < 0 || nexec > n)
		return errmsg(why, whylen, -EINVAL, "number of execution hosts %lld out of range", nexec);
	int hosts = i + 1;
	i = hosts + (int)nexec;
	/* jStatus, hostFactor, jobName, command */
	if (i + 3 >= n)
		return errmsg(why, whylen, -EINVAL, "record ends before the job name and command");
	if (num(tok[i], "jStatus", &status, why, whylen) < 0)
		return -EINVAL;
	char *end;
	double host_factor = strtod(tok[i + 1], &end);
	if (end == tok[i + 1] || *end)
		return errmsg(why, whylen, -EINVAL, "hostFactor: '%s' is not a number", tok[i + 1]);
	const char *name = tok[i + 2], *command = tok[i + 3];

	if (status != ACCT_JSTATUS_DONE) {
		st->not_done++;
		return 0;
	}
	if (nexec < 1) {
		st->bad_times++;   /* done but ran nowhere: nothing to attach to */
		return 0;
	}
	for (int h = hosts + 1; h < hosts + nexec; h++)
		if (strcmp(tok[h], tok[hosts]) != 0) {
			st->multi_host++;
			return 0;
		}
	if (start <= 0 || event < start) {
		st->bad_times++;
		return 0;
	}
	if (event - start < ACCT_MIN_SECONDS) {
		st->too_short++;
		return 0;
	}
	job->start = start;
	job->finish = event;
	job->job_id = job_id;
	job->slowdown = NAN;
	job->row_time = -1;
	job->host_factor = host_factor;
	job->pred = NAN;
	job->host = strdup(tok[hosts]);
	job->cls = key == ACCT_CLASS_QUEUE ? strdup(tok[T_QUEUE])
		: key == ACCT_CLASS_NAME && *name ? strdup(name) : program(command);
	if (!job->host || !job->cls) {
		free(job->host);
		free(job->cls);
		return errmsg(why, whylen, -ENOMEM, "out of memory");
	}
	st->jobs++;
	return 1;
}

int acct_read(const char *path, struct acct_set *set, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return errmsg(err, errlen, -errno, "%s: %s", path, strerror(errno));
	char *line = NULL, why[256];
	size_t cap = 0;
	ssize_t len;
	unsigned long lineno = 0;
	int rc = 0;
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		set->st.lines++;
		struct acct_job job;
		bool last_unfinished = len > 0 && line[len - 1] != '\n';
		bool finish_record = strncmp(line, "\"JOB_FINISH\"", 12) == 0;
		int r = acct_parse_line_as(line, set->key, &job, &set->st, why, sizeof why);
		if (r == -EINVAL && last_unfinished) {
			set->st.truncated++;     /* being written as we read */
			if (finish_record)
				set->st.records--;
			break;
		}
		if (r < 0) {
			rc = errmsg(err, errlen, r, "%s:%lu: %s", path, lineno, why);
			break;
		}
		if (r == 0)
			continue;
		if (set->n == set->cap) {
			size_t nc = set->cap ? set->cap * 2 : 256;
			struct acct_job *nj = realloc(set->jobs, nc * sizeof *nj);
			if (nj == NULL) {
				free(job.host);
				free(job.cls);
				rc = errmsg(err, errlen, -ENOMEM, "%s:%lu: out of memory", path, lineno);
				break;
			}
			set->jobs = nj;
			set->cap = nc;
		}
		set->jobs[set->n++] = job;
	}
	if (rc == 0 && ferror(f))
		rc = errmsg(err, errlen, -EIO, "%s: read error", path);
	free(line);
	fclose(f);
	return rc;
}

static int cmp_same_job(const void *a, const void *b)
{
	const struct acct_job *x = a, *y = b;
	if (x->job_id != y->job_id)
		return x->job_id < y->job_id ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->finish != y->finish)
		return x->finish < y->finish ? -1 : 1;
	return strcmp(x->host, y->host);
}

void acct_dedupe(struct acct_set *set)
{
	if (set->n == 0)
		return;
	qsort(set->jobs, set->n, sizeof *set->jobs, cmp_same_job);
	size_t k = 1;
	for (size_t i = 1; i < set->n; i++) {
		if (cmp_same_job(&set->jobs[i], &set->jobs[k - 1]) == 0) {
			free(set->jobs[i].host);
			free(set->jobs[i].cls);
			free(set->jobs[i].row_host);
			set->st.duplicates++;
			set->st.jobs--;
			continue;
		}
		set->jobs[k++] = set->jobs[i];
	}
	set->n = k;
}

int acct_label(struct acct_set *set)
{
	/* the references as rank-train --write-class-refs would summarise these
	 * jobs: one estimator for pooled runs and partial fits (acct_refs.h) */
	struct acct_refs r = { 0 };
	int rc = acct_refs_add_set(&r, set);
	if (rc == 0)
		acct_refs_label(set, &r);
	for (size_t i = 0; rc < 0 && i < set->n; i++)
		set->jobs[i].slowdown = NAN;
	acct_refs_free(&r);
	return rc;
}

void acct_report(const struct acct_set *set, FILE *f)
{
	const struct acct_stats *s = &set->st;
	char tail[64] = "";
	if (s->truncated)
		snprintf(tail, sizeof tail, ", %lu unfinished last line%s", s->truncated,
			 s->truncated > 1 ? "s" : "");
	fprintf(f, "acct: %lu JOB_FINISH records: %lu usable jobs; skipped %lu not done,"
		" %lu on several hosts, %lu with bad times, %lu shorter than %d s%s\n",
		s->records, s->jobs, s->not_done, s->multi_host, s->bad_times, s->too_short,
		ACCT_MIN_SECONDS, tail);
	if (s->duplicates)
		fprintf(f, "acct: %lu jobs read twice (the same jobId, host, start and finish)"
			" counted once\n", s->duplicates);
	if (s->speeds)
		fprintf(f, "acct: %lu classes labelled; %lu classes with fewer than %d runs on every"
			" host skipped; %lu jobs skipped (their class and host not fitted together)\n",
			s->classes, s->classes_skipped, ACCT_MIN_RUNS, s->jobs_skipped);
	else
		fprintf(f, "acct: %lu classes labelled; %lu classes (%lu jobs) with fewer than %d runs"
			" skipped\n", s->classes, s->classes_skipped, s->jobs_skipped, ACCT_MIN_RUNS);
	fprintf(f, "acct: %lu jobs attached to a sample; %lu with no sample of their host"
		" within %d s before the start\n", s->joined, s->no_sample, ACCT_MAX_GAP);
}

void acct_free(struct acct_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		free(set->jobs[i].host);
		free(set->jobs[i].cls);
		free(set->jobs[i].row_host);
	}
	free(set->jobs);
	memset(set, 0, sizeof *set);
}
