/*
 * acct_join: the jobs of an acct_set attached to history samples (acct.h's
 * acct_join_map and acct_label_at).
 *
 * One pass per history: its samples within the jobs' span, in time order
 * (the samples_time index), merged with the labelled jobs in start order;
 * the last sample time seen of each of the history's hosts is kept in a
 * small hash table, so a job is resolved when the next sample is after its
 * start.  The history's hosts are matched once each, when first seen,
 * against the accounting's (mapped) names by their lowercased short names.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "acct.h"
#include "errmsg.h"
#include "history_read.h"
#include "hostmap.h"
#include "hostmatch.h"

#define ACCT_BUSY_MS 5000   /* how long the join waits for a writer's lock */

/* an accounting host */
struct ahost {
	const char *name;      /* as the accounting names it (a job's string) */
	const char *key;       /* mapped, or name */
	char shortkey[64];     /* key up to its first dot, lowercased */
	long seen;             /* the current history's host it matches, or -1 */
};

/* a history host seen in this pass */
struct seen {
	char *name;
	int64_t last;          /* its last sample time so far */
};

struct pass {
	struct ahost *ah;
	size_t nah;
	size_t *by_short;      /* ah indices by shortkey */
	struct seen *seen;
	size_t nseen, capseen;
	long *slot;            /* hash: seen index or -1 */
	size_t nslot;          /* a power of two */
};

static void short_lower(const char *s, char *out, size_t size)
{
	size_t i = 0;
	for (; s[i] && s[i] != '.' && i + 1 < size; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[i] = '\0';
}

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int cmp_ahost_name(const void *a, const void *b)
{
	return strcmp(((const struct ahost *)a)->name, ((const struct ahost *)b)->name);
}

static int cmp_by_short(const void *a, const void *b, void *ctx)
{
	const struct ahost *ah = ctx;
	return strcmp(ah[*(const size_t *)a].shortkey, ah[*(const size_t *)b].shortkey);
}

static int cmp_start(const void *a, const void *b, void *ctx)
{
	const struct acct_job *j = ctx;
	int64_t x = j[*(const size_t *)a].start, y = j[*(const size_t *)b].start;
	return x < y ? -1 : x > y;
}

/* The accounting hosts, each once, mapped; job_ah[i] each job's. */
static int hosts_of(const struct acct_set *set, const struct hostmap *map, struct pass *p,
		    size_t *job_ah)
{
	p->ah = malloc((set->n ? set->n : 1) * sizeof *p->ah);
	p->by_short = malloc((set->n ? set->n : 1) * sizeof *p->by_short);
	if (p->ah == NULL || p->by_short == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < set->n; i++)
		p->ah[i].name = set->jobs[i].host;
	if (set->n)
		qsort(p->ah, set->n, sizeof *p->ah, cmp_ahost_name);
	for (size_t i = 0; i < set->n; i++)
		if (p->nah == 0 || strcmp(p->ah[i].name, p->ah[p->nah - 1].name) != 0)
			p->ah[p->nah++] = p->ah[i];
	for (size_t i = 0; i < p->nah; i++) {
		const char *m = map ? hostmap_lookup(map, p->ah[i].name) : NULL;
		p->ah[i].key = m ? m : p->ah[i].name;
		short_lower(p->ah[i].key, p->ah[i].shortkey, sizeof p->ah[i].shortkey);
		p->by_short[i] = i;
	}
	if (p->nah)
		qsort_r(p->by_short, p->nah, sizeof *p->by_short, cmp_by_short, p->ah);
	for (size_t i = 0; i < set->n; i++) {
		struct ahost k = { .name = set->jobs[i].host };
		const struct ahost *f = bsearch(&k, p->ah, p->nah, sizeof *p->ah, cmp_ahost_name);
		job_ah[i] = (size_t)(f - p->ah);
	}
	return 0;
}

/* The seen index of history host name, adding it (and matching it to the
 * accounting's hosts) when new; -1 for out of memory. */
static long seen_of(struct pass *p, const char *name)
{
	if (p->nslot == 0 || 2 * (p->nseen + 1) > p->nslot) {
		size_t ns = p->nslot ? 2 * p->nslot : 64;
		long *nsl = malloc(ns * sizeof *nsl);
		if (nsl == NULL)
			return -1;
		for (size_t i = 0; i < ns; i++)
			nsl[i] = -1;
		for (size_t i = 0; i < p->nseen; i++) {
			size_t h = hash(p->seen[i].name) & (ns - 1);
			while (nsl[h] >= 0)
				h = (h + 1) & (ns - 1);
			nsl[h] = (long)i;
		}
		free(p->slot);
		p->slot = nsl;
		p->nslot = ns;
	}
	size_t h = hash(name) & (p->nslot - 1);
	for (; p->slot[h] >= 0; h = (h + 1) & (p->nslot - 1))
		if (strcmp(p->seen[p->slot[h]].name, name) == 0)
			return p->slot[h];
	if (p->nseen == p->capseen) {
		size_t nc = p->capseen ? 2 * p->capseen : 16;
		struct seen *ns = realloc(p->seen, nc * sizeof *ns);
		if (ns == NULL)
			return -1;
		p->seen = ns;
		p->capseen = nc;
	}
	long idx = (long)p->nseen;
	p->seen[idx].name = strdup(name);
	if (p->seen[idx].name == NULL)
		return -1;
	p->seen[idx].last = INT64_MIN;
	p->nseen++;
	p->slot[h] = idx;
	/* the accounting hosts it is: same short name, then hostmatch */
	char sk[64];
	short_lower(name, sk, sizeof sk);
	size_t lo = 0, hi = p->nah;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(p->ah[p->by_short[mid]].shortkey, sk) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < p->nah && strcmp(p->ah[p->by_short[lo]].shortkey, sk) == 0; lo++) {
		struct ahost *a = &p->ah[p->by_short[lo]];
		if (a->seen < 0 && hostmatch(a->key, name))
			a->seen = idx;
	}
	return idx;
}

