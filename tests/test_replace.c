/*
 * test_replace: the installed model and whether a new model replaces it
 * (trainer/replace.c), on real model files and on real training runs (real
 * SQLite histories, real GSL fits) compared on the same rows.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_errno.h>

#include "candidates.h"
#include "provenance.h"
#include "replace.h"
#include "testutil.h"
#include "trainer_fixture.h"

static char *dir;
static char hist[512];

static int setup(void **state)
{
	(void)state;
	gsl_set_error_handler_off();
	dir = tu_tmpdir();
	snprintf(hist, sizeof hist, "%s/a.db", dir);
	struct fixture_opts o = { .rows = 4000, .hosts = 2, .t0 = 1790000000, .step = 10,
				  .seed = 21, .noise = 0.05, .probe_form = true };
	return fixture_history(hist, &o);
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(dir);
	free(dir);
	return 0;
}

/* Train on the fixture with these terms (NULL: the default ones) against
 * installed (may be NULL). */
static void run(const char *terms_list, const struct model *installed, struct train_result *r)
{
	static struct model_term terms[MODEL_MAX_TERMS];
	struct train_opts o = { .spec = { .terms = terms, .label = "rank" }, .seed = 1,
				.incumbent = installed };
	char err[512];
	if (terms_list)
		assert_int_equal(candidates_parse(terms_list, NULL, terms, &o.spec.n_terms, err, sizeof err), 0);
	else
		assert_int_equal(candidates_default(false, NULL, terms, &o.spec.n_terms, err, sizeof err), 0);
	o.drop_constant = terms_list == NULL;
	char *files[] = { hist };
	memset(r, 0, sizeof *r);
	int rc = train_run(&o, files, 1, r, err, sizeof err);
	if (rc < 0)
		fail_msg("train_run: %d %s", rc, err);
}

/* A model trained on the fixture, with its provenance (so "trained on these rows"). */
static void trained_model(struct model *m)
{
	static struct train_result r;
	char *files[] = { hist };
	run(NULL, NULL, &r);
	train_to_model(&r, m);
	provenance_set(m, &r, "rank", files, 1, (time_t)1790100000);
	train_result_free(&r);
}

static void t_load_installed(void **state)
{
	(void)state;
	static struct model m, def;
	struct model_error merr;
	char path[600], warn[1024];
	bool have;
	/* one installed */
	snprintf(path, sizeof path, "%s/rank.model", dir);
	trained_model(&m);
	assert_int_equal(model_save(&m, path, &merr), 0);
	memset(&m, 0, sizeof m);
	assert_ptr_equal(replace_load_installed(path, NULL, &m, &have, warn, sizeof warn), path);
	assert_true(have);
	assert_string_equal(warn, "");
	assert_string_equal(model_meta_get(&m, "label"), "rank");
	/* none: the embedded default */
	snprintf(path, sizeof path, "%s/none.model", dir);
	assert_string_equal(replace_load_installed(path, NULL, &m, &have, warn, sizeof warn),
			    "none installed: embedded default");
	assert_true(have);
	assert_string_equal(warn, "");
	assert_int_equal(model_load_default(&def, &merr), 0);
	assert_string_equal(m.id, def.id);
	/* one that does not parse: not compared, with the file and line */
	tu_write(dir, "bad.model", "elim-rank-model 1\nintercept oops\n");
	snprintf(path, sizeof path, "%s/bad.model", dir);
	assert_null(replace_load_installed(path, NULL, &m, &have, warn, sizeof warn));
	assert_false(have);
	char want[800];
	snprintf(want, sizeof want, "installed model %s: line 2: ", path);
	assert_true(strncmp(warn, want, strlen(want)) == 0);
	assert_non_null(strstr(warn, ": not compared, will be replaced"));
}

static void t_decide(void **state)
{
	(void)state;
	static struct model a;
	static struct train_result r;
	struct replace_decision d;
	trained_model(&a);

	/* nothing installed: write */
	run(NULL, NULL, &r);
	replace_decide(&r, NULL, "rank", false, &d);
	assert_null(d.installed);
	assert_false(d.comparable);
	assert_false(d.keep);
	assert_string_equal(d.note, "");
	assert_string_equal(d.why, "");
	train_result_free(&r);

	/* the same terms on the same rows: a tie, the newer model replaces it;
	 * trained on these rows, it is judged with its terms refitted */
	run(NULL, &a, &r);
	replace_decide(&r, &a, "rank", false, &d);
	assert_ptr_equal(d.installed, &r.incumbent_cv);
	assert_true(d.comparable);
	assert_near(d.installed->cv_rmse, r.fit.cv_rmse, 1e-9 * r.fit.cv_rmse);
	assert_false(d.keep);
	train_result_free(&r);

	/* two weak terms: it does better and is kept, unless forced */
	run("disk_busy_max,cpu_steal", &a, &r);
	assert_true(r.incumbent_cv.cv_rmse < r.fit.cv_rmse);
	replace_decide(&r, &a, "rank", false, &d);
	assert_true(d.comparable);
	assert_true(d.keep);
	char want[512];
	snprintf(want, sizeof want, "the installed model's error on the same rows (%.6g, its terms"
		 " refitted, as it was trained on these rows) is below the new model's cross-validated"
		 " error (%.6g); --force replaces it anyway", r.incumbent_cv.cv_rmse, r.fit.cv_rmse);
	assert_string_equal(d.why, want);
	replace_decide(&r, &a, "rank", true, &d);
	assert_true(d.comparable);
	assert_false(d.keep);
	assert_string_equal(d.why, "");
	/* another label: not comparable, so written, and said so */
	replace_decide(&r, &a, "slowdown", false, &d);
	assert_false(d.comparable);
	assert_false(d.keep);
	assert_string_equal(d.note, "installed model predicts 'rank', not 'slowdown': its error is"
			    " not comparable");
	train_result_free(&r);

	/* a hand-set model (no provenance): judged as it is */
	char text[8192], path[600];
	struct model_error merr;
	snprintf(path, sizeof path, "%s/a.model", dir);
	assert_int_equal(model_save(&a, path, &merr), 0);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t len = 0;
	char line[512];
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "meta ", 5) != 0 || strncmp(line, "meta label ", 11) == 0)
			len += (size_t)snprintf(text + len, sizeof text - len, "%s", line);
	fclose(f);
	static struct model hand;
	assert_int_equal(model_parse(text, len, NULL, &hand, &merr), 0);
	assert_null(model_meta_get(&hand, "rows"));
	run("disk_busy_max,cpu_steal", &hand, &r);
	replace_decide(&r, &hand, "rank", false, &d);
	assert_ptr_equal(d.installed, &r.incumbent);
	assert_true(d.keep);
	assert_non_null(strstr(d.why, "as it is, not trained on these rows"));
	train_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_load_installed),
		cmocka_unit_test(t_decide),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
