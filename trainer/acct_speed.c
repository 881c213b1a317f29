#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "acct_speed.h"
#include "errmsg.h"
#include "hostmap.h"
#include "hostmatch.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int cmp_host(const void *a, const void *b)
{
	const struct acct_job *x = a, *y = b;
	return strcmp(x->host, y->host);
}

/* Sort names[0..n) (pointers into the jobs) and keep each once; returns how many. */
static size_t distinct(const char **names, size_t n)
{
	if (n == 0)
		return 0;
	qsort(names, n, sizeof *names, cmp_str);
	size_t k = 1;
	for (size_t i = 1; i < n; i++)
		if (strcmp(names[i], names[k - 1]) != 0)
			names[k++] = names[i];
	return k;
}

static size_t find(const char *const *names, size_t n, const char *s)
{
	const char *const *p = bsearch(&s, names, n, sizeof *names, cmp_str);
	return p ? (size_t)(p - names) : n;
}

static size_t uf_find(size_t *up, size_t x)
{
	while (up[x] != x)
		x = up[x] = up[up[x]];
	return x;
}

struct cell {
	size_t key, cls;
	double y;       /* log of the low percentile run time */
};

/* the working arrays of one fit */
struct work {
	const char **cls_names, **key_names;
	size_t ncls, nkeys;
	size_t *job_key, *job_cls, *order;
	struct cell *cells;
	size_t ncells;
	double *a, *b, *run;
	size_t *up;       /* union-find over keys (0..nkeys) and classes (nkeys..) */
	unsigned long *part_jobs;
};

static void work_free(struct work *w)
{
	free(w->cls_names);
	free(w->key_names);
	free(w->job_key);
	free(w->job_cls);
	free(w->order);
	free(w->cells);
	free(w->a);
	free(w->b);
	free(w->run);
	free(w->up);
	free(w->part_jobs);
}

/* qsort_r's comparison: job indices by key, class, run time */
static int cmp_cell_order(const void *x, const void *y, void *ctx)
{
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	const struct work *w = ctx;
	if (w->job_key[i] != w->job_key[j])
		return w->job_key[i] < w->job_key[j] ? -1 : 1;
	if (w->job_cls[i] != w->job_cls[j])
		return w->job_cls[i] < w->job_cls[j] ? -1 : 1;
	return w->run[i] < w->run[j] ? -1 : w->run[i] > w->run[j];
}

/* The hosts (sorted, their job counts and median hostFactor). */
static int fill_hosts(struct acct_set *set, struct acct_speed *sp)
{
	if (set->n > 0)
		qsort(set->jobs, set->n, sizeof *set->jobs, cmp_host);
	double *hf = malloc((set->n ? set->n : 1) * sizeof *hf);
	sp->hosts = calloc(set->n ? set->n : 1, sizeof *sp->hosts);
	if (hf == NULL || sp->hosts == NULL) {
		free(hf);
		return -ENOMEM;
	}
	for (size_t i = 0; i < set->n;) {
		size_t j = i;
		size_t nf = 0;   /* the usable hostFactors: finite and positive */
		for (; j < set->n && strcmp(set->jobs[j].host, set->jobs[i].host) == 0; j++)
			if (isfinite(set->jobs[j].host_factor) && set->jobs[j].host_factor > 0)
				hf[nf++] = set->jobs[j].host_factor;
		qsort(hf, nf, sizeof *hf, cmp_double);
		struct acct_speed_host *h = &sp->hosts[sp->nhosts++];
		h->name = strdup(set->jobs[i].host);
		if (h->name == NULL) {
			free(hf);
			return -ENOMEM;
		}
		h->jobs = (unsigned long)(j - i);
		h->host_factor = nf == 0 ? NAN : nf % 2 ? hf[nf / 2]
			: 0.5 * (hf[nf / 2 - 1] + hf[nf / 2]);
		i = j;
	}
	free(hf);
	return 0;
}

/* Backfit a[class] + b[key] to the fitted cells (or jobs, as cells of one);
 * a and b NAN where nothing is observed.  Returns the sweeps, 0 for out of
 * memory. */
