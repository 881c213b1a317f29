/*
 * rank-train as an administrator runs it: the real binary ($TRAIN_BIN)
 * through the shell, on real SQLite files: exit codes, messages naming the
 * file and the problem, the installed model untouched on every failure,
 * the replacement rule, provenance, the CSV export and the HTML report
 * rendered by headless Chromium (skipped when chromium or python3 is
 * missing).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "dataset.h"
#include "history.h"
#include "model.h"
#include "harness.h"
#include "testutil.h"
#include "trainer_fixture.h"

static char *dir;
static char good[512], sentinel[512], installed[512];
static const char sentinel_text[] =
	"elim-rank-model 1\nmeta label rank\nmeta note sentinel\nintercept 150\n"
	"term cpu_busy mean 0.5 scale 0.2 coef 3 fill 0.5\n";

static const char *bin(void)
{
	const char *b = getenv("TRAIN_BIN");
	return b ? b : "trainer/rank-train";
}

static char *err_text(void);

#define RT(args, expect) TH_RANK_TRAIN(dir, args, expect)

static char *out_text(void)
{
	char p[600];
	snprintf(p, sizeof p, "%s/out", dir);
	return tu_slurp(p);
}

static char *err_text(void)
{
	char p[600];
	snprintf(p, sizeof p, "%s/err", dir);
	return tu_slurp(p);
}

static void expect_err(const char *needle1, const char *needle2)
{
	char *e = err_text();
	if (!strstr(e, needle1) || (needle2 && !strstr(e, needle2)))
		fprintf(stderr, "# stderr was: %s\n", e);
	assert_non_null(strstr(e, needle1));
	if (needle2)
		assert_non_null(strstr(e, needle2));
	free(e);
}

/* The installed model is byte for byte the sentinel, with nothing beside it. */
static void sentinel_untouched(void)
{
	char *t = tu_slurp(sentinel);
	assert_string_equal(t, sentinel_text);
	free(t);
	char d[600];
	snprintf(d, sizeof d, "%s/etc", dir);
	DIR *dd = opendir(d);
	assert_non_null(dd);
	struct dirent *e;
	while ((e = readdir(dd)) != NULL)
		assert_null(strstr(e->d_name, ".tmp"));
	closedir(dd);
}

static int setup(void **state)
{
	(void)state;
	dir = tu_tmpdir();
	snprintf(good, sizeof good, "%s/hist/a.db", dir);
	snprintf(sentinel, sizeof sentinel, "%s/etc/sentinel.model", dir);
	snprintf(installed, sizeof installed, "%s/etc/rank.model", dir);
	tu_write(dir, "etc/sentinel.model", sentinel_text);
	tu_write(dir, "hist/.keep", "");
	struct fixture_opts o = { .rows = 4000, .hosts = 2, .t0 = 1790000000, .step = 10,
				  .seed = 21, .noise = 0.05, .slowdown_col = true, .probe_form = true };
	assert_int_equal(fixture_history(good, &o), 0);
	char b[600];
	snprintf(b, sizeof b, "%s/hist/b.db", dir);
	struct fixture_opts ob = { .rows = 2000, .hosts = 1, .t0 = 1790020000, .step = 10,
				   .seed = 22, .noise = 0.05, .slowdown_col = true, .probe_form = true };
	assert_int_equal(fixture_history(b, &ob), 0);
	unlink(b);   /* re-created per test when needed */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(dir);
	free(dir);
	return 0;
}

static void test_usage(void **state)
{
	(void)state;
	char a[1024];
	assert_int_equal(th_rank_train(dir, "--help"), 0);
	char *o = out_text();
	for (const char *opt = "--label\0--terms\0--select\0--max-terms\0--method\0--lambda\0--folds\0"
	     "--robust-rows\0--since\0--until\0--host\0--output\0--force\0--dry-run\0--report\0"
	     "--export-csv\0"; *opt; opt += strlen(opt) + 1)
		assert_non_null(strstr(o, opt));
	free(o);
	snprintf(a, sizeof a, "%s", good);
	RT(a, 2);
	expect_err("--label is required", NULL);
	snprintf(a, sizeof a, "--label rank --method lasso %s", good);
	RT(a, 2);
	expect_err("'lasso' is not ols, ridge or robust", NULL);
	snprintf(a, sizeof a, "--label rank --folds 1 %s", good);
	RT(a, 2);
	snprintf(a, sizeof a, "--label rank --lambda 3 %s", good);
	RT(a, 2);
	expect_err("only applies to --method ridge", NULL);
	snprintf(a, sizeof a, "--label rank --terms 'cpu_busy,nosuch' %s", good);
	RT(a, 2);
	expect_err("unknown feature 'nosuch'", NULL);
	snprintf(a, sizeof a, "--label rank --since 100 --until 50 %s", good);
	RT(a, 2);
}

