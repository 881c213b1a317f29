/*
 * test_harness: the test harness itself (harness.h, testutil.h), on
 * /bin/sh children and synthetic arrival times: what the other tests rely
 * on must be able to fail.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "testutil.h"

static int sh(const struct th_opts *base, const char *script, char **out, char **err)
{
	struct th_opts o = base ? *base : (struct th_opts){ 0 };
	o.bin = "/bin/sh";
	return th_run(&o, (const char *const[]){ "-c", script, NULL }, 30.0, out, err);
}

/* Exit codes, signals, both streams captured. */
static void t_run(void **state)
{
	(void)state;
	char *out, *err;
	assert_int_equal(sh(NULL, "echo out; echo err >&2; exit 3", &out, &err), 3);
	assert_string_equal(out, "out\n");
	assert_string_equal(err, "err\n");
	free(out);
	free(err);
	assert_int_equal(sh(NULL, "kill -9 $$", NULL, NULL), 128 + SIGKILL);
	/* more stderr than a pipe holds: drained while waiting, no deadlock */
	assert_int_equal(sh(NULL, "i=0; while [ $i -lt 3000 ]; do"
			    " echo 0123456789012345678901234567890123456789 >&2;"
			    " i=$((i+1)); done", NULL, &err), 0);
	assert_int_equal(strlen(err), 3000 * 41);
	free(err);
	/* environment: set and unset */
	setenv("TH_TEST_GONE", "here", 1);
	struct th_opts o = { .env = { "TH_TEST_SET=yes", "TH_TEST_GONE" } };
	assert_int_equal(sh(&o, "echo \"$TH_TEST_SET-${TH_TEST_GONE-unset}\"", &out, NULL), 0);
	assert_string_equal(out, "yes-unset\n");
	free(out);
	unsetenv("TH_TEST_GONE");
}

/* A child that does not end is killed at the timeout. */
static void t_wait_timeout(void **state)
{
	(void)state;
	struct th h;
	th_start(&h, &(struct th_opts){ .bin = "/bin/sleep" }, (const char *const[]){ "60", NULL });
	assert_int_equal(th_wait(&h, 0.2), -1);
	th_close(&h);
}

/* As LIM starts an elim: stderr closed, /tmp, signals blocked, nice -20,
 * LSF_RESOURCES; each seen by a program that does not touch them. */
static void t_lim_like(void **state)
{
	(void)state;
	char *out;
	struct th_opts o = { .lim_like = true, .resources = "rank ", .bin = "/bin/grep" };
	assert_int_equal(th_run(&o, (const char *const[]){ "-E", "^(SigBlk|Cwd)", "/proc/self/status",
							    NULL }, 30.0, &out, NULL), 0);
	assert_non_null(strstr(out, "SigBlk:"));
	assert_null(strstr(out, "SigBlk:\t0000000000000000"));
	free(out);
	o.bin = "/bin/readlink";
	assert_int_equal(th_run(&o, (const char *const[]){ "/proc/self/cwd", NULL }, 30.0, &out, NULL), 0);
	assert_string_equal(out, "/tmp\n");
	free(out);
	/* fd 2 closed, LSF_RESOURCES as asked, nice -20 */
	o.bin = "/bin/sh";
	assert_int_equal(th_run(&o, (const char *const[]){ "-c", "[ -e /proc/self/fd/2 ] || echo closed;"
							    " echo \"[$LSF_RESOURCES]\";"
							    " cut -d' ' -f19 /proc/$$/stat", NULL },
				30.0, &out, NULL), 0);
	assert_string_equal(out, "closed\n[rank ]\n-20\n");
	free(out);
}

/* Records read raw, as LIM does and with their arrival times. */
static void t_readers(void **state)
{
	(void)state;
	const char *script = "printf '1 rank 100.0\\n'; sleep 0.2; printf '1 rank 2.5\\n1 rank 7.0\\n'";
	struct th h;
	struct th_rec r;
	th_start(&h, &(struct th_opts){ .bin = "/bin/sh" }, (const char *const[]){ "-c", script, NULL });
	assert_int_equal(th_read_timed(&h, 30.0, &r), 1);
	assert_near(r.rank, 100.0, 1e-9);
	double t1 = r.t;
	assert_int_equal(th_read_timed(&h, 30.0, &r), 1);
	assert_near(r.rank, 2.5, 1e-9);
	assert_true(r.t >= t1 + 0.2);          /* arrival, after the sleep */
	double t2 = r.t;
	assert_int_equal(th_read_timed(&h, 30.0, &r), 1);
	assert_near(r.rank, 7.0, 1e-9);
	assert_near(r.t, t2, 1e-9);            /* came in the same read */
	assert_int_equal(th_read_timed(&h, 30.0, &r), 0);
	assert_int_equal(th_wait(&h, 30.0), 0);
	th_close(&h);

	double rank;
	th_start(&h, &(struct th_opts){ .bin = "/bin/sh" }, (const char *const[]){ "-c", script, NULL });
	assert_int_equal(th_read_lim(&h, 30.0, &rank), 1);
	assert_near(rank, 100.0, 1e-9);
	assert_int_equal(th_read_lim(&h, 30.0, &rank), 1);
	assert_near(rank, 2.5, 1e-9);
	assert_int_equal(th_pending(&h), 0);   /* the next record sits in stdio's buffer */
	assert_int_equal(th_wait(&h, 30.0), 0);
	th_close(&h);

	assert_true(th_rank_text_ok("100.0"));
	assert_false(th_rank_text_ok("100"));
	assert_false(th_rank_text_ok("1e3.0"));
	assert_false(th_rank_text_ok("nan"));
	assert_false(th_rank_text_ok("-5.0"));
}

