#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "provenance.h"
#include "report.h"

static void set_meta(struct model *m, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_meta(struct model *m, const char *key, const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	model_meta_set(m, key, buf);
}

void provenance_set(struct model *m, const struct train_result *r, const char *label,
		    char *const *files, size_t nfiles, time_t now)
{
	char a[32], b[32];
	report_time(a, sizeof a, (int64_t)now);
	model_meta_set(m, "created", a);
	set_meta(m, "trainer", "rank-train %s", PACKAGE_VERSION);
	set_meta(m, "method", "%s%s%s", r->method, r->lambda_rule ? " lambda=" : "",
		 r->lambda_rule ? r->lambda_rule : "");
	if (r->lambda_rule)
		set_meta(m, "lambda", "%.6g", r->fit.lambda);
	model_meta_set(m, "label", label);
	set_meta(m, "rows", "%llu", (unsigned long long)r->stats.rows_used);
	set_meta(m, "hosts", "%zu", r->stats.hosts);
	report_time(a, sizeof a, r->tmin);
	report_time(b, sizeof b, r->tmax);
	set_meta(m, "window", "%s %s", a, b);
	set_meta(m, "cv_folds", "%u time blocks", r->F.k);
	set_meta(m, "cv_rmse", "%.6g", r->fit.cv_rmse);
	set_meta(m, "r2", "%.6f", r->fit.r2);
	if (r->baseline.present)
		set_meta(m, "baseline_cv_rmse", "%.6g", r->baseline.cv_rmse);
	const struct train_eval *ie = train_incumbent_error(r);
	if (ie)
		set_meta(m, "previous_rmse", "%.6g", ie->cv_rmse);
	char src[128];
	size_t off = 0;
	src[0] = '\0';
	for (size_t i = 0; i < nfiles && off < sizeof src - 1; i++) {
		const char *base = strrchr(files[i], '/');
		base = base ? base + 1 : files[i];
		int n = snprintf(src + off, sizeof src - off, "%s%s", i ? " " : "", base);
		if (n < 0 || (size_t)n >= sizeof src - off) {
			snprintf(src + (sizeof src - 5), 5, " ...");
			break;
		}
		off += (size_t)n;
	}
	model_meta_set(m, "sources", src);
}
