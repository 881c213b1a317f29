#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "factor.h"
#include "hostmatch.h"
#include "merge_speed.h"
#include "partial.h"

#define NONE SIZE_MAX

/* The host named name (created when new); NONE: out of memory.  *last
 * caches the last answer: rows and jobs come host by host. */
static size_t host_index(struct merge_speed *ms, const char *name, size_t *last)
{
	if (*last < ms->n && strcmp(ms->h[*last].name, name) == 0)
		return *last;
	for (size_t i = 0; i < ms->n; i++)
		if (strcmp(ms->h[i].name, name) == 0)
			return *last = i;
	if (ms->n == ms->cap) {
		size_t nc = ms->cap ? 2 * ms->cap : 64;
		struct merge_speed_host *h = realloc(ms->h, nc * sizeof *h);
		if (h == NULL)
			return NONE;
		ms->h = h;
		ms->cap = nc;
	}
	struct merge_speed_host *h = &ms->h[ms->n];
	memset(h, 0, sizeof *h);
	snprintf(h->name, sizeof h->name, "%s", name);
	h->factor = h->prev = NAN;
	return *last = ms->n++;
}

static void clear_sums(struct merge_speed *ms)
{
	for (size_t i = 0; i < ms->n; i++) {
		ms->h[i].spp = ms->h[i].syp = 0;
		ms->h[i].rows = 0;
	}
}

int merge_speed_factors(struct merge_speed *ms, const struct train_result *r,
			char *const *files, size_t n, char *err, size_t errlen)
{
	clear_sums(ms);
	if (ms->nfiles != n) {
		free(ms->file_host);
		ms->file_host = calloc(n ? n : 1, sizeof *ms->file_host);
		ms->nfiles = ms->file_host ? n : 0;
		if (ms->file_host == NULL)
			return errmsg(err, errlen, -ENOMEM, "learning host speeds: out of memory");
	}
	struct factor *f = malloc(sizeof *f);
	if (f == NULL)
		return errmsg(err, errlen, -ENOMEM, "learning host speeds: out of memory");
	int rc = 0;
	size_t last = NONE;
	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = factor_read(files[i], f, err, errlen);
		if (rc < 0)
			break;
		ms->file_host[i] = NONE;
		if (f->nhosts == 0 || f->rows_used == 0)
			continue;
		if (f->nhosts > 1) {
			rc = errmsg(err, errlen, -EINVAL, "%s: a partial fit of %zu hosts (%s, %s%s):"
				    " host speeds are learned per host, from one factor file each; make one"
				    " partial fit per host, or merge with --no-learn-speed", files[i],
				    f->nhosts, f->hosts[0], f->hosts[1], f->nhosts > 2 ? ", ..." : "");
			break;
		}
		size_t h = host_index(ms, f->hosts[0], &last);
		if (h == NONE) {
			rc = errmsg(err, errlen, -ENOMEM, "learning host speeds: out of memory");
			break;
		}
		ms->file_host[i] = h;
		if (isfinite(ms->h[h].factor))
			partial_scale_label(f, 1 / ms->h[h].factor);
		double spp, syp;
		partial_host_sums(f, r, &spp, &syp);
		ms->h[h].spp += spp;
		ms->h[h].syp += syp;
		ms->h[h].rows += f->rows_used;
	}
	free(f);
	return rc;
}

struct rows_ctx {
	struct merge_speed *ms;
	const struct train_result *r;
	size_t last;
	int status;
};

static int on_row(void *vctx, const struct dataset_row *row)
{
	struct rows_ctx *c = vctx;
	const struct train_result *r = c->r;
	/* train_predict_sample's sum */
	double pred = r->fit.intercept;
	for (size_t j = 0; j < r->fit.ncols; j++) {
		int col = r->fit.cols[j];
		pred += r->fit.coef[j] * (row->x[col] - r->F.mean[col]) / r->F.scale[col];
	}
	size_t h = host_index(c->ms, row->host ? row->host : "", &c->last);
	if (h == NONE) {
		c->status = -ENOMEM;
		return 1;
	}
	c->ms->h[h].spp += pred * pred;
	c->ms->h[h].syp += row->y * pred;
	c->ms->h[h].rows++;
	return 0;
}

int merge_speed_rows(struct merge_speed *ms, const struct train_result *r,
		     const struct dataset_spec *spec, char *const *files, size_t n,
		     char *err, size_t errlen)
{
	clear_sums(ms);
	struct dataset_spec s = *spec;
	s.terms = r->cols;       /* the rows train_run used: every column it required known */
	s.n_terms = r->p_req;
	struct rows_ctx c = { ms, r, NONE, 0 };
	int rc = dataset_stream(&s, files, n, on_row, &c, NULL, err, errlen);
	if (c.status)
		return errmsg(err, errlen, c.status, "learning host speeds: out of memory");
	return rc < 0 ? rc : 0;
}

