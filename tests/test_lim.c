/*
 * test_lim: the real elim.rank under a LIM-like harness (harness.h):
 * protocol, process hygiene, signals, a slow reader, a blocking source.
 * The history's trials are in test_lim_history.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "testutil.h"

static struct th_opts lim_like(void)
{
	struct th_opts o = { .resources = "rank ", .lim_like = true };
	return o;
}

/* A line of /proc/PID/status, e.g. "SigBlk:". */
static void proc_status(pid_t pid, const char *key, char *out, size_t len)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	out[0] = '\0';
	if (f == NULL)
		return;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, key, strlen(key)) == 0) {
			snprintf(out, len, "%s", line + strlen(key));
			out[strcspn(out, "\n")] = '\0';
		}
	fclose(f);
}

/* The main thread's blocked signals: LIM's mask is gone; outside its
 * sleep the loop's own signals are blocked, and in it (ppoll: /proc shows
 * the mask of the wait) none. */
static bool loop_mask(unsigned long long blk)
{
	unsigned long long loop = 1ULL << (SIGHUP - 1) | 1ULL << (SIGINT - 1) |
				  1ULL << (SIGUSR1 - 1) | 1ULL << (SIGTERM - 1);
	return blk == 0 || blk == loop;
}

/* Every thread at nice 0; threads other than the main one block signals
 * (so signals wake the main loop).  Returns the number of threads. */
static int check_threads(pid_t pid)
{
	char dir[64], path[600], line[256];
	snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	int n = 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		snprintf(path, sizeof path, "%s/%s/stat", dir, e->d_name);
		assert_int_equal(th_stat_nice(path), 0);
		snprintf(path, sizeof path, "%s/%s/status", dir, e->d_name);
		FILE *f = fopen(path, "r");
		assert_non_null(f);
		unsigned long long blk = 0;
		while (fgets(line, sizeof line, f))
			if (strncmp(line, "SigBlk:", 7) == 0)
				blk = strtoull(line + 7, NULL, 16);
		fclose(f);
		if (atoi(e->d_name) == (int)pid)
			assert_true(loop_mask(blk));
		else
			assert_true(blk != 0);
	}
	closedir(d);
	return n;
}

/* Everything LIM does to the process at once; the interval is raised to 5 s. */
static void t_lim_environment(void **state)
{
	(void)state;
	struct th h;
	struct th_opts o = lim_like();
	const char *args[] = { "--no-history", "--interval", "1", NULL };
	th_start(&h, &o, args);
	double rank;
	assert_int_equal(th_read_lim(&h, 30.0, &rank), 1);
	double first = th_now() - h.t0;
	assert_true(rank >= 10 && rank <= 10000);

	char blk[256], fd2[256], path[64];
	proc_status(h.pid, "SigBlk:", blk, sizeof blk);
	assert_true(loop_mask(strtoull(blk, NULL, 16)));   /* LIM's mask gone */
	assert_int_equal(th_nice(h.pid), 0);           /* LIM's -20 left behind */
	assert_true(check_threads(h.pid) >= 2);          /* main + sampling */
	snprintf(path, sizeof path, "/proc/%d/fd/2", (int)h.pid);
	ssize_t n = readlink(path, fd2, sizeof fd2 - 1);
	assert_true(n > 0);
	fd2[n] = '\0';
	assert_string_equal(fd2, "/dev/null");         /* stderr closed by LIM: fixed */

	/* --interval 1 under LIM: raised to 5 s.  No record for 3.5 s (under
	 * load the next comes later, never sooner); then the gap is one 5 s
	 * step of the grid, and the first record came well within it (about
	 * a second after the start), measured on the same loaded clock */
	assert_int_equal(th_read_lim(&h, 3.5, &rank), -1);
	assert_int_equal(th_read_lim(&h, 30.0, &rank), 1);
	double gap = th_now() - h.t0 - first;
	assert_true(gap > 4.5);
	assert_int_equal(lround(gap / 5.0), 1);          /* one step, not two */
	assert_true(first < 0.5 * gap);

	th_kill(&h, SIGTERM);
	int st = th_wait(&h, 30.0);
	assert_int_equal(st, 0);
	th_close(&h);
}

