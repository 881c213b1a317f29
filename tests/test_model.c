/* model/: the file format, parse errors, scoring, round trip, atomic save. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model.h"
#include "testutil.h"

static int parse(const char *text, struct model *m, struct model_error *err)
{
	return model_parse(text, strlen(text), NULL, m, err);
}

static void test_default_model(void **state)
{
	(void)state;
	struct model m;
	struct model_error err;
	assert_int_equal(model_load_default(&m, &err), 0);
	assert_true(m.n_terms > 0);
	assert_non_null(model_meta_get(&m, "source"));
	/* an idle host (all known features 0) is at idle speed: rank 100 */
	double x[FEAT_VECTOR_LEN];
	for (int i = 0; i < FEAT_COUNT; i++)
		x[i] = 0;
	assert_near(model_rank(model_score(&m, x, NULL, NULL)), 100.0, 1e-9);
	/* nothing known at all: unknown features contribute nothing */
	features_clear(x);
	assert_near(model_rank(model_score(&m, x, NULL, NULL)), 100.0, 1e-9);
	/* a loaded host ranks worse than an idle one: a slow probe, and more
	 * sessions wanting a CPU since it (with the probe off, the moves are the
	 * levels) */
	for (int i = 0; i < FEAT_COUNT; i++)
		x[i] = 0;
	x[FEAT_probe_slowdown] = 1.5;
	assert_true(model_rank(model_score(&m, x, NULL, NULL)) > 130.0);
	x[FEAT_probe_slowdown] = NAN;
	x[FEAT_cpu_demand_since_probe] = 1.5;
	x[FEAT_psi_cpu_since_probe] = 0.5;
	assert_true(model_rank(model_score(&m, x, NULL, NULL)) > 150.0);
	/* it counts groups that want a CPU, not those that got half of one */
	x[FEAT_cpu_demand_since_probe] = 0;
	x[FEAT_cpu_groups_since_probe] = 1.5;
	assert_true(model_rank(model_score(&m, x, NULL, NULL)) < 110.0);
	x[FEAT_cpu_groups_since_probe] = 0;
	/* a run queue of threads alone, in one session, does not move it */
	x[FEAT_psi_cpu_since_probe] = 0;
	x[FEAT_runq_per_core] = 4.0;
	assert_near(model_rank(model_score(&m, x, NULL, NULL)), 100.0, 1e-9);
}

static void test_terms_and_scoring(void **state)
{
	(void)state;
	const char *text =
		"# a comment line\n"
		"elim-rank-model 1\n"
		"meta created 2026-11-25T00:00:00Z  \n"
		"meta note free text, with # and spaces\n"
		"intercept 1.5   # trailing comment\n"
		"term cpu_busy mean 0.5 scale 0.25 coef 0.1 fill 0.5\n"
		"term sq(mem_used) coef 2\n"
		"term mul(cpu_busy,runq_per_core) coef 0.3 fill 1\n"
		"term hinge(load1_per_core,0.75) coef 4\n";
	struct model m;
	struct model_error err;
	assert_int_equal(parse(text, &m, &err), 0);
	assert_int_equal(m.n_terms, 4);
	assert_string_equal(model_meta_get(&m, "note"), "free text, with # and spaces");
	assert_string_equal(model_meta_get(&m, "created"), "2026-11-25T00:00:00Z");
	assert_null(model_meta_get(&m, "absent"));
	assert_int_equal(m.terms[1].kind, TERM_SQUARE);
	assert_int_equal(m.terms[2].kind, TERM_PRODUCT);
	assert_int_equal(m.terms[3].kind, TERM_HINGE);
	assert_near(m.terms[3].knot, 0.75, 0);
	assert_near(m.terms[1].fill, 0.0, 0);   /* default fill = mean */

	double x[FEAT_VECTOR_LEN], c[MODEL_MAX_TERMS], v[MODEL_MAX_TERMS];
	features_clear(x);
	x[FEAT_cpu_busy] = 0.75;
	x[FEAT_mem_used] = 0.5;
	x[FEAT_runq_per_core] = 2.0;
	x[FEAT_load1_per_core] = 1.0;
	double y = model_score(&m, x, c, v);
	assert_near(c[0], 0.1 * (0.75 - 0.5) / 0.25, 1e-12);
	assert_near(c[1], 2 * 0.25, 1e-12);
	assert_near(c[2], 0.3 * 1.5, 1e-12);
	assert_near(c[3], 4 * 0.25, 1e-12);
	assert_near(y, 1.5 + 0.1 + 0.5 + 0.45 + 1.0, 1e-12);
	assert_near(v[2], 1.5, 1e-12);

	/* hinge below its knot is 0 */
	x[FEAT_load1_per_core] = 0.5;
	model_score(&m, x, c, NULL);
	assert_near(c[3], 0, 0);

	/* unknown inputs: each term takes its fill value */
	features_clear(x);
	y = model_score(&m, x, c, v);
	assert_near(c[0], 0, 0);        /* fill 0.5 = mean */
	assert_near(c[1], 0, 0);
	assert_near(v[2], 1.0, 0);      /* explicit fill 1 */
	assert_near(c[2], 0.3, 1e-12);
	assert_near(y, 1.5 + 0.3, 1e-12);
}

