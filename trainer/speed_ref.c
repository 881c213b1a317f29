#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "errmsg.h"
#include "history_read.h"
#include "hostmatch.h"
#include "speed_ref.h"

#define SPEED_REF_BUSY_MS 2000    /* a writer's lock, as the dataset waits for it */

/* Equal values in a row (a history's probe_unit_seconds changes at most
 * once a probe), or one factor file's value with its rows. */
struct run {
	double v;
	uint64_t n;
};

/* The values of one (host, probe work version). */
struct speed_ref_runs {
	char host[SPEED_REF_HOST_MAX];
	unsigned work;
	struct run *run;
	size_t nrun, cap;
	bool parts;                  /* the runs are factor files' values */
};

static struct speed_ref_runs *runs_for(struct speed_ref *sr, const char *host, unsigned work)
{
	/* most rows repeat the last key: look there first */
	if (sr->nruns && sr->runs[sr->nruns - 1].work == work &&
	    strcmp(sr->runs[sr->nruns - 1].host, host) == 0)
		return &sr->runs[sr->nruns - 1];
	for (size_t i = 0; i < sr->nruns; i++)
		if (sr->runs[i].work == work && strcmp(sr->runs[i].host, host) == 0) {
			/* keep it last */
			struct speed_ref_runs t = sr->runs[i];
			sr->runs[i] = sr->runs[sr->nruns - 1];
			sr->runs[sr->nruns - 1] = t;
			return &sr->runs[sr->nruns - 1];
		}
	if (sr->nruns == sr->runcap) {
		size_t cap = sr->runcap ? 2 * sr->runcap : 16;
		void *p = realloc(sr->runs, cap * sizeof sr->runs[0]);
		if (p == NULL)
			return NULL;
		sr->runs = p;
		sr->runcap = cap;
	}
	struct speed_ref_runs *r = &sr->runs[sr->nruns++];
	memset(r, 0, sizeof *r);
	snprintf(r->host, sizeof r->host, "%s", host);
	r->work = work;
	return r;
}

static int add_run(struct speed_ref_runs *r, double v, uint64_t n, bool merge_equal)
{
	if (merge_equal && r->nrun && r->run[r->nrun - 1].v == v) {
		r->run[r->nrun - 1].n += n;
		return 0;
	}
	if (r->nrun == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 8;
		void *p = realloc(r->run, cap * sizeof r->run[0]);
		if (p == NULL)
			return -ENOMEM;
		r->run = p;
		r->cap = cap;
	}
	r->run[r->nrun++] = (struct run){ v, n };
	return 0;
}