/* Every bad input: a clear message, a non-zero exit, the model untouched. */
static void test_bad_inputs(void **state)
{
	(void)state;
	char a[2048], p[600];

	snprintf(a, sizeof a, "--label rank --output %s %s/hist/missing.db", sentinel, dir);
	RT(a, 1);
	expect_err("missing.db: No such file or directory", NULL);
	sentinel_untouched();

	tu_write(dir, "hist/corrupt.db", "this is not a database, but it is long enough to be read as"
		 " one by SQLite if it tried: it will not.............................................");
	snprintf(a, sizeof a, "--label rank --output %s %s/hist/corrupt.db", sentinel, dir);
	RT(a, 1);
	expect_err("corrupt.db: corrupt or not an SQLite database", NULL);
	sentinel_untouched();

	snprintf(p, sizeof p, "%s/hist/foreign.db", dir);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(a); INSERT INTO t VALUES (1)", NULL, NULL, NULL), 0);
	sqlite3_close(db);
	snprintf(a, sizeof a, "--label rank --output %s %s", sentinel, p);
	RT(a, 1);
	expect_err("foreign.db: not an elim-rank history", NULL);
	sentinel_untouched();

	/* written by a newer elim-rank: refused, naming the file, never read as
	 * if we knew its schema (the same for the accounting join's read) */
	snprintf(p, sizeof p, "%s/hist/newer.db", dir);
	assert_int_equal(tu_system("cp %s %s", good, p), 0);
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), 0);
	sqlite3_close(db);
	snprintf(a, sizeof a, "--label rank --output %s %s", sentinel, p);
	RT(a, 1);
	expect_err("newer.db: schema version 99 is newer than this elim-rank's", NULL);
	sentinel_untouched();
	/* beside a good history: still refused, whichever comes first */
	snprintf(a, sizeof a, "--label rank --output %s %s %s", sentinel, good, p);
	RT(a, 1);
	expect_err("newer.db: schema version 99 is newer", NULL);
	sentinel_untouched();
	unlink(p);

	snprintf(a, sizeof a, "--label nosuch --output %s %s", sentinel, good);
	RT(a, 1);
	expect_err("a.db: no column 'nosuch' to use as the label", NULL);
	sentinel_untouched();

	snprintf(a, sizeof a, "--label rank --until 1790000050 --output %s %s", sentinel, good);
	RT(a, 3);
	expect_err("too few usable rows", NULL);
	sentinel_untouched();

	/* constant and collinear terms */
	snprintf(p, sizeof p, "%s/hist/odd.db", dir);
	struct fixture_opts o = { .rows = 600, .hosts = 1, .t0 = 1790000000, .step = 10, .seed = 5,
				  .noise = 0.05, .constant_steal = true, .collinear = true };
	assert_int_equal(fixture_history(p, &o), 0);
	snprintf(a, sizeof a, "--label rank --terms cpu_busy,cpu_steal --output %s %s", sentinel, p);
	RT(a, 3);
	expect_err("'cpu_steal' is constant", NULL);
	snprintf(a, sizeof a, "--label rank --terms cpu_busy,psi_cpu_some --output %s %s", sentinel, p);
	RT(a, 3);
	expect_err("collinear", "'psi_cpu_some'");
	sentinel_untouched();

	/* locked: another process holds an exclusive lock on a rollback-journal copy */
	snprintf(p, sizeof p, "%s/hist/locked.db", dir);
	assert_int_equal(tu_system("cp %s %s", good, p), 0);
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL), 0);
	assert_int_equal(sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL), 0);
	snprintf(a, sizeof a, "--label rank --output %s %s", sentinel, p);
	RT(a, 1);
	expect_err("locked.db: locked by another process", NULL);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	sentinel_untouched();
	unlink(p);

	/* an output that cannot be written: the report, then the model's directory */
	snprintf(a, sizeof a, "--label rank --report %s/nodir/r.html --output %s %s", dir, sentinel, good);
	RT(a, 1);
	expect_err("nodir/r.html: cannot create a temporary file", "no model written");
	sentinel_untouched();
	if (tu_system("unshare -m true 2>/dev/null") == 0) {
		int rc = tu_system("unshare -m sh -c 'mount --bind %s/etc %s/etc && mount -o remount,bind,ro"
				   " %s/etc && %s --label rank --force --output %s %s' >%s/out 2>%s/err",
				   dir, dir, dir, bin(), sentinel, good, dir, dir);
		assert_int_equal(rc, 1);
		expect_err("sentinel.model: cannot create a temporary file beside it: Read-only file system",
			   NULL);
		sentinel_untouched();
	} else {
		fprintf(stderr, "# unshare -m not permitted: read-only directory case skipped\n");
	}
	snprintf(p, sizeof p, "%s/hist/odd.db", dir);
	unlink(p);
	snprintf(p, sizeof p, "%s/hist/foreign.db", dir);
	unlink(p);
	snprintf(p, sizeof p, "%s/hist/corrupt.db", dir);
	unlink(p);
}

