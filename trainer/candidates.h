/*
 * candidates: the terms a training run may use.
 *
 * They are the --terms list, or by default the embedded model's terms
 * (and, for forward selection, every feature as a term of its own), less
 * the default ones whose features are mostly unknown in the histories'
 * first rows (the known-share filter: probe_slowdown before any probe ran,
 * a network feature a host never has).  A term named in --terms is the
 * user's choice and is never left out.
 *
 * The caller owns the term arrays (MODEL_MAX_TERMS entries).  Errors are
 * returned with a message in err; nothing here prints but
 * candidates_report_dropped.
 */
#ifndef ELIM_RANK_CANDIDATES_H
#define ELIM_RANK_CANDIDATES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "dataset.h"
#include "model.h"

/* The known-share filter's rule: known in at least this share ... */
#define CANDIDATES_MIN_KNOWN 0.5
/* ... of the first this many rows of each history (with a known label). */
#define CANDIDATES_PROBE_ROWS 10000

/* A term the filter left out, and the share of rows where it was known
 * (NAN when the histories had no row). */
struct candidates_dropped {
	struct model_term term;
	double known;
};

/*
 * Parse a --terms list: term expressions (model_parse_expr, names from
 * schema; NULL: the static features) separated by
 * commas outside parentheses; a term given twice counts once.  Returns 0,
 * or -EINVAL with "--terms: problem" in err (a bad term, more than
 * MODEL_MAX_TERMS, none at all, a list over 4 KiB).
 */
int candidates_parse(const char *list, const struct feature_schema *schema,
		     struct model_term *terms, size_t *n, char *err, size_t errlen);

/*
 * The default candidates: the embedded model's terms, then with
 * all_features every feature of schema (NULL: the static ones) not already
 * there.  Returns 0, or -EINVAL
 * with "embedded model: line N: problem" in err.
 */
int candidates_default(bool all_features, const struct feature_schema *schema,
		       struct model_term *terms, size_t *n, char *err, size_t errlen);

/*
 * Is the number of candidates one forward selection and the baseline can
 * take?  At most SELECT_MAX_CANDIDATES, one fewer when load1_per_core is
 * not among them (the baseline adds it).  Returns 0, or -E2BIG with
 * "--terms: ..." in err.
 */
int candidates_check_count(const struct model_term *terms, size_t n, char *err, size_t errlen);

/*
 * The known-share filter on given shares: keep, in order, the terms whose
 * feature is known in at least CANDIDATES_MIN_KNOWN of the rows (for a
 * product, the less known of its two features); load1_per_core is always
 * kept (the baseline needs it).  known has FEAT_VECTOR_LEN shares (NAN: no
 * rows, so unknown).  The terms left out go, in order, to dropped (room
 * for n) and their count to *ndropped.  *n becomes the number kept.
 */
void candidates_keep_known(const double *known, struct model_term *terms, size_t *n,
			   struct candidates_dropped *dropped, size_t *ndropped);

/*
 * The known-share filter on the histories: the shares come from the first
 * CANDIDATES_PROBE_ROWS rows of each file within spec's window, host and
 * label (dataset_known_share; spec's terms are not used).  Returns 0 or a
 * negative errno with a message naming the file in err (the terms are
 * then unchanged).
 */
int candidates_drop_unknown(const struct dataset_spec *spec, char *const *files, size_t nfiles,
			    struct model_term *terms, size_t *n,
			    struct candidates_dropped *dropped, size_t *ndropped,
			    char *err, size_t errlen);

/*
 * One line per term left out: "select: candidate EXPR left out: known in
 * P % of the first rows only" with selection, "terms: default term ..."
 * without.
 */
void candidates_report_dropped(FILE *f, const struct feature_schema *schema,
			       const struct candidates_dropped *dropped, size_t n,
			       bool select);

#endif