static void test_parse_errors(void **state)
{
	(void)state;
	static const struct { const char *text; int line; const char *msg; } cases[] = {
		{ "", 0, "empty model" },
		{ "intercept 1\n", 1, "expected 'elim-rank-model 1' first" },
		{ "elim-rank-model 2\nintercept 1\n", 1, "unsupported model format version '2'" },
		{ "elim-rank-model 1\n", 0, "no intercept" },
		{ "elim-rank-model 1\nintercept abc\n", 2, "expected 'intercept NUMBER'" },
		{ "elim-rank-model 1\nintercept 1\nintercept 2\n", 3, "intercept given twice" },
		{ "elim-rank-model 1\nintercept nan\n", 2, "expected 'intercept NUMBER'" },
		{ "elim-rank-model 1\nintercept 1\nterm bogus coef 1\n", 3, "unknown feature 'bogus'" },
		{ "elim-rank-model 1\nintercept 1\nterm cpu_busy\n", 3, "missing coef" },
		{ "elim-rank-model 1\nintercept 1\nterm cpu_busy coef 1 scale 0\n", 3, "scale must be > 0" },
		{ "elim-rank-model 1\nintercept 1\nterm cpu_busy coef 1 speed 3\n", 3, "unknown key 'speed'" },
		{ "elim-rank-model 1\nintercept 1\nterm cpu_busy coef\n", 3, "expected key value pairs" },
		{ "elim-rank-model 1\nintercept 1\nterm cpu_busy coef 1e999\n", 3, "not a finite number" },
		{ "elim-rank-model 1\nintercept 1\nterm cpu_busy coef 0x1p3\n", 3, "'0x1p3' is not a finite number" },
		{ "elim-rank-model 1\nintercept 1\nterm cpu_busy coef infinity\n", 3, "not a finite number" },
		{ "elim-rank-model 1\nintercept 0x10\n", 2, "expected 'intercept NUMBER'" },
		{ "elim-rank-model 1\nintercept 1\nterm log(cpu_busy) coef 1\n", 3, "unknown function 'log'" },
		{ "elim-rank-model 1\nintercept 1\nterm hinge(cpu_busy) coef 1\n", 3, "needs two arguments" },
		{ "elim-rank-model 1\nintercept 1\nterm hinge(cpu_busy,x) coef 1\n", 3, "knot 'x' is not a finite number" },
		{ "elim-rank-model 1\nintercept 1\nterm mul(cpu_busy,nope) coef 1\n", 3, "unknown feature 'nope'" },
		{ "elim-rank-model 1\nintercept 1\nterm mul(hinge(cpu_busy,0.5),nope) coef 1\n", 3, "unknown feature 'nope'" },
		{ "elim-rank-model 1\nintercept 1\nterm mul(hinge(cpu_busy,k),mem_used) coef 1\n", 3, "knot 'k' is not a finite number" },
		{ "elim-rank-model 1\nintercept 1\nterm mul(hinge(cpu_busy),mem_used) coef 1\n", 3, "'hinge' needs two arguments" },
		{ "elim-rank-model 1\nintercept 1\nterm mul(sq(cpu_busy),mem_used) coef 1\n", 3, "a factor of mul() is a feature or hinge" },
		{ "elim-rank-model 1\nintercept 1\nterm mul(mul(cpu_busy,mem_used),mem_used) coef 1\n", 3, "a factor of mul() is a feature or hinge" },
		{ "elim-rank-model 1\nintercept 1\nterm mul(cpu_busy),(mem_used) coef 1\n", 3, "unbalanced parentheses" },
		{ "elim-rank-model 1\nintercept 1\nterm sq(cpu_busy coef 1\n", 3, "malformed term" },
		{ "elim-rank-model 1\nintercept 1\nterm cpu_busy coef 1\nterm cpu_busy coef 2\n", 4, "appears twice" },
		{ "elim-rank-model 1\nintercept 1\nfoo bar\n", 3, "unknown keyword 'foo'" },
		{ "elim-rank-model 1\nmeta bad/key x\nintercept 1\n", 2, "bad meta key" },
		{ "meta a b\n", 1, "expected 'elim-rank-model 1' first" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct model m;
		struct model_error err;
		int rc = parse(cases[i].text, &m, &err);
		if (rc != -EINVAL || err.line != cases[i].line || strstr(err.msg, cases[i].msg) == NULL)
			fail_msg("case %zu: rc %d line %d msg '%s'; expected line %d '%s'", i, rc,
				 err.line, err.msg, cases[i].line, cases[i].msg);
	}
	/* a line too long and a NUL byte */
	char *longline = malloc(3000);
	snprintf(longline, 3000, "elim-rank-model 1\nmeta k %02000d\n", 0);
	struct model m;
	struct model_error err;
	assert_int_equal(parse(longline, &m, &err), -EINVAL);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.msg, "longer than"));
	free(longline);
	const char nul[] = "elim-rank-model 1\nintercept 1\0\n";
	assert_int_equal(model_parse(nul, sizeof nul - 1, NULL, &m, &err), -EINVAL);
	assert_int_equal(err.line, 2);
	/* too many terms */
	char *many = malloc(1 << 16);
	size_t off = (size_t)sprintf(many, "elim-rank-model 1\nintercept 0\n");
	for (int i = 0; i <= MODEL_MAX_TERMS; i++)
		off += (size_t)sprintf(many + off, "term hinge(cpu_busy,%d) coef 1\n", i);
	assert_int_equal(parse(many, &m, &err), -EINVAL);
	assert_int_equal(err.line, 2 + MODEL_MAX_TERMS + 1);
	assert_non_null(strstr(err.msg, "too many terms"));
	free(many);
}

