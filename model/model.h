/*
 * model: the rank model's file format, its parser, its writer and scoring.
 *
 * A model predicts the slowdown of a newly started job (1.0 = idle speed)
 * as   intercept + sum_i coef_i * (term_i(x) - mean_i) / scale_i
 * where term_i(x) is a feature or a simple function of features, and an
 * unknown (NAN) term value is replaced by the term's fill value first.
 * The format is documented in elim-rank.model(5).  A struct model is
 * fixed-size and owns no memory, so callers can parse into a spare one and
 * swap it in only when parsing succeeded.
 */
#ifndef ELIM_RANK_MODEL_H
#define ELIM_RANK_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "feature_set.h"

#define MODEL_FORMAT_VERSION 1
#define MODEL_MAX_TERMS 64
#define MODEL_MAX_META 16
#define MODEL_MAX_FILE (1 << 20)
#define MODEL_ID_LEN 16
#define MODEL_EXPR_MAX 256   /* a term's expression, written, with its NUL */
#define MODEL_MAX_SPEED 256  /* speed lines */
#define MODEL_SPEED_MIN 0.01 /* a speed factor's limits */
#define MODEL_SPEED_MAX 100.0
#define MODEL_SPEED_REF_MAX 1e6   /* a speed-reference line's seconds per unit, at most */
#define MODEL_SPEED_REF_WORK_MAX 1000000   /* ... and its probe work version */

enum term_kind {
	TERM_FEATURE,  /* x                  written  name          */
	TERM_SQUARE,   /* x * x              written  sq(name)      */
	TERM_PRODUCT,  /* x * y              written  mul(a,b); a factor may be a
	                *                     hinge: mul(hinge(a,k),b), mul(a,hinge(b,k)) */
	TERM_HINGE,    /* max(0, x - knot)   written  hinge(name,k) */
};

struct model_term {
	enum term_kind kind;
	int a, b;        /* feature ids; b only for TERM_PRODUCT */
	double knot;     /* TERM_HINGE; TERM_PRODUCT with hinge_a */
	bool hinge_a;    /* TERM_PRODUCT: factor a is max(0, x[a] - knot) */
	bool hinge_b;    /* TERM_PRODUCT: factor b is max(0, x[b] - knot_b) */
	double knot_b;   /* TERM_PRODUCT with hinge_b */
	double mean;     /* normalisation: (t - mean) / scale */
	double scale;    /* > 0 */
	double coef;
	double fill;     /* term value used when it is unknown */
};

struct model_meta {
	char key[32];
	char value[128];
};

/* A host's speed factor (a "speed HOST FACTOR" line): the run time of a
 * new job on that host idle over its run time on the cluster's reference
 * host idle.  host is a name or a glob (lib/hostmatch.h). */
struct model_speed {
	char host[64];
	double factor;   /* MODEL_SPEED_MIN .. MODEL_SPEED_MAX */
};

struct model {
	double intercept;
	size_t n_terms;
	struct model_term terms[MODEL_MAX_TERMS];
	size_t n_meta;
	struct model_meta meta[MODEL_MAX_META];
	size_t n_speed;
	struct model_speed speed[MODEL_MAX_SPEED];   /* in file order */
	/* "speed-reference SECONDS [work VERSION]": the reference host's idle
	 * seconds per probe speed unit (probe_unit_seconds), 0 when the file
	 * has no such line, and the probe work version it was measured with
	 * (0: not said, any) */
	double speed_reference;
	unsigned speed_reference_work;
	char id[MODEL_ID_LEN + 1];   /* hash of the file's text, hex */
	/* the schema it was parsed under (not owned; must outlive the
	 * model), or NULL: static features only; model_write names by it */
	const struct feature_schema *schema;
};

struct model_error {
	int line;        /* 0 when the problem is not on a line */
	char msg[192];
};

/* Rank limits: 100 x slowdown, kept finite and short for LIM. */
#define RANK_MIN 10.0
#define RANK_MAX 10000.0

/* The embedded default model's text (generated from model/default.model). */
extern const char model_default_text[];