/* Written with provenance; kept when it does worse; --force; --dry-run. */
static void test_write_and_keep(void **state)
{
	(void)state;
	char a[2048];
	unlink(installed);
	snprintf(a, sizeof a, "--label rank --dry-run --output %s %s", installed, good);
	RT(a, 0);
	assert_int_equal(access(installed, F_OK), -1);

	snprintf(a, sizeof a, "--label rank --output %s %s", installed, good);
	RT(a, 0);
	char *o = out_text();
	assert_non_null(strstr(o, "rows: 4000 read, 4000 used, 0 skipped"));
	assert_non_null(strstr(o, "hosts: 2"));
	assert_non_null(strstr(o, "cv_rmse: "));
	assert_non_null(strstr(o, "baseline load1_per_core"));
	assert_non_null(strstr(o, "model written: "));
	free(o);
	struct model m;
	struct model_error me;
	assert_int_equal(model_load_file(installed, NULL, &m, &me), 0);
	assert_string_equal(model_meta_get(&m, "label"), "rank");
	assert_string_equal(model_meta_get(&m, "rows"), "4000");
	assert_string_equal(model_meta_get(&m, "hosts"), "2");
	assert_string_equal(model_meta_get(&m, "method"), "ols");
	assert_string_equal(model_meta_get(&m, "sources"), "a.db");
	assert_non_null(model_meta_get(&m, "created"));
	assert_non_null(model_meta_get(&m, "window"));
	double cv = atof(model_meta_get(&m, "cv_rmse"));
	assert_true(cv > 3 && cv < 7);   /* noise sd 5 rank units */
	assert_int_equal(m.n_terms, 7);   /* the embedded default's terms */
	/* the same data and terms again: a tie, so the newer model replaces it */
	RT(a, 0);
	o = out_text();
	assert_non_null(strstr(o, "installed, terms refitted"));
	assert_non_null(strstr(o, "model written: "));
	free(o);
	assert_int_equal(model_load_file(installed, NULL, &m, &me), 0);
	assert_string_equal(model_meta_get(&m, "previous_rmse"), model_meta_get(&m, "cv_rmse"));
	char *before = tu_slurp(installed);

	/* a worse model (one weak term) does not replace it */
	snprintf(a, sizeof a, "--label rank --terms disk_busy_max,cpu_steal --output %s %s", installed, good);
	RT(a, 4);
	expect_err("not replacing", "--force");
	char *after = tu_slurp(installed);
	assert_string_equal(before, after);
	free(after);
	o = out_text();
	assert_non_null(strstr(o, "installed model: "));
	assert_non_null(strstr(o, "model not written"));
	free(o);

	snprintf(a, sizeof a, "--label rank --terms disk_busy_max,cpu_steal --force --output %s %s",
		 installed, good);
	RT(a, 0);
	after = tu_slurp(installed);
	assert_string_not_equal(before, after);
	assert_non_null(strstr(after, "term disk_busy_max"));
	free(after);
	free(before);

	/* an installed model that does not parse is reported and replaced */
	tu_write(dir, "etc/rank.model", "elim-rank-model 1\nintercept oops\n");
	snprintf(a, sizeof a, "--label rank --output %s %s", installed, good);
	RT(a, 0);
	expect_err("installed model", "line 2");
	assert_int_equal(model_load_file(installed, NULL, &m, &me), 0);

	/* no model installed: the embedded default (label slowdown) is the one to beat */
	unlink(installed);
	snprintf(a, sizeof a, "--label slowdown --method ridge --output %s %s", installed, good);
	RT(a, 0);
	o = out_text();
	assert_non_null(strstr(o, "installed model: none installed: embedded default"));
	assert_non_null(strstr(o, "method: ridge"));
	free(o);
	assert_int_equal(model_load_file(installed, NULL, &m, &me), 0);
	assert_non_null(strstr(model_meta_get(&m, "method"), "ridge"));
	assert_non_null(model_meta_get(&m, "lambda"));
}

