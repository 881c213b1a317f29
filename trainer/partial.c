#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multilarge.h>

#include "errmsg.h"
#include "fsutil.h"
#include "partial.h"
#include "replace.h"

_Static_assert(FACTOR_MAX_HOSTS == TRAIN_MAX_HOSTS, "one host list");
_Static_assert(FACTOR_HOST_MAX == sizeof ((struct train_result *)0)->hosts[0], "one host name");

int partial_check_cli(const struct train_cli *c, char *err, size_t errlen)
{
	const char *mode = c->partial ? "--partial" : "--merge";
	if ((c->partial != NULL) + c->merge + (c->extract != NULL) > 1)
		return errmsg(err, errlen, -EINVAL, "--partial, --merge and --extract: one at a time");
	if (c->extract && (c->acct || c->report || c->dry_run || c->force || c->train.csv_path))
		return errmsg(err, errlen, -EINVAL, "--extract with %s", c->acct
			      ? "--acct: the accounting label is joined at training; extract with"
			      " --label, or copy the histories" : "--report, --dry-run, --force or"
			      " --export-csv: an extract fits no model");
	if (!c->partial && !c->merge)
		return 0;
	if (!c->train.spec.since || !c->train.spec.until)
		return errmsg(err, errlen, -EINVAL, "%s needs --since and --until: the window fixes"
			      " the time blocks, which must be the same on every host", mode);
	if (c->terms == NULL)
		return errmsg(err, errlen, -EINVAL, "%s needs --terms: the columns must be the same"
			      " on every host", mode);
	if (c->incumbent == NULL)
		return errmsg(err, errlen, -EINVAL, "%s needs --incumbent FILE or --incumbent none:"
			      " the model compared with must be the same on every host", mode);
	if (c->merge && c->acct)
		return errmsg(err, errlen, -EINVAL, "--merge with --acct: the accounting labels are"
			      " in the factors; give the merge the --class-refs FILE the partial fits"
			      " were made with");
	if (c->partial && c->acct && c->nclass_refs == 0)
		return errmsg(err, errlen, -EINVAL, "--partial with --acct needs --class-refs FILE:"
			      " a job's label divides its run time by its class's low percentile over"
			      " all hosts, which one host's partial fit cannot know; summarise the"
			      " accounting once with rank-train --write-class-refs FILE --acct ... and"
			      " give FILE to every partial fit and the merge");
	if (c->merge && c->train.method == TRAIN_ROBUST)
		return errmsg(err, errlen, -EINVAL, "--merge with --method robust: the robust fit"
			      " needs the rows themselves, which factor files do not hold: train it on"
			      " the pooled histories");
	if (c->partial && (c->report || c->dry_run || c->force))
		return errmsg(err, errlen, -EINVAL, "--partial with %s: a partial fit fits no model;"
			      " use it with --merge", c->report ? "--report" : c->dry_run ? "--dry-run"
			      : "--force");
	if (c->merge && c->train.spec.host)
		return errmsg(err, errlen, -EINVAL, "--merge with --host: factor files hold no rows to"
			      " filter; give --host to --partial");
	if (c->merge && c->train.csv_path)
		return errmsg(err, errlen, -EINVAL, "--merge with --export-csv: factor files hold no"
			      " rows; use --export-csv with --partial on each host");
	return 0;
}

int partial_model_id(const char *path, const struct feature_schema *schema, struct model *m,
		     bool *have, uint64_t *id, char *err, size_t errlen)
{
	*have = false;
	*id = 0;
	if (strcmp(path, "none") == 0)
		return 0;
	char *buf, why[PATH_MAX + 128];
	size_t len;
	int rc = fs_read_path(path, 1u << 20, "model file", &buf, &len, why, sizeof why);
	if (rc < 0)
		return errmsg(err, errlen, rc, "--incumbent %s", why);
	uint64_t h = 0xcbf29ce484222325ull;   /* FNV-1a 64 */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)buf[i]) * 0x100000001b3ull;
	free(buf);
	*id = h ? h : 1;
	char warn[512] = "";
	replace_load_installed(path, schema, m, have, warn, sizeof warn);
	if (!*have)
		return errmsg(err, errlen, -EINVAL, "--incumbent %s: %s", path,
			      warn[0] ? warn : "not a model");
	return 0;
}