/*
 * Parse text[0..len) into *out, resolving feature names in schema (NULL:
 * static features only); out->schema keeps the pointer for model_write and
 * model_save.  Returns 0, or -EINVAL with err filled in (line number and
 * problem).  *out is only meaningful on success.
 */
int model_parse(const char *text, size_t len, const struct feature_schema *schema,
		struct model *out, struct model_error *err);

/*
 * Read and parse a model file under schema (NULL: static features only).
 * Returns 0, or a negative errno with err filled in (line 0 for I/O
 * problems).
 */
int model_load_file(const char *path, const struct feature_schema *schema,
		    struct model *out, struct model_error *err);

/* Parse the embedded default model (static features only); it is tested,
 * so failure is a bug. */
int model_load_default(struct model *out, struct model_error *err);

/* A new job never runs faster than on the idle host: the floor of every
 * predicted slowdown, embedded and trained models alike. */
#define MODEL_SLOWDOWN_FLOOR 1.0

/*
 * The model's sum for a feature vector of FEAT_VECTOR_LEN values (NAN =
 * unknown), before the floor: intercept plus the terms' contributions.
 * contrib, when not NULL, receives n_terms contributions and term_values,
 * when not NULL, the (filled) term values.
 */
double model_sum(const struct model *m, const double *features,
		 double *contrib, double *term_values);

/*
 * Predicted slowdown: model_sum floored at MODEL_SLOWDOWN_FLOOR (signed
 * moves since a probe taken under load can take the sum under idle; a host
 * must never read faster than idle).  NAN stays NAN.  The one place the
 * floor is applied: the rank, --explain and the trainer's incumbent all
 * score through it.
 */
double model_score(const struct model *m, const double *features,
		   double *contrib, double *term_values);

/* rank = 100 x slowdown, clamped to [RANK_MIN, RANK_MAX]; NAN -> RANK_MAX. */
double model_rank(double slowdown);

/* The raw value of one term (NAN when an input is unknown). */
double model_term_value(const struct model_term *t, const double *features);

/* Do two terms compute the same expression (coefficients aside)? */
bool model_term_same(const struct model_term *x, const struct model_term *y);

/*
 * Parse one term expression ("cpu_busy", "sq(x)", "mul(a,b)", "hinge(x,k)",
 * "mul(hinge(a,k),b)", "mul(hinge(a,k),hinge(b,j))")
 * with names from schema (NULL: static only) into t (kind, a, b, knot; the
 * rest zeroed, scale 1).  Returns 0 or -EINVAL with err filled in (line 0).
 */
int model_parse_expr(const char *expr, const struct feature_schema *schema,
		     struct model_term *t, struct model_error *err);

/*
 * Write the model to path atomically: a temporary file in the same
 * directory, fsync, rename.  The text is parsed back before the rename, so
 * an unreadable model never replaces a good one.  Returns 0 or a negative
 * errno with a message naming the file in err.
 */
int model_save(const struct model *m, const char *path, struct model_error *err);

/*
 * Write a term's expression ("hinge(cpu_busy,0.5)") with names from schema
 * (NULL: static only) into buf.  Returns 0, -EINVAL for a term on a slot
 * the schema does not bind ("?" in buf) or -ENAMETOOLONG.
 */
int model_term_expr(const struct model_term *t, const struct feature_schema *schema,
		    char *buf, size_t size);

/* Write the model in the file format, naming features by m->schema.
 * Returns 0 or a negative errno. */
int model_write(const struct model *m, FILE *f);

/* The value of a meta key, or NULL. */
const char *model_meta_get(const struct model *m, const char *key);

/* Set (add or replace) a meta key; returns 0 or -ENOSPC / -EINVAL. */
int model_meta_set(struct model *m, const char *key, const char *value);

/*
 * The speed line for host: one naming it exactly (hostmatch.h: short and
 * full names match) before any glob, globs in file order.  Returns its
 * index in m->speed, or -1 when no line names host.
 */
int model_speed_for(const struct model *m, const char *host);

/* FNV-1a 64-bit hash of data as 16 hex digits into out[MODEL_ID_LEN + 1]. */
void model_hash_text(const char *data, size_t len, char *out);

#endif
