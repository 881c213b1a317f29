/*
 * test_candidates: the terms a training run may use (trainer/candidates.c):
 * the --terms list, the default candidates, their bound, and the
 * known-share filter, on given shares and on real SQLite histories.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candidates.h"
#include "feature_set.h"
#include "select.h"
#include "testutil.h"
#include "trainer_fixture.h"

static struct model_term term(const char *expr)
{
	struct model_term t;
	struct model_error merr;
	if (model_parse_expr(expr, NULL, &t, &merr) < 0)
		fail_msg("%s: %s", expr, merr.msg);
	return t;
}

static void expr_is(const struct model_term *t, const char *want)
{
	char buf[96];
	model_term_expr(t, NULL, buf, sizeof buf);
	assert_string_equal(buf, want);
}

static void t_parse(void **state)
{
	(void)state;
	struct model_term terms[MODEL_MAX_TERMS];
	size_t n;
	char err[256];
	assert_int_equal(candidates_parse("cpu_busy,hinge(runq_per_core,0.5),mul(cpu_busy,mem_used),"
					  "cpu_busy,,hinge(runq_per_core,0.5)", NULL, terms, &n, err, sizeof err), 0);
	assert_int_equal(n, 3);   /* a term given twice counts once; empty items are nothing */
	expr_is(&terms[0], "cpu_busy");
	expr_is(&terms[1], "hinge(runq_per_core,0.5)");
	expr_is(&terms[2], "mul(cpu_busy,mem_used)");
	assert_int_equal(candidates_parse("hinge(cpu_busy,0.5),hinge(cpu_busy,0.6)", NULL, terms, &n, err,
					  sizeof err), 0);
	assert_int_equal(n, 2);   /* another knot is another term */

	assert_int_equal(candidates_parse("cpu_busy,nosuch", NULL, terms, &n, err, sizeof err), -EINVAL);
	assert_true(strncmp(err, "--terms: ", 9) == 0);
	assert_non_null(strstr(err, "unknown feature 'nosuch'"));
	assert_int_equal(candidates_parse(",,", NULL, terms, &n, err, sizeof err), -EINVAL);
	assert_string_equal(err, "--terms: no terms given");

	char list[5000];
	size_t off = 0;
	for (int k = 1; k <= MODEL_MAX_TERMS + 1; k++)
		off += (size_t)snprintf(list + off, sizeof list - off, "%shinge(cpu_busy,0.%03d)",
					k > 1 ? "," : "", k);
	assert_int_equal(candidates_parse(list, NULL, terms, &n, err, sizeof err), -EINVAL);
	assert_string_equal(err, "--terms: at most 64 terms");
	memset(list, 'a', 4500);
	list[4500] = '\0';
	assert_int_equal(candidates_parse(list, NULL, terms, &n, err, sizeof err), -EINVAL);
	assert_string_equal(err, "--terms: list too long");
}

/* The embedded model's terms; with every feature, each feature once. */
static void t_default(void **state)
{
	(void)state;
	struct model_term terms[MODEL_MAX_TERMS];
	size_t n;
	char err[256];
	struct model def;
	struct model_error merr;
	assert_int_equal(model_load_default(&def, &merr), 0);
	assert_int_equal(candidates_default(false, NULL, terms, &n, err, sizeof err), 0);
	assert_int_equal(n, def.n_terms);
	assert_memory_equal(terms, def.terms, n * sizeof terms[0]);

	assert_int_equal(candidates_default(true, NULL, terms, &n, err, sizeof err), 0);
	assert_memory_equal(terms, def.terms, def.n_terms * sizeof terms[0]);
	for (int f = 0; f < FEAT_COUNT; f++) {
		int seen = 0;
		for (size_t i = 0; i < n; i++)
			seen += terms[i].kind == TERM_FEATURE && terms[i].a == f;
		bool never = f == FEAT_host_speed_factor ||   /* applied after the model */
			     f == FEAT_probe_held_total || f == FEAT_probe_skipped_total;  /* counters */
		if (never) {
			assert_int_equal(seen, 0);
			continue;
		}
		if (seen != 1)
			fail_msg("feature %s is %d times among the candidates", feature_info(f)->name, seen);
	}
	assert_int_equal(candidates_check_count(terms, n, err, sizeof err), 0);
}