static unsigned long backfit(struct work *w)
{
	for (size_t k = 0; k < w->nkeys; k++)
		w->b[k] = NAN;
	for (size_t c = 0; c < w->ncls; c++)
		w->a[c] = NAN;
	for (size_t i = 0; i < w->ncells; i++)
		w->a[w->cells[i].cls] = w->b[w->cells[i].key] = 0;
	double *sa = calloc(w->ncls + w->nkeys + 1, sizeof *sa);
	unsigned *na = calloc(w->ncls + w->nkeys + 1, sizeof *na);
	unsigned long sweeps = 0;
	if (sa == NULL || na == NULL) {
		free(sa);
		free(na);
		return 0;
	}
	for (; sweeps < ACCT_SPEED_MAX_ITER; sweeps++) {
		double moved = 0;
		memset(sa, 0, (w->ncls + w->nkeys) * sizeof *sa);
		memset(na, 0, (w->ncls + w->nkeys) * sizeof *na);
		for (size_t i = 0; i < w->ncells; i++) {
			sa[w->cells[i].cls] += w->cells[i].y - w->b[w->cells[i].key];
			na[w->cells[i].cls]++;
		}
		for (size_t c = 0; c < w->ncls; c++)
			if (na[c]) {
				double v = sa[c] / na[c];
				moved = fmax(moved, fabs(v - w->a[c]));
				w->a[c] = v;
			}
		double *sb = sa + w->ncls;
		unsigned *nb = na + w->ncls;
		for (size_t i = 0; i < w->ncells; i++) {
			sb[w->cells[i].key] += w->cells[i].y - w->a[w->cells[i].cls];
			nb[w->cells[i].key]++;
		}
		for (size_t k = 0; k < w->nkeys; k++)
			if (nb[k]) {
				double v = sb[k] / nb[k];
				moved = fmax(moved, fabs(v - w->b[k]));
				w->b[k] = v;
			}
		if (moved < ACCT_SPEED_TOL)
			break;
	}
	free(sa);
	free(na);
	return sweeps + 1;
}

/*
 * From the fitted effects in w: each job's label (NAN without both effects
 * in one connected part), set->st's class counts, the parts, the reference
 * and the factors in sp->keys.
 */
static void relabel(struct acct_set *set, struct acct_speed *sp, struct work *w)
{
	size_t n = set->n;
	set->st.classes = set->st.classes_skipped = set->st.jobs_skipped = 0;
	set->st.speeds = true;
	for (size_t c = 0; c < w->ncls; c++)
		if (isfinite(w->a[c]))
			set->st.classes++;
		else
			set->st.classes_skipped++;
	memset(w->part_jobs, 0, (w->nkeys + w->ncls) * sizeof *w->part_jobs);
	for (size_t i = 0; i < n; i++) {
		size_t k = w->job_key[i], c = w->job_cls[i];
		struct acct_job *j = &set->jobs[i];
		if (isfinite(w->a[c]) && isfinite(w->b[k]) &&
		    uf_find(w->up, k) == uf_find(w->up, w->nkeys + c)) {
			j->slowdown = w->run[i] / exp(w->a[c] + w->b[k]);
			w->part_jobs[uf_find(w->up, k)]++;
		} else {
			j->slowdown = NAN;
			set->st.jobs_skipped++;
		}
	}
	/* the reference: the fastest key of the part with the most jobs */
	size_t best = w->nkeys + w->ncls;
	sp->parts = 0;
	for (size_t i = 0; i < w->nkeys + w->ncls; i++) {
		if (uf_find(w->up, i) == i && w->part_jobs[i] > 0)
			sp->parts++;
		if (w->part_jobs[i] > 0 && (best == w->nkeys + w->ncls ||
					    w->part_jobs[i] > w->part_jobs[best]))
			best = i;
	}
	sp->ref = sp->nkeys;
	for (size_t k = 0; k < w->nkeys; k++) {
		sp->keys[k].b = sp->keys[k].factor = NAN;
		sp->keys[k].part = -1;
		if (!isfinite(w->b[k]))
			continue;
		sp->keys[k].b = w->b[k];
		sp->keys[k].part = (int)uf_find(w->up, k);
		if (uf_find(w->up, k) == best && (sp->ref == sp->nkeys || w->b[k] < w->b[sp->ref]))
			sp->ref = k;
	}
	for (size_t k = 0; sp->ref < sp->nkeys && k < w->nkeys; k++)
		if (isfinite(w->b[k]) && uf_find(w->up, k) == best)
			sp->keys[k].factor = exp(w->b[k] - w->b[sp->ref]);
}