static void pass_reset(struct pass *p)
{
	for (size_t i = 0; i < p->nseen; i++)
		free(p->seen[i].name);
	p->nseen = 0;
	for (size_t i = 0; i < p->nslot; i++)
		p->slot[i] = -1;
	for (size_t i = 0; i < p->nah; i++)
		p->ah[i].seen = -1;
}

/* Resolve job j against what the pass has seen: attach it to its host's
 * last sample when that is within ACCT_MAX_GAP before the start and later
 * than what another history gave. */
static int resolve(struct pass *p, struct acct_job *j, size_t ah)
{
	long s = p->ah[ah].seen;
	if (s < 0)
		return 0;
	int64_t t = p->seen[s].last;
	if (t == INT64_MIN || t < j->start - ACCT_MAX_GAP || t <= j->row_time)
		return 0;
	j->row_time = t;
	free(j->row_host);
	j->row_host = NULL;
	if (strcmp(p->seen[s].name, j->host) != 0 && (j->row_host = strdup(p->seen[s].name)) == NULL)
		return -ENOMEM;
	return 0;
}

/* One history: its samples in [lo, hi] in time order, merged with order[]. */
static int join_file(struct acct_set *set, const char *file, struct pass *p, const size_t *order,
		     size_t nord, const size_t *job_ah, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	struct history_columns cols;
	int rc = history_read_open(file, NULL, ACCT_BUSY_MS, &db, &cols, err, errlen);
	if (rc < 0)
		return rc;
	if (sqlite3_prepare_v2(db, "SELECT time, host FROM samples WHERE time >= ?1 AND time <= ?2"
			       " ORDER BY time", -1, &st, NULL) != SQLITE_OK) {
		rc = errmsg(err, errlen, -EINVAL, "%s: cannot read samples: %s", file,
			    sqlite3_errmsg(db));
		sqlite3_close(db);
		return rc;
	}
	sqlite3_bind_int64(st, 1, set->jobs[order[0]].start - ACCT_MAX_GAP);
	sqlite3_bind_int64(st, 2, set->jobs[order[nord - 1]].start);
	pass_reset(p);
	size_t next = 0;
	int s;
	while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t t = sqlite3_column_int64(st, 0);
		const char *host = (const char *)sqlite3_column_text(st, 1);
		for (; rc == 0 && next < nord && set->jobs[order[next]].start < t; next++)
			rc = resolve(p, &set->jobs[order[next]], job_ah[order[next]]);
		if (host == NULL || rc < 0)
			continue;
		long idx = seen_of(p, host);
		if (idx < 0)
			rc = -ENOMEM;
		else
			p->seen[idx].last = t;
	}
	if (rc == 0 && s != SQLITE_DONE)
		rc = history_read_error(db, file, "reading samples", s, ACCT_BUSY_MS, err, errlen);
	for (; rc == 0 && next < nord; next++)
		rc = resolve(p, &set->jobs[order[next]], job_ah[order[next]]);
	if (rc == -ENOMEM)
		errmsg(err, errlen, rc, "%s: out of memory", file);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

