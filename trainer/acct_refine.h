/*
 * acct_refine: the alternating step of rank-train --acct's learned speeds.
 *
 * The first labels take each (class, host)'s idle run time as its 10th
 * percentile (acct_speed.h), which a host never idle in the window
 * overstates: its least load is learned as speed.  A round here scores the
 * load model fitted to those labels at each labelled job's sample (one
 * pass over the histories, dataset_stream), refits the class and host
 * effects to log(run time / predicted slowdown) over all jobs
 * (acct_speed_refit) and relabels them; rank-train then fits again.
 * Nothing here prints.
 */
#ifndef ELIM_RANK_ACCT_REFINE_H
#define ELIM_RANK_ACCT_REFINE_H

#include <stddef.h>

#include "acct.h"
#include "acct_speed.h"
#include "dataset.h"
#include "model.h"

/*
 * One round: m's prediction for each job joined to a row spec reads (its
 * label hook being acct_label_at on set), then acct_speed_refit.  Returns
 * 0 or a negative errno with a message naming the file in err.
 */
int acct_refine(struct acct_set *set, struct acct_speed *sp, const struct model *m,
		const struct dataset_spec *spec, char *const *files, size_t nfiles,
		char *err, size_t errlen);

#endif