int acct_speed_fit(struct acct_set *set, acct_speed_group_fn group, void *ctx,
		   struct acct_speed *sp, char *err, size_t errlen)
{
	struct work w;
	memset(sp, 0, sizeof *sp);
	memset(&w, 0, sizeof w);
	size_t n = set->n, m = n ? n : 1;
	int rc = fill_hosts(set, sp);
	if (rc == 0) {
		w.cls_names = malloc(m * sizeof *w.cls_names);
		w.key_names = malloc(m * sizeof *w.key_names);
		w.job_key = malloc(m * sizeof *w.job_key);
		w.job_cls = malloc(m * sizeof *w.job_cls);
		w.order = malloc(m * sizeof *w.order);
		w.cells = malloc(m * sizeof *w.cells);
		w.run = malloc(m * sizeof *w.run);
		if (!w.cls_names || !w.key_names || !w.job_key || !w.job_cls || !w.order ||
		    !w.cells || !w.run)
			rc = -ENOMEM;
	}
	/* the keys: each host, or its group */
	for (size_t h = 0; rc == 0 && h < sp->nhosts; h++) {
		const char *g = group ? group(ctx, sp->hosts[h].name) : NULL;
		w.key_names[h] = g ? g : sp->hosts[h].name;
		sp->grouped = sp->grouped || g != NULL;
	}
	if (rc == 0) {
		w.nkeys = distinct(w.key_names, sp->nhosts);
		sp->keys = calloc(w.nkeys ? w.nkeys : 1, sizeof *sp->keys);
		w.a = malloc((n + 1) * sizeof *w.a);
		w.b = malloc((w.nkeys + 1) * sizeof *w.b);
		w.up = malloc((w.nkeys + n + 1) * sizeof *w.up);
		w.part_jobs = calloc(w.nkeys + n + 1, sizeof *w.part_jobs);
		if (!sp->keys || !w.a || !w.b || !w.up || !w.part_jobs)
			rc = -ENOMEM;
	}
	for (size_t k = 0; rc == 0 && k < w.nkeys; k++) {
		sp->keys[k].name = strdup(w.key_names[k]);
		sp->keys[k].part = -1;
		sp->keys[k].b = sp->keys[k].factor = NAN;
		if (sp->keys[k].name == NULL)
			rc = -ENOMEM;
		sp->nkeys = k + 1;
	}
	if (rc < 0)
		goto out;
	for (size_t h = 0; h < sp->nhosts; h++) {
		const char *g = group ? group(ctx, sp->hosts[h].name) : NULL;
		sp->hosts[h].key = find(w.key_names, w.nkeys, g ? g : sp->hosts[h].name);
	}
	/* the classes; each job's key and class */
	for (size_t i = 0; i < n; i++)
		w.cls_names[i] = set->jobs[i].cls;
	w.ncls = distinct(w.cls_names, n);
	for (size_t i = 0, h = 0; i < n; i++) {
		while (strcmp(sp->hosts[h].name, set->jobs[i].host) != 0)
			h++;   /* both sorted by host */
		w.job_key[i] = sp->hosts[h].key;
		w.job_cls[i] = find(w.cls_names, w.ncls, set->jobs[i].cls);
		w.run[i] = (double)(set->jobs[i].finish - set->jobs[i].start);
		w.order[i] = i;
	}
	/* the cells: (key, class) with their runs in order */
	if (n > 0)
		qsort_r(w.order, n, sizeof *w.order, cmp_cell_order, &w);
	for (size_t i = 0; i < w.nkeys + w.ncls; i++)
		w.up[i] = i;
	for (size_t i = 0; i < n;) {
		size_t j = i, k = w.job_key[w.order[i]], c = w.job_cls[w.order[i]];
		while (j < n && w.job_key[w.order[j]] == k && w.job_cls[w.order[j]] == c)
			j++;
		sp->cells++;
		if (j - i >= ACCT_MIN_RUNS) {
			size_t at = i + (size_t)floor(ACCT_PERCENTILE * (double)(j - i - 1));
			w.cells[w.ncells++] = (struct cell){ k, c, log(w.run[w.order[at]]) };
			sp->keys[k].cells++;
			size_t rk = uf_find(w.up, k), rc2 = uf_find(w.up, w.nkeys + c);
			if (rk != rc2)
				w.up[rk] = rc2;
		}
		i = j;
	}
	sp->cells_fitted = w.ncells;
	sp->sweeps = backfit(&w);
	if (sp->sweeps == 0)
		rc = -ENOMEM;
	else
		relabel(set, sp, &w);
out:
	work_free(&w);
	if (rc < 0) {
		acct_speed_free(sp);
		return errmsg(err, errlen, rc, "learning host speeds: out of memory");
	}
	return 0;
}