int partial_bind_names(const char *terms, struct feature_schema *schema, char *err, size_t errlen)
{
	for (const char *s = terms; s && *s;) {
		size_t n = 0;
		while (islower((unsigned char)s[n]) || isdigit((unsigned char)s[n]) || s[n] == '_')
			n++;
		if (n == 0) {
			s++;
			continue;
		}
		char why[160];
		if (feature_schema_bind_name(schema, s, n, why, sizeof why) < 0)
			return errmsg(err, errlen, -ENOSPC, "--terms: %s", why);
		s += n;
	}
	return 0;
}

static size_t tri_index(size_t c, size_t i, size_t j)
{
	/* row i of the upper triangle starts after rows 0..i-1 */
	return i * c - i * (i - 1) / 2 + (j - i);
}

/*
 * The label a factor records: the label's name, and with class references
 * (rank-train --class-refs) " class-refs " and their identity in 16 hex
 * digits, so a merge refuses factors labelled with other references.
 */
static void factor_label(const struct train_opts *o, char *buf, size_t len)
{
	if (o->class_refs_id)
		snprintf(buf, len, "%s class-refs %016llx", o->spec.label,
			 (unsigned long long)o->class_refs_id);
	else
		snprintf(buf, len, "%s", o->spec.label);
}

void partial_from_run(const struct train_result *r, const struct train_opts *o,
		      uint64_t incumbent_id, struct factor *f)
{
	memset(f, 0, sizeof *f);
	f->since = o->spec.since;
	f->until = o->spec.until;
	f->k = r->F.k;
	f->p = r->p;
	f->p_req = r->p_req;
	f->baseline_col = (size_t)r->baseline_col;
	f->baseline_added = r->baseline_added;
	f->incumbent = incumbent_id;
	f->tmin = r->tmin;
	f->tmax = r->tmax;
	f->rows_read = r->stats.rows_read;
	f->rows_used = r->stats.rows_used;
	f->rows_skipped = r->stats.rows_skipped;
	factor_label(o, f->label, sizeof f->label);
	for (size_t j = 0; j < r->p; j++)
		snprintf(f->cols[j], sizeof f->cols[j], "%s", r->names[j]);
	f->nhosts = r->nhosts;
	memcpy(f->hosts, r->hosts, r->nhosts * sizeof r->hosts[0]);
	for (size_t j = 0; j < r->p_req; j++)
		f->unknown[j] = r->stats.unknown[j];
	for (size_t j = 0; j < r->p; j++) {
		f->mean[j] = r->F.mean[j];
		f->sd[j] = r->F.scale[j];
	}
	f->ymean = r->F.ymean;
	f->ysst = r->F.sst;
	size_t c = r->p + 2;
	for (unsigned k = 0; k < r->F.k; k++) {
		f->n[k] = r->F.n[k];
		f->inc_sse[k] = r->inc_sse[k];
		for (size_t i = 0; i < c && r->F.R[k]; i++)
			for (size_t j = i; j < c; j++)
				f->R[k][tri_index(c, i, j)] = gsl_matrix_get(r->F.R[k], i, j);
	}
}

long partial_expand(char *const *paths, size_t n, char ***out, char *err, size_t errlen)
{
	return dataset_expand_suffix(paths, n, ".factor", out, err, errlen);
}

/* Was f made with what this merge was asked for (o, its columns in r)? */
static int same_run(const struct factor *f, const struct train_opts *o,
		    const struct train_result *r, unsigned k, uint64_t incumbent_id, const char *path,
		    char *err, size_t errlen)
{
	char want[FACTOR_LABEL_MAX];
	factor_label(o, want, sizeof want);
	const char *refs = strstr(f->label, " class-refs ");
	if (strcmp(f->label, want) != 0 && (refs != NULL || o->class_refs_id) &&
	    strncmp(f->label, o->spec.label, refs ? (size_t)(refs - f->label) : strlen(f->label)) == 0)
		return errmsg(err, errlen, -EINVAL, "%s: %s", path, refs && o->class_refs_id
			      ? "labelled with other class references than this merge's (another"
			      " --class-refs FILE)" : refs ? "labelled with class references: give"
			      " the merge the --class-refs FILE the partial fits had"
			      : "labelled without class references, but this merge has --class-refs");
	if (strcmp(f->label, want) != 0)
		return errmsg(err, errlen, -EINVAL, "%s: made for label '%s', not '%s'", path,
			      f->label, want);
	if (f->since != o->spec.since || f->until != o->spec.until)
		return errmsg(err, errlen, -EINVAL, "%s: made with the window --since %lld --until %lld,"
			      " not %lld..%lld", path, (long long)f->since, (long long)f->until,
			      (long long)o->spec.since, (long long)o->spec.until);
	if (f->k != k)
		return errmsg(err, errlen, -EINVAL, "%s: made with --folds %u, not %u", path, f->k, k);
	for (size_t j = 0; j < f->p || j < r->p; j++)
		if (j >= f->p || j >= r->p || strcmp(f->cols[j], r->names[j]) != 0)
			return errmsg(err, errlen, -EINVAL, "%s: made with other terms (or another"
				      " installed model's): column %zu is '%s' there, '%s' here", path,
				      j + 1, j < f->p ? f->cols[j] : "(none)",
				      j < r->p ? r->names[j] : "(none)");
	if (f->p_req != r->p_req || f->baseline_col != (size_t)r->baseline_col ||
	    f->baseline_added != r->baseline_added)
		return errmsg(err, errlen, -EINVAL, "%s: made with other terms: %zu term columns"
			      " there, %zu here", path, f->p_req, r->p_req);
	if (f->incumbent != incumbent_id)
		return errmsg(err, errlen, -EINVAL, "%s: made with %s --incumbent than this merge's",
			      path, f->incumbent && incumbent_id ? "another" : f->incumbent
			      ? "an" : "no");
	return 0;
}

