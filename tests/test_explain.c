/*
 * explain: what --explain tells a person, through the real elim.rank
 * (harness.h): the JSON form (--json) says what the text form says (parsed
 * by a real JSON parser, python3's, and printed back as text); `--explain`
 * without --once reads the running instance's latest explanation, which
 * writes nothing on ticks nobody asked about; and --once runs a probe,
 * scores with it and updates STATE/probe.baseline, unless --no-probe.
 */
#include "config.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "testutil.h"

static char procfs[512], sysfs[512];

static int group_setup(void **state)
{
	(void)state;
	snprintf(procfs, sizeof procfs, "%s/basic/t1/proc", tu_data());
	snprintf(sysfs, sizeof sysfs, "%s/basic/sys", tu_data());
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* python3 reads a JSON explanation (the file argv[1]) with its json module
 * and prints it in the text form's layout and formats. */
static const char *const json_to_text =
	"import json, sys\n"
	"d = json.load(open(sys.argv[1]), parse_int=float)\n"
	"skip = int(sys.argv[2])\n"
	"g = lambda v: 'nan' if v is None else '%.6g' % v\n"
	"for k, v in d['notes'].items():\n"
	"    print(k, v) if k == 'basis' else print('# %s: %s' % (k.replace('_', ' '), v))\n"
	"for f in d['features']: print(f['name'], g(f['value']), f['unit'], g(f['contribution']))\n"
	"for t in d['terms']: print(t['expr'], g(t['value']), '-', g(t['contribution']))\n"
	"print('intercept', g(d['intercept']))\n"
	"print('slowdown %.4f' % d['slowdown'])\n"
	"print('rank %.1f' % d['rank'])\n"
	"if skip: assert isinstance(d['pid'], float) and d['age_seconds'] >= 0, d\n";

/* Run python3 on json_to_text with the JSON in file; returns its output. */
static char *json_as_text(const char *file, bool from_instance)
{
	struct th_opts o = { .bin = "python3" };
	char *out = NULL, *err = NULL;
	int rc = th_run(&o, (const char *const[]){ "-c", json_to_text, file,
						    from_instance ? "1" : "0", NULL }, 60.0, &out, &err);
	if (rc != 0)
		fail_msg("python3 could not read %s: %s", file, err);
	free(err);
	return out;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void test_json_is_the_text(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	const char *text_args[] = { "--once", "--explain", "--no-probe", "--procfs", procfs,
			      "--sysfs", sysfs, "--state-dir", dir, NULL };
	const char *json_args[] = { "--once", "--explain", "--json", "--no-probe", "--procfs",
			      procfs, "--sysfs", sysfs, "--state-dir", dir, NULL };
	char *text = NULL, *json = NULL;
	assert_int_equal(th_run(NULL, text_args, 60.0, &text, NULL), 0);
	assert_int_equal(th_run(NULL, json_args, 60.0, &json, NULL), 0);
	/* unknown values are null, never NaN */
	assert_null(strstr(json, "nan"));
	assert_null(strstr(json, "NaN"));
	assert_non_null(strstr(text, " nan "));   /* the fixture has unknown features */
	char file[600];
	snprintf(file, sizeof file, "%s/explain.json", dir);
	write_file(file, json);
	char *back = json_as_text(file, false);
	assert_string_equal(back, text);
	free(back);
	/* --json alone is a usage error */
	char *err = NULL;
	assert_int_equal(th_run(NULL, (const char *const[]){ "--once", "--json", "--no-probe",
				"--state-dir", dir, NULL }, 60.0, NULL, &err), 2);
	assert_non_null(strstr(err, "--json goes with --explain"));
	free(err);
	free(text);
	free(json);
	tu_rmtree(dir);
	free(dir);
}

/* Wait (up to 60 s) until the history thread of pid took its lock in dir:
 * the lock file holds the pid. */
static void wait_lock(const char *dir, pid_t pid)
{
	char path[600];
	snprintf(path, sizeof path, "%s/elim.rank.lock", dir);
	for (int i = 0; i < 600; i++) {
		FILE *f = fopen(path, "r");
		long got = 0;
		if (f) {
			if (fscanf(f, "%ld", &got) != 1)
				got = 0;
			fclose(f);
		}
		if (got == (long)pid)
			return;
		tu_sleep_ms(100);
	}
	fail_msg("pid %d did not take %s", (int)pid, path);
}

/* The value of the line "rank V" in an explanation, or NAN. */
static double rank_of(const char *text)
{
	const char *p = strstr(text, "\nrank ");
	return p ? atof(p + 6) : NAN;
}

static void test_ask_the_running_instance(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char answer[600], hist[600];
	snprintf(answer, sizeof answer, "%s/explain.txt", dir);
	snprintf(hist, sizeof hist, "%s/history.db", dir);
	const char *ask[] = { "--explain", "--state-dir", dir, NULL };
	const char *ask_json[] = { "--explain", "--json", "--state-dir", dir, NULL };

	/* nobody runs yet */
	char *out = NULL, *err = NULL;
	assert_int_equal(th_run(NULL, ask, 60.0, &out, &err), 3);
	assert_string_equal(out, "");
	assert_non_null(strstr(err, "no elim.rank instance runs"));
	free(out);
	free(err);

	const char *run[] = { "--no-probe", "--interval", "0.3", "--state-dir", dir,
			"--history-commit", "0", NULL };
	struct th e;
	struct th_opts o = { .lim_like = true };
	th_start(&e, &o, run);
	double r;
	for (int i = 0; i < 3; i++)
		assert_int_equal(th_read_lim(&e, 60.0, &r), 1);
	wait_lock(dir, e.pid);
	/* three ticks and nobody asked: nothing written */
	assert_int_not_equal(access(answer, F_OK), 0);

	assert_int_equal(th_run(NULL, ask, 60.0, &out, &err), 0);
	char head[128];
	snprintf(head, sizeof head, "# elim.rank pid %d: explanation of its tick ", (int)e.pid);
	assert_int_equal(strncmp(out, head, strlen(head)), 0);
	double asked = rank_of(out);
	assert_true(isfinite(asked));
	assert_non_null(strstr(out, "\nslowdown "));
	free(out);
	free(err);

	assert_int_equal(th_run(NULL, ask_json, 60.0, &out, &err), 0);
	char file[600];
	snprintf(file, sizeof file, "%s/asked.json", dir);
	write_file(file, out);
	char *back = json_as_text(file, true);
	assert_true(isfinite(rank_of(back)));
	free(back);
	char pid[64];
	snprintf(pid, sizeof pid, "{\"pid\": %d, \"age_seconds\": ", (int)e.pid);
	assert_int_equal(strncmp(out, pid, strlen(pid)), 0);
	free(out);
	free(err);

	if (geteuid() == 0) {
		/* another user may not read the lock: said so, not "none runs" */
		struct th_opts as_nobody = { .bin = "setpriv" };
		assert_int_equal(th_run(&as_nobody, (const char *const[]){ "--reuid", "nobody",
					"--regid", "nogroup", "--clear-groups", getenv("ELIM_BIN"),
					"--explain", "--state-dir", dir, NULL }, 60.0, &out, &err), 1);
		assert_non_null(strstr(err, "Permission denied"));
		free(out);
		free(err);
	}

	th_kill(&e, SIGTERM);
	assert_int_equal(th_wait(&e, 60.0), 0);
	th_close(&e);
	/* the answer is a tick's: its rank is in the history */
	char sql[200];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM samples WHERE round(rank, 1) = %.1f", asked);
	double n = 0;
	assert_int_equal(th_query_doubles(hist, sql, &n, 1), 1);
	assert_true(n >= 1);

	/* and after it stopped, nobody runs again */
	assert_int_equal(th_run(NULL, ask, 60.0, &out, &err), 3);
	free(out);
	free(err);
	tu_rmtree(dir);
	free(dir);
}

/* With the history elsewhere, the lock and the answer are beside it; the
 * asker finds them with the same settings. */
static void test_ask_with_history_elsewhere(void **state)
{
	(void)state;
	char *dir = tu_tmpdir(), *other = tu_tmpdir();
	char hist[600];
	snprintf(hist, sizeof hist, "%s/h.db", other);
	const char *run[] = { "--no-probe", "--interval", "0.3", "--state-dir", dir, "--history", hist,
			NULL };
	const char *ask[] = { "--explain", "--state-dir", dir, "--history", hist, NULL };
	struct th e;
	struct th_opts o = { .lim_like = true };
	th_start(&e, &o, run);
	double r;
	assert_int_equal(th_read_lim(&e, 60.0, &r), 1);
	assert_int_equal(th_read_lim(&e, 60.0, &r), 1);
	wait_lock(other, e.pid);
	char *out = NULL;
	assert_int_equal(th_run(NULL, ask, 60.0, &out, NULL), 0);
	assert_true(isfinite(rank_of(out)));
	free(out);
	char answer[600];
	snprintf(answer, sizeof answer, "%s/explain.json", other);
	assert_int_equal(access(answer, F_OK), 0);
	th_kill(&e, SIGTERM);
	assert_int_equal(th_wait(&e, 60.0), 0);
	th_close(&e);
	tu_rmtree(dir);
	tu_rmtree(other);
	free(dir);
	free(other);
}

/* The number of times in STATE/probe.baseline's "times" line (-1: none). */
static int baseline_times(const char *dir)
{
	char path[600];
	snprintf(path, sizeof path, "%s/probe.baseline", dir);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	char line[8192];
	int n = -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "times", 5) == 0) {
			n = 0;
			for (char *p = line + 5; (p = strchr(p, ' ')); p++)
				n++;
		}
	fclose(f);
	return n;
}