/* Write, read back, score the same on many vectors; the id is stable. */
/* mul() of hinges: the probe weighed by how old it is, as a model of its
 * decay writes it; the same expression written back, and scored. */
static void test_product_of_hinges(void **state)
{
	(void)state;
	const char *text =
		"elim-rank-model 1\n"
		"intercept 1\n"
		"term hinge(probe_slowdown,1) coef 0.9\n"
		"term mul(hinge(probe_slowdown,1),hinge(probe_age,120)) coef -0.001\n"
		"term mul(cpu_groups_per_core,hinge(probe_age,600)) coef 0.0005\n"
		"term mul(hinge(cpu_busy,0.5),mem_used) coef 2\n";
	struct model m, back;
	struct model_error err;
	assert_int_equal(parse(text, &m, &err), 0);
	assert_int_equal(m.terms[1].kind, TERM_PRODUCT);
	assert_true(m.terms[1].hinge_a && m.terms[1].hinge_b);
	assert_near(m.terms[1].knot, 1, 0);
	assert_near(m.terms[1].knot_b, 120, 0);
	assert_true(!m.terms[2].hinge_a && m.terms[2].hinge_b);
	assert_true(m.terms[3].hinge_a && !m.terms[3].hinge_b);
	assert_false(model_term_same(&m.terms[0], &m.terms[1]));
	struct model_term t;
	assert_int_equal(model_parse_expr("mul(hinge(probe_slowdown,1),hinge(probe_age,120))", NULL,
					  &t, &err), 0);
	assert_true(model_term_same(&t, &m.terms[1]));
	t.knot_b = 121;
	assert_false(model_term_same(&t, &m.terms[1]));   /* another knot, another term */

	char buf[128];
	assert_int_equal(model_term_expr(&m.terms[1], NULL, buf, sizeof buf), 0);
	assert_string_equal(buf, "mul(hinge(probe_slowdown,1),hinge(probe_age,120))");
	assert_int_equal(model_term_expr(&m.terms[2], NULL, buf, sizeof buf), 0);
	assert_string_equal(buf, "mul(cpu_groups_per_core,hinge(probe_age,600))");

	double x[FEAT_VECTOR_LEN], c[MODEL_MAX_TERMS];
	features_clear(x);
	x[FEAT_probe_slowdown] = 1.5;
	x[FEAT_probe_age] = 420;
	x[FEAT_cpu_groups_per_core] = 1.0;
	x[FEAT_cpu_busy] = 0.25;                    /* below its knot: the product is 0 */
	x[FEAT_mem_used] = 0.5;
	double y = model_score(&m, x, c, NULL);
	assert_near(c[0], 0.9 * 0.5, 1e-12);
	assert_near(c[1], -0.001 * 0.5 * 300, 1e-12);
	assert_near(c[2], 0, 1e-12);                /* 420 s: under the 600 s knot */
	assert_near(c[3], 0, 1e-12);
	assert_near(y, 1 + 0.45 - 0.15, 1e-12);
	x[FEAT_probe_age] = NAN;                    /* unknown factor: the fill (0) */
	model_score(&m, x, c, NULL);
	assert_near(c[1], 0, 0);

	char *dir = tu_tmpdir();
	char path[512];
	snprintf(path, sizeof path, "%s/rank.model", dir);
	assert_int_equal(model_save(&m, path, &err), 0);
	assert_int_equal(model_load_file(path, NULL, &back, &err), 0);
	for (size_t i = 0; i < m.n_terms; i++)
		assert_true(model_term_same(&m.terms[i], &back.terms[i]));
	tu_rmtree(dir);
	free(dir);
}