static void test_directory_window_host(void **state)
{
	(void)state;
	char a[2048], b[600];
	snprintf(b, sizeof b, "%s/hist/b.db", dir);
	struct fixture_opts ob = { .rows = 2000, .hosts = 1, .t0 = 1790020000, .step = 10,
				   .seed = 22, .noise = 0.05, .probe_form = true };
	assert_int_equal(fixture_history(b, &ob), 0);
	snprintf(a, sizeof a, "--label rank --dry-run %s/hist", dir);
	RT(a, 0);
	char *o = out_text();
	assert_non_null(strstr(o, "rows: 6000 read, 6000 used"));
	assert_non_null(strstr(o, "hosts: 2"));      /* host0 in both, host1 */
	assert_non_null(strstr(o, "files: 2"));
	free(o);
	snprintf(a, sizeof a, "--label rank --dry-run --terms runq_per_core,psi_cpu_some --host host1 --since 1790010000 --until 1790019990 %s/hist", dir);
	RT(a, 0);
	o = out_text();
	assert_non_null(strstr(o, "rows: 1000 read, 1000 used"));
	assert_non_null(strstr(o, "hosts: 1"));
	free(o);
	unlink(b);
	snprintf(a, sizeof a, "--label rank --dry-run %s/etc", dir);
	RT(a, 1);
	expect_err("no *.db history files", NULL);
}

static void test_export_csv(void **state)
{
	(void)state;
	char a[2048], csv[600];
	snprintf(csv, sizeof csv, "%s/rows.csv", dir);
	snprintf(a, sizeof a, "--label rank --dry-run --export-csv %s --until 1790009990 %s", csv, good);
	RT(a, 0);
	char *t = tu_slurp(csv);
	size_t lines = 0;
	for (char *p = t; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 1 + 2000);
	const char *head = "time,host,fold,rank,\"hinge(probe_slowdown,1)\",cpu_demand_since_probe,"
			   "psi_cpu_since_probe,";
	assert_true(strncmp(t, head, strlen(head)) == 0);
	assert_non_null(strstr(t, ",load1_per_core\r\n"));   /* the baseline's column */
	assert_non_null(strstr(t, "\r\n1790000000,host0,1,"));
	free(t);
}

/* --select's default candidates leave out a feature this host never knows */
static void test_select_defaults(void **state)
{
	(void)state;
	char a[2048], p[600];
	snprintf(p, sizeof p, "%s/nonet.db", dir);
	assert_int_equal(tu_system("cp %s %s && sqlite3 %s 'UPDATE samples SET net_util_max = NULL'",
				   good, p, p), 0);
	snprintf(a, sizeof a, "--label rank --dry-run --select --max-terms 4 %s", p);
	RT(a, 0);
	char *o = out_text();
	assert_non_null(strstr(o, "select: candidate net_util_max left out: known in 0 %"));
	assert_non_null(strstr(o, "rows: 4000 read, 4000 used, 0 skipped"));
	assert_non_null(strstr(o, "forward selection"));
	free(o);
	/* named explicitly, it is the user's choice: the error names it */
	snprintf(a, sizeof a, "--label rank --dry-run --terms cpu_busy,net_util_max %s", p);
	RT(a, 3);
	expect_err("most often unknown: net_util_max (4000 rows)", NULL);
	unlink(p);
}