static int cmp_host_name(const void *key, const void *elt)
{
	return strcmp(key, ((const struct acct_speed_host *)elt)->name);
}

int acct_speed_refit(struct acct_set *set, struct acct_speed *sp, char *err, size_t errlen)
{
	struct work w;
	memset(&w, 0, sizeof w);
	size_t n = set->n, m = n ? n : 1;
	w.nkeys = sp->nkeys;
	w.cls_names = malloc(m * sizeof *w.cls_names);
	w.job_key = malloc(m * sizeof *w.job_key);
	w.job_cls = malloc(m * sizeof *w.job_cls);
	w.cells = malloc(m * sizeof *w.cells);
	w.run = malloc(m * sizeof *w.run);
	w.a = malloc((m + 1) * sizeof *w.a);
	w.b = malloc((w.nkeys + 1) * sizeof *w.b);
	w.up = malloc((w.nkeys + m + 1) * sizeof *w.up);
	w.part_jobs = calloc(w.nkeys + m + 1, sizeof *w.part_jobs);
	int rc = 0;
	if (!w.cls_names || !w.job_key || !w.job_cls || !w.cells || !w.run || !w.a || !w.b ||
	    !w.up || !w.part_jobs)
		rc = -ENOMEM;
	for (size_t i = 0; rc == 0 && i < n; i++)
		w.cls_names[i] = set->jobs[i].cls;
	if (rc == 0)
		w.ncls = distinct(w.cls_names, n);
	for (size_t i = 0; rc == 0 && i < w.nkeys + w.ncls; i++)
		w.up[i] = i;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const struct acct_job *j = &set->jobs[i];
		const struct acct_speed_host *h = bsearch(j->host, sp->hosts, sp->nhosts,
							  sizeof *sp->hosts, cmp_host_name);
		w.job_key[i] = h ? h->key : 0;   /* every job's host is in sp: it was fitted on them */
		w.job_cls[i] = find(w.cls_names, w.ncls, j->cls);
		w.run[i] = (double)(j->finish - j->start);
		if (h == NULL || !(j->pred > ACCT_SPEED_MIN_PRED) || !isfinite(j->pred))
			continue;
		w.cells[w.ncells++] = (struct cell){ h->key, w.job_cls[i], log(w.run[i] / j->pred) };
		size_t rk = uf_find(w.up, h->key), rcl = uf_find(w.up, w.nkeys + w.job_cls[i]);
		if (rk != rcl)
			w.up[rk] = rcl;
	}
	if (rc == 0 && w.ncells > 0) {
		unsigned long sweeps = backfit(&w);
		if (sweeps == 0)
			rc = -ENOMEM;
		else {
			relabel(set, sp, &w);
			sp->rounds++;
			sp->refit_jobs = w.ncells;
			sp->sweeps = sweeps;
		}
	}
	work_free(&w);
	if (rc < 0)
		return errmsg(err, errlen, rc, "refitting host speeds: out of memory");
	return 0;
}

/* Append "speed host f" to out (4 significant digits: what the fit can tell,
 * and a stable file), or count it in *left. */
