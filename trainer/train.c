#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csv.h"
#include "robust.h"
#include "train.h"

struct pass {
	const struct train_opts *o;
	struct train_result *r;
	struct accum *acc;
	struct sample robust;
	bool use_robust;
	struct csv_out csv;
	bool use_csv;
	double xfull[ACCUM_MAX_COLS];
	size_t last_host;                  /* index in r->hosts of the last row's host */
	int status;
};

/* A partial fit's hosts (r->hosts): the row's, if new.  -E2BIG when full. */
static int note_host(struct pass *ps, const char *host)
{
	struct train_result *r = ps->r;
	if (ps->last_host < r->nhosts && strcmp(r->hosts[ps->last_host], host) == 0)
		return 0;
	for (size_t i = 0; i < r->nhosts; i++)
		if (strcmp(r->hosts[i], host) == 0) {
			ps->last_host = i;
			return 0;
		}
	if (r->nhosts == TRAIN_MAX_HOSTS || strlen(host) >= sizeof r->hosts[0])
		return -E2BIG;
	snprintf(r->hosts[r->nhosts], sizeof r->hosts[0], "%s", host);
	ps->last_host = r->nhosts++;
	return 0;
}

static int on_row(void *ctx, const struct dataset_row *row)
{
	struct pass *ps = ctx;
	struct train_result *r = ps->r;
	const double *x = row->x;
	if (r->p > r->p_req) {
		/* the installed model's own terms, filled as the elim fills them */
		memcpy(ps->xfull, row->x, r->p_req * sizeof *x);
		for (size_t j = r->p_req; j < r->p; j++) {
			double v = model_term_value(&r->cols[j], row->feat);
			ps->xfull[j] = isfinite(v) ? v : r->cols[j].fill;
		}
		x = ps->xfull;
	}
	int rc = accum_add(ps->acc, x, row->y, row->time);
	if (rc == 0 && ps->o->partial)
		rc = note_host(ps, row->host ? row->host : "");
	if (rc < 0) {
		ps->status = rc;
		return 1;
	}
	sample_offer(&r->plot, x, row->y, row->time);
	if (ps->use_robust)
		sample_offer(&ps->robust, x, row->y, row->time);
	if (ps->o->incumbent || ps->use_csv) {
		unsigned f = accum_fold_of(ps->acc, row->time);
		if (ps->o->incumbent) {
			double d = model_score(ps->o->incumbent, row->feat, NULL, NULL) - row->y;
			r->inc_sse[f] += d * d;
		}
		if (ps->use_csv && csv_row(&ps->csv, row->time, row->host, f, row->y, row->x) < 0) {
			ps->status = -EIO;
			return 1;
		}
	}
	return 0;
}

/* The candidate columns, with load1_per_core added for the baseline. */
static int plan(const struct train_opts *o, struct train_result *r, char *err, size_t errlen)
{
	r->p = o->spec.n_terms;
	memcpy(r->cols, o->spec.terms, r->p * sizeof r->cols[0]);
	r->baseline_col = -1;
	for (size_t i = 0; i < r->p; i++)
		if (r->cols[i].kind == TERM_FEATURE && r->cols[i].a == FEAT_load1_per_core)
			r->baseline_col = (int)i;
	if (r->baseline_col < 0) {
		if (r->p >= ACCUM_MAX_COLS) {
			snprintf(err, errlen, "too many terms: at most %d, or %d without load1_per_core"
				 " (the baseline needs it)", ACCUM_MAX_COLS, ACCUM_MAX_COLS - 1);
			return -EINVAL;
		}
		r->cols[r->p] = (struct model_term){ .kind = TERM_FEATURE, .a = FEAT_load1_per_core,
						     .scale = 1.0 };
		r->baseline_col = (int)r->p++;
		r->baseline_added = true;
	}
	r->p_req = r->p;
	/* the installed model's terms, for its refit: reuse a same column */
	const struct model *inc = o->incumbent;
	for (size_t t = 0; inc && t < inc->n_terms; t++) {
		char e1[MODEL_EXPR_MAX], e2[MODEL_EXPR_MAX];
		r->inc_cols[t] = -1;
		model_term_expr(&inc->terms[t], o->spec.schema, e1, sizeof e1);
		for (size_t i = 0; i < r->p && r->inc_cols[t] < 0; i++) {
			model_term_expr(&r->cols[i], o->spec.schema, e2, sizeof e2);
			if (strcmp(e1, e2) == 0)
				r->inc_cols[t] = (int)i;
		}
		if (r->inc_cols[t] < 0 && r->p < ACCUM_MAX_COLS) {
			r->cols[r->p] = inc->terms[t];
			r->inc_cols[t] = (int)r->p++;
		}
	}
	for (size_t i = 0; i < r->p; i++) {
		model_term_expr(&r->cols[i], o->spec.schema, r->names[i], sizeof r->names[i]);
		r->name_ptr[i] = r->names[i];
	}
	return 0;
}

