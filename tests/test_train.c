/*
 * rank-train end to end: real history files made with lib/history.c, the
 * real binary, a real GSL fit; the written model is read back and checked.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "feature_set.h"
#include "history.h"
#include "model.h"
#include "harness.h"
#include "testutil.h"

static const char *train_bin(void)
{
	const char *b = getenv("TRAIN_BIN");
	return b ? b : "trainer/rank-train";
}

/* Deterministic pseudo-random numbers in [0, 1). */
static double rnd(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return ((*s >> 8) & 0xffffff) / 16777216.0;
}

/*
 * A history of n rows for host, where the rank column holds
 * 100 * (1 + 0.8 cpu_busy + 0.3 mem_used + 0.5 hinge(runq_per_core,1)) + noise,
 * and every tenth row has an unknown mem_used.
 */
static void make_history(const char *path, const char *host, int n, unsigned seed, double noise)
{
	struct history *h;
	char err[256];
	if (history_open(path, NULL, 0, &h, err, sizeof err) != 0)
		fail_msg("%s", err);
	double x[FEAT_VECTOR_LEN];
	unsigned s = seed;
	sqlite3 *db;
	sqlite3_open(path, &db);
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	for (int r = 0; r < n; r++) {
		features_clear(x);
		x[FEAT_cpu_busy] = rnd(&s);
		x[FEAT_mem_used] = (r % 10 == 9) ? NAN : rnd(&s);
		x[FEAT_runq_per_core] = 3 * rnd(&s);
		x[FEAT_load1_per_core] = 5.0;            /* constant */
		x[FEAT_disk_busy_max] = 2 * x[FEAT_cpu_busy] + 0.1;   /* collinear with cpu_busy */
		double mem = isnan(x[FEAT_mem_used]) ? 0 : x[FEAT_mem_used];
		double hinge = x[FEAT_runq_per_core] > 1 ? x[FEAT_runq_per_core] - 1 : 0;
		double y = 100 * (1 + 0.8 * x[FEAT_cpu_busy] + 0.3 * mem + 0.5 * hinge)
			   + noise * (rnd(&s) - 0.5);
		struct history_row row = { .time = 1700000000 + r * 10, .host = host, .features = x,
					   .rank = y, .model_id = "test" };
		if (history_append(h, &row, err, sizeof err) != 0)
			fail_msg("%s", err);
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
	history_close(h);
}

/* Run rank-train with args; capture stdout+stderr into out.  Returns exit status. */
static int run_train(char *out, size_t size, const char *args)
{
	char script[4096], *text;
	snprintf(script, sizeof script, "exec %s %s", train_bin(), args);
	int st = th_run(&(struct th_opts){ .bin = "/bin/sh", .err = TH_STDOUT },
			(const char *const[]){ "-c", script, NULL }, 300.0, &text, NULL);
	snprintf(out, size, "%s", text);
	free(text);
	return st;
}

struct fixture {
	char *dir;
	char h1[512], h2[512], model[512];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	f->dir = tu_tmpdir();
	snprintf(f->h1, sizeof f->h1, "%s/node1.db", f->dir);
	snprintf(f->h2, sizeof f->h2, "%s/node2.db", f->dir);
	snprintf(f->model, sizeof f->model, "%s/rank.model", f->dir);
	make_history(f->h1, "node1", 3000, 1, 0.5);
	make_history(f->h2, "node2", 2000, 2, 0.5);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* The fit recovers the generating coefficients; the model scores like the truth. */
static void test_recovers_coefficients(void **state)
{
	struct fixture *f = *state;
	char out[8192], args[2048];
	snprintf(args, sizeof args, "--label rank --terms 'cpu_busy,mem_used,hinge(runq_per_core,1)'"
		 " --output %s %s", f->model, f->dir);
	int rc = run_train(out, sizeof out, args);
	if (rc != 0)
		fail_msg("rank-train exit %d: %s", rc, out);
	/* 5000 rows, a tenth of them with mem_used unknown */
	assert_non_null(strstr(out, "rows: 5000 read, 4500 used, 500 skipped"));
	assert_non_null(strstr(out, "hosts: 2"));
	assert_non_null(strstr(out, "model written"));

	struct model m;
	struct model_error err;
	assert_int_equal(model_load_file(f->model, NULL, &m, &err), 0);
	assert_int_equal(m.n_terms, 3);
	/* raw slopes: coef / scale, in rank units */
	assert_near(m.terms[0].coef / m.terms[0].scale, 80.0, 0.2);
	assert_near(m.terms[1].coef / m.terms[1].scale, 30.0, 0.2);
	assert_near(m.terms[2].coef / m.terms[2].scale, 50.0, 0.2);
	assert_int_equal(m.terms[2].kind, TERM_HINGE);
	assert_string_equal(model_meta_get(&m, "label"), "rank");
	assert_string_equal(model_meta_get(&m, "rows"), "4500");
	assert_string_equal(model_meta_get(&m, "hosts"), "2");
	assert_true(atof(model_meta_get(&m, "r2")) > 0.999);

	double x[FEAT_VECTOR_LEN];
	features_clear(x);
	x[FEAT_cpu_busy] = 0.4;
	x[FEAT_mem_used] = 0.6;
	x[FEAT_runq_per_core] = 2.0;
	double truth = 100 * (1 + 0.8 * 0.4 + 0.3 * 0.6 + 0.5 * 1.0);
	assert_near(model_score(&m, x, NULL, NULL), truth, 0.2);

	/* --host and a time window restrict the rows */
	snprintf(args, sizeof args, "--label rank --terms cpu_busy --host node2 --dry-run %s %s", f->h1, f->h2);
	assert_int_equal(run_train(out, sizeof out, args), 0);
	assert_non_null(strstr(out, "rows: 2000 read, 2000 used"));
	assert_non_null(strstr(out, "hosts: 1"));
	snprintf(args, sizeof args, "--label rank --terms cpu_busy --since 1700000000 --until 1700009990"
		 " --dry-run %s", f->h1);
	assert_int_equal(run_train(out, sizeof out, args), 0);
	assert_non_null(strstr(out, "rows: 1000 read"));
}

/* Copy tmpl into out with @DIR and @H1 replaced. */
static void subst(char *out, size_t size, const char *tmpl, const char *dir, const char *h1)
{
	size_t o = 0;
	for (const char *p = tmpl; *p && o + 1 < size; ) {
		const char *rep = NULL;
		if (strncmp(p, "@DIR", 4) == 0)
			rep = dir, p += 4;
		else if (strncmp(p, "@H1", 3) == 0)
			rep = h1, p += 3;
		if (rep)
			o += (size_t)snprintf(out + o, size - o, "%s", rep);
		else
			out[o++] = *p++;
	}
	out[o < size ? o : size - 1] = '\0';
}

/* On every failure: a clear message naming the problem, a non-zero exit, the model untouched. */
static void test_errors_leave_model(void **state)
{
	struct fixture *f = *state;
	const char *good = "elim-rank-model 1\nmeta source installed\nintercept 1.23\n";
	tu_write(f->dir, "rank.model", good);
	tu_write(f->dir, "notadb.db", "this is plainly not an SQLite database, only text.........\n");
	char foreign[600];
	snprintf(foreign, sizeof foreign, "%s/foreign.db", f->dir);
	sqlite3 *db;
	sqlite3_open(foreign, &db);
	sqlite3_exec(db, "CREATE TABLE t (a INTEGER)", NULL, NULL, NULL);
	sqlite3_close(db);
	char few[600];
	snprintf(few, sizeof few, "%s/few.db", f->dir);
	make_history(few, "tiny", 5, 3, 0);

	struct { const char *args; int rc; const char *msg; } cases[] = {
		{ "--label nosuchcol --terms cpu_busy @H1", 1, "no column 'nosuchcol' to use as the label" },
		{ "--label rank --terms cpu_busy /nonexistent/h.db", 1, "/nonexistent/h.db" },
		{ "--label rank --terms cpu_busy @DIR/notadb.db", 1, "notadb.db" },
		{ "--label rank --terms cpu_busy @DIR/foreign.db", 1, "not an elim-rank history" },
		{ "--label rank --terms cpu_busy @DIR/few.db", 3, "too few usable rows" },
		{ "--label rank --terms cpu_busy,load1_per_core @H1", 3, "'load1_per_core' is constant" },
		{ "--label rank --terms cpu_busy,disk_busy_max @H1", 3, "collinear" },
		{ "--label rank --terms 'cpu_busy,sq(nope)' @H1", 2, "unknown feature 'nope'" },
		{ "--terms cpu_busy @H1", 2, "--label is required" },
		{ "--label rank --bogus @H1", 2, "unknown option '--bogus'" },
		{ "--label 'rank;drop' --terms cpu_busy @H1", 1, "is not a column name" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char args[2048], full[4096], out[8192];
		subst(args, sizeof args, cases[i].args, f->dir, f->h1);
		snprintf(full, sizeof full, "%s --output %s", args, f->model);
		int rc = run_train(out, sizeof out, full);
		if (rc != cases[i].rc || !strstr(out, cases[i].msg))
			fail_msg("case %zu (%s): exit %d, output: %s", i, args, rc, out);
		char *now = NULL;
		FILE *m = fopen(f->model, "r");
		size_t len = 0;
		assert_non_null(m);
		getdelim(&now, &len, '\0', m);
		fclose(m);
		if (strcmp(now, good) != 0)
			fail_msg("case %zu changed the installed model", i);
		free(now);
	}
	/* and no temporary files are left beside the model */
	assert_int_equal(tu_system("ls '%s' | grep -q tmp", f->dir), 1);
}

/* The elim scores with what the trainer wrote: the loop closes. */
static void test_elim_uses_trained_model(void **state)
{
	struct fixture *f = *state;
	char out[8192], args[2048];
	snprintf(args, sizeof args, "--label rank --terms cpu_busy,mem_used --output %s %s", f->model, f->h1);
	assert_int_equal(run_train(out, sizeof out, args), 0);
	char procfs[600], sysfs[600], *text;
	snprintf(procfs, sizeof procfs, "%s/basic/t1/proc", tu_data());
	snprintf(sysfs, sizeof sysfs, "%s/basic/sys", tu_data());
	assert_int_equal(th_run(NULL, (const char *const[]){ "--model", f->model, "--once",
				"--no-probe", "--explain",
							     "--procfs", procfs, "--sysfs", sysfs, NULL },
				60.0, &text, NULL), 0);
	/* "mem_used VALUE UNIT CONTRIBUTION" and "rank VALUE" */
	double contrib = NAN, rank = NAN;
	char name[64], a[64], b[64], c[64];
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		int k = sscanf(line, "%63s %63s %63s %63s", name, a, b, c);
		if (k == 4 && strcmp(name, "mem_used") == 0)
			contrib = atof(c);
		else if (k == 2 && strcmp(name, "rank") == 0)
			rank = atof(a);
	}
	free(text);
	assert_false(isnan(contrib));
	assert_false(isnan(rank));
	struct model m;
	struct model_error err;
	assert_int_equal(model_load_file(f->model, NULL, &m, &err), 0);
	/* mem_used is 0.75 in the fixture: its contribution is the model's */
	assert_near(contrib, m.terms[1].coef * (0.75 - m.terms[1].mean) / m.terms[1].scale, 1e-4);
	assert_true(rank > 100.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_recovers_coefficients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_leave_model, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elim_uses_trained_model, setup, teardown),
	};
	return TU_RUN(tests);
}
