/*
 * train: one training run, from history files to a validated fit.
 *
 * One streaming pass (dataset_stream) feeds the per-fold accumulators
 * (accum), the bounded samples for the robust fit and the plots (sample),
 * the installed model's error per fold and, if asked, the CSV export.
 * Then, from the fold factors alone (cv): the term set (given, or chosen
 * by forward selection, select), the fit (OLS, ridge with lambda by
 * blocked CV or the L-curve, or bisquare on the sample, robust), and the
 * same blocked-CV figures on the same rows for a one-feature baseline
 * (load1_per_core) and the installed model: its terms refitted by the same
 * blocked CV (incumbent_cv: the fair "CV error of the installed model"),
 * and its file's coefficients as they are (incumbent: flattering when it
 * was trained on these rows).  Every row used has all candidate terms and
 * load1_per_core known (so all figures share rows); the installed model's
 * other terms take its fill value when unknown, as the elim does.
 *
 * Errors: a negative errno with a message in err: -ENODATA too few rows,
 * -EDOM constant or collinear terms / a failed fit (both "the data cannot
 * give a model"), other values for unreadable input or output.
 */
#ifndef ELIM_RANK_TRAIN_H
#define ELIM_RANK_TRAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "accum.h"
#include "cv.h"
#include "dataset.h"
#include "model.h"
#include "sample.h"
#include "select.h"

#define TRAIN_MIN_ROWS_PER_TERM 10
#define TRAIN_PLOT_ROWS 2000
#define TRAIN_ROBUST_ROWS 20000        /* default sample for --method robust */
#define TRAIN_ROBUST_BYTES (8 << 20)   /* hard bound on that sample's memory */
#define TRAIN_MAX_HOSTS 256            /* distinct hosts one partial fit lists */

enum train_method { TRAIN_OLS, TRAIN_RIDGE, TRAIN_ROBUST };
enum train_lambda { TRAIN_LAMBDA_CV, TRAIN_LAMBDA_LCURVE, TRAIN_LAMBDA_FIXED };

struct train_opts {
	struct dataset_spec spec;          /* terms: the candidate terms */
	enum train_method method;
	enum train_lambda lambda_rule;
	double lambda;                     /* TRAIN_LAMBDA_FIXED */
	unsigned folds;                    /* 2..ACCUM_MAX_FOLDS */
	bool select;                       /* forward selection among the terms */
	size_t max_terms;                  /* cap for selection */
	size_t robust_rows;                /* sample size for TRAIN_ROBUST */
	uint64_t seed;
	const struct model *incumbent;     /* compared on the same rows; may be NULL */
	const char *csv_path;              /* --export-csv; may be NULL */
	bool drop_constant;                /* leave out terms constant on these rows
					      (default terms) instead of failing */
	bool window_grid;                  /* the fold grid is [since, until] (both set),
					      not the span of the rows found */
	bool partial;                      /* accumulate only (a partial fit, partial.h):
					      folds may be short or empty, no fit */
	uint64_t class_refs_id;            /* the labels' class references (acct_refs_id),
					      recorded in factor files; 0: none */
};

/* Error of a model that is not refitted here, or of the baseline. */
struct train_eval {
	bool present;
	double cv_rmse;                    /* sqrt(sum of held-out sse / n) */
	double sse[ACCUM_MAX_FOLDS];
	double r2;                         /* 1 - sse / sst on the same rows */
	char note[256];
};

struct train_result {
	const struct feature_schema *schema;  /* the run's (o->spec.schema); not owned */
	struct dataset_stats stats;
	int64_t tmin, tmax;
	size_t p;                          /* columns accumulated: p_req, then the */
	size_t p_req;                      /* installed model's other terms (filled) */
	struct model_term cols[ACCUM_MAX_COLS];
	char names[ACCUM_MAX_COLS][MODEL_EXPR_MAX];
	const char *name_ptr[ACCUM_MAX_COLS];
	int baseline_col;
	bool baseline_added;               /* load1_per_core only for the baseline */
	struct folds F;
	struct cv_fit fit;                 /* the model; fit.cols index cols[] */
	const char *method;                /* "ols", "ridge", "robust-bisquare" */
	const char *lambda_rule;           /* "cv", "lcurve", "fixed" or NULL */
	bool robust_maxiter;
	size_t robust_rows;                /* rows in the robust sample */
	struct select_step trace[SELECT_MAX_CANDIDATES + 1];
	size_t ntrace;
	struct train_eval baseline;
	struct train_eval incumbent;       /* the installed model as it is */
	struct train_eval incumbent_cv;    /* its terms refitted by the same blocked CV */
	int inc_cols[MODEL_MAX_TERMS];     /* the installed terms' columns, -1 if none */
	bool incumbent_in_sample;          /* its "window" meta overlaps these rows */
	struct sample plot;                /* up to TRAIN_PLOT_ROWS rows, by time */
	char warning[256];
	double inc_sse[ACCUM_MAX_FOLDS];   /* the installed model's squared error per fold */
	char hosts[TRAIN_MAX_HOSTS][64];   /* o->partial: the hosts of the rows used */
	size_t nhosts;
};

/*
 * Run it.  r must be released with train_result_free whatever the result.
 * With o->partial only the pass is made: r then holds the columns, stats,
 * hosts, data window, the installed model's error per fold and the fold
 * factors (r->F, folds possibly short), and no fit.
 */
int train_run(const struct train_opts *o, char *const *files, size_t nfiles,
	      struct train_result *r, char *err, size_t errlen);

/*
 * The steps of train_run around the pass, for a run whose rows come as
 * factors (partial.h).  train_plan zeroes r and fills its columns (the
 * terms, the baseline's, the installed model's) from o.  train_solve
 * then needs r->F (complete folds), stats, tmin/tmax and inc_sse filled
 * in, and does the rest: term selection, the fit, the comparisons.
 * robust: the sample --method robust fits on; NULL refuses that method.
 */
int train_plan(const struct train_opts *o, struct train_result *r, char *err, size_t errlen);
int train_solve(const struct train_opts *o, struct train_result *r, const struct sample *robust,
		char *err, size_t errlen);

void train_result_free(struct train_result *r);

/* The model of a successful run (terms, normalisation, coefficients). */
void train_to_model(const struct train_result *r, struct model *m);

/*
 * Was m trained on rows overlapping [tmin, tmax]?  True when its "window"
 * meta ("START END", as rank-train writes it) overlaps, or cannot be read
 * though m says it was trained ("rows" meta); false for a hand-set model.
 */
bool train_trained_on(const struct model *m, int64_t tmin, int64_t tmax);

/*
 * The installed model's error that decides whether it is replaced: as it
 * is when it was not trained on these rows (a fair out-of-sample figure,
 * and what runs), else its terms refitted by the same blocked CV.  NULL
 * when there is none.
 */
const struct train_eval *train_incumbent_error(const struct train_result *r);

/* The fitted model's prediction for sampled row i of r->plot. */
double train_predict_sample(const struct train_result *r, size_t i);

#endif