/* LSF_RESOURCES without rank: report nothing, stay alive, log why. */
static void t_lim_without_rank(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char log[512];
	snprintf(log, sizeof log, "%s/log", dir);
	struct th h;
	struct th_opts o = lim_like();
	o.resources = "mem swp ";
	o.err = TH_FILE;
	o.err_file = log;
	o.foreground = true;
	const char *args[] = { "--no-history", NULL };
	th_start(&h, &o, args);
	double rank;
	assert_int_equal(th_read_raw(&h, 1.8, &rank), -1);   /* nothing, not even at 1 s */
	assert_int_equal(waitpid(h.pid, NULL, WNOHANG), 0);   /* alive */
	th_kill(&h, SIGTERM);
	int st = th_wait(&h, 30.0);
	assert_int_equal(st, 0);
	assert_int_equal(th_read_raw(&h, 0.5, &rank), 0);    /* EOF, no bytes */
	assert_true(tu_file_has(log, "does not include rank"));
	th_close(&h);
	tu_rmtree(dir);
	free(dir);
}

/* Closing the pipe (LIM gone) makes the elim exit cleanly and soon. */
static void t_closed_stdout(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char log[512];
	snprintf(log, sizeof log, "%s/log", dir);
	struct th h;
	struct th_opts o = { .lim_like = true, .err = TH_FILE, .err_file = log, .foreground = true };
	/* --count: one that missed the closed pipe would go on for 100 s */
	const char *args[] = { "--no-history", "--interval", "0.2", "--count", "500", NULL };
	th_start(&h, &o, args);
	double rank;
	assert_true(th_read_raw(&h, 30.0, &rank) >= 1);
	th_close(&h);
	int st = th_wait(&h, 30.0);
	assert_int_equal(st, 0);
	/* it exited because the pipe closed, at its next write */
	assert_true(tu_file_has(log, "stdout closed: LIM is gone, exiting"));
	tu_rmtree(dir);
	free(dir);
}

/* SIGTERM at random moments: every byte read is whole records; exit 0. */
static void t_sigterm_random(void **state)
{
	(void)state;
	srand(12345);
	for (int i = 0; i < 10; i++) {
		struct th h;
		struct th_opts o = { .lim_like = true };
		const char *args[] = { "--no-history", "--interval", "0.01", NULL };
		th_start(&h, &o, args);
		double until = th_now() + 0.05 + (rand() % 300) / 1000.0;
		double rank;
		int records = 0;
		while (th_now() < until) {
			int n = th_read_raw(&h, until - th_now(), &rank);
			if (n > 0)
				records += n;
		}
		th_kill(&h, i % 2 ? SIGTERM : SIGINT);
		int n;
		while ((n = th_read_raw(&h, 30.0, &rank)) > 0)   /* asserts wholeness */
			records += n;
		assert_int_equal(n, 0);                          /* EOF, not a timeout */
		int st = th_wait(&h, 30.0);
		assert_int_equal(st, 0);
		th_close(&h);
		(void)records;
	}
}