static void add_line(struct model_speed *out, size_t *n, size_t max, const char *host, double f,
		     size_t *left)
{
	if (*n == max || f < MODEL_SPEED_MIN || f > MODEL_SPEED_MAX || !hostmatch_valid(host) ||
	    strlen(host) >= sizeof out->host) {
		(*left)++;
		return;
	}
	char buf[32];
	snprintf(buf, sizeof buf, "%.4g", f);
	snprintf(out[*n].host, sizeof out[*n].host, "%s", host);
	out[(*n)++].factor = strtod(buf, NULL);
}

/* The key named name, or NULL. */
static const struct acct_speed_key *key_named(const struct acct_speed *sp, const char *name)
{
	for (size_t k = 0; k < sp->nkeys; k++)
		if (strcmp(sp->keys[k].name, name) == 0)
			return &sp->keys[k];
	return NULL;
}

size_t acct_speed_lines(const struct acct_speed *sp, const struct hostmap *groups,
			struct model_speed *out, size_t max, size_t *left)
{
	size_t n = 0;
	*left = 0;
	for (size_t i = 0; groups && i < groups->n; i++) {
		const struct acct_speed_key *k = key_named(sp, groups->e[i].name);
		if (k && isfinite(k->factor))
			add_line(out, &n, max, groups->e[i].pattern, k->factor, left);
	}
	for (size_t h = 0; h < sp->nhosts; h++) {
		double f = sp->keys[sp->hosts[h].key].factor;
		if (!isfinite(f) || (groups && hostmap_lookup(groups, sp->hosts[h].name)))
			continue;   /* no factor, or its group's line names it */
		if (hostmatch_is_glob(sp->hosts[h].name))
			(*left)++;
		else
			add_line(out, &n, max, sp->hosts[h].name, f, left);
	}
	return n;
}

void acct_speed_report(const struct acct_speed *sp, FILE *f)
{
	fprintf(f, "speed: %lu (class, %s) cells, %lu with at least %d runs fitted in %lu sweeps;"
		" %lu connected parts\n", sp->cells, sp->grouped ? "group" : "host",
		sp->cells_fitted, ACCT_MIN_RUNS, sp->sweeps, sp->parts);
	if (sp->rounds)
		fprintf(f, "speed: refitted %lu time%s to the model's slowdowns, on %lu jobs\n",
			sp->rounds, sp->rounds > 1 ? "s" : "", sp->refit_jobs);
	if (sp->ref == sp->nkeys) {
		fprintf(f, "speed: no factor learned\n");
		return;
	}
	const struct acct_speed_host *rh = NULL;
	for (size_t h = 0; h < sp->nhosts && rh == NULL; h++)
		if (sp->hosts[h].key == sp->ref)
			rh = &sp->hosts[h];
	fprintf(f, "speed: reference %s (the fastest): factor = run time idle there over the"
		" reference's; lsb.acct hostFactor implies the reference's over the host's\n",
		sp->keys[sp->ref].name);
	for (size_t h = 0; h < sp->nhosts; h++) {
		const struct acct_speed_host *x = &sp->hosts[h];
		const struct acct_speed_key *k = &sp->keys[x->key];
		char grp[96] = "";
		if (sp->grouped && strcmp(k->name, x->name) != 0)
			snprintf(grp, sizeof grp, " (group %s)", k->name);
		if (isfinite(k->factor))
			fprintf(f, "speed: %s%s: learned %.4g, hostFactor %.4g (implies %.4g), %lu jobs\n",
				x->name, grp, k->factor, x->host_factor,
				x->host_factor > 0 ? rh->host_factor / x->host_factor : NAN, x->jobs);
		else
			fprintf(f, "speed: %s%s: not learned (%s), hostFactor %.4g, %lu jobs\n", x->name,
				grp, k->cells ? "its classes ran on none of the reference's hosts"
				: "no class with enough runs on it", x->host_factor, x->jobs);
	}
}

void acct_speed_free(struct acct_speed *sp)
{
	for (size_t h = 0; sp->hosts && h < sp->nhosts; h++)
		free(sp->hosts[h].name);
	for (size_t k = 0; sp->keys && k < sp->nkeys; k++)
		free(sp->keys[k].name);
	free(sp->hosts);
	free(sp->keys);
	memset(sp, 0, sizeof *sp);
}
