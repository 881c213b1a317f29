#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "candidates.h"
#include "feature_set.h"
#include "select.h"

/* Append t unless it is there already.  Returns 0 or -E2BIG when full. */
static int add_term(struct model_term *terms, size_t *n, const struct model_term *t)
{
	for (size_t i = 0; i < *n; i++)
		if (model_term_same(&terms[i], t))
			return 0;
	if (*n >= MODEL_MAX_TERMS)
		return -E2BIG;
	terms[(*n)++] = *t;
	return 0;
}

int candidates_parse(const char *list, const struct feature_schema *schema,
		     struct model_term *terms, size_t *n, char *err, size_t errlen)
{
	char buf[4096];
	if (snprintf(buf, sizeof buf, "%s", list) >= (int)sizeof buf) {
		snprintf(err, errlen, "--terms: list too long");
		return -EINVAL;
	}
	*n = 0;
	/* split on commas that are not inside parentheses */
	int depth = 0;
	char *start = buf;
	for (char *p = buf;; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		if ((*p == ',' && depth == 0) || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (*start) {
				struct model_error merr;
				struct model_term t;
				if (model_parse_expr(start, schema, &t, &merr) < 0) {
					snprintf(err, errlen, "--terms: %s", merr.msg);
					return -EINVAL;
				}
				if (add_term(terms, n, &t) < 0) {
					snprintf(err, errlen, "--terms: at most %d terms", MODEL_MAX_TERMS);
					return -EINVAL;
				}
			}
			if (c == '\0')
				break;
			start = p + 1;
		}
	}
	if (*n == 0) {
		snprintf(err, errlen, "--terms: no terms given");
		return -EINVAL;
	}
	return 0;
}

int candidates_default(bool all_features, const struct feature_schema *schema,
		       struct model_term *terms, size_t *n, char *err, size_t errlen)
{
	struct model def;
	struct model_error merr;
	if (model_load_default(&def, &merr) < 0) {
		snprintf(err, errlen, "embedded model: line %d: %s", merr.line, merr.msg);
		return -EINVAL;
	}
	*n = def.n_terms;
	memcpy(terms, def.terms, def.n_terms * sizeof terms[0]);
	if (all_features)
		for (int f = 0; f < FEAT_VECTOR_LEN; f++) {
			if (feature_name(schema, f) == NULL)
				continue;   /* an unbound slot */
			if (f == FEAT_host_speed_factor)
				continue;   /* the rank basis's factor, applied after the model
					     * (elim/host_speed.h): a term on it would count it twice */
			if (f == FEAT_probe_held_total || f == FEAT_probe_skipped_total)
				continue;   /* counters of the elim's own hold (probe_hold.h), not load */
			struct model_term t = { .kind = TERM_FEATURE, .a = f, .scale = 1.0 };
			add_term(terms, n, &t);
		}
	return 0;
}

int candidates_check_count(const struct model_term *terms, size_t n, char *err, size_t errlen)
{
	bool has_load1 = false;
	for (size_t i = 0; i < n; i++)
		has_load1 |= terms[i].kind == TERM_FEATURE && terms[i].a == FEAT_load1_per_core;
	if (n > (size_t)(has_load1 ? SELECT_MAX_CANDIDATES : SELECT_MAX_CANDIDATES - 1)) {
		snprintf(err, errlen, "--terms: at most %d terms (%d without load1_per_core, which"
			 " the baseline needs)", SELECT_MAX_CANDIDATES, SELECT_MAX_CANDIDATES - 1);
		return -E2BIG;
	}
	return 0;
}

void candidates_keep_known(const double *known, struct model_term *terms, size_t *n,
			   struct candidates_dropped *dropped, size_t *ndropped)
{
	size_t keep = 0;
	*ndropped = 0;
	for (size_t i = 0; i < *n; i++) {
		const struct model_term t = terms[i];
		double k = known[t.a];
		if (t.kind == TERM_PRODUCT && known[t.b] < k)
			k = known[t.b];
		if (t.a != FEAT_load1_per_core && !(k >= CANDIDATES_MIN_KNOWN)) {
			dropped[(*ndropped)++] = (struct candidates_dropped){ .term = t, .known = k };
			continue;
		}
		terms[keep++] = t;
	}
	*n = keep;
}

int candidates_drop_unknown(const struct dataset_spec *spec, char *const *files, size_t nfiles,
			    struct model_term *terms, size_t *n,
			    struct candidates_dropped *dropped, size_t *ndropped,
			    char *err, size_t errlen)
{
	double known[FEAT_VECTOR_LEN];
	struct dataset_spec probe = *spec;
	probe.n_terms = 0;
	*ndropped = 0;
	int rc = dataset_known_share(&probe, files, nfiles, CANDIDATES_PROBE_ROWS, known,
				     err, errlen);
	if (rc < 0)
		return rc;
	candidates_keep_known(known, terms, n, dropped, ndropped);
	return 0;
}

void candidates_report_dropped(FILE *f, const struct feature_schema *schema,
			       const struct candidates_dropped *dropped, size_t n, bool select)
{
	for (size_t i = 0; i < n; i++) {
		char expr[MODEL_EXPR_MAX];
		double k = dropped[i].known;
		model_term_expr(&dropped[i].term, schema, expr, sizeof expr);
		fprintf(f, "%s %s left out: known in %.0f %% of the first rows only\n",
			select ? "select: candidate" : "terms: default term", expr,
			isfinite(k) ? 100 * k : 0.0);
	}
}