static const char *row_host(const struct acct_job *j)
{
	return j->row_host ? j->row_host : j->host;
}

static int cmp_host_row(const void *a, const void *b)
{
	const struct acct_job *x = a, *y = b;
	int c = strcmp(row_host(x), row_host(y));
	if (c)
		return c;
	return x->row_time < y->row_time ? -1 : x->row_time > y->row_time;
}

int acct_join_map(struct acct_set *set, char *const *files, size_t nfiles,
		  const struct hostmap *map, struct dataset_spec *spec, char *err, size_t errlen)
{
	struct pass p = { 0 };
	size_t m = set->n ? set->n : 1, nord = 0;
	size_t *order = malloc(m * sizeof *order), *job_ah = malloc(m * sizeof *job_ah);
	int rc = order && job_ah ? hosts_of(set, map, &p, job_ah) : -ENOMEM;
	if (rc < 0)
		errmsg(err, errlen, rc, "joining jobs to samples: out of memory");
	for (size_t i = 0; rc == 0 && i < set->n; i++) {
		free(set->jobs[i].row_host);
		set->jobs[i].row_host = NULL;
		set->jobs[i].row_time = -1;
		if (isfinite(set->jobs[i].slowdown))
			order[nord++] = i;
	}
	if (rc == 0 && nord > 0)
		qsort_r(order, nord, sizeof *order, cmp_start, set->jobs);
	for (size_t fi = 0; rc == 0 && nord > 0 && fi < nfiles; fi++)
		rc = join_file(set, files[fi], &p, order, nord, job_ah, err, errlen);
	pass_reset(&p);
	free(p.seen);
	free(p.slot);
	free(p.ah);
	free(p.by_short);
	free(order);
	free(job_ah);
	if (rc < 0)
		return rc;
	set->st.joined = set->st.no_sample = 0;
	for (size_t i = 0; i < set->n; i++)
		if (isfinite(set->jobs[i].slowdown)) {
			if (set->jobs[i].row_time >= 0)
				set->st.joined++;
			else
				set->st.no_sample++;
		}
	if (set->n > 0)
		qsort(set->jobs, set->n, sizeof *set->jobs, cmp_host_row);
	spec->label_fn = acct_label_at;
	spec->label_ctx = set;
	return 0;
}

int acct_join(struct acct_set *set, char *const *files, size_t nfiles,
	      struct dataset_spec *spec, char *err, size_t errlen)
{
	return acct_join_map(set, files, nfiles, NULL, spec, err, errlen);
}

double acct_label_at(void *ctx, const char *host, int64_t time)
{
	const struct acct_set *set = ctx;
	size_t lo = 0, hi = set->n;
	while (lo < hi) {   /* the first job >= (host, time) */
		size_t mid = lo + (hi - lo) / 2;
		const struct acct_job *j = &set->jobs[mid];
		int c = strcmp(row_host(j), host);
		if (c < 0 || (c == 0 && j->row_time < time))
			lo = mid + 1;
		else
			hi = mid;
	}
	double sum = 0;
	int n = 0;
	for (size_t i = lo; i < set->n && set->jobs[i].row_time == time &&
	     strcmp(row_host(&set->jobs[i]), host) == 0; i++)
		if (isfinite(set->jobs[i].slowdown)) {
			sum += set->jobs[i].slowdown;
			n++;
		}
	return n ? sum / n : NAN;
}
