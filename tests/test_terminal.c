/*
 * test_terminal: a person at a terminal sees the elim's errors; LIM and a
 * redirected stderr see what they always saw.
 *
 * The real elim.rank runs with its stderr on a pseudo-terminal (the pty is
 * also its stdin and controlling terminal, as in a login session) or on a
 * pipe, and its stdout on a pipe.  Messages go to stderr as well as to
 * syslog for --once, --check-config and usage errors always, and in the
 * running mode when stderr is a terminal and LIM did not start it; with
 * stderr on a pipe, or under LIM, the running mode writes nothing there.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#define OUT_MAX 65536
#define GIVE_UP_MS 60000    /* a hung elim fails the test; not a timing check */

enum err_on { ON_PTY, ON_PIPE };

struct run {
	int status;             /* exit status, or 128 + signal */
	char out[OUT_MAX];      /* its stdout */
	char err[OUT_MAX];      /* its stderr (through the terminal: "\r\n" lines) */
};

static char *dir;
static char envdir[600];

static int setup(void **state)
{
	(void)state;
	dir = tu_tmpdir();
	/* an empty LSF_ENVDIR: no configuration file found there */
	snprintf(envdir, sizeof envdir, "%s/envdir", dir);
	tu_write(dir, "envdir/.keep", "");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(dir);
	free(dir);
	return 0;
}

/* Append what fd has to buf; false at EOF. */
static bool drain(int fd, char *buf, size_t *len)
{
	char chunk[4096];
	ssize_t n = read(fd, chunk, sizeof chunk);
	if (n < 0 && errno == EINTR)
		return true;
	if (n <= 0)
		return false;
	size_t take = (size_t)n < OUT_MAX - 1 - *len ? (size_t)n : OUT_MAX - 1 - *len;
	memcpy(buf + *len, chunk, take);
	*len += take;
	buf[*len] = '\0';
	return true;
}

/*
 * Run the elim with args (NULL-terminated, without argv[0]); lsf_resources
 * set as LIM sets it, or NULL.  Waits for it to exit.
 */
static void run_elim(struct run *r, enum err_on where, const char *lsf_resources,
		     const char *const *args)
{
	const char *bin = getenv("ELIM_BIN");
	assert_non_null(bin);
	memset(r, 0, sizeof *r);
	int out[2], err[2] = { -1, -1 };
	assert_int_equal(pipe(out), 0);
	int master = -1;
	char slave_name[128] = "";
	if (where == ON_PTY) {
		master = posix_openpt(O_RDWR | O_NOCTTY);
		assert_true(master >= 0);
		assert_int_equal(grantpt(master), 0);
		assert_int_equal(unlockpt(master), 0);
		assert_int_equal(ptsname_r(master, slave_name, sizeof slave_name), 0);
	} else {
		assert_int_equal(pipe(err), 0);
	}
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);   /* never outlive a failed test */
		if (where == ON_PTY) {
			/* a login session: the pty is the controlling terminal */
			setsid();
			int s = open(slave_name, O_RDWR);
			if (s < 0)
				_exit(126);
			ioctl(s, TIOCSCTTY, 0);
			dup2(s, 0);
			dup2(s, 2);
			close(s);
			close(master);
		} else {
			int devnull = open("/dev/null", O_RDONLY);
			dup2(devnull, 0);
			close(devnull);
			dup2(err[1], 2);
		}
		dup2(out[1], 1);
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
		unsetenv("ELIM_RANK_CONF");
		unsetenv("ELIM_ABORT_VALUE");
		unsetenv("LSF_RESOURCES");
		setenv("LSF_ENVDIR", envdir, 1);
		if (lsf_resources)
			setenv("LSF_RESOURCES", lsf_resources, 1);
		const char *argv[32];
		int n = 0;
		argv[n++] = "elim.rank";
		for (int i = 0; args[i] && n < 31; i++)
			argv[n++] = args[i];
		argv[n] = NULL;
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	if (err[1] >= 0)
		close(err[1]);
	/* hold the terminal open ourselves: the master never sees a hang-up
	 * (EIO) before the elim has opened it; it is read until the elim has
	 * exited and nothing more is there */
	int held = where == ON_PTY ? open(slave_name, O_RDWR | O_NOCTTY) : -1;
	assert_true(where != ON_PTY || held >= 0);
	struct pollfd p[2] = { { .fd = out[0], .events = POLLIN },
			       { .fd = where == ON_PTY ? master : err[0], .events = POLLIN } };
	size_t olen = 0, elen = 0;
	int st = 0;
	bool exited = false;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* read both until the elim has exited and they are empty */
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		int k = poll(p, 2, 100);
		if (k < 0 && errno != EINTR)
			fail_msg("poll: %s", strerror(errno));
		if (k > 0 && p[0].revents && !drain(p[0].fd, r->out, &olen))
			p[0].fd = -1;
		if (k > 0 && p[1].revents && !drain(p[1].fd, r->err, &elen))
			p[1].fd = -1;
		if (!exited && waitpid(pid, &st, WNOHANG) == pid)
			exited = true;
		if (exited && k == 0 && where == ON_PTY)
			p[1].fd = -1;      /* exited, and nothing more on the terminal */
		clock_gettime(CLOCK_MONOTONIC, &t);
		long ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (ms > GIVE_UP_MS && !exited) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			fail_msg("the elim did not exit; stderr so far: %s", r->err);
		}
	}
	if (!exited)
		waitpid(pid, &st, 0);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	close(out[0]);
	close(where == ON_PTY ? master : err[0]);
	if (held >= 0)
		close(held);
}

