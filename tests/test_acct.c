/* test_acct: lsb.acct JOB_FINISH records as slowdown labels. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "harness.h"
#include "testutil.h"

#include "acct.h"
#include "acct_refs.h"
#include "acct_labels.h"
#include "dataset.h"
#include "feature_set.h"
#include "history.h"
#include "model.h"
#include "ols_oracle.h"

/* The real record from the test cluster (a job "exit 3" named exit3test). */
static const char real_record[] =
	"\"JOB_FINISH\" \"40\" 1795571978 102 0 33554451 1 1795571976 0 0 1795571978 \"root\" "
	"\"special\" \"\" \"\" \"\" \"vm\" \"/tmp\" \"\" \"/dev/null\" \"\" \"1795571976.102\" 0 1 "
	"\"vm\" 32 100.0 \"exit3test\" \"exit 3\" 0.010483 0.003374 5040 0 -1 0 0 648 3 0 1096 64 "
	"-1 0 0 0 15 1 -1 \"\" \"default\" 768 1 \"\" 0 5040 12676 \"\" \"\"\n";

/* A record in the same format.  hosts: "N \"h1\" ..." (the execution host list). */
static void record(char *buf, size_t len, long event, long start, int status,
		   const char *name, const char *cmd, const char *asked, const char *hosts)
{
	snprintf(buf, len,
		 "\"JOB_FINISH\" \"40\" %ld 7 0 33554451 1 %ld 0 0 %ld \"alice\" \"normal\" "
		 "\"select[type==any] order[rank]\" \"\" \"\" \"vm\" \"/home/alice/a \"\"dir\"\"\" \"\" "
		 "\"/dev/null\" \"\" \"%ld.7\" %s %s %d 100.0 \"%s\" \"%s\" 0.5 0.1 5040 0 -1 0 0 648 3 0 "
		 "1096 64 -1 0 0 0 15 1 -1 \"\" \"default\" 0 1 \"\" 0 5040 12676 \"\" \"\"\n",
		 event, start - 5, start, start, asked, hosts, status, name, cmd);
}

static void test_tokenize(void **state)
{
	(void)state;
	char line[256], *tok[16];
	snprintf(line, sizeof line, "\"JOB_FINISH\" 12 \"a \"\"b\"\" c\" \"\" \"\"\"\" x\n");
	assert_int_equal(acct_tokenize(line, tok, 16), 6);
	assert_string_equal(tok[0], "JOB_FINISH");
	assert_string_equal(tok[1], "12");
	assert_string_equal(tok[2], "a \"b\" c");
	assert_string_equal(tok[3], "");
	assert_string_equal(tok[4], "\"");
	assert_string_equal(tok[5], "x");
	snprintf(line, sizeof line, "\"abc");
	assert_int_equal(acct_tokenize(line, tok, 16), -EINVAL);
	snprintf(line, sizeof line, "\"abc\"\"");
	assert_int_equal(acct_tokenize(line, tok, 16), -EINVAL);
	snprintf(line, sizeof line, "\"abc\"def");
	assert_int_equal(acct_tokenize(line, tok, 16), -EINVAL);
	snprintf(line, sizeof line, "a b c");
	assert_int_equal(acct_tokenize(line, tok, 2), -E2BIG);
}

