/*
 * textfile: the Prometheus textfile (elim/textfile.h) and the real
 * elim.rank writing it (--textfile-dir): the exposition format, escaping,
 * unknown values left out, the atomic replacement with mode 0644, a buffer
 * that does not grow in the steady state, and the file's elim_rank equal
 * to the record LIM got in the same tick.  With promtool installed, the
 * elim's file also passes `promtool check metrics` (Prometheus' own lint of
 * names, units and types).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "model.h"
#include "testutil.h"
#include "textfile.h"

static struct model model;
static struct feature_schema schema;
static double features[FEAT_VECTOR_LEN];

static void values_init(struct textfile_values *v)
{
	struct model_error err;
	assert_int_equal(model_load_default(&model, &err), 0);
	feature_schema_init(&schema);
	features_clear(features);
	features[FEAT_cpu_busy] = 0.25;
	features[FEAT_mem_used] = 0.5;
	*v = (struct textfile_values){
		.rank = 123.456, .slowdown = 1.23456, .features = features, .schema = &schema,
		.model = &model, .model_source = "/etc/x\"y\\z\nw.model",
		.probe_seconds = 0.31, .probe_baseline_seconds = 0.3, .probe_age_seconds = NAN,
		.probe_runs = 7, .probe_failures = 2, .history_lag_seconds = 1.5,
		.now = 1700000000.25, .version = "1.2.3",
	};
}

/* The sample line of metric (its name and labels as written), or NULL. */
static const char *sample_of(const char *text, const char *metric)
{
	size_t n = strlen(metric);
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, metric, n) == 0 && p[n] == ' ')
			return p + n + 1;
	return NULL;
}

static void test_escape(void **state)
{
	(void)state;
	static const struct { const char *in, *out; } cases[] = {
		{ "plain", "plain" },
		{ "a\"b", "a\\\"b" },
		{ "back\\slash", "back\\\\slash" },
		{ "two\nlines", "two\\nlines" },
		{ "", "" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[64];
		size_t off = 0;
		assert_true(textfile_escape_label(buf, sizeof buf, &off, cases[i].in));
		assert_string_equal(buf, cases[i].out);
		assert_int_equal(off, strlen(cases[i].out));
	}
	char small[4];
	size_t off = 0;
	assert_false(textfile_escape_label(small, sizeof small, &off, "a\"b"));   /* 4 + NUL */
}

static void test_number(void **state)
{
	(void)state;
	static const struct { double v; const char *text; } cases[] = {
		{ 0, "0" }, { 1, "1" }, { -0.25, "-0.25" }, { 2.5, "2.5" }, { 100, "100" },
		{ 1700000000.25, "1700000000.25" }, { 0.1, "0.1" }, { 123.456, "123.456" },
		{ 1e-4, "0.0001" }, { 1e15, "1.00000000000e+15" }, { -3e-7, "-3.00000000000e-07" },
		{ 0.052631578947368474, "0.0526315789474" }, { 9.9999999999999, "10" },
	};
	char buf[48];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int n = textfile_number(buf, sizeof buf, cases[i].v);
		assert_int_equal(n, (int)strlen(cases[i].text));
		assert_string_equal(buf, cases[i].text);
	}
	assert_int_equal(textfile_number(buf, sizeof buf, NAN), -EINVAL);
	assert_int_equal(textfile_number(buf, sizeof buf, INFINITY), -EINVAL);
	/* any value reads back within the digits written */
	unsigned long long x = 88172645463325252ULL;
	for (int i = 0; i < 100000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		double v = ((double)(x >> 11) / 9007199254740992.0 - 0.5) * pow(10, (int)(x % 40) - 20);
		assert_true(textfile_number(buf, sizeof buf, v) > 0);
		double back = strtod(buf, NULL);
		if (!(fabs(back - v) <= 1e-11 * fabs(v)))
			fail_msg("%.17g written as %s", v, buf);
	}
}

