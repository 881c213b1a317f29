/*
 * The real elim.rank binary under a harness that starts it the way LIM
 * does (pipe on stdout, stderr closed, signals blocked, nice -20) and reads
 * its records the way LIM does (fscanf "%d", then "%s %s" pairs).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "feature_set.h"
#include "testutil.h"

struct elim {
	pid_t pid;
	FILE *out;        /* its stdout, read like LIM */
	int err_fd;       /* its stderr when captured, else -1 */
};

static const char *elim_bin(void)
{
	const char *b = getenv("ELIM_BIN");
	return b ? b : "elim/elim.rank";
}

/*
 * Start argv (argv[0] is replaced by the elim binary unless use_shell).
 * lim_like: stderr closed, signals blocked, nice -20.  Otherwise stderr is
 * captured into err_fd.
 */
static struct elim start(char **argv, int lim_like)
{
	int out[2], err[2];
	assert_int_equal(pipe(out), 0);
	assert_int_equal(pipe(err), 0);
	struct elim e = { .err_fd = -1 };
	e.pid = fork();
	assert_true(e.pid >= 0);
	if (e.pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);   /* never outlive a failed test */
		dup2(out[1], 1);
		close(out[0]);
		close(out[1]);
		close(err[0]);
		if (lim_like) {
			close(err[1]);
			close(2);
			sigset_t all;
			sigfillset(&all);
			sigprocmask(SIG_BLOCK, &all, NULL);
			setpriority(PRIO_PROCESS, 0, -20);
		} else {
			dup2(err[1], 2);
			close(err[1]);
		}
		int devnull = open("/dev/null", O_RDONLY);
		dup2(devnull, 0);
		close(devnull);
		execv(argv[0], argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	if (lim_like)
		close(err[0]);
	else
		e.err_fd = err[0];
	e.out = fdopen(out[0], "r");
	return e;
}

/* Read one record as LIM does.  Returns 1 with *value set, 0 at EOF. */
static int read_record(struct elim *e, double *value, char *raw, size_t rawsize)
{
	int count;
	if (fscanf(e->out, "%d", &count) != 1)
		return 0;
	assert_int_equal(count, 1);
	char name[64], val[64];
	assert_int_equal(fscanf(e->out, "%63s %63s", name, val), 2);
	assert_string_equal(name, "rank");
	/* digits, a dot, one digit: what atof reads whole in any locale */
	size_t n = strlen(val);
	assert_true(n >= 3 && val[n - 2] == '.');
	for (size_t i = 0; i < n; i++)
		assert_true((val[i] >= '0' && val[i] <= '9') || i == n - 2);
	*value = atof(val);
	if (raw)
		snprintf(raw, rawsize, "%s", val);
	return 1;
}

/* Wait up to ms for the child; returns its exit status, or -1 on timeout. */
static int wait_exit(pid_t pid, int ms)
{
	for (int waited = 0; waited <= ms; waited += 10) {
		int st;
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

/* Everything the child wrote to stderr (captured mode). */
static char *slurp_err(struct elim *e)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	ssize_t n;
	while ((n = read(e->err_fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return buf;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static char procfs[512], sysfs[512];

static int group_setup(void **state)
{
	(void)state;
	snprintf(procfs, sizeof procfs, "%s/basic/t1/proc", tu_data());
	snprintf(sysfs, sizeof sysfs, "%s/basic/sys", tu_data());
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* The elim's nice value from /proc/PID/stat (field 19). */
static int nice_of(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 99;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	int field = 2, nice = 99;
	for (char *t = strtok(p + 1, " "); t; t = strtok(NULL, " "))
		if (++field == 19) {
			nice = atoi(t);
			break;
		}
	return nice;
}

static void test_lim_like_run(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char hist[600];
	snprintf(hist, sizeof hist, "%s/history.db", dir);
	char *argv[] = { (char *)elim_bin(), "--procfs", procfs, "--sysfs", sysfs,
			 "--interval", "0.2", "--count", "6", "--history", hist, NULL };
	double t0 = now_s();
	struct elim e = start(argv, 1);
	double v, ranks[6];
	char raw[64];
	int n = 0;
	while (n < 6 && read_record(&e, &v, raw, sizeof raw)) {
		if (n == 0) {
			assert_true(now_s() - t0 < 1.5);   /* the first record comes at once */
			assert_int_equal(nice_of(e.pid), 0);  /* LIM's -20 is not kept */
		}
		assert_true(v >= 10.0 && v <= 10000.0);
		ranks[n++] = v;
	}
	assert_int_equal(n, 6);
	assert_int_equal(read_record(&e, &v, NULL, 0), 0);   /* then EOF */
	assert_int_equal(wait_exit(e.pid, 3000), 0);
	fclose(e.out);

	assert_int_equal(tu_sql_int(hist, "SELECT count(*) FROM samples"), 6);
	assert_int_equal(tu_sql_int(hist, "SELECT count(*) FROM samples WHERE model_id IS NOT NULL"), 6);
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM samples WHERE abs(rank - %.1f) < 0.051", ranks[5]);
	assert_true(tu_sql_int(hist, sql) >= 1);
	/* the fixture's levels were recorded: mem_used 0.75 */
	assert_int_equal(tu_sql_int(hist, "SELECT count(*) FROM samples WHERE abs(mem_used - 0.75) < 1e-9"), 6);
	sqlite3 *db;
	sqlite3_stmt *st;
	sqlite3_open(hist, &db);
	sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	sqlite3_close(db);
	tu_rmtree(dir);
	free(dir);
}

/* Records keep to the grid: 8 records at 0.25 s take about 1.75 s after the first. */
static void test_grid(void **state)
{
	(void)state;
	char *argv[] = { (char *)elim_bin(), "--procfs", procfs, "--sysfs", sysfs,
			 "--interval", "0.25", "--count", "8", "--no-history", NULL };
	struct elim e = start(argv, 1);
	double v, first = 0, last = 0;
	int n = 0;
	while (read_record(&e, &v, NULL, 0)) {
		last = now_s();
		if (n++ == 0)
			first = last;
	}
	assert_int_equal(n, 8);
	assert_near(last - first, 7 * 0.25, 0.2);
	assert_int_equal(wait_exit(e.pid, 2000), 0);
	fclose(e.out);
}

static void test_once(void **state)
{
	(void)state;
	char *argv[] = { (char *)elim_bin(), "--once", "--no-history", "--procfs", procfs,
			 "--sysfs", sysfs, NULL };
	double t0 = now_s();
	struct elim e = start(argv, 1);
	double v;
	assert_int_equal(read_record(&e, &v, NULL, 0), 1);
	assert_int_equal(read_record(&e, &v, NULL, 0), 0);
	assert_int_equal(wait_exit(e.pid, 2000), 0);
	assert_true(now_s() - t0 < 1.5);
	fclose(e.out);
}

static void test_usage_errors(void **state)
{
	(void)state;
	static const char *bad[][3] = {
		{ "--bogus", NULL, "unknown option '--bogus'" },
		{ "--interval", "abc", "invalid argument 'abc' for --interval" },
		{ "--interval", "0", "invalid argument '0' for --interval" },
		{ "--count", "-3", "invalid argument '-3' for --count" },
		{ "--syslog-facility", "kern9", "unknown syslog facility" },
		{ "extra", NULL, "unexpected argument 'extra'" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *argv[] = { (char *)elim_bin(), (char *)bad[i][0], (char *)bad[i][1], NULL };
		struct elim e = start(argv, 0);
		char *err = slurp_err(&e);
		int st = wait_exit(e.pid, 2000);
		if (st != 2 || strstr(err, bad[i][2]) == NULL)
			fail_msg("%s: exit %d, stderr '%s'", bad[i][0], st, err);
		double v;
		assert_int_equal(read_record(&e, &v, NULL, 0), 0);   /* nothing on stdout */
		free(err);
		fclose(e.out);
		close(e.err_fd);
	}
	/* --help goes to stdout and exits 0, and names every option */
	char *argv[] = { (char *)elim_bin(), "--help", NULL };
	struct elim e = start(argv, 0);
	char help[8192];
	size_t n = fread(help, 1, sizeof help - 1, e.out);
	help[n] = '\0';
	assert_int_equal(wait_exit(e.pid, 2000), 0);
	const char *opts[] = { "--interval", "--count", "--once", "--explain", "--model", "--history",
			       "--no-history", "--state-dir", "--procfs", "--sysfs", "--foreground",
			       "--verbose", "--syslog-facility", "--help", "--version" };
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
		if (!strstr(help, opts[i]))
			fail_msg("--help does not mention %s", opts[i]);
	fclose(e.out);
	close(e.err_fd);
}

static void write_model(const char *dir, const char *name, const char *text)
{
	/* replace atomically, as rank-train does */
	char tmp[600], path[600];
	snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(tmp, "w");
	fputs(text, f);
	fclose(f);
	assert_int_equal(rename(tmp, path), 0);
}

static void test_bad_model_at_start(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	write_model(dir, "m", "elim-rank-model 1\nintercept 1\nterm no_such_feature coef 1\n");
	char path[600];
	snprintf(path, sizeof path, "%s/m", dir);
	char *argv[] = { (char *)elim_bin(), "--model", path, "--once", "--no-history",
			 "--foreground", NULL };
	struct elim e = start(argv, 0);
	char *err = slurp_err(&e);
	assert_int_equal(wait_exit(e.pid, 2000), 1);
	char want[700];
	snprintf(want, sizeof want, "%s:3: unknown feature 'no_such_feature'", path);
	if (!strstr(err, want))
		fail_msg("stderr lacks '%s': %s", want, err);
	free(err);
	fclose(e.out);
	close(e.err_fd);

	/* a missing explicit model is an error too */
	char *argv2[] = { (char *)elim_bin(), "--model", "/nonexistent.model", "--once",
			  "--no-history", "--foreground", NULL };
	e = start(argv2, 0);
	err = slurp_err(&e);
	assert_int_equal(wait_exit(e.pid, 2000), 1);
	assert_non_null(strstr(err, "/nonexistent.model"));
	free(err);
	fclose(e.out);
	close(e.err_fd);
	tu_rmtree(dir);
	free(dir);
}

/* A changed model is used from the next record; a broken one is reported and ignored. */
static void test_model_reload(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	write_model(dir, "m", "elim-rank-model 1\nintercept 1.5\n");
	char path[600];
	snprintf(path, sizeof path, "%s/m", dir);
	char *argv[] = { (char *)elim_bin(), "--model", path, "--procfs", procfs, "--sysfs", sysfs,
			 "--interval", "0.1", "--count", "40", "--no-history", "--foreground", NULL };
	struct elim e = start(argv, 0);
	double v;
	int n = 0, seen200 = 0, after_bad = 0;
	while (read_record(&e, &v, NULL, 0)) {
		n++;
		if (n <= 3)
			assert_near(v, 150.0, 0.01);
		if (n == 3)
			write_model(dir, "m", "elim-rank-model 1\nintercept 2.0\n");
		if (v > 199.9 && !seen200) {
			seen200 = n;
			write_model(dir, "m", "elim-rank-model 1\nintercept 3.0\nbroken line\n");
		}
		if (seen200 && n > seen200) {
			assert_near(v, 200.0, 0.01);   /* the broken model is never used */
			after_bad++;
		}
	}
	assert_int_equal(n, 40);
	assert_true(seen200 > 3 && seen200 <= 6);
	assert_true(after_bad > 10);
	assert_int_equal(wait_exit(e.pid, 2000), 0);
	char *err = slurp_err(&e);
	char want[700];
	snprintf(want, sizeof want, "%s:3: unknown keyword 'broken'", path);
	if (!strstr(err, want))
		fail_msg("stderr lacks '%s': %s", want, err);
	/* reported once, not once per tick */
	assert_null(strstr(strstr(err, want) + 1, want));
	free(err);
	fclose(e.out);
	close(e.err_fd);
	tu_rmtree(dir);
	free(dir);
}

/* A source that goes bad mid-run (/proc/stat rewritten as nonsense, then
 * restored): its sampler's failure is logged once, its recovery once, and
 * the records never stop. */
static void test_sampler_failure_logged(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char proc[600], stat_path[700];
	snprintf(proc, sizeof proc, "%s/proc", dir);
	tu_copy_tree(procfs, proc);
	snprintf(stat_path, sizeof stat_path, "%s/stat", proc);
	FILE *f = fopen(stat_path, "r");
	assert_non_null(f);
	static char good[65536];
	size_t len = fread(good, 1, sizeof good - 1, f);
	fclose(f);
	good[len] = '\0';
	char *argv[] = { (char *)elim_bin(), "--procfs", proc, "--sysfs", sysfs, "--interval", "0.1",
			 "--count", "40", "--no-history", "--no-probe", "--foreground", NULL };
	struct elim e = start(argv, 0);
	double v;
	int n = 0;
	while (read_record(&e, &v, NULL, 0)) {
		n++;
		if (n == 5)
			tu_write(dir, "proc/stat", "nonsense\n");
		if (n == 15)
			tu_write(dir, "proc/stat", good);
	}
	assert_int_equal(n, 40);
	assert_int_equal(wait_exit(e.pid, 2000), 0);
	char *err = slurp_err(&e);
	const char *bad = "sampler cpu: Invalid argument; its features are unknown until it recovers";
	if (!strstr(err, bad))
		fail_msg("stderr lacks '%s': %s", bad, err);
	assert_null(strstr(strstr(err, bad) + 1, bad));   /* once, not per tick */
	const char *again = "sampler cpu: working again";
	assert_non_null(strstr(err, again));
	assert_true(strstr(err, again) > strstr(err, bad));
	assert_null(strstr(strstr(err, again) + 1, again));
	free(err);
	fclose(e.out);
	close(e.err_fd);
	tu_rmtree(dir);
	free(dir);
}

/* A read-only state directory (a ro bind mount: root ignores modes): ranks go on. */
static void test_readonly_state_dir(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char script[2048];
	snprintf(script, sizeof script,
		 "mount --bind %s %s && mount -o remount,bind,ro %s && exec %s --state-dir %s/state "
		 "--procfs %s --sysfs %s --interval 0.1 --count 5 --foreground",
		 dir, dir, dir, elim_bin(), dir, procfs, sysfs);
	char *argv[] = { "/usr/bin/unshare", "-m", "/bin/sh", "-c", script, NULL };
	struct elim e = start(argv, 0);
	double v;
	int n = 0;
	while (read_record(&e, &v, NULL, 0))
		n++;
	assert_int_equal(n, 5);
	assert_int_equal(wait_exit(e.pid, 3000), 0);
	char *err = slurp_err(&e);
	const char *what = "ranks go on without history";
	char *hit = strstr(err, what);
	if (!hit)
		fail_msg("no history warning in: %s", err);
	assert_null(strstr(hit + 1, what));   /* logged once */
	assert_non_null(strstr(err, dir));
	free(err);
	fclose(e.out);
	close(e.err_fd);
	tu_rmtree(dir);
	free(dir);
}

static void test_stdout_closed_and_sigterm(void **state)
{
	(void)state;
	char *argv[] = { (char *)elim_bin(), "--procfs", procfs, "--sysfs", sysfs,
			 "--interval", "0.1", "--no-history", NULL };
	/* LIM goes away: the elim notices at its next write and exits 0 */
	struct elim e = start(argv, 1);
	double v;
	assert_int_equal(read_record(&e, &v, NULL, 0), 1);
	assert_int_equal(read_record(&e, &v, NULL, 0), 1);
	fclose(e.out);
	assert_int_equal(wait_exit(e.pid, 2000), 0);

	/* SIGTERM (deliverable although LIM blocked signals): prompt, clean exit */
	e = start(argv, 1);
	assert_int_equal(read_record(&e, &v, NULL, 0), 1);
	kill(e.pid, SIGTERM);
	double t0 = now_s();
	assert_int_equal(wait_exit(e.pid, 2000), 0);
	assert_true(now_s() - t0 < 1.0);
	fclose(e.out);
}

/* LSF_RESOURCES without rank: report nothing (rather than be killed for it). */
static void test_lsf_resources_without_rank(void **state)
{
	(void)state;
	setenv("LSF_RESOURCES", "gpu_util ", 1);
	char *argv[] = { (char *)elim_bin(), "--procfs", procfs, "--sysfs", sysfs,
			 "--interval", "0.1", "--count", "2", "--no-history", "--foreground", NULL };
	struct elim e = start(argv, 0);
	unsetenv("LSF_RESOURCES");
	/* the interval is raised to 5 s: wait for the first tick (~1 s), not the second */
	struct pollfd pfd = { .fd = fileno(e.out), .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 1800), 0);             /* nothing on stdout */
	kill(e.pid, SIGTERM);
	assert_int_equal(wait_exit(e.pid, 2000), 0);
	char *err = slurp_err(&e);
	double v;
	assert_int_equal(read_record(&e, &v, NULL, 0), 0);   /* nothing at all */
	assert_non_null(strstr(err, "does not include rank"));
	assert_non_null(strstr(err, "raised to 5 s"));
	free(err);
	fclose(e.out);
	close(e.err_fd);
}

static void test_explain(void **state)
{
	(void)state;
	char *argv[] = { (char *)elim_bin(), "--once", "--explain", "--procfs", procfs,
			 "--sysfs", sysfs, NULL };
	struct elim e = start(argv, 0);
	char line[512];
	int features = 0, terms = 0;
	double rank = -1, slowdown = -1, total = 0, intercept = 0;
	while (fgets(line, sizeof line, e.out)) {
		char name[128], value[64], unit[64], contrib[64];
		int k = sscanf(line, "%127s %63s %63s %63s", name, value, unit, contrib);
		if (k == 2 && strcmp(name, "rank") == 0)
			rank = atof(value);
		else if (k == 2 && strcmp(name, "slowdown") == 0)
			slowdown = atof(value);
		else if (k == 2 && strcmp(name, "intercept") == 0)
			intercept = atof(value);
		else if (k == 4) {
			if (strchr(name, '('))
				terms++;
			else
				features++;
			total += atof(contrib);
		} else
			fail_msg("unexpected line: %s", line);
	}
	assert_int_equal(wait_exit(e.pid, 2000), 0);
	assert_int_equal(features, FEAT_COUNT);
	assert_true(terms >= 1);
	assert_near(slowdown, intercept + total, 1e-3);
	assert_near(rank, 100 * slowdown, 0.06);
	fclose(e.out);
	close(e.err_fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lim_like_run),
		cmocka_unit_test(test_grid),
		cmocka_unit_test(test_once),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_bad_model_at_start),
		cmocka_unit_test(test_model_reload),
		cmocka_unit_test(test_sampler_failure_logged),
		cmocka_unit_test(test_readonly_state_dir),
		cmocka_unit_test(test_stdout_closed_and_sigterm),
		cmocka_unit_test(test_lsf_resources_without_rank),
		cmocka_unit_test(test_explain),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