void merge_speed_update(struct merge_speed *ms)
{
	double least = INFINITY;
	for (size_t i = 0; i < ms->n; i++) {
		struct merge_speed_host *h = &ms->h[i];
		h->prev = h->factor;
		double s = h->spp > 0 ? h->syp / h->spp : NAN;
		if (isfinite(s) && s > 0)
			h->factor = (isfinite(h->factor) ? h->factor : 1) * s;
		if (isfinite(h->factor) && h->factor < least)
			least = h->factor;
	}
	for (size_t i = 0; isfinite(least) && i < ms->n; i++)
		if (isfinite(ms->h[i].factor))
			ms->h[i].factor /= least;
	ms->rounds++;
}

void merge_speed_scales(const struct merge_speed *ms, double *yscale)
{
	for (size_t i = 0; i < ms->nfiles; i++) {
		size_t h = ms->file_host[i];
		yscale[i] = h != NONE && isfinite(ms->h[h].factor) ? 1 / ms->h[h].factor : 1;
	}
}

void merge_speed_relabel(const struct merge_speed *ms, struct acct_set *set)
{
	size_t last = NONE;
	for (size_t i = 0; i < set->n; i++) {
		struct acct_job *j = &set->jobs[i];
		if (j->row_time < 0 || isnan(j->slowdown))
			continue;
		const char *name = j->row_host ? j->row_host : j->host;
		size_t h = last < ms->n && strcmp(ms->h[last].name, name) == 0 ? last : NONE;
		for (size_t k = 0; h == NONE && k < ms->n; k++)
			if (strcmp(ms->h[k].name, name) == 0)
				h = last = k;
		if (h == NONE || !isfinite(ms->h[h].factor))
			continue;
		double before = isfinite(ms->h[h].prev) ? ms->h[h].prev : 1;
		j->slowdown *= before / ms->h[h].factor;
	}
}

static int cmp_name(const void *a, const void *b, void *ctx)
{
	const struct merge_speed *ms = ctx;
	return strcmp(ms->h[*(const size_t *)a].name, ms->h[*(const size_t *)b].name);
}

/* The hosts' indices in name order (malloc'd), or NULL. */
static size_t *by_name(const struct merge_speed *ms)
{
	size_t *o = malloc((ms->n ? ms->n : 1) * sizeof *o);
	for (size_t i = 0; o && i < ms->n; i++)
		o[i] = i;
	if (o && ms->n)
		qsort_r(o, ms->n, sizeof *o, cmp_name, (void *)ms);
	return o;
}

size_t merge_speed_lines(const struct merge_speed *ms, struct model_speed *out, size_t max,
			 size_t *left)
{
	size_t n = 0, *o = by_name(ms);
	*left = 0;
	for (size_t k = 0; o && k < ms->n; k++) {
		const struct merge_speed_host *h = &ms->h[o[k]];
		if (!isfinite(h->factor))
			continue;
		if (n == max || h->factor < MODEL_SPEED_MIN || h->factor > MODEL_SPEED_MAX ||
		    !hostmatch_valid(h->name) || hostmatch_is_glob(h->name) ||
		    strlen(h->name) >= sizeof out->host) {
			(*left)++;
			continue;
		}
		char buf[32];
		snprintf(buf, sizeof buf, "%.4g", h->factor);
		snprintf(out[n].host, sizeof out[n].host, "%s", h->name);
		out[n++].factor = strtod(buf, NULL);
	}
	free(o);
	return n;
}

void merge_speed_report(const struct merge_speed *ms, const struct acct_refs *refs, FILE *f)
{
	size_t *o = by_name(ms), ref = NONE;
	for (size_t i = 0; i < ms->n; i++)
		if (isfinite(ms->h[i].factor)) {
			if (ref == NONE || ms->h[i].factor < ms->h[ref].factor)
				ref = i;
		}
	fprintf(f, "speed: %zu hosts: each host's labels over the fitted model's slowdowns"
		" (least squares, from %s), refitted %u time%s\n", ms->n,
		ms->file_host ? "the factor files" : "the rows", ms->rounds, ms->rounds == 1 ? "" : "s");
	if (ref == NONE || o == NULL) {
		fprintf(f, "speed: no factor learned\n");
		free(o);
		return;
	}
	double ref_hf = refs ? acct_refs_host_factor(refs, ms->h[ref].name, NULL) : NAN;
	fprintf(f, "speed: reference %s (the fastest): factor = its labels over the model's"
		" slowdowns, over the reference's; lsb.acct hostFactor implies the reference's over"
		" the host's\n", ms->h[ref].name);
	for (size_t k = 0; k < ms->n; k++) {
		const struct merge_speed_host *h = &ms->h[o[k]];
		uint64_t jobs = 0;
		double hf = refs ? acct_refs_host_factor(refs, h->name, &jobs) : NAN;
		if (isfinite(h->factor))
			fprintf(f, "speed: %s: learned %.4g, hostFactor %.4g (implies %.4g), %llu rows,"
				" %llu jobs\n", h->name, h->factor, hf, hf > 0 ? ref_hf / hf : NAN,
				(unsigned long long)h->rows, (unsigned long long)jobs);
		else
			fprintf(f, "speed: %s: not learned (no rows, or none fitted above 0),"
				" hostFactor %.4g, %llu jobs\n", h->name, hf, (unsigned long long)jobs);
	}
	free(o);
}

void merge_speed_free(struct merge_speed *ms)
{
	free(ms->h);
	free(ms->file_host);
	memset(ms, 0, sizeof *ms);
}