static void test_format(void **state)
{
	(void)state;
	struct textfile_values v;
	values_init(&v);
	struct textfile t;
	assert_int_equal(textfile_init(&t, "/nonexistent"), 0);
	assert_string_equal(t.path, "/nonexistent/elim_rank.prom");
	assert_int_equal(textfile_format(&t, &v), 0);
	const char *s = t.buf;
	assert_int_equal(strlen(s), t.len);

	/* the rank as the record gives it: one decimal */
	assert_non_null(sample_of(s, "elim_rank"));
	assert_int_equal(strncmp(sample_of(s, "elim_rank"), "123.5\n", 6), 0);
	assert_float_equal(atof(sample_of(s, "elim_rank_predicted_slowdown")), 1.23456, 1e-12);
	assert_float_equal(atof(sample_of(s, "elim_rank_feature{feature=\"cpu_busy\",unit=\"fraction\"}")),
			   0.25, 0);
	/* unknown features and values are left out, never NaN */
	assert_null(strstr(s, "feature=\"cpu_iowait\""));
	assert_null(strstr(s, "NaN"));
	assert_null(strstr(s, "nan"));
	assert_null(strstr(s, "elim_rank_probe_age_seconds"));
	/* counters end in _total; gauges do not */
	assert_non_null(strstr(s, "# TYPE elim_rank_probe_failures_total counter\n"));
	assert_int_equal(atoi(sample_of(s, "elim_rank_probe_failures_total")), 2);
	assert_int_equal(atoi(sample_of(s, "elim_rank_probe_runs_total")), 7);
	assert_non_null(strstr(s, "# TYPE elim_rank_history_lag_seconds gauge\n"));
	assert_float_equal(atof(sample_of(s, "elim_rank_last_update_timestamp_seconds")),
			   1700000000.25, 1e-6);
	/* label values escaped */
	char info[256];
	snprintf(info, sizeof info, "elim_rank_model_info{id=\"%s\",source=\"/etc/x\\\"y\\\\z\\nw.model\"}",
		 model.id);
	assert_non_null(sample_of(s, info));
	assert_non_null(sample_of(s, "elim_rank_build_info{version=\"1.2.3\"}"));
	/* the contributions add up to the slowdown the model predicts */
	double sum = 0;
	int terms = 0;
	for (const char *p = strstr(s, "\nelim_rank_term_contribution{"); p;
	     p = strstr(p + 1, "\nelim_rank_term_contribution{")) {
		const char *val = strstr(p, "} ");
		assert_non_null(val);
		sum += atof(val + 2);
		terms++;
	}
	assert_int_equal(terms, (int)model.n_terms + 1);   /* and the intercept */
	assert_float_equal(sum, model_score(&model, features, NULL, NULL), 1e-9);
	/* a HELP and a TYPE line before each metric's first sample, no timestamps */
	for (const char *line = s; *line; line = strchr(line, '\n') + 1) {
		if (*line == '#')
			continue;
		char name[128];
		assert_int_equal(sscanf(line, "%127[a-z_]", name), 1);
		char want[200];
		snprintf(want, sizeof want, "# TYPE %s ", name);
		assert_non_null(strstr(s, want));
		snprintf(want, sizeof want, "# HELP %s ", name);
		assert_non_null(strstr(s, want));
		const char *end = strchr(line, '\n');
		const char *last = end;
		while (last > line && last[-1] != ' ')
			last--;
		/* the value is the last field, and the one before ends the labels or the name */
		assert_true(last[-2] == '}' || (last - line - 1 == (long)strlen(name)));
	}
	textfile_free(&t);
}

static void test_buffer_steady(void **state)
{
	(void)state;
	struct textfile_values v;
	values_init(&v);
	struct textfile t;
	assert_int_equal(textfile_init(&t, "/nonexistent"), 0);
	assert_int_equal(textfile_format(&t, &v), 0);
	char *buf = t.buf;
	size_t cap = t.cap;
	for (int i = 0; i < 100; i++) {
		features[FEAT_cpu_busy] = i / 100.0;
		assert_int_equal(textfile_format(&t, &v), 0);
	}
	assert_ptr_equal(t.buf, buf);
	assert_int_equal(t.cap, cap);
	textfile_free(&t);
}

/* Names in dir other than elim_rank.prom. */
static int strays(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && strcmp(de->d_name, TEXTFILE_NAME) != 0)
			n++;
	closedir(d);
	return n;
}