static bool have(const char *prog)
{
	return tu_system("command -v %s >/dev/null 2>&1", prog) == 0;
}

static void test_report_html(void **state)
{
	(void)state;
	char a[2048], html[600];
	snprintf(html, sizeof html, "%s/report.html", dir);
	snprintf(a, sizeof a, "--label rank --dry-run --select --report %s %s", html, good);
	RT(a, 0);
	char *t = tu_slurp(html);
	assert_true(strncmp(t, "<!DOCTYPE html>", 15) == 0);
	size_t svgs = 0;
	for (char *p = t; (p = strstr(p, "<svg ")) != NULL; p++)
		svgs++;
	assert_int_equal(svgs, 3);
	assert_non_null(strstr(t, "Predicted against measured"));
	assert_non_null(strstr(t, "Residuals over time"));
	assert_non_null(strstr(t, "baseline: load1_per_core"));
	/* self-contained: nothing to fetch */
	assert_null(strstr(t, "<script"));
	assert_null(strstr(t, "src="));
	assert_null(strstr(t, "href="));
	assert_null(strstr(t, "url("));
	free(t);

	if (!have("chromium") || !have("python3")) {
		fprintf(stderr, "# chromium or python3 missing: render check skipped\n");
		skip();
	}
	char png[600];
	snprintf(png, sizeof png, "%s/shot.png", dir);
	int rc = tu_system("cd %s && timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run"
			   " --disable-background-networking --disable-component-update --disable-sync"
			   " --user-data-dir=%s/chromium-profile --window-size=1000,1700"
			   " --screenshot=%s file://%s >%s/chromium.log 2>&1", dir, dir, png, html, dir);
	assert_int_equal(rc, 0);
	const char *srcdir = getenv("top_srcdir");
	rc = tu_system("python3 %s/tests/png_check.py %s >%s/png.out", srcdir ? srcdir : ".", png, dir);
	char p[600];
	snprintf(p, sizeof p, "%s/png.out", dir);
	char *res = tu_slurp(p);
	fprintf(stderr, "# screenshot: %s", res);
	free(res);
	assert_int_equal(rc, 0);
}

/*
 * Traffic-class features (pcap_NAME_bps) exist only in the histories and
 * models of elims configured with classes: rank-train takes their names
 * from the histories' columns, so it compares an installed model on one
 * instead of calling it unreadable, and it fits terms on them.
 */
