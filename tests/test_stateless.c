/* test_stateless: diskless and stateless nodes (elim/stateless.h): the
 * probe baseline kept where the administrator says, and the warning for a
 * history in RAM. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "testutil.h"
#include "stateless.h"

/* ------------------------------------------------------------ the module */

static void test_path_expansion(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(stateless_path("/shared/base/%h.baseline", "node17", out, sizeof out), 0);
	assert_string_equal(out, "/shared/base/node17.baseline");
	assert_int_equal(stateless_path("/a/100%%/%h/%h", "n", out, sizeof out), 0);
	assert_string_equal(out, "/a/100%/n/n");
	assert_int_equal(stateless_path("/plain", "n", out, sizeof out), 0);
	assert_string_equal(out, "/plain");
	assert_int_equal(stateless_path("/a/%d", "n", out, sizeof out), -EINVAL);
	assert_int_equal(stateless_path("/a/%", "n", out, sizeof out), -EINVAL);
	assert_int_equal(stateless_path("/a/%h", "a-host-name-much-longer-than-the-buffer-of-"
					"sixty-four-bytes-it-is-written-into", out, sizeof out), -ENAMETOOLONG);
	assert_int_equal(stateless_path("/x", "n", out, 2), -ENAMETOOLONG);
}

/* Not in RAM: /proc (a file system of its own kind), also through a
 * directory that does not exist (its nearest parent counts); and a
 * directory that cannot be reached is an error, not a verdict. */
static void test_not_ram(void **state)
{
	(void)state;
	assert_int_equal(stateless_ram_check("/proc", 1e9, 1ULL << 30, NULL, NULL), 0);
	assert_int_equal(stateless_ram_check("/proc/no/such/dir", 1e9, 1ULL << 30, NULL, NULL), 0);
	char *dir = tu_tmpdir();
	char sub[600];
	snprintf(sub, sizeof sub, "%s/file/below", dir);
	tu_write(dir, "file", "x");
	assert_int_equal(stateless_ram_check(sub, 1e9, 1ULL << 30, NULL, NULL), -ENOTDIR);
	tu_rmtree(dir);
	free(dir);
}

/* ------------------------------------------------------------ the real elim */

/* The number of times in a baseline file, and its units; -1 when it does
 * not exist yet. */
static int baseline_times(const char *path, long *units)
{
	char *text = tu_slurp(path);
	int n = -1;
	const char *u = strstr(text, "\nunits ");
	const char *t = strstr(text, "\ntimes");
	if (u && t) {
		*units = strtol(u + 7, NULL, 10);
		n = 0;
		for (const char *s = t + 6; *s && *s != '\n'; s++)
			if (*s == ' ')
				n++;
	}
	free(text);
	return n;
}

/* Run the elim until the baseline at path holds more than `more_than`
 * times (at most 200 records); state is its state directory. */
static void run_until(const char *state, const char *pattern, const char *path, int more_than)
{
	const char *args[] = { "--interval", "0.2", "--probe-interval", "0.2",
			       "--probe-duration", "0.05", "--probe-move-max", "0",
			       "--state-dir", state, "--no-history",
			       "--probe-baseline-file", pattern, NULL };
	struct th h;
	th_start(&h, &(struct th_opts){ .foreground = true, .err = TH_PIPE }, args);
	double rank;
	long units = 0;
	int n = -1;
	for (int i = 0; i < 200 && n <= more_than; i++) {
		assert_int_equal(th_read_lim(&h, 60.0, &rank), 1);
		n = baseline_times(path, &units);
	}
	if (n <= more_than)
		fail_msg("baseline %s: %d times, wanted more than %d; stderr: %s", path, n,
			 more_than, th_err(&h));
	th_kill(&h, SIGTERM);
	assert_int_equal(th_wait(&h, 60.0), 0);
	th_close(&h);
}

/*
 * A baseline at --probe-baseline-file (with %h) survives a restart whose
 * state directory is new (a stateless node's reboot): the restarted elim
 * adds to the times and keeps the calibration, and writes no
 * probe.baseline of its own.
 */