/* The issue's own case: --once with a missing model, at a terminal. */
static void t_once_missing_model_at_terminal(void **state)
{
	(void)state;
	struct run r;
	run_elim(&r, ON_PTY, NULL, (const char *const[]){ "--once", "--no-probe",
		 "--no-history", "--model",
				   "/nonexistent.model", NULL });
	assert_int_equal(r.status, 1);
	if (!strstr(r.err, "/nonexistent.model") || !strstr(r.err, "No such file or directory"))
		fail_msg("the terminal shows no message naming the model: '%s'", r.err);
	assert_string_equal(r.out, "");                  /* no record */
}

/* --once always says it on stderr, a pipe included. */
static void t_once_missing_model_on_pipe(void **state)
{
	(void)state;
	struct run r;
	run_elim(&r, ON_PIPE, NULL, (const char *const[]){ "--once", "--no-probe",
		 "--no-history", "--model",
				    "/nonexistent.model", NULL });
	assert_int_equal(r.status, 1);
	if (!strstr(r.err, "model: /nonexistent.model: No such file or directory"))
		fail_msg("stderr: '%s'", r.err);
}

/* The running mode at a terminal: a model that does not parse, named with
 * its line; and a good run shows no routine messages, only its records. */
static void t_running_at_terminal(void **state)
{
	(void)state;
	char model[700], procfs[700], sysfs[700];
	tu_write(dir, "bad.model", "elim-rank-model 1\nintercept oops\n");
	snprintf(model, sizeof model, "%s/bad.model", dir);
	snprintf(procfs, sizeof procfs, "%s/basic/t0/proc", tu_data());
	snprintf(sysfs, sizeof sysfs, "%s/basic/sys", tu_data());
	struct run r;
	run_elim(&r, ON_PTY, NULL, (const char *const[]){ "--count", "1", "--interval", "0.1",
				   "--no-history", "--no-probe", "--procfs", procfs, "--sysfs", sysfs,
				   "--model", model, NULL });
	assert_int_equal(r.status, 1);
	char want[800];
	snprintf(want, sizeof want, "%s:2:", model);
	if (!strstr(r.err, want))
		fail_msg("the terminal lacks '%s': '%s'", want, r.err);
	assert_string_equal(r.out, "");

	tu_write(dir, "good.model", "elim-rank-model 1\nintercept 1.5\n");
	snprintf(model, sizeof model, "%s/good.model", dir);
	run_elim(&r, ON_PTY, NULL, (const char *const[]){ "--count", "2", "--interval", "0.1",
				   "--no-history", "--no-probe", "--procfs", procfs, "--sysfs", sysfs,
				   "--model", model, NULL });
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "1 rank 150.0\n1 rank 150.0\n");
	/* problems only: the routine start-up lines stay in syslog */
	if (strstr(r.err, "started:") || strstr(r.err, "info:"))
		fail_msg("routine messages on the terminal: '%s'", r.err);
}

/* The running mode with stderr on a pipe (a file, LIM's /dev/null): as
 * ever, nothing there; the message is in syslog only. */
static void t_running_on_pipe_says_nothing(void **state)
{
	(void)state;
	struct run r;
	run_elim(&r, ON_PIPE, NULL, (const char *const[]){ "--count", "1", "--no-history",
				    "--no-probe", "--model", "/nonexistent.model", NULL });
	assert_int_equal(r.status, 1);
	assert_string_equal(r.err, "");
	assert_string_equal(r.out, "");
}

/* Started by LIM (LSF_RESOURCES set), even on a terminal: nothing changes. */
static void t_under_lim_at_terminal_says_nothing(void **state)
{
	(void)state;
	struct run r;
	run_elim(&r, ON_PTY, "rank ", (const char *const[]){ "--count", "1", "--no-history",
				      "--no-probe", "--model", "/nonexistent.model", NULL });
	assert_int_equal(r.status, 1);
	assert_string_equal(r.err, "");
}

/* --check-config and a usage error at a terminal. */
static void t_check_and_usage_at_terminal(void **state)
{
	(void)state;
	struct run r;
	run_elim(&r, ON_PTY, NULL, (const char *const[]){ "--check-config", "--model",
				   "/nonexistent.model", NULL });
	assert_int_equal(r.status, 1);
	if (!strstr(r.err, "/nonexistent.model"))
		fail_msg("stderr: '%s'", r.err);
	assert_non_null(strstr(r.out, "interval = 10\n"));   /* the settings on stdout */

	run_elim(&r, ON_PTY, NULL, (const char *const[]){ "--bogus", NULL });
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "unknown option '--bogus'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_once_missing_model_at_terminal, setup, teardown),
		cmocka_unit_test_setup_teardown(t_once_missing_model_on_pipe, setup, teardown),
		cmocka_unit_test_setup_teardown(t_running_at_terminal, setup, teardown),
		cmocka_unit_test_setup_teardown(t_running_on_pipe_says_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(t_under_lim_at_terminal_says_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(t_check_and_usage_at_terminal, setup, teardown),
	};
	return TU_RUN(tests);
}