static void test_traffic_class_features(void **state)
{
	(void)state;
	char hist[600], inc[600], a[2048], err[512];
	snprintf(hist, sizeof hist, "%s/pcap/h.db", dir);
	snprintf(inc, sizeof inc, "%s/pcap/rank.model", dir);
	tu_write(dir, "pcap/.keep", "");
	struct fixture_opts fo = { .rows = 2000, .hosts = 1, .t0 = 1790000000, .step = 10,
				   .seed = 31, .noise = 0.05, .probe_form = true };
	assert_int_equal(fixture_history(hist, &fo), 0);
	/* the class's column, added as the elim adds it, then its values */
	struct feature_schema schema;
	feature_schema_init(&schema);
	assert_int_equal(feature_schema_bind_pcap(&schema, 0, "storage", err, sizeof err), 0);
	struct history *h;
	if (history_open(hist, &schema, 0, &h, err, sizeof err) < 0)
		fail_msg("%s", err);
	history_close(h);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(hist, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE samples SET pcap_storage_bps = 1e6 * cpu_busy",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	/* an installed model on the class's feature is compared */
	static const char pcap_model_text[] = "elim-rank-model 1\nmeta label rank\nintercept 100\n"
		"term pcap_storage_bps mean 5e5 scale 3e5 coef 5 fill 5e5\n"
		"term cpu_steal mean 0.5 scale 0.3 coef 2\n";
	tu_write(dir, "pcap/rank.model", pcap_model_text);
	snprintf(a, sizeof a, "--label rank --dry-run --output %s %s", inc, hist);
	RT(a, 0);
	char *e = err_text();
	if (strstr(e, "not compared"))
		fail_msg("installed model not compared: %s", e);
	free(e);
	char *o = out_text();
	char want[700];
	snprintf(want, sizeof want, "installed model: %s (", inc);
	const char *line = strstr(o, "installed, as it is ");
	char *end = NULL;
	double rmse = line ? strtod(line + strlen("installed, as it is "), &end) : 0;
	if (strstr(o, want) == NULL || line == NULL || end == line + strlen("installed, as it is ")
	    || !(rmse > 0))
		fail_msg("expected '%s' and its error in:\n%s", want, o);
	free(o);

	/* terms on it are fitted, and the model is written with its name */
	snprintf(a, sizeof a, "--label rank --terms 'pcap_storage_bps,mul(pcap_storage_bps,cpu_steal)'"
		 " --force --output %s %s", inc, hist);
	RT(a, 0);
	struct model m;
	struct model_error me;
	assert_int_equal(model_load_file(inc, &schema, &m, &me), 0);
	assert_int_equal(m.n_terms, 2);
	assert_int_equal(m.terms[0].a, FEAT_PCAP_FIRST);
	assert_int_equal(m.terms[1].b, FEAT_cpu_steal);
	/* the static schema alone does not know it: the names came from the file */
	assert_int_equal(model_load_file(inc, NULL, &m, &me), -EINVAL);

	/* a history without the column cannot compare such a model, and says why */
	snprintf(a, sizeof a, "--label rank --dry-run --output %s %s", inc, good);
	RT(a, 0);
	expect_err("not compared", "unknown feature 'pcap_storage_bps'");

	/* a history with the column and one without (a host without the class):
	 * the model is compared on all rows, its feature unknown in the other's */
	tu_write(dir, "pcap/rank.model", pcap_model_text);
	snprintf(a, sizeof a, "--label rank --dry-run --output %s %s %s", inc, hist, good);
	RT(a, 0);
	e = err_text();
	if (strstr(e, "not compared"))
		fail_msg("installed model not compared: %s", e);
	free(e);
	o = out_text();
	if (strstr(o, "rows: 6000 read, 6000 used") == NULL || strstr(o, want) == NULL)
		fail_msg("expected all 6000 rows and '%s' in:\n%s", want, o);
	free(o);
}

/* dataset_schema binds the classes of every history, also when a class's
 * column came last (added to an existing history, after model_id) and a
 * later file has another class. */
static void test_schema_from_every_history(void **state)
{
	(void)state;
	char a[600], b[600], err[512];
	snprintf(a, sizeof a, "%s/sch/a.db", dir);
	snprintf(b, sizeof b, "%s/sch/b.db", dir);
	tu_write(dir, "sch/.keep", "");
	const char *cls[] = { "storage", "backup" };
	const char *paths[] = { a, b };
	for (int i = 0; i < 2; i++) {
		struct history *h;
		if (history_open(paths[i], NULL, 0, &h, err, sizeof err) < 0)   /* no class yet */
			fail_msg("%s", err);
		history_close(h);
		struct feature_schema one;
		feature_schema_init(&one);
		assert_int_equal(feature_schema_bind_pcap(&one, 0, cls[i], err, sizeof err), 0);
		if (history_open(paths[i], &one, 0, &h, err, sizeof err) < 0)   /* its column: last */
			fail_msg("%s", err);
		history_close(h);
	}
	struct feature_schema s;
	feature_schema_init(&s);
	char *const files[] = { a, b };
	assert_int_equal(dataset_schema(files, 2, &s, err, sizeof err), 0);
	assert_true(feature_lookup(&s, "pcap_storage_bps", strlen("pcap_storage_bps")) >= 0);
	assert_true(feature_lookup(&s, "pcap_backup_bps", strlen("pcap_backup_bps")) >= 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_write_and_keep),
		cmocka_unit_test(test_directory_window_host),
		cmocka_unit_test(test_export_csv),
		cmocka_unit_test(test_select_defaults),
		cmocka_unit_test(test_report_html),
		cmocka_unit_test(test_traffic_class_features),
		cmocka_unit_test(test_schema_from_every_history),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