static void test_write(void **state)
{
	(void)state;
	struct textfile_values v;
	values_init(&v);
	char *dir = tu_tmpdir();
	struct textfile t;
	assert_int_equal(textfile_init(&t, dir), 0);
	mode_t old = umask(077);
	assert_int_equal(textfile_write(&t, &v), 0);
	struct stat st1, st2;
	assert_int_equal(stat(t.path, &st1), 0);
	assert_int_equal(st1.st_mode & 07777, 0644);   /* whatever the umask */
	char *text = tu_slurp(t.path);
	assert_string_equal(text, t.buf);
	free(text);
	v.rank = 250;
	assert_int_equal(textfile_write(&t, &v), 0);
	assert_int_equal(stat(t.path, &st2), 0);
	assert_int_not_equal(st1.st_ino, st2.st_ino);   /* replaced by a rename */
	assert_true(tu_file_has(t.path, "\nelim_rank 250.0\n"));
	assert_int_equal(strays(dir), 0);
	umask(old);
	textfile_free(&t);

	/* a directory that is gone: an error, nothing half-written */
	char gone[600];
	snprintf(gone, sizeof gone, "%s/gone", dir);
	assert_int_equal(textfile_init(&t, gone), 0);
	assert_int_equal(textfile_write(&t, &v), -ENOENT);
	textfile_free(&t);
	tu_rmtree(dir);
	free(dir);
}

/* The real elim: the file's elim_rank is the record of the same tick, and
 * the file stays after the elim exits. */
static void test_elim_writes_it(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char tf[600], path[700];
	snprintf(tf, sizeof tf, "%s/textfile", dir);
	assert_int_equal(mkdir(tf, 0755), 0);
	snprintf(path, sizeof path, "%s/%s", tf, TEXTFILE_NAME);
	const char *argv[] = { "--no-probe", "--interval", "0.2", "--count", "4", "--state-dir", dir,
			 "--textfile-dir", tf, NULL };
	struct th e;
	struct th_opts o = { .lim_like = true };
	th_start(&e, &o, argv);
	double rank, last = NAN;
	int n = 0;
	while (th_read_lim(&e, 60.0, &rank) == 1) {
		last = rank;
		n++;
	}
	assert_int_equal(th_wait(&e, 60.0), 0);
	th_close(&e);
	assert_int_equal(n, 4);
	char *text = tu_slurp(path);
	const char *v = sample_of(text, "elim_rank");
	assert_non_null(v);
	assert_float_equal(atof(v), last, 1e-9);
	assert_non_null(sample_of(text, "elim_rank_history_lag_seconds"));
	assert_int_equal(strays(tf), 0);
	free(text);
	/* Prometheus' own lint of the names, units and types, when installed */
	if (access("/usr/bin/promtool", X_OK) == 0)
		assert_int_equal(tu_system("promtool check metrics < '%s'", path), 0);
	tu_rmtree(dir);
	free(dir);
}

/* Off unless configured: no file appears anywhere it was not asked for. */
static void test_off_by_default(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	const char *argv[] = { "--no-probe", "--interval", "0.2", "--count", "2", "--state-dir", dir,
			 NULL };
	struct th_opts o = { .lim_like = true, .cwd = dir };
	assert_int_equal(th_run(&o, argv, 60.0, NULL, NULL), 0);
	assert_int_equal(tu_system("find '%s' -name '*.prom' | grep -q .", dir) == 0, 0);
	tu_rmtree(dir);
	free(dir);
}

/* --check-config says when the directory cannot be written. */
static void test_check_config(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char gone[600];
	snprintf(gone, sizeof gone, "%s/gone", dir);
	char *out = NULL, *err = NULL;
	assert_int_equal(th_run(NULL, (const char *const[]){ "--check-config", "--textfile-dir", gone,
				NULL }, 60.0, &out, &err), 1);
	assert_non_null(strstr(err, "textfile-dir"));
	assert_non_null(strstr(err, "No such file or directory"));
	free(out);
	free(err);
	assert_int_equal(th_run(NULL, (const char *const[]){ "--check-config", "--textfile-dir", dir,
				NULL }, 60.0, &out, &err), 0);
	char line[700];
	snprintf(line, sizeof line, "textfile-dir = %s\n", dir);
	assert_non_null(strstr(out, line));
	free(out);
	free(err);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_number),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_buffer_steady),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_elim_writes_it),
		cmocka_unit_test(test_off_by_default),
		cmocka_unit_test(test_check_config),
	};
	signal(SIGPIPE, SIG_IGN);
	return TU_RUN(tests);
}