static int too_few(const struct train_result *r, uint64_t need, char *err, size_t errlen)
{
	size_t worst = 0;
	for (size_t i = 1; i < r->p_req; i++)
		if (r->stats.unknown[i] > r->stats.unknown[worst])
			worst = i;
	int n = snprintf(err, errlen, "too few usable rows: %llu (read %llu with a known label,"
			 " skipped %llu with unknown values); need at least %llu",
			 (unsigned long long)r->stats.rows_used, (unsigned long long)r->stats.rows_read,
			 (unsigned long long)r->stats.rows_skipped, (unsigned long long)need);
	if (r->stats.rows_skipped > 0 && n > 0 && (size_t)n < errlen)
		snprintf(err + n, errlen - (size_t)n, "; most often unknown: %s (%llu rows)%s",
			 r->names[worst], (unsigned long long)r->stats.unknown[worst],
			 (int)worst == r->baseline_col && r->baseline_added
			 ? ", needed for the load1_per_core baseline" : "");
	return -ENODATA;
}

static void eval_incumbent(const struct train_opts *o, struct train_result *r)
{
	if (o->incumbent == NULL)
		return;
	double sum = 0;
	for (unsigned f = 0; f < r->F.k; f++) {
		r->incumbent.sse[f] = r->inc_sse[f];
		sum += r->inc_sse[f];
	}
	r->incumbent.present = true;
	r->incumbent.cv_rmse = sqrt(sum / (double)r->F.n_total);
	r->incumbent.r2 = r->F.sst > 0 ? 1.0 - sum / r->F.sst : 0.0;
	snprintf(r->incumbent.note, sizeof r->incumbent.note, "its own coefficients, not refitted");
}

/* The installed model's terms refitted by the same blocked CV (OLS). */
static void eval_incumbent_cv(const struct cv *cv, const struct model *inc, struct train_result *r)
{
	struct train_eval *e = &r->incumbent_cv;
	if (inc == NULL)
		return;
	int cols[ACCUM_MAX_COLS];
	size_t n = 0, dropped = 0;
	for (size_t t = 0; t < inc->n_terms; t++) {
		int c = r->inc_cols[t];
		if (c < 0) {
			snprintf(e->note, sizeof e->note, "too many columns to refit its terms here");
			return;
		}
		/* a constant term only moves the intercept: leave it out */
		if (!(r->F.scale[c] > 1e-12 * fmax(1.0, fabs(r->F.mean[c])))) {
			dropped++;
			continue;
		}
		bool dup = false;
		for (size_t i = 0; i < n; i++)
			dup |= cols[i] == c;
		if (!dup)
			cols[n++] = c;
	}
	double total;
	if (cv_error(cv, cols, n, 0, e->sse, &total) < 0) {
		snprintf(e->note, sizeof e->note, "its terms are collinear on these rows: not refitted");
		return;
	}
	e->present = true;
	e->cv_rmse = sqrt(total / (double)r->F.n_total);
	e->r2 = r->F.sst > 0 ? 1.0 - total / r->F.sst : 0.0;
	if (dropped)
		snprintf(e->note, sizeof e->note, "OLS on its %zu terms (%zu constant here, left out)",
			 n, dropped);
	else
		snprintf(e->note, sizeof e->note, "OLS on its %zu terms", n);
}

static void eval_baseline(const struct cv *cv, struct train_result *r)
{
	int col = r->baseline_col;
	struct cv_fit b;
	char e[256];
	if (!(r->F.scale[col] > 0)) {
		snprintf(r->baseline.note, sizeof r->baseline.note, "load1_per_core is constant on these rows");
		return;
	}
	if (cv_fit(cv, &col, 1, 0, &b, e, sizeof e) < 0) {
		snprintf(r->baseline.note, sizeof r->baseline.note, "%s", e);
		return;
	}
	r->baseline.present = true;
	r->baseline.cv_rmse = b.cv_rmse;
	memcpy(r->baseline.sse, b.cv_sse, sizeof b.cv_sse);
	r->baseline.r2 = b.r2;
	snprintf(r->baseline.note, sizeof r->baseline.note, "OLS on load1_per_core alone");
}