static void test_parse_real_and_variants(void **state)
{
	(void)state;
	char line[4096], why[256];
	struct acct_job j;
	struct acct_stats st = { 0 };

	/* the real record: exited (jStatus 32), so skipped as not done */
	snprintf(line, sizeof line, "%s", real_record);
	assert_int_equal(acct_parse_line(line, &j, &st, why, sizeof why), 0);
	assert_int_equal(st.records, 1);
	assert_int_equal(st.not_done, 1);

	/* done, a name with quotes, asked hosts before the execution host */
	record(line, sizeof line, 1000100, 1000000, 64, "my \"\"big\"\" job", "./run.sh",
	       "2 \"n1\" \"n 2\"", "1 \"n1\"");
	assert_int_equal(acct_parse_line(line, &j, &st, why, sizeof why), 1);
	assert_int_equal(j.start, 1000000);
	assert_int_equal(j.finish, 1000100);
	assert_string_equal(j.host, "n1");
	assert_string_equal(j.cls, "my \"big\" job");
	free(j.host);
	free(j.cls);

	/* no job name: the class is the command's program, not its arguments;
	 * one host listed per slot */
	record(line, sizeof line, 1000100, 1000000, 64, "", "/usr/bin/gzip -9 \"\"a b\"\"", "0",
	       "2 \"n1\" \"n1\"");
	assert_int_equal(acct_parse_line(line, &j, &st, why, sizeof why), 1);
	assert_string_equal(j.cls, "gzip");
	free(j.host);
	free(j.cls);
	/* --class command: the program even with a name; --class queue */
	record(line, sizeof line, 1000100, 1000000, 64, "nm", "./run.sh x", "0", "1 \"n1\"");
	assert_int_equal(acct_parse_line_as(line, ACCT_CLASS_COMMAND, &j, &st, why, sizeof why), 1);
	assert_string_equal(j.cls, "run.sh");
	free(j.host);
	free(j.cls);
	record(line, sizeof line, 1000100, 1000000, 64, "nm", "./run.sh x", "0", "1 \"n1\"");
	assert_int_equal(acct_parse_line_as(line, ACCT_CLASS_QUEUE, &j, &st, why, sizeof why), 1);
	assert_string_equal(j.cls, "normal");
	free(j.host);
	free(j.cls);
	enum acct_class key;
	assert_int_equal(acct_class_parse("queue", &key), 0);
	assert_int_equal(key, ACCT_CLASS_QUEUE);
	assert_int_equal(acct_class_parse("app", &key), -EINVAL);

	/* skipped and counted */
	record(line, sizeof line, 1000100, 1000000, 64, "p", "c", "0", "2 \"n1\" \"n2\"");
	assert_int_equal(acct_parse_line(line, &j, &st, why, sizeof why), 0);
	assert_int_equal(st.multi_host, 1);
	record(line, sizeof line, 1000005, 1000000, 64, "p", "c", "0", "1 \"n1\"");
	assert_int_equal(acct_parse_line(line, &j, &st, why, sizeof why), 0);
	assert_int_equal(st.too_short, 1);
	record(line, sizeof line, 999000, 1000000, 64, "p", "c", "0", "1 \"n1\"");
	assert_int_equal(acct_parse_line(line, &j, &st, why, sizeof why), 0);
	assert_int_equal(st.bad_times, 1);
	snprintf(line, sizeof line, "\"JOB_NEW\" \"40\" 1 2 3\n");
	assert_int_equal(acct_parse_line(line, &j, &st, why, sizeof why), 0);
	assert_int_equal(st.other_events, 1);

	/* malformed */
	record(line, sizeof line, 1000100, 1000000, 64, "p", "c", "0", "1 \"n1\"");
	char *start = strstr(line, " 1000000 \"alice\"");
	memcpy(start + 1, "10000x0", 7);
	assert_int_equal(acct_parse_line(line, &j, &st, why, sizeof why), -EINVAL);
	assert_non_null(strstr(why, "startTime"));
	record(line, sizeof line, 1000100, 1000000, 64, "p", "c", "0", "99 \"n1\"");
	assert_int_equal(acct_parse_line(line, &j, &st, why, sizeof why), -EINVAL);
	snprintf(line, sizeof line, "\"JOB_FINISH\" \"40\" 1 2 3\n");
	assert_int_equal(acct_parse_line(line, &j, &st, why, sizeof why), -EINVAL);
	assert_non_null(strstr(why, "too few"));
}

/* Write an acct file: class "A" (job name) with runs 100,110,120,200,300 on
 * host n1, class "gzip x" (command) with 2 runs, plus the real record. */
