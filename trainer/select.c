#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>

#include "select.h"

int select_forward(const struct cv *cv, const int *cand, size_t ncand, size_t max_terms,
		   double lambda, int *chosen, size_t *nchosen,
		   struct select_step *trace, size_t *ntrace)
{
	if (ncand > SELECT_MAX_CANDIDATES)
		return -EINVAL;
	double n = (double)cv->F->n_total;
	bool used[SELECT_MAX_CANDIDATES] = { false };
	size_t k = 0;
	double cur;
	int rc = cv_error(cv, chosen, 0, 0, NULL, &cur);
	if (rc < 0)
		return rc;
	*ntrace = 0;
	trace[(*ntrace)++] = (struct select_step){ .col = -1, .cv_rmse = sqrt(cur / n) };
	while (k < max_terms && k < ncand) {
		double best = INFINITY;
		size_t bi = 0;
		for (size_t i = 0; i < ncand; i++) {
			if (used[i])
				continue;
			chosen[k] = cand[i];
			double total;
			if (cv_error(cv, chosen, k + 1, lambda, NULL, &total) < 0)
				continue;
			if (total < best) {
				best = total;
				bi = i;
			}
		}
		if (!(best < cur * (1.0 - SELECT_MIN_GAIN)))
			break;
		used[bi] = true;
		chosen[k++] = cand[bi];
		cur = best;
		trace[(*ntrace)++] = (struct select_step){ .col = cand[bi], .cv_rmse = sqrt(cur / n) };
	}
	*nchosen = k;
	return 0;
}
