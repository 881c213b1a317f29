/*
 * explain_json: the explanation of one score (explain.h) as standard JSON
 * (--explain --json), with the same content as the text form:
 *
 *   {"features": [{"name": N, "value": V, "unit": U, "contribution": C}, ...],
 *    "terms": [{"expr": E, "value": V, "contribution": C}, ...],
 *    "intercept": I, "slowdown": S, "rank": R}
 *
 * "features" lists every feature the text form lists, in its order;
 * "terms" the model terms that are not a plain feature.  Numbers are
 * printed as the text form prints them (value and contribution %.6g,
 * slowdown %.4f, rank %.1f), so both forms read back alike; an unknown
 * value (NaN or infinite) is null.  Strings are escaped as JSON requires.
 * The object ends with a newline.
 */
#ifndef ELIM_RANK_EXPLAIN_JSON_H
#define ELIM_RANK_EXPLAIN_JSON_H

#include <stdio.h>

#include "explain.h"
#include "model.h"

/* As explain_write, in JSON.  Returns 0 or -EIO. */
int explain_write_json(FILE *f, const struct model *m, const struct feature_schema *schema,
		       const double *features, const struct explain_notes *notes);

/* Write s as a JSON string (quotes included) to f. */
void explain_json_string(FILE *f, const char *s);

#endif
