/*
 * explain: the human-readable account of one score (--explain).
 *
 * One line per feature "name value unit contribution" (nan for unknown;
 * contribution 0 when no plain term of the model uses it), then one line per
 * model term that is not a plain feature ("EXPR value - contribution"),
 * then "intercept VALUE", "slowdown VALUE" and "rank VALUE": 100 x slowdown
 * x the feature host_speed_factor (the rank basis's factor, host_speed.h;
 * unknown counts as 1).
 */
#ifndef ELIM_RANK_EXPLAIN_H
#define ELIM_RANK_EXPLAIN_H

#include <stdio.h>

#include "model.h"

/*
 * Write the explanation of scoring features (FEAT_VECTOR_LEN values) with
 * m, one line per feature of schema (NULL: static features only; slots it
 * does not bind print no line).  Returns 0 or -EIO.
 */
int explain_write(FILE *f, const struct model *m, const struct feature_schema *schema,
		  const double *features);

#endif
