/*
 * replace: the installed model, and whether a new model replaces it.
 *
 * rank-train compares a new model with the one installed where it would
 * write (or, when none is installed, the embedded default) on the same
 * rows (train.h).  The installed one is kept when it predicts the same
 * label (or does not say which) and its error on those rows
 * (train_incumbent_error) is below the new model's cross-validated error,
 * unless forced; a tie replaces it (the new model has the newer data).  An
 * installed model that does not parse is not compared, and is replaced.
 *
 * Nothing here prints: messages come back in the caller's buffers.
 */
#ifndef ELIM_RANK_REPLACE_H
#define ELIM_RANK_REPLACE_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "train.h"

/*
 * Load the model to compare with from path into m, its names from schema
 * (NULL: the static features).  Returns the name to
 * report (path itself, or "none installed: embedded default" when path
 * does not exist) with *have true; or NULL with *have false, and then warn
 * says why a model at path is not compared ("installed model PATH: line N:
 * problem: not compared, will be replaced"), or is "" (no embedded default
 * either).  warn may not be NULL.
 */
const char *replace_load_installed(const char *path, const struct feature_schema *schema,
				   struct model *m, bool *have, char *warn, size_t warnlen);

struct replace_decision {
	const struct train_eval *installed; /* its error on these rows, or NULL: none */
	bool comparable;     /* installed and predicting the same label */
	bool keep;           /* it does better and force is off: write nothing */
	char note[256];      /* when installed but not comparable: "installed model predicts
				'A', not 'B': its error is not comparable"; else "" */
	char why[512];       /* when keep: the two errors and on what the installed one's is
				taken, then "--force replaces it anyway"; else "" */
};

/*
 * Decide for a successful run r (train_run) that trained label, with
 * installed the model it compared with (NULL: none).
 */
void replace_decide(const struct train_result *r, const struct model *installed,
		    const char *label, bool force, struct replace_decision *d);

#endif