/* The grid check: what passes on a loaded machine, what must fail. */
static void t_grid(void **state)
{
	(void)state;
	char why[256];
	int skipped;
	double exact[] = { 1.0, 1.25, 1.5, 1.75, 2.0, 2.25 };
	assert_true(th_on_grid(exact, 6, 0.25, 0.5, &skipped, why, sizeof why));
	assert_int_equal(skipped, 0);
	/* load: a late record (gap 0.4 then 0.1), a skipped slot (gap 0.5) */
	double loaded[] = { 1.0, 1.25, 1.65, 1.75, 2.25, 2.5 };
	assert_true(th_on_grid(loaded, 6, 0.25, 0.5, &skipped, why, sizeof why));
	assert_int_equal(skipped, 1);
	/* twice as fast as the interval */
	double fast[] = { 1.0, 1.125, 1.25, 1.375, 1.5, 1.625 };
	assert_false(th_on_grid(fast, 6, 0.25, 0.5, NULL, why, sizeof why));
	assert_non_null(strstr(why, "faster"));
	/* twice the interval, every gap */
	double slow[] = { 1.0, 1.5, 2.0, 2.5, 3.0 };
	assert_false(th_on_grid(slow, 5, 0.25, 0.5, NULL, why, sizeof why));
	assert_non_null(strstr(why, "every gap"));
	double backwards[] = { 1.0, 1.25, 1.2 };
	assert_false(th_on_grid(backwards, 3, 0.25, 0.5, NULL, why, sizeof why));
	assert_false(th_on_grid(exact, 2, 0.25, 0.5, NULL, why, sizeof why));
}

/* test_heavy_or_skip: a TAP skip of the whole program, saying why. */
static void t_heavy(void **state)
{
	(void)state;
	for (int on = 0; on < 3; on++) {
		int p[2];
		assert_int_equal(pipe(p), 0);
		fflush(NULL);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			dup2(p[1], 1);
			const char *v[] = { NULL, "0", "1" };
			if (v[on])
				setenv("ELIM_RANK_SKIP_HEAVY", v[on], 1);
			else
				unsetenv("ELIM_RANK_SKIP_HEAVY");
			_exit(tu_skip_heavy("building OpenLava") ? 7 : 0);
		}
		close(p[1]);
		char buf[512];
		ssize_t n = read(p[0], buf, sizeof buf - 1);
		close(p[0]);
		buf[n > 0 ? n : 0] = '\0';
		int st;
		waitpid(pid, &st, 0);
		if (on < 2) {
			assert_int_equal(WEXITSTATUS(st), 0);
			assert_string_equal(buf, "");
		} else {
			assert_int_equal(WEXITSTATUS(st), 7);
			assert_true(strncmp(buf, "1..0 # SKIP building OpenLava: a heavy test", 43) == 0);
			assert_non_null(strstr(buf, "ELIM_RANK_SKIP_HEAVY=1"));
		}
	}
}

/* Shared helpers: the file reader, the clock. */
static void t_util(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char path[600];
	tu_write(dir, "a/b", "text\n");
	snprintf(path, sizeof path, "%s/a/b", dir);
	char *t = tu_slurp(path);
	assert_string_equal(t, "text\n");
	free(t);
	snprintf(path, sizeof path, "%s/none", dir);
	t = tu_slurp(path);
	assert_string_equal(t, "");
	free(t);
	double a = tu_now();
	tu_sleep_ms(20);
	assert_true(tu_now() - a >= 0.02);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_run),
		cmocka_unit_test(t_wait_timeout),
		cmocka_unit_test(t_lim_like),
		cmocka_unit_test(t_readers),
		cmocka_unit_test(t_grid),
		cmocka_unit_test(t_heavy),
		cmocka_unit_test(t_util),
	};
	return TU_RUN(tests);
}
