/*
 * test_hostmap: host-map files (lib/hostmap.c) and the join of jobs to
 * samples by host name (trainer/acct_join.c): domains stripped on either
 * side, --host-map for other names, one ordered pass per history; real
 * files, real SQLite histories, the real binary.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "testutil.h"

#include "acct.h"
#include "dataset.h"
#include "feature_set.h"
#include "history.h"
#include "hostmap.h"

static const char map_text[] =
	"# accounting names to history names\n"
	"node17-ib   node17\n"
	"node*-ib    generic    # a glob, after the names\n"
	"\n"
	"gpu[0-9]    gpus\n"
	"hostA.example.com   hosta\n";

static void test_parse_and_lookup(void **state)
{
	(void)state;
	struct hostmap m = { 0 };
	char err[512];
	assert_int_equal(hostmap_parse(map_text, strlen(map_text), "m", &m, err, sizeof err), 0);
	assert_int_equal(m.n, 4);
	assert_string_equal(hostmap_lookup(&m, "node17-ib"), "node17");   /* a name over a glob */
	assert_string_equal(hostmap_lookup(&m, "NODE17-IB.example.com"), "node17");
	assert_string_equal(hostmap_lookup(&m, "node3-ib"), "generic");
	assert_string_equal(hostmap_lookup(&m, "gpu7"), "gpus");
	assert_string_equal(hostmap_lookup(&m, "hostA"), "hosta");          /* short matches full */
	assert_null(hostmap_lookup(&m, "hostA.other.com"));
	assert_null(hostmap_lookup(&m, "gpu10"));
	hostmap_free(&m);

	static const struct { const char *text, *want; } bad[] = {
		{ "a b\nc\n", "m:2: expected 'HOST NAME'" },
		{ "a b c\n", "m:1: expected 'HOST NAME'" },
		{ "\n\na/b x\n", "m:3: bad host name or pattern 'a/b'" },
		{ "a x*y\n", "m:1: bad name 'x*y'" },
		{ "a x\nA y\n", "m:2: A given twice" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&m, 0, sizeof m);
		assert_int_equal(hostmap_parse(bad[i].text, strlen(bad[i].text), "m", &m, err,
					       sizeof err), -EINVAL);
		assert_non_null(strstr(err, bad[i].want));
		hostmap_free(&m);
	}
	char *dir = tu_tmpdir(), path[600];
	snprintf(path, sizeof path, "%s/none", dir);
	assert_int_equal(hostmap_load(path, &m, err, sizeof err), -ENOENT);
	assert_non_null(strstr(err, path));
	tu_write(dir, "map", map_text);
	snprintf(path, sizeof path, "%s/map", dir);
	assert_int_equal(hostmap_load(path, &m, err, sizeof err), 0);
	assert_int_equal(m.n, 4);
	hostmap_free(&m);
	tu_rmtree(dir);
	free(dir);
}

static void append(struct history *h, const char *host, long t)
{
	double f[FEAT_VECTOR_LEN];
	char err[512];
	features_clear(f);
	f[FEAT_cpu_busy] = 0.5;
	struct history_row row = { .time = t, .host = host, .features = f, .rank = 100 };
	assert_int_equal(history_append(h, &row, err, sizeof err), 0);
}

static struct acct_job job(const char *host, long start)
{
	struct acct_job j = { .start = start, .finish = start + 100, .slowdown = 1.5,
			      .row_time = -1 };
	j.host = strdup(host);
	j.cls = strdup("c");
	return j;
}

/*
 * The histories name hosts n1.example.com (the elim's FQDN), n2 and n3;
 * the accounting n1 (LSF_STRIP_DOMAIN), n2-ib (mapped) and
 * n3.example.com.  Two histories: a job's latest sample wins.
 */
static void test_join_names(void **state)
{
	(void)state;
	char *dir = tu_tmpdir(), h1[600], h2[600], err[512];
	snprintf(h1, sizeof h1, "%s/a.db", dir);
	snprintf(h2, sizeof h2, "%s/b.db", dir);
	struct history *h;
	assert_int_equal(history_open(h1, NULL, 0, &h, err, sizeof err), 0);
	for (long t = 1000; t <= 2000; t += 10) {
		append(h, "n1.example.com", t);
		append(h, "n2", t + 3);
	}
	history_close(h);
	assert_int_equal(history_open(h2, NULL, 0, &h, err, sizeof err), 0);
	for (long t = 1000; t <= 2000; t += 10)
		append(h, "n3", t + 5);
	append(h, "n1.example.com", 1504);   /* later than a.db's 1500 for the job at 1505 */
	history_close(h);

	struct acct_set set = { 0 };
	set.jobs = calloc(8, sizeof *set.jobs);
	assert_non_null(set.jobs);
	set.jobs[set.n++] = job("n1", 1505);
	set.jobs[set.n++] = job("n2-ib", 1505);
	set.jobs[set.n++] = job("n3.example.com", 1505);
	set.jobs[set.n++] = job("n1", 1000);            /* its sample is at the start */
	set.jobs[set.n++] = job("n1", 999);             /* none at or before */
	set.jobs[set.n++] = job("n1", 3000);            /* the last, 1000 s before: too far */
	set.jobs[set.n++] = job("n4", 1505);            /* in no history */
	set.st.jobs = set.n;
	struct hostmap m = { 0 };
	const char *mt = "n2-ib n2\n";
	assert_int_equal(hostmap_parse(mt, strlen(mt), "m", &m, err, sizeof err), 0);
	struct dataset_spec spec = { .label = "acct_slowdown" };
	char *files[] = { h1, h2 };
	assert_int_equal(acct_join_map(&set, files, 2, &m, &spec, err, sizeof err), 0);
	assert_int_equal(set.st.joined, 4);
	assert_int_equal(set.st.no_sample, 3);
	/* the label hook by the histories' names */
	assert_true(acct_label_at(&set, "n1.example.com", 1504) == 1.5);
	assert_true(isnan(acct_label_at(&set, "n1.example.com", 1500)));
	assert_true(acct_label_at(&set, "n1.example.com", 1000) == 1.5);
	assert_true(acct_label_at(&set, "n2", 1503) == 1.5);
	assert_true(acct_label_at(&set, "n3", 1505) == 1.5);
	assert_true(isnan(acct_label_at(&set, "n1", 1504)));
	/* without the map n2-ib finds nothing */
	assert_int_equal(acct_join(&set, files, 2, &spec, err, sizeof err), 0);
	assert_int_equal(set.st.joined, 3);
	assert_true(isnan(acct_label_at(&set, "n2", 1503)));
	hostmap_free(&m);
	acct_free(&set);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_lookup),
		cmocka_unit_test(test_join_names),
	};
	return TU_RUN(tests);
}