static int fit_robust(const struct cv *cv, const struct sample *s, const int *cols, size_t ncols,
		      struct train_result *r, char *err, size_t errlen)
{
	double c[ACCUM_MAX_COLS + 1], se[ACCUM_MAX_COLS + 1];
	bool maxit = false, any = false;
	int rc = robust_fit(&r->F, s, r->F.k, cols, ncols, c, se, &maxit, err, errlen);
	if (rc < 0)
		return rc;
	any |= maxit;
	cv_evaluate(cv, cols, ncols, c, 0, &r->fit);
	r->fit.intercept_se = se[0];
	for (size_t i = 0; i < ncols; i++)
		r->fit.se[i] = se[i + 1];
	r->fit.rcond = NAN;
	double total = 0;
	for (unsigned f = 0; f < r->F.k; f++) {
		rc = robust_fit(&r->F, s, f, cols, ncols, c, NULL, &maxit, err, errlen);
		if (rc < 0)
			return rc;
		any |= maxit;
		r->fit.cv_sse[f] = cv_fold_sse(&r->F, f, cols, ncols, c);
		total += r->fit.cv_sse[f];
	}
	r->fit.cv_rmse = sqrt(total / (double)r->F.n_total);
	r->robust_maxiter = any;
	r->robust_rows = s->n;
	if (any)
		snprintf(r->warning, sizeof r->warning,
			 "the bisquare iterations hit GSL's limit: the robust coefficients are the last iterate");
	return 0;
}

/* A training set is singular: name the first term whose removal cures it. */
static void name_singular(const struct cv *cv, const int *cols, size_t ncols,
			  const struct train_result *r, char *err, size_t errlen)
{
	int sub[ACCUM_MAX_COLS];
	for (size_t drop = 0; drop < ncols; drop++) {
		size_t n = 0;
		for (size_t i = 0; i < ncols; i++)
			if (i != drop)
				sub[n++] = cols[i];
		double total;
		if (cv_error(cv, sub, n, 0, NULL, &total) == 0) {
			snprintf(err, errlen, "term '%s' is constant or collinear with others within some"
				 " time blocks (a hinge that never bends there?), so a cross-validation"
				 " fit is singular: drop it, or use --method ridge", r->names[cols[drop]]);
			return;
		}
	}
}

/* The rows the terms need (and the baseline); the installed model's extra
 * columns are only refitted when the rows allow it. */
static uint64_t rows_needed(const struct train_result *r, unsigned k)
{
	uint64_t need = (uint64_t)TRAIN_MIN_ROWS_PER_TERM * (r->p_req + 1);
	if ((uint64_t)k * (r->p_req + 2) > need)
		need = (uint64_t)k * (r->p_req + 2);
	return need;
}

int train_plan(const struct train_opts *o, struct train_result *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	r->schema = o->spec.schema;
	return plan(o, r, err, errlen);
}

int train_run(const struct train_opts *o, char *const *files, size_t nfiles,
	      struct train_result *r, char *err, size_t errlen)
{
	struct pass ps = { .o = o, .r = r };
	int rc = train_plan(o, r, err, errlen);
	if (rc < 0)
		return rc;

	bool want[FEAT_VECTOR_LEN] = { false };
	struct dataset_spec spec = o->spec;
	spec.terms = r->cols;
	spec.n_terms = r->p_req;
	if (o->incumbent) {
		for (size_t i = 0; i < o->incumbent->n_terms; i++) {
			want[o->incumbent->terms[i].a] = true;
			if (o->incumbent->terms[i].kind == TERM_PRODUCT)
				want[o->incumbent->terms[i].b] = true;
		}
		spec.want = want;
	}
	unsigned k = o->folds ? o->folds : 5;
	if (o->window_grid && !(o->spec.since && o->spec.until && o->spec.since <= o->spec.until)) {
		snprintf(err, errlen, "the fold grid from the window needs --since and --until");
		return -EINVAL;
	}