static void test_baseline_survives_restart(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char shared[600], pattern[700], path[900], st1[600], st2[600], local[700];
	char host[256] = "";
	gethostname(host, sizeof host - 1);
	snprintf(shared, sizeof shared, "%s/shared", dir);
	assert_int_equal(mkdir(shared, 0755), 0);
	snprintf(pattern, sizeof pattern, "%s/%%h.baseline", shared);
	snprintf(path, sizeof path, "%s/%s.baseline", shared, host);
	snprintf(st1, sizeof st1, "%s/boot1", dir);
	snprintf(st2, sizeof st2, "%s/boot2", dir);

	run_until(st1, pattern, path, 1);
	long units1 = 0, units2 = 0;
	int n1 = baseline_times(path, &units1);
	assert_true(n1 >= 2);
	assert_true(units1 > 0);
	snprintf(local, sizeof local, "%s/probe.baseline", st1);
	assert_int_equal(access(local, F_OK), -1);

	char *before = tu_slurp(path);
	run_until(st2, pattern, path, n1);       /* the next boot: a fresh state dir */
	int n2 = baseline_times(path, &units2);
	assert_true(n2 > n1);
	assert_int_equal(units2, units1);        /* no new calibration */
	/* added to, not started again: the old times come first */
	char *after = tu_slurp(path);
	const char *old_times = strstr(before, "\ntimes"), *new_times = strstr(after, "\ntimes");
	assert_non_null(old_times);
	assert_non_null(new_times);
	size_t len = strcspn(old_times + 1, "\n");
	if (strncmp(old_times + 1, new_times + 1, len) != 0)
		fail_msg("the times before the restart are lost:\n%s\nthen\n%s", before, after);
	free(before);
	free(after);
	snprintf(local, sizeof local, "%s/probe.baseline", st2);
	assert_int_equal(access(local, F_OK), -1);
	tu_rmtree(dir);
	free(dir);
}

/* --check-config on a state directory in a tmpfs mounted for the test (its
 * own mount namespace): the cap's share of RAM decides the warning. */
static char *check_in_tmpfs(const char *mnt, const char *extra, int *status)
{
	char script[2000];
	snprintf(script, sizeof script,
		 "mount -t tmpfs -o size=1m none '%s' && exec '%s' --check-config --no-probe"
		 " --state-dir '%s/state' %s", mnt, getenv("ELIM_BIN"), mnt, extra);
	const char *args[] = { "-m", "sh", "-c", script, NULL };
	char *err = NULL;
	*status = th_run(&(struct th_opts){ .bin = "unshare", .out = TH_NULL, .err = TH_PIPE },
			 args, 60.0, NULL, &err);
	return err;
}

static void test_check_config_tmpfs(void **state)
{
	(void)state;
	if (tu_system("unshare -m true 2>/dev/null") != 0) {
		fprintf(stderr, "# unshare -m not permitted (tests run as root): tmpfs case skipped\n");
		return;
	}
	char *dir = tu_tmpdir();
	int st;
	char *err = check_in_tmpfs(dir, "--history-max-mb 1048576", &st);
	assert_int_equal(st, 0);                       /* a warning, not an error */
	if (strstr(err, "is in RAM (tmpfs)") == NULL || strstr(err, "--history-max-mb") == NULL)
		fail_msg("no tmpfs warning: %s", err);
	free(err);
	err = check_in_tmpfs(dir, "--history-max-mb 1", &st);   /* 1 MiB: under 1 % of any host */
	assert_int_equal(st, 0);
	assert_null(strstr(err, "in RAM"));
	free(err);
	err = check_in_tmpfs(dir, "--no-history", &st);
	assert_int_equal(st, 0);
	assert_null(strstr(err, "in RAM"));
	free(err);
	/* the same cap on the disk the tests run on: no warning */
	char *out = NULL;
	const char *args[] = { "--check-config", "--no-probe", "--state-dir", dir,
			       "--history-max-mb", "1048576", NULL };
	assert_int_equal(th_run(&(struct th_opts){ .out = TH_NULL, .err = TH_PIPE }, args, 60.0,
				NULL, &out), 0);
	assert_null(strstr(out, "in RAM"));
	free(out);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_expansion),
		cmocka_unit_test(test_not_ram),
		cmocka_unit_test(test_baseline_survives_restart),
		cmocka_unit_test(test_check_config_tmpfs),
	};
	return TU_RUN(tests);
}
