#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "report.h"

void report_time(char *buf, size_t size, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "%lld", (long long)t);
}

void report_method(char *buf, size_t size, const struct train_result *r)
{
	if (strcmp(r->method, "ridge") == 0)
		snprintf(buf, size, "ridge (TSQR, lambda %.4g%s)", r->fit.lambda,
			 strcmp(r->lambda_rule, "cv") == 0 ? ", chosen by blocked cross-validation"
			 : strcmp(r->lambda_rule, "lcurve") == 0 ? ", chosen at the L-curve corner" : "");
	else if (strcmp(r->method, "robust-bisquare") == 0)
		snprintf(buf, size, "robust-bisquare (on a uniform sample of %zu rows)", r->robust_rows);
	else
		snprintf(buf, size, "ols (TSQR)");
}

static void eval_line(FILE *f, const char *name, const struct train_eval *e)
{
	if (e->present)
		fprintf(f, "  %-34s %12.6g %10.4f  %s\n", name, e->cv_rmse, e->r2, e->note);
	else
		fprintf(f, "  %-34s %12s %10s  %s\n", name, "-", "-", e->note);
}

void report_text(FILE *f, const struct train_result *r, const struct report_info *info)
{
	char a[32], b[32], m[160];
	fprintf(f, "rows: %llu read, %llu used, %llu skipped (unknown values)\n",
		(unsigned long long)r->stats.rows_read, (unsigned long long)r->stats.rows_used,
		(unsigned long long)r->stats.rows_skipped);
	for (size_t i = 0; i < r->p_req; i++)
		if (r->stats.unknown[i])
			fprintf(f, "  unknown %s: %llu rows\n", r->names[i],
				(unsigned long long)r->stats.unknown[i]);
	fprintf(f, "hosts: %zu\n", r->stats.hosts);
	report_time(a, sizeof a, r->tmin);
	report_time(b, sizeof b, r->tmax);
	fprintf(f, "files: %zu\n", info->nfiles);
	fprintf(f, "window: %s .. %s\n", a, b);
	fprintf(f, "label: %s\n", info->label);
	report_method(m, sizeof m, r);
	fprintf(f, "method: %s\n", m);
	fprintf(f, "r2: %.4f\nrmse: %.6g\n", r->fit.r2, r->fit.rmse);
	fprintf(f, "cv_rmse: %.6g (%u-fold, contiguous time blocks)\n", r->fit.cv_rmse, r->F.k);
	if (isfinite(r->fit.rcond))
		fprintf(f, "rcond: %.3g\n", r->fit.rcond);
	if (r->warning[0])
		fprintf(f, "warning: %s\n", r->warning);
	fprintf(f, "%-32s %14s %12s %14s %12s\n", "term", "coef", "se", "mean", "scale");
	fprintf(f, "%-32s %14.6g %12.4g\n", "intercept", r->fit.intercept, r->fit.intercept_se);
	for (size_t i = 0; i < r->fit.ncols; i++) {
		int c = r->fit.cols[i];
		fprintf(f, "%-32s %14.6g %12.4g %14.6g %12.6g\n", r->names[c], r->fit.coef[i],
			r->fit.se[i], r->F.mean[c], r->F.scale[c]);
	}
	if (r->ntrace > 0) {
		fprintf(f, "forward selection (cv_rmse after each step):\n");
		for (size_t i = 0; i < r->ntrace; i++)
			fprintf(f, "  %2zu %-32s %12.6g\n", i,
				r->trace[i].col < 0 ? "(mean only)" : r->names[r->trace[i].col],
				r->trace[i].cv_rmse);
	}
	fprintf(f, "time blocks:");
	for (unsigned k = 0; k < r->F.k; k++)
		fprintf(f, " %llu", (unsigned long long)r->F.n[k]);
	fprintf(f, " rows\n");
	fprintf(f, "comparison on the same %llu rows (held-out error by time block):\n",
		(unsigned long long)r->F.n_total);
	fprintf(f, "  %-34s %12s %10s\n", "model", "cv_rmse", "r2");
	struct train_eval self = { .present = true, .cv_rmse = r->fit.cv_rmse };
	self.r2 = r->F.sst > 0 ? 1.0 - r->fit.cv_rmse * r->fit.cv_rmse * (double)r->F.n_total / r->F.sst : 0;
	snprintf(self.note, sizeof self.note, "this fit (r2 here: out of sample)");
	eval_line(f, "new model", &self);
	if (info->incumbent_name) {
		fprintf(f, "  installed model: %s (%s)\n", info->incumbent_name, r->incumbent_in_sample
			? "trained on these rows: judged by its terms refitted"
			: "not trained on these rows: judged as it is");
		eval_line(f, "installed, terms refitted", &r->incumbent_cv);
		eval_line(f, "installed, as it is", &r->incumbent);
	}
	eval_line(f, "baseline load1_per_core", &r->baseline);
	if (info->speed)
		speed_ref_report(info->speed, f);
}