	rc = dataset_time_range(&spec, files, nfiles, &r->tmin, &r->tmax, err, errlen);
	if (rc < 0)
		return rc;
	uint64_t need = rows_needed(r, k);
	if (r->tmin > r->tmax && !o->partial) {
		snprintf(err, errlen, "too few usable rows: no row with a known '%s' in the histories%s",
			 o->spec.label, o->spec.since || o->spec.until || o->spec.host
			 ? " within --since/--until/--host" : "");
		return -ENODATA;
	}
	if (o->window_grid)
		rc = accum_new(r->p, k, o->spec.since, o->spec.until, &ps.acc);
	else
		rc = accum_new(r->p, k, r->tmin, r->tmax, &ps.acc);
	if (rc == 0)
		rc = sample_init(&r->plot, r->p, TRAIN_PLOT_ROWS, o->seed + 1);
	if (rc == 0 && o->method == TRAIN_ROBUST && !o->partial) {
		size_t cap = o->robust_rows ? o->robust_rows : TRAIN_ROBUST_ROWS;
		size_t max = TRAIN_ROBUST_BYTES / ((r->p + 2) * sizeof(double));
		rc = sample_init(&ps.robust, r->p, cap < max ? cap : max, o->seed + 2);
		ps.use_robust = true;
	}
	if (rc < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (o->csv_path) {
		rc = csv_begin(&ps.csv, o->csv_path, o->spec.label, o->spec.schema, r->cols, r->p_req,
			       err, errlen);
		if (rc < 0)
			goto out;
		ps.use_csv = true;
	}

	rc = dataset_stream(&spec, files, nfiles, on_row, &ps, &r->stats, err, errlen);
	if (rc > 0 || ps.status) {
		rc = ps.status ? ps.status : -EIO;
		if (rc == -E2BIG)
			snprintf(err, errlen, "more than %d hosts (or a host name over %zu bytes) in one"
				 " partial fit: make one per host", TRAIN_MAX_HOSTS,
				 sizeof r->hosts[0] - 1);
		else
			snprintf(err, errlen, rc == -EIO && ps.use_csv ? "%s: write error"
				 : "accumulating rows failed", o->csv_path ? o->csv_path : "");
	}
	if (rc < 0)
		goto out;
	if (ps.use_csv) {
		ps.use_csv = false;
		rc = csv_commit(&ps.csv, err, errlen);
		if (rc < 0)
			goto out;
	}
	if (o->partial) {
		rc = accum_finish_partial(ps.acc, &r->F, err, errlen);
		goto out;
	}
	if (r->stats.rows_used < need) {
		rc = too_few(r, need, err, errlen);
		goto out;
	}
	rc = accum_finish(ps.acc, &r->F, err, errlen);
	if (rc < 0)
		goto out;
	rc = train_solve(o, r, ps.use_robust ? &ps.robust : NULL, err, errlen);
out:
	if (ps.use_csv)
		csv_abort(&ps.csv);
	sample_free(&ps.robust);
	accum_free(ps.acc);
	return rc;
}

int train_solve(const struct train_opts *o, struct train_result *r, const struct sample *robust,
		char *err, size_t errlen)
{
	struct cv cv = { 0 };
	int rc;
	uint64_t need = rows_needed(r, r->F.k);
	if (r->stats.rows_used < need)
		return too_few(r, need, err, errlen);
	if (o->method == TRAIN_ROBUST && robust == NULL) {
		snprintf(err, errlen, "--method robust needs the rows themselves, which factor files do"
			 " not hold: train it on the pooled histories");
		return -EINVAL;
	}
	rc = cv_prepare(&cv, &r->F, err, errlen);
	if (rc < 0)
		goto out;
	sample_sort_by_time(&r->plot);
	/* the term set */
	int cols[ACCUM_MAX_COLS];
	size_t ncols = 0;
	size_t user = r->baseline_added ? r->p_req - 1 : r->p_req;
	if (o->select) {
		int cand[ACCUM_MAX_COLS];
		size_t ncand = 0;
		for (size_t i = 0; i < user; i++)
			if (r->F.scale[i] > 1e-12 * fmax(1.0, fabs(r->F.mean[i])))
				cand[ncand++] = (int)i;
		size_t cap = o->max_terms ? o->max_terms : 8;
		rc = select_forward(&cv, cand, ncand, cap, 0, cols, &ncols, r->trace, &r->ntrace);
		if (rc < 0) {
			snprintf(err, errlen, "forward selection failed");
			goto out;
		}
		if (ncols == 0) {
			snprintf(err, errlen, "forward selection: no candidate term lowers the cross-validated"
				 " error of the mean alone (%.4g): nothing to model", r->trace[0].cv_rmse);
			rc = -EDOM;
			goto out;
		}
	} else {
		size_t dropped = 0;
		char names[192] = "";
		for (size_t i = 0; i < user; i++) {
			if (o->drop_constant && !(r->F.scale[i] > 1e-12 * fmax(1.0, fabs(r->F.mean[i])))) {
				size_t l = strlen(names);
				snprintf(names + l, sizeof names - l, "%s%s", dropped ? ", " : "", r->names[i]);
				dropped++;
				continue;   /* only moves the intercept */
			}
			cols[ncols++] = (int)i;
		}
		if (dropped && !r->warning[0])
			snprintf(r->warning, sizeof r->warning,
				 "left out %zu default term(s) constant on these rows: %s", dropped, names);
	}
	rc = cv_check(&cv, cols, ncols, r->name_ptr, err, errlen);
	if (rc < 0)
		goto out;

	/* the fit */
	double lambda = 0;
	switch (o->method) {
	case TRAIN_OLS:
		r->method = "ols";
		rc = cv_fit(&cv, cols, ncols, 0, &r->fit, err, errlen);
		if (rc == -EDOM)
			name_singular(&cv, cols, ncols, r, err, errlen);
		break;
	case TRAIN_RIDGE:
		r->method = "ridge";
		if (o->lambda_rule == TRAIN_LAMBDA_FIXED) {
			lambda = o->lambda;
			r->lambda_rule = "fixed";
		} else if (o->lambda_rule == TRAIN_LAMBDA_LCURVE) {
			r->lambda_rule = "lcurve";
			rc = cv_lcurve_lambda(&cv, cols, ncols, &lambda, err, errlen);
		} else {
			r->lambda_rule = "cv";
			rc = cv_choose_lambda(&cv, cols, ncols, &lambda, err, errlen);
		}
		if (rc == 0)
			rc = cv_fit(&cv, cols, ncols, lambda, &r->fit, err, errlen);
		break;
	case TRAIN_ROBUST:
		r->method = "robust-bisquare";
		rc = fit_robust(&cv, robust, cols, ncols, r, err, errlen);
		break;
	}
	if (rc < 0)
		goto out;
	r->fit.ncols = ncols;
	memcpy(r->fit.cols, cols, ncols * sizeof cols[0]);
	r->fit.lambda = lambda;

	eval_baseline(&cv, r);
	eval_incumbent(o, r);
	eval_incumbent_cv(&cv, o->incumbent, r);
	if (o->incumbent)
		r->incumbent_in_sample = train_trained_on(o->incumbent, r->tmin, r->tmax);
	rc = 0;
out:
	cv_free(&cv);
	return rc;
}

static bool parse_iso(const char *s, int64_t *out)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL)
		return false;
	*out = (int64_t)timegm(&tm);
	return true;
}

