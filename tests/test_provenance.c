/*
 * test_provenance: the meta lines of a fitted model (trainer/provenance.c),
 * from real training runs on a real SQLite history, at a given time.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_errno.h>

#include "candidates.h"
#include "provenance.h"
#include "testutil.h"
#include "trainer_fixture.h"

static void meta_is(const struct model *m, const char *key, const char *want)
{
	const char *v = model_meta_get(m, key);
	if (v == NULL || strcmp(v, want) != 0)
		fail_msg("meta %s = '%s', expected '%s'", key, v ? v : "(none)", want);
}

/* meta key is x as fmt formats it (a literal, so the compiler checks it) */
#define meta_num(m, key, fmt, x) do { \
	char want_[64]; \
	snprintf(want_, sizeof want_, fmt, x); \
	meta_is(m, key, want_); \
} while (0)

static void t_provenance(void **state)
{
	(void)state;
	gsl_set_error_handler_off();
	char *dir = tu_tmpdir();
	char hist[4200], err[512];
	snprintf(hist, sizeof hist, "%s/a.db", dir);
	struct fixture_opts fo = { .rows = 4000, .hosts = 2, .t0 = 1790000000, .step = 10,
				   .seed = 21, .noise = 0.05, .probe_form = true };
	assert_int_equal(fixture_history(hist, &fo), 0);
	static struct model_term terms[MODEL_MAX_TERMS];
	struct train_opts o = { .spec = { .terms = terms, .label = "rank" }, .seed = 1 };
	assert_int_equal(candidates_default(false, NULL, terms, &o.spec.n_terms, err, sizeof err), 0);
	char *files[] = { hist };
	static struct train_result r;
	static struct model m, m2;
	assert_int_equal(train_run(&o, files, 1, &r, err, sizeof err), 0);
	train_to_model(&r, &m);
	provenance_set(&m, &r, "rank", files, 1, (time_t)1790000000);
	meta_is(&m, "created", "2026-09-21T14:13:20Z");
	meta_is(&m, "trainer", "rank-train " PACKAGE_VERSION);
	meta_is(&m, "method", "ols");
	assert_null(model_meta_get(&m, "lambda"));
	meta_is(&m, "label", "rank");
	meta_is(&m, "rows", "4000");
	meta_is(&m, "hosts", "2");
	/* 2000 samples of each host, 10 s apart */
	meta_is(&m, "window", "2026-09-21T14:13:20Z 2026-09-21T19:46:30Z");
	meta_is(&m, "cv_folds", "5 time blocks");
	meta_num(&m, "cv_rmse", "%.6g", r.fit.cv_rmse);
	meta_num(&m, "r2", "%.6f", r.fit.r2);
	assert_true(r.baseline.present);
	meta_num(&m, "baseline_cv_rmse", "%.6g", r.baseline.cv_rmse);
	assert_null(model_meta_get(&m, "previous_rmse"));   /* nothing compared */
	meta_is(&m, "sources", "a.db");
	train_result_free(&r);

	/* ridge, against the first model; many sources, cut to fit */
	o.method = TRAIN_RIDGE;
	o.incumbent = &m;
	memset(&r, 0, sizeof r);
	assert_int_equal(train_run(&o, files, 1, &r, err, sizeof err), 0);
	train_to_model(&r, &m2);
	char names[40][32], *many[40];
	for (int i = 0; i < 40; i++) {
		snprintf(names[i], sizeof names[i], "/x/host-%02d.db", i);
		many[i] = names[i];
	}
	provenance_set(&m2, &r, "rank", many, 40, (time_t)0);
	meta_is(&m2, "created", "1970-01-01T00:00:00Z");
	meta_is(&m2, "method", "ridge lambda=cv");
	meta_num(&m2, "lambda", "%.6g", r.fit.lambda);
	assert_non_null(train_incumbent_error(&r));
	meta_num(&m2, "previous_rmse", "%.6g", train_incumbent_error(&r)->cv_rmse);
	const char *src = model_meta_get(&m2, "sources");
	assert_non_null(src);
	assert_true(strncmp(src, "host-00.db host-01.db ", 22) == 0);
	assert_int_equal(strlen(src), 127);
	assert_string_equal(src + strlen(src) - 4, " ...");
	train_result_free(&r);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_provenance),
	};
	return TU_RUN(tests);
}
