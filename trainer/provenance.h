/*
 * provenance: the meta lines rank-train writes into a model it fitted, so
 * that the file says how it was made (rank-train(8), elim-rank.model(5)):
 * created, trainer, method, lambda (ridge), label, rows, hosts, window,
 * cv_folds, cv_rmse, r2, baseline_cv_rmse, previous_rmse (when there was
 * a model to compare with) and sources (the histories' base names,
 * space-separated, cut with " ..." when they do not fit a meta value).
 *
 * The clock is a parameter.  Nothing here prints.
 */
#ifndef ELIM_RANK_PROVENANCE_H
#define ELIM_RANK_PROVENANCE_H

#include <stddef.h>
#include <time.h>

#include "model.h"
#include "train.h"

/* Set the meta lines of m (train_to_model's) from the successful run r
 * of label over files, made at now. */
void provenance_set(struct model *m, const struct train_result *r, const char *label,
		    char *const *files, size_t nfiles, time_t now);

#endif