bool train_trained_on(const struct model *m, int64_t tmin, int64_t tmax)
{
	const char *w = model_meta_get(m, "window");
	if (w == NULL)
		return model_meta_get(m, "rows") != NULL;
	int64_t a, b;
	const char *sp = strchr(w, ' ');
	if (sp == NULL || !parse_iso(w, &a) || !parse_iso(sp + 1, &b))
		return true;
	return a <= tmax && b >= tmin;
}

const struct train_eval *train_incumbent_error(const struct train_result *r)
{
	if (r->incumbent_in_sample && r->incumbent_cv.present)
		return &r->incumbent_cv;
	if (r->incumbent.present && !r->incumbent_in_sample)
		return &r->incumbent;
	return NULL;
}

void train_result_free(struct train_result *r)
{
	folds_free(&r->F);
	sample_free(&r->plot);
}

void train_to_model(const struct train_result *r, struct model *m)
{
	memset(m, 0, sizeof *m);
	m->schema = r->schema;
	m->intercept = r->fit.intercept;
	m->n_terms = r->fit.ncols;
	for (size_t i = 0; i < r->fit.ncols; i++) {
		int c = r->fit.cols[i];
		m->terms[i] = r->cols[c];
		m->terms[i].mean = r->F.mean[c];
		m->terms[i].scale = r->F.scale[c];
		m->terms[i].coef = r->fit.coef[i];
		m->terms[i].fill = r->F.mean[c];
	}
}

double train_predict_sample(const struct train_result *r, size_t i)
{
	const double *x = r->plot.x + i * r->plot.p;
	double y = r->fit.intercept;
	for (size_t j = 0; j < r->fit.ncols; j++) {
		int c = r->fit.cols[j];
		y += r->fit.coef[j] * (x[c] - r->F.mean[c]) / r->F.scale[c];
	}
	return y;
}