static void test_round_trip(void **state)
{
	(void)state;
	struct model m, back;
	struct model_error err;
	memset(&m, 0, sizeof m);
	m.intercept = 0.987654321012345;
	int kinds[] = { TERM_FEATURE, TERM_SQUARE, TERM_PRODUCT, TERM_HINGE };
	for (int i = 0; i < 12; i++) {
		struct model_term *t = &m.terms[m.n_terms++];
		t->kind = kinds[i % 4];
		t->a = i % FEAT_COUNT;
		t->b = (i + 3) % FEAT_COUNT;
		t->knot = 0.1 * i + 1.0 / 3.0;
		t->mean = i * 0.37;
		t->scale = 1.0 / (i + 1.7);
		t->coef = (i - 5) * 0.123456789;
		t->fill = (i % 3) ? t->mean : 0.0 / 3.0 + i;
	}
	model_meta_set(&m, "method", "test");
	char *dir = tu_tmpdir();
	char path[512];
	snprintf(path, sizeof path, "%s/rank.model", dir);
	assert_int_equal(model_save(&m, path, &err), 0);
	assert_int_equal(model_load_file(path, NULL, &back, &err), 0);
	assert_int_equal(back.n_terms, m.n_terms);
	assert_string_equal(model_meta_get(&back, "method"), "test");

	srand(7);
	double x[FEAT_VECTOR_LEN];
	for (int r = 0; r < 200; r++) {
		for (int i = 0; i < FEAT_COUNT; i++)
			x[i] = (rand() % 10 == 0) ? NAN : (double)rand() / RAND_MAX * 3;
		double a = model_score(&m, x, NULL, NULL), b = model_score(&back, x, NULL, NULL);
		if (a != b)
			fail_msg("row %d: %.17g != %.17g after a round trip", r, a, b);
	}
	/* the id is a hash of the text: same text, same id; a different text, another */
	struct model again;
	assert_int_equal(model_load_file(path, NULL, &again, &err), 0);
	assert_string_equal(again.id, back.id);
	assert_int_equal(strlen(back.id), MODEL_ID_LEN);
	m.intercept += 1;
	assert_int_equal(model_save(&m, path, &err), 0);
	assert_int_equal(model_load_file(path, NULL, &again, &err), 0);
	assert_string_not_equal(again.id, back.id);

	/* the saved file is 0644 and no temporary file is left behind */
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(tu_system("test $(ls '%s' | wc -l) -eq 1", dir), 0);
	tu_rmtree(dir);
	free(dir);
}

