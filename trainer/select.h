/*
 * select: forward selection of terms by blocked cross-validated error.
 *
 * Starting from the intercept alone, each step adds the candidate column
 * that lowers the CV error most, until no candidate lowers it by at least
 * SELECT_MIN_GAIN (relative) or max_terms are chosen.  Candidates whose
 * training sets are singular with the chosen ones are passed over.
 */
#ifndef ELIM_RANK_SELECT_H
#define ELIM_RANK_SELECT_H

#include <stddef.h>

#include "cv.h"

#define SELECT_MAX_CANDIDATES 64
#define SELECT_MIN_GAIN 1e-3

struct select_step {
	int col;           /* column added at this step; -1 for the intercept only */
	double cv_rmse;    /* with it */
};

/*
 * cand[0..ncand) are candidate columns (<= SELECT_MAX_CANDIDATES).
 * On return chosen[0..*nchosen) holds the selected columns in the order
 * chosen and trace[0..*ntrace) the path (at most max_terms + 1 steps).
 * Returns 0 or a negative errno.
 */
int select_forward(const struct cv *cv, const int *cand, size_t ncand, size_t max_terms,
		   double lambda, int *chosen, size_t *nchosen,
		   struct select_step *trace, size_t *ntrace);

#endif