/* An upper-triangular change of basis: diagonal d, first row top (top[0] unused). */
struct basis {
	double d[ACCUM_MAX_COLS + 2], top[ACCUM_MAX_COLS + 2];
};

/*
 * The change from the basis (mean m1, deviation s1, label mean y1) to
 * (m2, s2, y2): [1, z1, y - y1] B = [1, z2, y - y2].
 */
static void basis_change(size_t p, const double *m1, const double *s1, double y1,
			 const double *m2, const double *s2, double y2, struct basis *b)
{
	b->d[0] = 1.0;
	b->top[0] = 0.0;
	for (size_t j = 0; j < p; j++) {
		double a = s1[j] > 0 ? s1[j] : 1.0, c = s2[j] > 0 ? s2[j] : 1.0;
		b->d[j + 1] = a / c;
		b->top[j + 1] = (m1[j] - m2[j]) / c;
	}
	b->d[p + 1] = 1.0;
	b->top[p + 1] = y1 - y2;
}

/* (R B)(i, j) for upper-triangular R given by get(i, j) (i <= j). */
#define TIMES_BASIS(get, i, j, b) \
	((get((i), (j))) * (b)->d[(j)] + ((i) == 0 && (j) > 0 ? (get(0, 0)) * (b)->top[(j)] : 0.0))

struct merge {
	size_t p, c;
	unsigned k;
	gsl_multilarge_linear_workspace *w[ACCUM_MAX_FOLDS];
	gsl_matrix *X;
	gsl_vector *zero;
	bool have_basis;            /* basis 0: the first file with rows */
	double m0[ACCUM_MAX_COLS], s0[ACCUM_MAX_COLS], y0;
	uint64_t n, fold_n[ACCUM_MAX_FOLDS];
	double mean[ACCUM_MAX_COLS + 1], m2[ACCUM_MAX_COLS + 1];   /* Chan's, label last */
	struct merge_host {
		char name[FACTOR_HOST_MAX];
		size_t file;               /* the index of the factor file naming it */
	} *hosts;
	size_t nhosts, cap, file;
};

static void merge_free(struct merge *m)
{
	for (unsigned f = 0; f < ACCUM_MAX_FOLDS; f++)
		if (m->w[f])
			gsl_multilarge_linear_free(m->w[f]);
	gsl_matrix_free(m->X);
	gsl_vector_free(m->zero);
	free(m->hosts);
}

static void chan(struct merge *m, size_t j, uint64_t nb, double mb, double m2b)
{
	uint64_t na = m->n;
	double n = (double)(na + nb), delta = mb - m->mean[j];
	m->mean[j] += delta * (double)nb / n;
	m->m2[j] += m2b + delta * delta * (double)na * (double)nb / n;
}