/* A save that cannot happen leaves the existing model untouched. */
static void test_save_failure_keeps_old(void **state)
{
	(void)state;
	struct model m, back;
	struct model_error err;
	char *dir = tu_tmpdir();
	char path[512];
	snprintf(path, sizeof path, "%s/rank.model", dir);
	tu_write(dir, "rank.model", "elim-rank-model 1\nintercept 1.25\n");
	assert_int_equal(model_load_default(&m, &err), 0);

	/* a read-only bind mount: root ignores modes, so use the kernel's ro flag */
	char cmd[1024];
	snprintf(cmd, sizeof cmd,
		 "unshare -m sh -c 'mount --bind %s %s && mount -o remount,bind,ro %s && "
		 "MODEL_PATH=%s exec %s/tests/test_model --save-into-ro' >/dev/null 2>&1",
		 dir, dir, dir, path, getenv("top_builddir") ? getenv("top_builddir") : ".");
	int rc = tu_system("%s", cmd);
	assert_int_equal(rc, 0);   /* the child saw model_save fail with EROFS */
	assert_int_equal(model_load_file(path, NULL, &back, &err), 0);
	assert_near(back.intercept, 1.25, 0);
	tu_rmtree(dir);
	free(dir);
}

/* Child side of test_save_failure_keeps_old, run inside the namespace. */
static int save_into_ro(void)
{
	struct model m;
	struct model_error err;
	model_load_default(&m, &err);
	int rc = model_save(&m, getenv("MODEL_PATH"), &err);
	if (rc == -EROFS && strstr(err.msg, getenv("MODEL_PATH")))
		return 0;
	fprintf(stderr, "model_save: %d %s\n", rc, err.msg);
	return 1;
}

static void test_load_file_errors(void **state)
{
	(void)state;
	struct model m;
	struct model_error err;
	assert_int_equal(model_load_file("/nonexistent/rank.model", NULL, &m, &err), -ENOENT);
	assert_int_equal(err.line, 0);
	assert_non_null(strstr(err.msg, "cannot open"));
	assert_near(model_rank(0.5), 50.0, 0);
	assert_near(model_rank(-3), RANK_MIN, 0);
	assert_near(model_rank(1e9), RANK_MAX, 0);
	assert_near(model_rank(NAN), RANK_MAX, 0);
	assert_near(model_rank(INFINITY), RANK_MAX, 0);
}