static void write_acct(const char *dir, const char *extra)
{
	char path[4200], line[4096];
	snprintf(path, sizeof path, "%s/lsb.acct", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(real_record, f);
	static const int runs[] = { 300, 100, 200, 120, 110 };
	for (int i = 0; i < 5; i++) {
		long start = 2000000 + 1000L * i;
		record(line, sizeof line, start + runs[i], start, 64, "A", "a.sh", "0", "1 \"n1\"");
		fputs(line, f);
	}
	for (int i = 0; i < 2; i++) {
		record(line, sizeof line, 3000100, 3000000, 64, "", "gzip x", "0", "1 \"n2\"");
		fputs(line, f);
	}
	fputs(extra, f);
	fclose(f);
}

/* Mangled records never crash the parser and are either parsed, skipped or
 * rejected with a reason (run under ASan and valgrind too). */
static void test_mangled_records(void **state)
{
	(void)state;
	char line[8192], why[256];
	struct acct_stats st = { 0 };
	unsigned seed = 12345;
	int verdicts[3] = { 0 };
	record(line, sizeof line, 1000100, 1000000, 64, "n", "c", "1 \"a\"", "1 \"n1\"");
	const char *good = strdup(line);
	static const char pool[] = "\" 0123456789-x\n";
	for (int i = 0; i < 3000; i++) {
		snprintf(line, sizeof line, "%s", good);
		size_t len = strlen(line);
		int edits = 1 + (int)(rand_r(&seed) % 4);
		for (int e = 0; e < edits; e++) {
			size_t at = (size_t)rand_r(&seed) % len;
			if (rand_r(&seed) % 3 == 0) {
				line[at] = '\0';     /* truncate */
				len = at ? at : 1;
			} else
				line[at] = pool[rand_r(&seed) % (sizeof pool - 1)];
		}
		struct acct_job j;
		why[0] = '\0';
		int r = acct_parse_line(line, &j, &st, why, sizeof why);
		assert_true(r >= -EINVAL && r <= 1);
		if (r < 0)
			assert_true(why[0] != '\0');
		if (r == 1) {
			assert_true(j.finish - j.start >= ACCT_MIN_SECONDS);
			free(j.host);
			free(j.cls);
		}
		verdicts[r < 0 ? 0 : r + 1]++;
	}
	free((void *)good);
	assert_true(verdicts[0] > 0 && verdicts[2] > 0);   /* both kinds were exercised */
}

static void test_read_and_label(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char path[4200], err[512];
	struct acct_set set = { 0 };

	/* an unfinished last line (being written) is skipped and counted */
	write_acct(dir, "\"JOB_FINISH\" \"40\" 3000100 8 0 3355");
	snprintf(path, sizeof path, "%s/lsb.acct", dir);
	assert_int_equal(acct_read(path, &set, err, sizeof err), 0);
	assert_int_equal(set.n, 7);
	assert_int_equal(set.st.records, 8);
	assert_int_equal(set.st.truncated, 1);
	acct_label(&set);
	assert_int_equal(set.st.classes, 1);
	assert_int_equal(set.st.classes_skipped, 1);
	assert_int_equal(set.st.jobs_skipped, 2);
	int labelled = 0;
	for (size_t i = 0; i < set.n; i++) {
		const struct acct_job *j = &set.jobs[i];
		if (strcmp(j->cls, "A") == 0) {
			/* base = the 10th percentile of 100..300 = 100, as the class
			 * references' sketch holds it: within ACCT_REFS_ALPHA */
			double base = acct_refs_value(acct_refs_index(100));
			assert_true(fabs(base / 100 - 1) <= ACCT_REFS_ALPHA);
			assert_true(fabs(j->slowdown - (double)(j->finish - j->start) / base) < 1e-12);
			labelled++;
		} else
			assert_true(isnan(j->slowdown));
	}
	assert_int_equal(labelled, 5);
	acct_free(&set);

	/* a malformed line in the middle names the file and line */
	write_acct(dir, "\"JOB_FINISH\" \"40\" 3000100 \"unterminated\n" "\"JOB_NEW\"\n");
	assert_int_equal(acct_read(path, &set, err, sizeof err), -EINVAL);
	char want[4300];
	snprintf(want, sizeof want, "%s:9: ", path);
	assert_non_null(strstr(err, want));
	acct_free(&set);

	snprintf(path, sizeof path, "%s/missing", dir);
	assert_int_equal(acct_read(path, &set, err, sizeof err), -ENOENT);
	assert_non_null(strstr(err, path));
	acct_free(&set);
	tu_rmtree(dir);
	free(dir);
}

static void append(struct history *h, const char *host, long t, double cpu)
{
	double f[FEAT_VECTOR_LEN];
	char err[512];
	features_clear(f);
	f[FEAT_cpu_busy] = cpu;
	f[FEAT_load1_per_core] = (t / 600) % 7 / 4.0;   /* rank-train's baseline needs it */
	struct history_row row = { .time = t, .host = host, .features = f, .rank = 100 };
	assert_int_equal(history_append(h, &row, err, sizeof err), 0);
}

struct collected { int n; double y[64]; double x[64]; int64_t t[64]; };

static int collect_row(void *ctx, const double *x, double y, int64_t time)
{
	struct collected *c = ctx;
	if (c->n < 64) {
		c->x[c->n] = x[0];
		c->y[c->n] = y;
		c->t[c->n] = time;
	}
	c->n++;
	return 0;
}

/* Jobs attach to their host's last sample at or before the start. */
static void test_join(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char path[4200], err[512];
	struct history *h;
	snprintf(path, sizeof path, "%s/h.db", dir);
	assert_int_equal(history_open(path, NULL, 0, &h, err, sizeof err), 0);
	/* n1 sampled every 10 s around each class-A job start; n2 too */
	for (int i = 0; i < 5; i++) {
		long start = 2000000 + 1000L * i;
		append(h, "n1", start - 13, 0.1 * i);
		append(h, "n1", start - 3, 0.2 * i);   /* this one */
		append(h, "n1", start + 7, 0.9);
		append(h, "n2", start - 1, 0.5);       /* another host */
	}
	history_close(h);
	write_acct(dir, "");
	/* one more class-A job on n1 with no sample near its start */
	FILE *f = fopen((snprintf(path, sizeof path, "%s/lsb.acct", dir), path), "a");
	char line[4096];
	record(line, sizeof line, 2500150, 2500000, 64, "A", "a.sh", "0", "1 \"n1\"");
	fputs(line, f);
	fclose(f);

	struct acct_set set = { 0 };
	assert_int_equal(acct_read(path, &set, err, sizeof err), 0);
	acct_label(&set);
	struct model_term term;
	struct model_error merr;
	assert_int_equal(model_parse_expr("cpu_busy", NULL, &term, &merr), 0);
	struct dataset_spec spec = { .terms = &term, .n_terms = 1, .label = "acct_slowdown" };
	snprintf(path, sizeof path, "%s/h.db", dir);
	char *files[] = { path };
	assert_int_equal(acct_join(&set, files, 1, &spec, err, sizeof err), 0);
	assert_int_equal(set.st.joined, 5);
	assert_int_equal(set.st.no_sample, 1);
	assert_ptr_equal(spec.label_fn, acct_label_at);

	struct collected c = { 0 };
	struct dataset_stats ds;
	assert_int_equal(ols_oracle_scan(&spec, files, 1, collect_row, &c, &ds, err, sizeof err), 0);
	assert_int_equal(c.n, 5);
	assert_int_equal(ds.rows_used, 5);
	static const int runs[] = { 300, 100, 200, 120, 110 };
	for (int i = 0; i < 5; i++) {
		assert_int_equal(c.t[i], 2000000 + 1000L * i - 3);
		assert_true(fabs(c.x[i] - 0.2 * i) < 1e-12);
		assert_true(fabs(c.y[i] - runs[i] / acct_refs_value(acct_refs_index(100))) < 1e-12);
	}
	/* the hook itself: nothing at other rows */
	assert_true(isnan(acct_label_at(&set, "n1", 2000000 - 13)));
	assert_true(isnan(acct_label_at(&set, "n2", 2000000 - 1)));
	assert_true(isnan(acct_label_at(&set, "zz", 0)));

	/* the join reads histories through the format's read side: one written
	 * by a newer elim-rank is refused, naming it */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(acct_join(&set, files, 1, &spec, err, sizeof err), HISTORY_ENEWER);
	assert_non_null(strstr(err, "h.db: schema version 99 is newer"));
	acct_free(&set);
	tu_rmtree(dir);
	free(dir);
}

/* The --acct step (acct_labels): read, label and join in one call; on any
 * failure the spec keeps reading its label column, and the error names the
 * file. */
static void test_labels_attach(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char hist[4200], acct[4200], err[512];
	struct history *h;
	snprintf(hist, sizeof hist, "%s/h.db", dir);
	assert_int_equal(history_open(hist, NULL, 0, &h, err, sizeof err), 0);
	for (int i = 0; i < 5; i++)
		append(h, "n1", 2000000 + 1000L * i - 3, 0.2 * i);
	history_close(h);
	write_acct(dir, "");
	snprintf(acct, sizeof acct, "%s/lsb.acct", dir);
	struct model_term term;
	struct model_error merr;
	assert_int_equal(model_parse_expr("cpu_busy", NULL, &term, &merr), 0);
	char *files[] = { hist };
	const char *paths[] = { acct };
	const struct acct_labels_opts ao = { .paths = paths, .npaths = 1 };

	struct acct_set set = { 0 };
	struct dataset_spec spec = { .terms = &term, .n_terms = 1, .label = "acct_slowdown" };
	assert_int_equal(acct_labels_attach(&ao, files, 1, &spec, &set, NULL, err, sizeof err), 0);
	assert_ptr_equal(spec.label_fn, acct_label_at);
	assert_ptr_equal(spec.label_ctx, &set);
	assert_string_equal(spec.label, "acct_slowdown");
	assert_int_equal(set.st.records, 8);
	assert_int_equal(set.st.classes, 1);      /* class A; gzip has too few runs */
	assert_int_equal(set.st.joined, 5);
	assert_int_equal(set.st.no_sample, 0);
	struct collected c = { 0 };
	assert_int_equal(ols_oracle_scan(&spec, files, 1, collect_row, &c, NULL, err, sizeof err), 0);
	assert_int_equal(c.n, 5);
	static const int runs[] = { 300, 100, 200, 120, 110 };
	for (int i = 0; i < 5; i++) {
		assert_int_equal(c.t[i], 2000000 + 1000L * i - 3);
		assert_near(c.y[i], runs[i] / acct_refs_value(acct_refs_index(100)), 1e-12);
	}
	acct_free(&set);

	/* a malformed record: "FILE:LINE: ...", the spec untouched */
	write_acct(dir, "\"JOB_FINISH\" \"40\" 3000100 \"unterminated\n\"JOB_NEW\"\n");
	struct dataset_spec spec2 = { .terms = &term, .n_terms = 1, .label = "acct_slowdown" };
	memset(&set, 0, sizeof set);
	assert_int_equal(acct_labels_attach(&ao, files, 1, &spec2, &set, NULL, err, sizeof err), -EINVAL);
	char want[4300];
	snprintf(want, sizeof want, "%s:9: ", acct);
	assert_non_null(strstr(err, want));
	assert_null(spec2.label_fn);
	acct_free(&set);

	/* a history that cannot be read: the error names it */
	write_acct(dir, "");
	snprintf(hist, sizeof hist, "%s/missing.db", dir);
	memset(&set, 0, sizeof set);
	assert_true(acct_labels_attach(&ao, files, 1, &spec2, &set, NULL, err, sizeof err) < 0);
	assert_non_null(strstr(err, hist));
	assert_null(spec2.label_fn);
	acct_free(&set);
	tu_rmtree(dir);
	free(dir);
}

/* rank-train --acct end to end: the label is the jobs' slowdown, which here
 * grows with cpu_busy at the job's start. */
static void test_rank_train_acct(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char path[4200], err[512], line[4096];
	struct history *h;
	snprintf(path, sizeof path, "%s/h.db", dir);
	assert_int_equal(history_open(path, NULL, 0, &h, err, sizeof err), 0);
	snprintf(path, sizeof path, "%s/lsb.acct", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 160; i++) {
		long start = 4000000 + 600L * i;
		double busy = (i * 7 % 40) / 40.0;
		append(h, i % 2 ? "n1" : "n2", start - 4, busy);
		long run = 100 + lround(100 * busy);
		record(line, sizeof line, start + run, start, 64, "", "bench \"\"x\"\"", "0",
		       i % 2 ? "1 \"n1\"" : "1 \"n2\"");
		fputs(line, f);
	}
	fputs(real_record, f);
	fclose(f);
	history_close(h);
	char acct[600], db[600], *out;
	snprintf(acct, sizeof acct, "%s/lsb.acct", dir);
	snprintf(db, sizeof db, "%s/h.db", dir);
	const struct th_opts train = { .bin = getenv("TRAIN_BIN"), .err = TH_STDOUT };
	assert_int_equal(th_run(&train, (const char *const[]){ "--acct", acct, "--terms", "cpu_busy",
							       "--dry-run", db, NULL }, 300.0, &out, NULL), 0);
	assert_non_null(strstr(out, "acct: 161 JOB_FINISH records: 160 usable jobs; skipped 1 not done"));
	assert_non_null(strstr(out, "acct: 160 jobs attached to a sample"));
	assert_non_null(strstr(out, "label: acct_slowdown"));
	const char *r2 = strstr(out, "r2: ");
	assert_non_null(r2);
	assert_true(strtod(r2 + 4, NULL) > 0.99);
	free(out);
	/* the same jobs in two rotated files, classes by queue: all read */
	char a1[600], a2[600];
	snprintf(a1, sizeof a1, "%s/lsb.acct.1", dir);
	snprintf(a2, sizeof a2, "%s/lsb.acct.2", dir);
	FILE *f1 = fopen(a1, "w"), *f2 = fopen(a2, "w");
	assert_non_null(f1);
	assert_non_null(f2);
	for (int i = 0; i < 160; i++) {
		long start = 4000000 + 600L * i;
		long run = 100 + lround(100 * ((i * 7 % 40) / 40.0));
		record(line, sizeof line, start + run, start, 64, i % 3 ? "x" : "y", "bench", "0",
		       i % 2 ? "1 \"n1\"" : "1 \"n2\"");
		fputs(line, i < 80 ? f1 : f2);
	}
	fclose(f1);
	fclose(f2);
	assert_int_equal(th_run(&train, (const char *const[]){ "--acct", a1, "--acct", a2,
		"--class", "queue", "--terms", "cpu_busy", "--dry-run", db, NULL }, 300.0, &out,
		NULL), 0);
	assert_non_null(strstr(out, "acct: 160 JOB_FINISH records: 160 usable jobs"));
	assert_null(strstr(out, "read twice"));
	assert_non_null(strstr(out, "acct: 1 classes labelled"));   /* one queue, two names */
	assert_non_null(strstr(out, "acct: 160 jobs attached to a sample"));
	free(out);
	/* a file given twice (or overlapping copies): each job counted once */
	assert_int_equal(th_run(&train, (const char *const[]){ "--acct", a1, "--acct", a2,
		"--acct", a1, "--terms", "cpu_busy", "--dry-run", db, NULL }, 300.0, &out, NULL), 0);
	assert_non_null(strstr(out, "acct: 240 JOB_FINISH records: 160 usable jobs"));
	assert_non_null(strstr(out, "acct: 80 jobs read twice (the same jobId, host, start and"
				    " finish) counted once"));
	assert_non_null(strstr(out, "acct: 160 jobs attached to a sample"));
	free(out);
	assert_int_equal(th_run(&train, (const char *const[]){ "--acct", a1, "--class", "app",
		"--terms", "cpu_busy", "--dry-run", db, NULL }, 300.0, &out, NULL), 2);
	assert_non_null(strstr(out, "--class: 'app' is not name, command or queue"));
	free(out);
	/* a bad file is an error naming it */
	snprintf(acct, sizeof acct, "%s/nope", dir);
	assert_int_equal(th_run(&train, (const char *const[]){ "--acct", acct, "--terms", "cpu_busy",
							       "--dry-run", db, NULL }, 300.0, &out, NULL), 1);
	assert_non_null(strstr(out, acct));
	free(out);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokenize),
		cmocka_unit_test(test_parse_real_and_variants),
		cmocka_unit_test(test_mangled_records),
		cmocka_unit_test(test_read_and_label),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_labels_attach),
		cmocka_unit_test(test_rank_train_acct),
	};
	return TU_RUN(tests);
}
