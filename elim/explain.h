/*
 * explain: the human-readable account of one score (--explain).
 *
 * One line per feature "name value unit contribution" (nan for unknown;
 * contribution 0 when no plain term of the model uses it), then one line per
 * model term that is not a plain feature ("EXPR value - contribution"),
 * then "intercept VALUE", "floor FLOOR (the model's sum SUM is below
 * idle)" when the sum is under MODEL_SLOWDOWN_FLOOR, "slowdown VALUE"
 * (floored) and "rank VALUE": 100 x slowdown x the feature
 * host_speed_factor (the rank basis's factor, host_speed.h; unknown counts
 * as 1).  Notes that say how the rank is made come first (struct
 * explain_notes): comment lines "# LABEL: TEXT" (the scope, scope.h; the
 * model file; readers of the account skip lines starting with '#') and
 * lines "LABEL TEXT" (the rank basis).
 */
#ifndef ELIM_RANK_EXPLAIN_H
#define ELIM_RANK_EXPLAIN_H

#include <stdbool.h>
#include <stdio.h>

#include "model.h"

#define EXPLAIN_NOTES_MAX 6
#define EXPLAIN_NOTE_LEN 12400

/* What is said before the account: in the text form "# LABEL: TEXT" for a
 * comment, else "LABEL TEXT"; in JSON "notes": {"LABEL": "TEXT"} with the
 * label's blanks made '_'.  label is a string constant. */
struct explain_notes {
	size_t n;
	struct explain_note {
		const char *label;
		bool comment;
		char text[EXPLAIN_NOTE_LEN];
	} v[EXPLAIN_NOTES_MAX];
};

/* Add a note (formatted as printf); past EXPLAIN_NOTES_MAX it is dropped. */
void explain_note(struct explain_notes *n, const char *label, bool comment, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Write the explanation of scoring features (FEAT_VECTOR_LEN values) with
 * m, one line per feature of schema (NULL: static features only; slots it
 * does not bind print no line), after the notes (may be NULL).  Returns 0
 * or -EIO.
 */
int explain_write(FILE *f, const struct model *m, const struct feature_schema *schema,
		  const double *features, const struct explain_notes *notes);

#endif