static void t_check_count(void **state)
{
	(void)state;
	struct model_term terms[MODEL_MAX_TERMS];
	char err[256];
	for (int k = 0; k < MODEL_MAX_TERMS; k++) {
		char e[64];
		snprintf(e, sizeof e, "hinge(cpu_busy,0.%03d)", k);
		terms[k] = term(e);
	}
	assert_int_equal(candidates_check_count(terms, SELECT_MAX_CANDIDATES - 1, err, sizeof err), 0);
	assert_int_equal(candidates_check_count(terms, SELECT_MAX_CANDIDATES, err, sizeof err), -E2BIG);
	assert_string_equal(err, "--terms: at most 64 terms (63 without load1_per_core, which the"
			    " baseline needs)");
	terms[10] = term("load1_per_core");
	assert_int_equal(candidates_check_count(terms, SELECT_MAX_CANDIDATES, err, sizeof err), 0);
}

/* The rule on given shares: order kept, a product by its less known
 * feature, load1_per_core always, no rows (NAN) unknown. */
static void t_keep_known(void **state)
{
	(void)state;
	double known[FEAT_VECTOR_LEN];
	for (int f = 0; f < FEAT_VECTOR_LEN; f++)
		known[f] = 1.0;
	known[FEAT_psi_io_full] = 0.49;
	known[FEAT_mem_used] = 0.5;      /* at the threshold: kept */
	known[FEAT_load1_per_core] = 0;  /* the baseline's: kept whatever */
	known[FEAT_net_util_max] = NAN;
	struct model_term terms[] = {
		term("cpu_busy"), term("sq(psi_io_full)"), term("mul(cpu_busy,psi_io_full)"),
		term("mem_used"), term("load1_per_core"), term("net_util_max"),
		term("hinge(runq_per_core,0.5)"),
	};
	size_t n = sizeof terms / sizeof terms[0], nd;
	struct candidates_dropped d[8];
	candidates_keep_known(known, terms, &n, d, &nd);
	assert_int_equal(n, 4);
	expr_is(&terms[0], "cpu_busy");
	expr_is(&terms[1], "mem_used");
	expr_is(&terms[2], "load1_per_core");
	expr_is(&terms[3], "hinge(runq_per_core,0.5)");
	assert_int_equal(nd, 3);
	expr_is(&d[0].term, "sq(psi_io_full)");
	assert_near(d[0].known, 0.49, 0);
	expr_is(&d[1].term, "mul(cpu_busy,psi_io_full)");
	assert_near(d[1].known, 0.49, 0);
	expr_is(&d[2].term, "net_util_max");
	assert_unknown(d[2].known);

	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	candidates_report_dropped(f, NULL, d, nd, true);
	candidates_report_dropped(f, NULL, d, 1, false);
	fclose(f);
	assert_string_equal(text,
		"select: candidate sq(psi_io_full) left out: known in 49 % of the first rows only\n"
		"select: candidate mul(cpu_busy,psi_io_full) left out: known in 49 % of the first rows only\n"
		"select: candidate net_util_max left out: known in 0 % of the first rows only\n"
		"terms: default term sq(psi_io_full) left out: known in 49 % of the first rows only\n");
	free(text);
}

/* On real histories: shares from the first CANDIDATES_PROBE_ROWS rows of
 * each file, within the spec's window. */