static int merge_add(struct merge *m, const struct factor *f, char *err, size_t errlen)
{
	for (size_t h = 0; h < f->nhosts; h++) {
		if (m->nhosts == m->cap) {
			size_t cap = m->cap ? 2 * m->cap : 64;
			void *nh = realloc(m->hosts, cap * sizeof m->hosts[0]);
			if (nh == NULL)
				return errmsg(err, errlen, -ENOMEM, "out of memory");
			m->hosts = nh;
			m->cap = cap;
		}
		memcpy(m->hosts[m->nhosts].name, f->hosts[h], FACTOR_HOST_MAX);
		m->hosts[m->nhosts++].file = m->file;
	}
	if (f->rows_used == 0)
		return 0;
	size_t p = m->p, c = m->c;
	if (!m->have_basis) {
		memcpy(m->m0, f->mean, p * sizeof f->mean[0]);
		memcpy(m->s0, f->sd, p * sizeof f->sd[0]);
		m->y0 = f->ymean;
		m->have_basis = true;
	}
	struct basis b;
	basis_change(p, f->mean, f->sd, f->ymean, m->m0, m->s0, m->y0, &b);
	for (unsigned k = 0; k < m->k; k++) {
		if (f->n[k] == 0)
			continue;
		const double *R = f->R[k];
#define GET_F(i, j) R[tri_index(c, (i), (j))]
		gsl_matrix_set_zero(m->X);
		for (size_t i = 0; i < c; i++)
			for (size_t j = i; j < c; j++)
				gsl_matrix_set(m->X, i, j, TIMES_BASIS(GET_F, i, j, &b));
#undef GET_F
		int s = gsl_multilarge_linear_accumulate(m->X, m->zero, m->w[k]);
		gsl_vector_set_zero(m->zero);
		if (s != GSL_SUCCESS)
			return errmsg(err, errlen, -EDOM, "stacking factors (TSQR): %s", gsl_strerror(s));
		m->fold_n[k] += f->n[k];
	}
	uint64_t nb = f->rows_used;
	for (size_t j = 0; j < p; j++)
		chan(m, j, nb, f->mean[j], nb > 1 ? f->sd[j] * f->sd[j] * (double)(nb - 1) : 0.0);
	chan(m, p, nb, f->ymean, f->ysst);
	m->n += nb;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	const struct merge_host *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->file > y->file) - (x->file < y->file);
}

/* The pooled folds into r->F, the hosts into r->stats; a host named by
 * two files into r->warning. */
static int merge_finish(struct merge *m, struct train_result *r, char *const *files,
			char *err, size_t errlen)
{
	size_t p = m->p, c = m->c;
	struct folds *F = &r->F;
	memset(F, 0, sizeof *F);
	if (m->nhosts)
		qsort(m->hosts, m->nhosts, sizeof m->hosts[0], by_name);
	size_t distinct = 0;
	for (size_t h = 0; h < m->nhosts; h++) {
		if (h == 0 || strcmp(m->hosts[h].name, m->hosts[h - 1].name) != 0) {
			distinct++;
			continue;
		}
		if (r->warning[0] == '\0' && m->hosts[h].file != m->hosts[h - 1].file)
			snprintf(r->warning, sizeof r->warning, "host %s is in more than one factor file"
				 " (%s, %s): right for two histories of it, twice its rows if one"
				 " was fitted twice", m->hosts[h].name, files[m->hosts[h - 1].file],
				 files[m->hosts[h].file]);
	}
	r->stats.hosts = distinct;
	if (m->nhosts)
		snprintf(r->stats.first_host, sizeof r->stats.first_host, "%s", m->hosts[0].name);
	for (unsigned k = 0; k < m->k; k++)
		if (m->fold_n[k] < c)
			return errmsg(err, errlen, -ENODATA, "time block %u of %u has only %llu usable"
				      " rows (needs at least %zu): too few rows, or use fewer --folds",
				      k + 1, m->k, (unsigned long long)m->fold_n[k], c);
	F->p = p;
	F->k = m->k;
	F->n_total = m->n;
	for (size_t j = 0; j < p; j++) {
		F->mean[j] = m->mean[j];
		F->scale[j] = m->n > 1 ? sqrt(m->m2[j] / (double)(m->n - 1)) : 0;
	}
	F->ymean = m->mean[p];
	F->sst = m->m2[p];
	struct basis b;
	basis_change(p, m->m0, m->s0, m->y0, F->mean, F->scale, F->ymean, &b);
	for (unsigned k = 0; k < m->k; k++) {
		F->n[k] = m->fold_n[k];
		const gsl_matrix *Ru = gsl_multilarge_linear_matrix_ptr(m->w[k]);
		F->R[k] = gsl_matrix_calloc(c, c);
		if (F->R[k] == NULL || Ru == NULL || Ru->size1 < c || Ru->size2 < c)
			return errmsg(err, errlen, -ENOMEM, "out of memory");
#define GET_U(i, j) gsl_matrix_get(Ru, (i), (j))
		for (size_t i = 0; i < c; i++)
			for (size_t j = i; j < c; j++)
				gsl_matrix_set(F->R[k], i, j, TIMES_BASIS(GET_U, i, j, &b));
#undef GET_U
	}
	return 0;
}