/* A feature's value in an explanation (NAN for "nan" or none). */
static double feature_of(const char *text, const char *name)
{
	char want[64];
	snprintf(want, sizeof want, "\n%s ", name);
	const char *p = strncmp(text, want + 1, strlen(want + 1)) == 0 ? text - 1 : strstr(text, want);
	return p ? strtod(p + strlen(want), NULL) : NAN;
}

static void test_once_probes(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	const char *once[] = { "--once", "--explain", "--state-dir", dir, NULL };
	const char *no_probe[] = { "--once", "--explain", "--no-probe", "--state-dir", dir, NULL };
	char *out = NULL;

	assert_int_equal(baseline_times(dir), -1);
	assert_int_equal(th_run(NULL, once, 120.0, &out, NULL), 0);
	double result = feature_of(out, "probe_result");
	assert_true(result > 0);
	/* scored with it: the result is the one in use, and nothing moved since */
	assert_float_equal(feature_of(out, "probe_slowdown"), result, 1e-9);
	assert_true(feature_of(out, "probe_age") >= 0);
	assert_float_equal(feature_of(out, "move_since_probe"), 0, 0);
	free(out);
	assert_int_equal(baseline_times(dir), 1);   /* calibrated, then one probe */

	assert_int_equal(th_run(NULL, once, 120.0, &out, NULL), 0);
	assert_true(feature_of(out, "probe_slowdown") > 0);
	free(out);
	assert_int_equal(baseline_times(dir), 2);   /* the same baseline, one more */

	assert_int_equal(th_run(NULL, no_probe, 120.0, &out, NULL), 0);
	assert_true(isnan(feature_of(out, "probe_slowdown")));
	assert_true(isnan(feature_of(out, "probe_result")));
	free(out);
	assert_int_equal(baseline_times(dir), 2);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_is_the_text),
		cmocka_unit_test(test_ask_the_running_instance),
		cmocka_unit_test(test_ask_with_history_elsewhere),
		cmocka_unit_test(test_once_probes),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