int speed_ref_read_histories(struct speed_ref *sr, const struct dataset_spec *spec,
			     char *const *files, size_t n, char *err, size_t errlen)
{
	int rc = 0;
	for (size_t fi = 0; fi < n && rc == 0; fi++) {
		sqlite3 *db = NULL;
		struct history_columns cols;
		rc = history_read_open(files[fi], spec->schema, SPEED_REF_BUSY_MS, &db, &cols, err,
				       errlen);
		if (rc < 0)
			break;
		if (!history_columns_has(&cols, "probe_unit_seconds") ||
		    !history_columns_has(&cols, "probe_work_version") ||
		    !history_columns_has(&cols, "host")) {
			sqlite3_close(db);   /* an older schema: no probe speed */
			continue;
		}
		char sql[512];
		/* the parameters as dataset_bind_filters numbers them */
		snprintf(sql, sizeof sql, "SELECT host, probe_work_version, probe_unit_seconds FROM"
			 " samples WHERE probe_unit_seconds > 0 AND probe_work_version >= 1%s%s%s",
			 spec->since ? " AND time >= ?1" : "", spec->until ? " AND time <= ?2" : "",
			 spec->host ? " AND host = ?3" : "");
		sqlite3_stmt *st = NULL;
		int prc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
		if (prc != SQLITE_OK)
			rc = history_read_error(db, files[fi], "reading probe_unit_seconds", prc,
						SPEED_REF_BUSY_MS, err, errlen);
		if (rc == 0) {
			dataset_bind_filters(spec, st);
			int s;
			while ((s = sqlite3_step(st)) == SQLITE_ROW) {
				const char *h = (const char *)sqlite3_column_text(st, 0);
				double w = sqlite3_column_double(st, 1), v = sqlite3_column_double(st, 2);
				if (h == NULL || strlen(h) >= SPEED_REF_HOST_MAX || !isfinite(v) || !(v > 0) || v > MODEL_SPEED_REF_MAX ||
				    w != floor(w) || w > MODEL_SPEED_REF_WORK_MAX)
					continue;   /* not a value the model line could carry */
				struct speed_ref_runs *r = runs_for(sr, h, (unsigned)w);
				if (r == NULL || add_run(r, v, 1, true) < 0) {
					rc = errmsg(err, errlen, -ENOMEM, "out of memory");
					break;
				}
			}
			if (rc == 0 && s != SQLITE_DONE)
				rc = history_read_error(db, files[fi], "reading probe_unit_seconds", s,
							SPEED_REF_BUSY_MS, err, errlen);
		}
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
	return rc;
}

int speed_ref_add(struct speed_ref *sr, const char *host, unsigned work, double seconds,
		  uint64_t rows)
{
	struct speed_ref_runs *r = runs_for(sr, host, work);
	if (r == NULL)
		return -ENOMEM;
	r->parts = true;
	return add_run(r, seconds, rows, false);
}

static int by_value(const void *a, const void *b)
{
	const struct run *x = a, *y = b;
	return (x->v > y->v) - (x->v < y->v);
}

/* The lower weighted median of r's runs, and their rows. */
static double lower_median(struct speed_ref_runs *r, uint64_t *rows)
{
	qsort(r->run, r->nrun, sizeof r->run[0], by_value);
	uint64_t total = 0;
	for (size_t i = 0; i < r->nrun; i++)
		total += r->run[i].n;
	*rows = total;
	uint64_t k = total ? (total - 1) / 2 : 0, cum = 0;
	for (size_t i = 0; i < r->nrun; i++) {
		cum += r->run[i].n;
		if (cum > k)
			return r->run[i].v;
	}
	return NAN;
}

static int by_host(const void *a, const void *b)
{
	const struct speed_ref_host *x = a, *y = b;
	return strcmp(x->host, y->host);
}

/* By value, then name. */
static int by_speed(const void *a, const void *b)
{
	const struct speed_ref_host *const *x = a, *const *y = b;
	if ((*x)->seconds != (*y)->seconds)
		return (*x)->seconds < (*y)->seconds ? -1 : 1;
	return strcmp((*x)->host, (*y)->host);
}

/* One value per host: the runs of its highest version. */
static int make_hosts(struct speed_ref *sr)
{
	free(sr->host);
	sr->host = NULL;
	sr->n = sr->cap = 0;
	sr->work = 0;
	for (size_t i = 0; i < sr->nruns; i++) {
		struct speed_ref_runs *r = &sr->runs[i];
		if (r->nrun == 0)
			continue;
		size_t h;
		for (h = 0; h < sr->n && strcmp(sr->host[h].host, r->host) != 0; h++)
			;
		if (h < sr->n && sr->host[h].work > r->work)
			continue;   /* an older version of a host with a newer one */
		if (h == sr->n) {
			if (sr->n == sr->cap) {
				size_t cap = sr->cap ? 2 * sr->cap : 16;
				void *p = realloc(sr->host, cap * sizeof sr->host[0]);
				if (p == NULL)
					return -ENOMEM;
				sr->host = p;
				sr->cap = cap;
			}
			sr->n++;
		}
		struct speed_ref_host *x = &sr->host[h];
		memset(x, 0, sizeof *x);
		snprintf(x->host, sizeof x->host, "%s", r->host);
		x->work = r->work;
		x->seconds = lower_median(r, &x->rows);
		x->parts = r->parts ? (unsigned)r->nrun : 0;
		if (r->work > sr->work)
			sr->work = r->work;
	}
	if (sr->n)
		qsort(sr->host, sr->n, sizeof sr->host[0], by_host);
	sr->approx = false;
	sr->at_work = 0;
	for (size_t h = 0; h < sr->n; h++) {
		sr->approx |= sr->host[h].parts > 1;
		sr->at_work += sr->host[h].work == sr->work;
	}
	return 0;
}

int speed_ref_choose(struct speed_ref *sr, const char *name, char *err, size_t errlen)
{
	sr->ref = -1;
	sr->seconds = 0;
	sr->named = name && strcmp(name, "median") != 0;
	if (make_hosts(sr) < 0)
		return errmsg(err, errlen, -ENOMEM, "out of memory");
	if (sr->named) {
		int exact = -1, near = -1;
		for (size_t h = 0; h < sr->n; h++) {
			if (strcasecmp(sr->host[h].host, name) == 0)
				exact = (int)h;
			else if (near < 0 && hostmatch(name, sr->host[h].host))
				near = (int)h;
		}
		int h = exact >= 0 ? exact : near;
		if (h < 0)
			return errmsg(err, errlen, -ENODATA, "--speed-reference %s: no probe_unit_seconds"
				      " of that host in the histories read (%zu hosts have them)", name,
				      sr->n);
		if (sr->host[h].work != sr->work)
			return errmsg(err, errlen, -ENODATA, "--speed-reference %s: its"
				      " probe_unit_seconds are of probe work version %u only, the"
				      " cluster's newest is %u: times of different work do not compare",
				      name, sr->host[h].work, sr->work);
		sr->ref = h;
	} else if (sr->at_work > 0) {
		/* the hosts at the cluster's version, by value */
		const struct speed_ref_host **order = malloc(sr->at_work * sizeof *order);
		if (order == NULL)
			return errmsg(err, errlen, -ENOMEM, "out of memory");
		size_t k = 0;
		for (size_t h = 0; h < sr->n; h++)
			if (sr->host[h].work == sr->work)
				order[k++] = &sr->host[h];
		qsort(order, k, sizeof *order, by_speed);
		sr->ref = (int)(order[(sr->at_work - 1) / 2] - sr->host);
		free(order);
	}
	if (sr->ref >= 0)
		sr->seconds = sr->host[sr->ref].seconds;
	return 0;
}

double speed_ref_factor(const struct speed_ref *sr, size_t i)
{
	if (sr->ref < 0 || i >= sr->n || sr->host[i].work != sr->work)
		return NAN;
	return sr->host[i].seconds / sr->seconds;
}

void speed_ref_describe(const struct speed_ref *sr, char *buf, size_t len)
{
	if (sr->ref < 0) {
		snprintf(buf, len, "none: no history read has probe_unit_seconds (the probe off, a"
			 " probe command, or an older schema)");
		return;
	}
	const char *h = sr->host[sr->ref].host;
	if (sr->named)
		snprintf(buf, len, "host %s, named by --speed-reference, at probe work version %u", h,
			 sr->work);
	else
		snprintf(buf, len, "host %s, the median of %zu host%s at probe work version %u", h,
			 sr->at_work, sr->at_work == 1 ? "" : "s", sr->work);
}

void speed_ref_to_model(const struct speed_ref *sr, struct model *m)
{
	m->speed_reference = 0;
	m->speed_reference_work = 0;
	if (sr == NULL || sr->ref < 0)
		return;
	char d[256];
	speed_ref_describe(sr, d, sizeof d);
	m->speed_reference = sr->seconds;
	m->speed_reference_work = sr->work;
	model_meta_set(m, "speed-reference-from", d);
}

void speed_ref_report(const struct speed_ref *sr, FILE *f)
{
	char d[256];
	speed_ref_describe(sr, d, sizeof d);
	if (sr->ref < 0) {
		fprintf(f, "speed reference: %s\n", d);
		return;
	}
	fprintf(f, "speed reference: %.6g s per probe unit: %s\n", sr->seconds, d);
	if (sr->approx)
		fprintf(f, "speed reference: a host is in more than one factor file: its value is the"
			" rows-weighted median of the files' values, not of its rows\n");
	fprintf(f, "%-24s %14s %10s %8s\n", "host speed (probe)", "s per unit", "rows", "factor");
	for (size_t h = 0; h < sr->n; h++) {
		const struct speed_ref_host *x = &sr->host[h];
		if (x->work != sr->work)
			fprintf(f, "%-24s %14.6g %10llu %8s  probe work version %u only: left out\n",
				x->host, x->seconds, (unsigned long long)x->rows, "-", x->work);
		else
			fprintf(f, "%-24s %14.6g %10llu %8.3f%s\n", x->host, x->seconds,
				(unsigned long long)x->rows, speed_ref_factor(sr, h),
				(int)h == sr->ref ? "  the reference" : "");
	}
}

void speed_ref_free(struct speed_ref *sr)
{
	for (size_t i = 0; i < sr->nruns; i++)
		free(sr->runs[i].run);
	free(sr->runs);
	free(sr->host);
	memset(sr, 0, sizeof *sr);
	sr->ref = -1;
}
