#include "config.h"

#include <math.h>
#include <string.h>

#include "acct_refine.h"

struct ctx {
	struct acct_set *set;
	const struct model *m;
};

static const char *row_host(const struct acct_job *j)
{
	return j->row_host ? j->row_host : j->host;
}

/* Each row: the model's slowdown to the jobs attached to it (the jobs are
 * sorted by row host and time, acct_join_map). */
static int predict(void *vctx, const struct dataset_row *row)
{
	struct ctx *c = vctx;
	struct acct_set *set = c->set;
	size_t lo = 0, hi = set->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct acct_job *j = &set->jobs[mid];
		int k = strcmp(row_host(j), row->host);
		if (k < 0 || (k == 0 && j->row_time < row->time))
			lo = mid + 1;
		else
			hi = mid;
	}
	double s = NAN;
	for (size_t i = lo; i < set->n && set->jobs[i].row_time == row->time &&
	     strcmp(row_host(&set->jobs[i]), row->host) == 0; i++) {
		/* the fitted linear model's own prediction: the floor at idle
		 * (model_score) is the elim's rule for the rank, and floored
		 * predictions would bias the host effects refitted to them */
		if (isnan(s))
			s = model_sum(c->m, row->feat, NULL, NULL);
		set->jobs[i].pred = s;
	}
	return 0;
}

int acct_refine(struct acct_set *set, struct acct_speed *sp, const struct model *m,
		const struct dataset_spec *spec, char *const *files, size_t nfiles,
		char *err, size_t errlen)
{
	for (size_t i = 0; i < set->n; i++)
		set->jobs[i].pred = NAN;
	struct ctx c = { set, m };
	int rc = dataset_stream(spec, files, nfiles, predict, &c, NULL, err, errlen);
	if (rc < 0)
		return rc;
	return acct_speed_refit(set, sp, err, errlen);
}
