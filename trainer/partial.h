/*
 * partial: training a cluster without copying its histories.
 *
 * rank-train --partial makes a partial fit on one host (train_run with
 * o->partial: the pass only) and writes it as a factor file (factor.h);
 * rank-train --merge reads many, checks each was made with the same
 * label, window (so the same fold grid), columns and installed model, and
 * stacks them into the pooled fold factors the way TSQR does: each file's
 * R, moved by an upper-triangular change of basis into one common basis,
 * is fed as p + 2 rows to a gsl_multilarge_linear TSQR workspace per fold,
 * and the result is moved into the pooled standardisation (means and
 * deviations combined by Chan's formula).  No normal equations are formed.
 * The fit, the selection, the ridge parameter, the baseline and the
 * installed model's comparison then run from the merged factors
 * (train_solve) exactly as after a pooled pass; --method robust, which
 * needs rows, is refused.  Memory: O(k p^2) whatever the number of files,
 * plus the host names.
 *
 * Errors: a negative errno with a message in err naming the file.
 */
#ifndef ELIM_RANK_PARTIAL_H
#define ELIM_RANK_PARTIAL_H

#include <stddef.h>
#include <stdint.h>

#include "factor.h"
#include "model.h"
#include "train.h"
#include "train_options.h"

/*
 * The command line's rules for --partial, --merge and --extract: one at a
 * time; --extract not with --acct, --report, --dry-run, --force nor
 * --export-csv; --partial and --merge need --since and --until (the fold
 * grid), explicit --terms and --incumbent; --partial takes --acct only
 * with --class-refs (the class references need every host's jobs:
 * acct_refs.h) and --merge not at all (the labels are in the factors, which
 * record the references' identity in their label); --merge not
 * --method robust, --export-csv nor --host; --partial not --report,
 * --dry-run nor --force (it fits nothing).
 * Returns 0 or -EINVAL with the message in err.
 */
int partial_check_cli(const struct train_cli *c, char *err, size_t errlen);

/*
 * The identity of a model file recorded in factors: FNV-1a 64 of its
 * bytes (never 0).  path "none": no model, *id = 0 and *have false.
 * Otherwise m is loaded from path (names from schema) and *have is true.
 * Returns 0 or a negative errno with "--incumbent FILE: problem" in err.
 */
int partial_model_id(const char *path, const struct feature_schema *schema, struct model *m,
		     bool *have, uint64_t *id, char *err, size_t errlen);

/*
 * Bind the runtime-named features (pcap_NAME_bps) named in a --terms list
 * to schema, for a merge, which has no histories to take them from.
 */
int partial_bind_names(const char *terms, struct feature_schema *schema, char *err, size_t errlen);

/* The factor of a partial run r (train_run with o->partial) of o. */
void partial_from_run(const struct train_result *r, const struct train_opts *o,
		      uint64_t incumbent_id, struct factor *f);

/*
 * Expand operands: a directory stands for its *.factor files (sorted).
 * As dataset_expand: the count, *out to free with dataset_free_files.
 */
long partial_expand(char *const *paths, size_t n, char ***out, char *err, size_t errlen);

/*
 * Merge the factor files[0..n) made with o (window_grid, terms, label,
 * folds) and the installed model incumbent_id, then fit as train_run
 * would on the pooled rows.  r as for train_run (train_result_free).
 */
int partial_merge(const struct train_opts *o, char *const *files, size_t n,
		  uint64_t incumbent_id, struct train_result *r, char *err, size_t errlen);

/*
 * partial_merge with file i's labels multiplied by yscale[i] (> 0; NULL:
 * all 1): its R's last column, label mean and sum of squares scaled
 * (partial_scale_label), exactly what the rows' labels so scaled would
 * give.  The installed model's squared errors are not scaled: the caller
 * compares with none (merge_speed.h).
 */
int partial_merge_scaled(const struct train_opts *o, char *const *files, size_t n,
			 uint64_t incumbent_id, const double *yscale, struct train_result *r,
			 char *err, size_t errlen);

/* Multiply f's labels by s > 0: the last column of each R, ymean, ysst x s^2. */
void partial_scale_label(struct factor *f, double s);

/*
 * Over the rows of f (every block): *spp the sum of the squared
 * predictions of r's fitted model (train_predict_sample's linear sum, not
 * floored) and *syp the sum of label x prediction, from f's factors alone:
 * with a row's vector a = [1, z, y - ymean] in f's basis, prediction = u'a
 * and label = v'a, so the sums are |R u|^2 and (R v)'(R u).  r's columns
 * must be f's (the merge checked them).
 */
void partial_host_sums(const struct factor *f, const struct train_result *r, double *spp,
		       double *syp);

#endif