static void write_model(const char *path, double intercept)
{
	char tmp[600], text[256];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	snprintf(text, sizeof text, "elim-rank-model 1\nintercept %g\n", intercept);
	FILE *f = fopen(tmp, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(rename(tmp, path), 0);
}

/* Read records until one has the wanted rank (or time runs out). */
static bool wait_rank(struct th *h, double want, double timeout_s)
{
	double end = th_now() + timeout_s, rank = -1;
	while (th_now() < end)
		if (th_read_raw(h, end - th_now(), &rank) > 0 && fabs(rank - want) < 0.05)
			return true;
	return false;
}

/* SIGHUP: a changed model is used, a broken one reported and the old kept. */
static void t_sighup_model(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char model[512], log[512];
	snprintf(model, sizeof model, "%s/m", dir);
	snprintf(log, sizeof log, "%s/log", dir);
	write_model(model, 1.5);
	struct th h;
	struct th_opts o = { .lim_like = true, .err = TH_FILE, .err_file = log, .foreground = true };
	/* a long interval: only SIGHUP can make it notice the file in time */
	const char *args[] = { "--no-history", "--interval", "0.1", "--model", model, NULL };
	th_start(&h, &o, args);
	assert_true(wait_rank(&h, 150.0, 30.0));
	write_model(model, 2.5);
	th_kill(&h, SIGHUP);
	assert_true(wait_rank(&h, 250.0, 30.0));
	FILE *f = fopen(model, "w");
	fputs("elim-rank-model 1\nintercept oops\n", f);
	fclose(f);
	th_kill(&h, SIGHUP);
	/* once it has reported the broken file ("...: problem; using FILE (id
	 * ID)", the model it goes on with), it still scores the last good model */
	char using[600];
	snprintf(using, sizeof using, "; using %s (id ", model);
	for (int w = 0; w < 600 && !tu_file_has(log, using); w++)
		tu_sleep_ms(50);
	assert_true(tu_file_has(log, using));
	double rank;
	while (th_read_raw(&h, 0.0, &rank) > 0)      /* what was written before */
		;
	for (int i = 0; i < 3; i++) {
		assert_true(th_read_raw(&h, 30.0, &rank) > 0);
		assert_near(rank, 250.0, 0.05);
	}
	th_kill(&h, SIGTERM);
	assert_int_equal(th_wait(&h, 30.0), 0);
	th_close(&h);
	tu_rmtree(dir);
	free(dir);
}

/* SIGHUP: a changed configuration is applied, a broken one is reported and
 * the running configuration kept. */
static void t_sighup_config(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char conf[512], log[512], env[600];
	snprintf(conf, sizeof conf, "%s/elim.rank.conf", dir);
	snprintf(log, sizeof log, "%s/log", dir);
	snprintf(env, sizeof env, "ELIM_RANK_CONF=%s", conf);
	tu_write(dir, "elim.rank.conf", "# test\ninterval = 0.1\nno-history = yes\n");
	struct th h;
	struct th_opts o = { .lim_like = true, .err = TH_FILE, .err_file = log, .foreground = true, .env = { env, NULL } };
	const char *args[] = { NULL };
	th_start(&h, &o, args);
	double rank;
	assert_true(th_read_raw(&h, 30.0, &rank) > 0);
	th_expect_grid(&h, 8, 0.1);

	tu_write(dir, "elim.rank.conf", "interval = 0.3\nno-history = yes\nprocfs = /nonexistent\n");
	th_kill(&h, SIGHUP);
	for (int w = 0; w < 600 && !tu_file_has(log, "changed: interval"); w++)
		tu_sleep_ms(50);
	assert_true(tu_file_has(log, "changed: interval"));
	/* a new grid from the reload: 0.3 s, and 0.1 s no more */
	th_expect_grid(&h, 6, 0.3);
	assert_true(tu_file_has(log, "procfs changed: takes effect when"));

	tu_write(dir, "elim.rank.conf", "interval = 0.1\nbogus-setting = 1\n");
	th_kill(&h, SIGHUP);
	for (int w = 0; w < 600 && !tu_file_has(log, "unknown setting 'bogus-setting'"); w++)
		tu_sleep_ms(50);
	assert_true(tu_file_has(log, ":2: unknown setting 'bogus-setting'; keeping the running"));
	th_expect_grid(&h, 6, 0.3);               /* the running configuration */
	assert_int_equal(waitpid(h.pid, NULL, WNOHANG), 0);

	th_kill(&h, SIGTERM);
	int st = th_wait(&h, 30.0);
	assert_int_equal(st, 0);
	th_close(&h);
	tu_rmtree(dir);
	free(dir);
}

/* A bad file at start: file:line: problem, exit 1 or ELIM_ABORT_VALUE. */
static void t_bad_config_at_start(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char conf[512], log[512], env1[600];
	snprintf(conf, sizeof conf, "%s/c", dir);
	snprintf(log, sizeof log, "%s/log", dir);
	snprintf(env1, sizeof env1, "ELIM_RANK_CONF=%s", conf);
	tu_write(dir, "c", "\n# ok\ninterval = 0.1\ninterval = 3\n");
	struct th h;
	struct th_opts o = lim_like();
	o.err = TH_FILE;
	o.err_file = log;
	o.foreground = true;
	o.env[0] = env1;
	o.env[1] = "ELIM_ABORT_VALUE=97";
	const char *args[] = { NULL };
	th_start(&h, &o, args);
	int st = th_wait(&h, 30.0);
	assert_int_equal(st, 97);
	double rank;
	assert_int_equal(th_read_raw(&h, 0.5, &rank), 0);      /* nothing on stdout */
	assert_true(tu_file_has(log, ":4: 'interval' is already set on line 3"));
	th_close(&h);

	o.env[1] = NULL;       /* without ELIM_ABORT_VALUE: 1 */
	th_start(&h, &o, args);
	st = th_wait(&h, 30.0);
	assert_int_equal(st, 1);
	th_close(&h);
	tu_rmtree(dir);
	free(dir);
}

/* A reader that falls behind: never more than one record in the pipe, and
 * what LIM reads (select + stdio) is the freshest record. */
static void t_slow_reader(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char model[512];
	snprintf(model, sizeof model, "%s/m", dir);
	write_model(model, 1.0);
	struct th h;
	struct th_opts o = { .lim_like = true };
	const char *args[] = { "--no-history", "--interval", "0.05", "--model", model, NULL };
	th_start(&h, &o, args);
	double rank;
	for (int poll = 0; poll < 6; poll++) {
		/* at least six intervals between polls, and a record waiting (a
		 * loaded machine may take longer to write one: wait for it) */
		tu_sleep_ms(300);
		for (int w = 0; w < 600 && th_pending(&h) == 0; w++)
			tu_sleep_ms(50);
		int pending = th_pending(&h);
		assert_true(pending > 0);
		assert_true(pending <= 14);          /* "1 rank 100.0\n" once */
		if (poll == 2) {
			write_model(model, 3.0);         /* noticed at the next tick */
		}
		assert_int_equal(th_read_lim(&h, 30.0, &rank), 1);
		assert_int_equal(th_pending(&h), 0);  /* stdio left nothing behind */
		/* a record written after the read at poll 3 has the new model
		 * (the one read at 3 may have been scored just before the change) */
		if (poll == 4 || poll == 5)
			assert_true(fabs(rank - 300.0) < 0.05);
	}
	th_kill(&h, SIGTERM);
	assert_int_equal(th_wait(&h, 30.0), 0);
	th_close(&h);
	tu_rmtree(dir);
	free(dir);
}

/* /proc files that would block (FIFOs, with and without a writer) must not
 * delay the records. */
static void t_blocking_source(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char root[512], sys[512], fifo1[600], fifo2[600];
	snprintf(root, sizeof root, "%s/proc", dir);
	snprintf(sys, sizeof sys, "%s/sys", dir);
	mkdir(root, 0755);
	mkdir(sys, 0755);
	char src[512];
	snprintf(src, sizeof src, "%s/basic/t0/proc", tu_data());
	tu_copy_tree(src, root);
	snprintf(src, sizeof src, "%s/basic/sys", tu_data());
	tu_copy_tree(src, sys);
	snprintf(fifo1, sizeof fifo1, "%s/stat", root);
	snprintf(fifo2, sizeof fifo2, "%s/meminfo", root);
	unlink(fifo1);
	unlink(fifo2);
	assert_int_equal(mkfifo(fifo1, 0644), 0);     /* no writer: open would block */
	assert_int_equal(mkfifo(fifo2, 0644), 0);
	int writer = open(fifo2, O_RDWR);              /* a writer that never writes */
	assert_true(writer >= 0);

	struct th h;
	struct th_opts o = { .lim_like = true };
	const char *args[] = { "--no-history", "--interval", "0.1", "--procfs", root,
			       "--sysfs", sys, NULL };
	th_start(&h, &o, args);
	double rank;
	assert_true(th_read_raw(&h, 30.0, &rank) > 0);
	th_expect_grid(&h, 12, 0.1);               /* on time, not held by the FIFOs */
	th_kill(&h, SIGTERM);
	int st = th_wait(&h, 30.0);
	assert_int_equal(st, 0);
	th_close(&h);
	close(writer);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_lim_environment),
		cmocka_unit_test(t_lim_without_rank),
		cmocka_unit_test(t_closed_stdout),
		cmocka_unit_test(t_sigterm_random),
		cmocka_unit_test(t_sighup_model),
		cmocka_unit_test(t_sighup_config),
		cmocka_unit_test(t_bad_config_at_start),
		cmocka_unit_test(t_slow_reader),
		cmocka_unit_test(t_blocking_source),
	};
	return TU_RUN(tests);
}