static void t_drop_unknown_history(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char a[4200], b[4200], err[512];
	snprintf(a, sizeof a, "%s/a.db", dir);
	snprintf(b, sizeof b, "%s/b.db", dir);
	/* a: psi_io_full unknown in about 70 % of rows */
	struct fixture_opts oa = { .rows = 3000, .hosts = 2, .t0 = 1790000000, .step = 10, .seed = 3,
				   .noise = 0.05, .null_frac = 0.7 };
	assert_int_equal(fixture_history(a, &oa), 0);
	struct dataset_spec spec = { .label = "rank" };
	char *files[] = { a, b };
	struct model_term terms[MODEL_MAX_TERMS];
	struct candidates_dropped d[MODEL_MAX_TERMS];
	size_t n, nd;
	terms[0] = term("psi_io_full");
	terms[1] = term("cpu_busy");
	terms[2] = term("mul(cpu_busy,psi_io_full)");
	terms[3] = term("load1_per_core");
	n = 4;
	assert_int_equal(candidates_drop_unknown(&spec, files, 1, terms, &n, d, &nd, err, sizeof err), 0);
	assert_int_equal(n, 2);
	expr_is(&terms[0], "cpu_busy");
	expr_is(&terms[1], "load1_per_core");
	assert_int_equal(nd, 2);
	expr_is(&d[0].term, "psi_io_full");
	double share = (double)tu_sql_int(a, "SELECT count(psi_io_full) FROM samples") / 3000;
	assert_near(d[0].known, share, 1e-12);
	assert_true(share > 0.2 && share < 0.4);

	/* b: unknown in its first 6000 rows only: known in 4000 of the first
	 * 10000 (left out) though in 80 % of all 30000 */
	struct fixture_opts ob = { .rows = 30000, .hosts = 1, .t0 = 1790100000, .step = 10, .seed = 4,
				   .noise = 0.05 };
	assert_int_equal(fixture_history(b, &ob), 0);
	assert_int_equal(tu_system("sqlite3 %s 'UPDATE samples SET psi_io_full = NULL WHERE rowid <= 6000'",
				   b), 0);
	terms[0] = term("psi_io_full");
	n = 1;
	assert_int_equal(candidates_drop_unknown(&spec, files + 1, 1, terms, &n, d, &nd, err, sizeof err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(nd, 1);
	assert_near(d[0].known, 0.4, 1e-12);
	/* both files: (known rows of a's 3000 + 4000) / 13000 */
	terms[0] = term("psi_io_full");
	n = 1;
	assert_int_equal(candidates_drop_unknown(&spec, files, 2, terms, &n, d, &nd, err, sizeof err), 0);
	assert_near(d[0].known, (share * 3000 + 4000) / 13000, 1e-12);
	/* within a window past its first 6000 rows, b knows it everywhere */
	spec.since = 1790100000 + 6000 * 10;
	terms[0] = term("psi_io_full");
	n = 1;
	assert_int_equal(candidates_drop_unknown(&spec, files + 1, 1, terms, &n, d, &nd, err, sizeof err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(nd, 0);
	/* no rows at all: every term unknown, but the baseline's */
	spec.since = 1800000000;
	terms[0] = term("cpu_busy");
	terms[1] = term("load1_per_core");
	n = 2;
	assert_int_equal(candidates_drop_unknown(&spec, files, 2, terms, &n, d, &nd, err, sizeof err), 0);
	assert_int_equal(n, 1);
	expr_is(&terms[0], "load1_per_core");
	assert_unknown(d[0].known);

	/* a history that is not there: the error names it, the terms stay */
	snprintf(b, sizeof b, "%s/missing.db", dir);
	terms[0] = term("psi_io_full");
	n = 1;
	assert_true(candidates_drop_unknown(&spec, files, 2, terms, &n, d, &nd, err, sizeof err) < 0);
	assert_non_null(strstr(err, "missing.db"));
	assert_int_equal(n, 1);
	expr_is(&terms[0], "psi_io_full");
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_parse),
		cmocka_unit_test(t_default),
		cmocka_unit_test(t_check_count),
		cmocka_unit_test(t_keep_known),
		cmocka_unit_test(t_drop_unknown_history),
	};
	return TU_RUN(tests);
}