void partial_scale_label(struct factor *f, double s)
{
	size_t c = f->p + 2;
	for (unsigned k = 0; k < f->k; k++)
		for (size_t i = 0; i < c; i++)
			f->R[k][tri_index(c, i, c - 1)] *= s;
	f->ymean *= s;
	f->ysst *= s * s;
}

void partial_host_sums(const struct factor *f, const struct train_result *r, double *spp,
		       double *syp)
{
	size_t c = f->p + 2;
	double u[ACCUM_MAX_COLS + 2] = { 0 }, v[ACCUM_MAX_COLS + 2] = { 0 };
	/* the prediction and the label over the file's columns [1, z, y - ymean] */
	u[0] = r->fit.intercept;
	for (size_t j = 0; j < r->fit.ncols; j++) {
		int col = r->fit.cols[j];
		double w = r->fit.coef[j] / r->F.scale[col];
		double sd = f->sd[col] > 0 ? f->sd[col] : 1;
		u[0] += w * (f->mean[col] - r->F.mean[col]);
		u[1 + col] += w * sd;
	}
	v[0] = f->ymean;
	v[c - 1] = 1;
	*spp = *syp = 0;
	for (unsigned k = 0; k < f->k; k++) {
		if (f->n[k] == 0)
			continue;
		for (size_t i = 0; i < c; i++) {
			double ru = 0, rv = 0;   /* row i of R times u and v (R upper triangular) */
			for (size_t j = i; j < c; j++) {
				double rij = f->R[k][tri_index(c, i, j)];
				ru += rij * u[j];
				rv += rij * v[j];
			}
			*spp += ru * ru;
			*syp += rv * ru;
		}
	}
}

int partial_merge(const struct train_opts *o, char *const *files, size_t n,
		  uint64_t incumbent_id, struct train_result *r, char *err, size_t errlen)
{
	return partial_merge_scaled(o, files, n, incumbent_id, NULL, r, err, errlen);
}

int partial_merge_scaled(const struct train_opts *o, char *const *files, size_t n,
			 uint64_t incumbent_id, const double *yscale, struct train_result *r,
			 char *err, size_t errlen)
{
	int rc = train_plan(o, r, err, errlen);
	if (rc < 0)
		return rc;
	if (n == 0)
		return errmsg(err, errlen, -ENOENT, "no factor files given (directories hold *.factor)");
	struct merge m = { .p = r->p, .c = r->p + 2, .k = o->folds ? o->folds : 5 };
	struct factor *f = malloc(sizeof *f);
	m.X = gsl_matrix_alloc(m.c, m.c);
	m.zero = gsl_vector_calloc(m.c);
	bool ok = f && m.X && m.zero;
	for (unsigned k = 0; k < m.k && ok; k++)
		ok = (m.w[k] = gsl_multilarge_linear_alloc(gsl_multilarge_linear_tsqr, m.c)) != NULL;
	if (!ok)
		rc = errmsg(err, errlen, -ENOMEM, "out of memory");
	r->tmin = INT64_MAX;
	r->tmax = INT64_MIN;
	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = factor_read(files[i], f, err, errlen);
		if (rc == 0)
			rc = same_run(f, o, r, m.k, incumbent_id, files[i], err, errlen);
		if (rc == 0 && yscale && yscale[i] != 1)
			partial_scale_label(f, yscale[i]);
		m.file = i;
		if (rc == 0)
			rc = merge_add(&m, f, err, errlen);
		if (rc < 0)
			break;
		r->stats.rows_read += f->rows_read;
		r->stats.rows_used += f->rows_used;
		r->stats.rows_skipped += f->rows_skipped;
		for (size_t j = 0; j < f->p_req; j++)
			r->stats.unknown[j] += f->unknown[j];
		for (unsigned k = 0; k < m.k; k++)
			r->inc_sse[k] += f->inc_sse[k];
		if (f->tmin <= f->tmax) {
			r->tmin = f->tmin < r->tmin ? f->tmin : r->tmin;
			r->tmax = f->tmax > r->tmax ? f->tmax : r->tmax;
		}
	}
	free(f);
	if (rc == 0 && r->tmin > r->tmax)
		rc = errmsg(err, errlen, -ENODATA, "too few usable rows: no row with a known '%s'"
			    " in the factors' histories within --since/--until", o->spec.label);
	if (rc == 0)
		rc = merge_finish(&m, r, files, err, errlen);
	merge_free(&m);
	if (rc == 0) {
		r->F.tmin = o->spec.since;
		r->F.tmax = o->spec.until;
		rc = train_solve(o, r, NULL, err, errlen);
	}
	return rc;
}