/* "speed HOST FACTOR" lines: read, looked up by host, written back, refused with their line. */
static void test_speed_lines(void **state)
{
	(void)state;
	static struct model m, back;
	struct model_error err;
	const char *text = "elim-rank-model 1\nintercept 1\nspeed node* 2\nspeed hostA 1.6\n"
			   "speed hostA.example.com 0.8\nspeed *.old.example.com 3.5\n";
	assert_int_equal(model_parse(text, strlen(text), NULL, &m, &err), 0);
	assert_int_equal(m.n_speed, 4);
	assert_int_equal(model_speed_for(&m, "hostA"), 1);               /* the first exact name */
	assert_int_equal(model_speed_for(&m, "hostA.example.com"), 1);   /* short matches full */
	assert_int_equal(model_speed_for(&m, "node7"), 0);               /* a glob */
	assert_int_equal(model_speed_for(&m, "node7.old.example.com"), 0); /* the first glob */
	assert_int_equal(model_speed_for(&m, "x.old.example.com"), 3);
	assert_int_equal(model_speed_for(&m, "hostB"), -1);
	/* written back: the same lines, the same model */
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	assert_int_equal(model_write(&m, f), 0);
	fclose(f);
	assert_non_null(strstr(out, "speed node* 2\nspeed hostA 1.6\n"));
	assert_int_equal(model_parse(out, len, NULL, &back, &err), 0);
	assert_int_equal(back.n_speed, 4);
	assert_near(back.speed[2].factor, 0.8, 0);
	free(out);

	static const struct { const char *line, *msg; } bad[] = {
		{ "speed hostA", "expected 'speed HOST FACTOR'" },
		{ "speed hostA 2 3", "expected 'speed HOST FACTOR'" },
		{ "speed hostA 0", "speed hostA: factor '0' is not a number from 0.01 to 100" },
		{ "speed hostA 101", "factor '101'" },
		{ "speed hostA nan", "factor 'nan'" },
		{ "speed a/b 2", "bad host name or pattern 'a/b'" },
		{ "speed hostA 1\nspeed HOSTA 2", "speed HOSTA given twice" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char t[256];
		snprintf(t, sizeof t, "elim-rank-model 1\nintercept 1\n%s\n", bad[i].line);
		assert_int_equal(model_parse(t, strlen(t), NULL, &m, &err), -EINVAL);
		if (strstr(err.msg, bad[i].msg) == NULL || err.line < 3)
			fail_msg("'%s': line %d '%s'", bad[i].line, err.line, err.msg);
	}
}

/* "speed-reference SECONDS [work VERSION]": read, written back the same, refused
 * with its line when bad (and from a file, with the line to name). */
static void test_speed_reference_line(void **state)
{
	(void)state;
	static struct model m, back;
	struct model_error err;
	const char *text = "elim-rank-model 1\nintercept 1\nspeed-reference 0.000500736 work 2\n";
	assert_int_equal(model_parse(text, strlen(text), NULL, &m, &err), 0);
	assert_true(m.speed_reference == 0.000500736);
	assert_int_equal(m.speed_reference_work, 2);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	assert_int_equal(model_write(&m, f), 0);
	fclose(f);
	assert_non_null(strstr(out, "\nspeed-reference 0.000500736 work 2\n"));
	assert_int_equal(model_parse(out, len, NULL, &back, &err), 0);
	assert_true(back.speed_reference == m.speed_reference);
	assert_int_equal(back.speed_reference_work, 2);
	free(out);
	/* without a work version: any; and a model without the line has 0 */
	const char *any = "elim-rank-model 1\nintercept 1\nspeed-reference 1e-3\n";
	assert_int_equal(model_parse(any, strlen(any), NULL, &m, &err), 0);
	assert_true(m.speed_reference == 1e-3);
	assert_int_equal(m.speed_reference_work, 0);
	out = NULL;
	f = open_memstream(&out, &len);
	assert_int_equal(model_write(&m, f), 0);
	fclose(f);
	assert_non_null(strstr(out, "\nspeed-reference 0.001\n"));
	free(out);
	const char *none = "elim-rank-model 1\nintercept 1\n";
	assert_int_equal(model_parse(none, strlen(none), NULL, &m, &err), 0);
	assert_true(m.speed_reference == 0);

	static const struct { const char *line, *msg; } bad[] = {
		{ "speed-reference", "expected 'speed-reference SECONDS'" },
		{ "speed-reference 0.001 2", "expected 'speed-reference SECONDS'" },
		{ "speed-reference 0.001 version 2", "expected 'speed-reference SECONDS'" },
		{ "speed-reference 0", "'0' is not a number of seconds above 0" },
		{ "speed-reference -0.001", "'-0.001' is not a number of seconds" },
		{ "speed-reference nan", "'nan' is not a number" },
		{ "speed-reference 2e6", "at most 1e+06" },
		{ "speed-reference 0.001 work 0", "work version '0' is not a whole number from 1" },
		{ "speed-reference 0.001 work 2.5", "work version '2.5'" },
		{ "speed-reference 0.001 work -2", "work version '-2'" },
		{ "speed-reference 0.001\nspeed-reference 0.002", "speed-reference given twice" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char t[256];
		snprintf(t, sizeof t, "elim-rank-model 1\nintercept 1\n%s\n", bad[i].line);
		assert_int_equal(model_parse(t, strlen(t), NULL, &m, &err), -EINVAL);
		if (strstr(err.msg, bad[i].msg) == NULL || err.line < 3)
			fail_msg("'%s': line %d '%s'", bad[i].line, err.line, err.msg);
	}
	/* from a file: the line to name beside the file */
	char *dir = tu_tmpdir();
	char path[512];
	snprintf(path, sizeof path, "%s/rank.model", dir);
	tu_write(dir, "rank.model", "elim-rank-model 1\nintercept 1\n\nspeed-reference fast\n");
	assert_int_equal(model_load_file(path, NULL, &m, &err), -EINVAL);
	assert_int_equal(err.line, 4);
	assert_non_null(strstr(err.msg, "speed-reference: 'fast' is not a number of seconds"));
	tu_rmtree(dir);
	free(dir);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--save-into-ro") == 0)
		return save_into_ro();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_model),
		cmocka_unit_test(test_terms_and_scoring),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_product_of_hinges),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_save_failure_keeps_old),
		cmocka_unit_test(test_load_file_errors),
		cmocka_unit_test(test_speed_lines),
		cmocka_unit_test(test_speed_reference_line),
	};
	return TU_RUN(tests);
}
