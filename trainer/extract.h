/*
 * extract: the rows a central training needs, without the rest of the
 * history (rank-train --extract).
 *
 * From histories (one host's, usually), the rows with a known label within
 * the window and host filter, with only the columns the terms use (their
 * features, load1_per_core for the baseline, and the features of a model
 * to compare with), go into a new history of those columns
 * (history_create_columns; elim-rank.history(5)), which rank-train reads
 * as any other: trained on, the extracts of a cluster give the model, the
 * counts and the figures the full histories give.  Rows whose term values
 * are unknown are kept (the training run counts them as skipped).  The
 * file is written beside its name and renamed into place when complete:
 * a failure leaves no file and never replaces a good one.
 *
 * Errors: a negative errno with a message naming the file in err.
 */
#ifndef ELIM_RANK_EXTRACT_H
#define ELIM_RANK_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataset.h"

/*
 * Extract from files[0..n) the rows spec selects (its label a column, not
 * a hook) with the columns of spec's terms, load1_per_core and the
 * features flagged in extra (FEAT_VECTOR_LEN flags, may be NULL; a history
 * without such a column gives NULL there) into out.  *rows gets the
 * number of rows written.
 */
int extract_write(const struct dataset_spec *spec, const bool *extra, char *const *files,
		  size_t n, const char *out, uint64_t *rows, char *err, size_t errlen);

#endif
