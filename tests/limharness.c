#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "limharness.h"
#include "testutil.h"

double lh_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void lh_start(struct lh *h, const struct lh_opts *o, const char *const *args)
{
	const char *bin = getenv("ELIM_BIN");
	assert_non_null(bin);
	int p[2];
	assert_int_equal(pipe(p), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* never outlive the test: a failed assertion skips lh_close */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		sigset_t all;
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, NULL);
		if (o->nice20)
			setpriority(PRIO_PROCESS, 0, -20);
		int devnull = open("/dev/null", O_RDONLY);
		dup2(devnull, 0);
		dup2(p[1], 1);
		if (o->log) {
			int lf = open(o->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
			dup2(lf, 2);
		} else {
			close(2);
		}
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
		if (chdir("/tmp") < 0)
			_exit(126);
		unsetenv("ELIM_RANK_CONF");
		unsetenv("LSF_ENVDIR");
		unsetenv("ELIM_ABORT_VALUE");
		unsetenv("LSF_RESOURCES");
		if (o->resources)
			setenv("LSF_RESOURCES", o->resources, 1);
		for (int i = 0; i < 4 && o->env[i]; i++)
			putenv((char *)o->env[i]);
		const char *argv[64];
		int n = 0;
		argv[n++] = "elim.rank";
		if (o->log)
			argv[n++] = "--foreground";
		for (int i = 0; args[i] && n < 62; i++)
			argv[n++] = args[i];
		argv[n] = NULL;
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	h->pid = pid;
	h->fd = p[0];
	h->f = fdopen(p[0], "r");
	assert_non_null(h->f);
	h->t0 = lh_now();
}

static int wait_readable(int fd, double timeout_s)
{
	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(fd, &rd);
	struct timeval tv = { (time_t)timeout_s, (suseconds_t)((timeout_s - floor(timeout_s)) * 1e6) };
	int n;
	do
		n = select(fd + 1, &rd, NULL, NULL, &tv);
	while (n < 0 && errno == EINTR);
	return n;
}

int lh_read_raw(struct lh *h, double timeout_s, double *rank)
{
	if (wait_readable(h->fd, timeout_s) <= 0)
		return -1;
	char buf[512];
	ssize_t n = read(h->fd, buf, sizeof buf - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* whole records only */
	int count = 0;
	char *p = buf;
	while (*p) {
		int k, used = 0;
		char name[64], val[64];
		int m = sscanf(p, "%d %63s %63s%n", &k, name, val, &used);
		if (m != 3 || k != 1 || strcmp(name, "rank") != 0 || p[used] != '\n') {
			fail_msg("torn or malformed record in chunk '%s'", buf);
		}
		char *end;
		double v = strtod(val, &end);
		assert_true(*end == '\0' && isfinite(v) && v >= 0);
		assert_true(strlen(val) < 32);
		*rank = v;
		count++;
		p += used + 1;
	}
	return count;
}

int lh_read_lim(struct lh *h, double timeout_s, double *rank)
{
	if (wait_readable(h->fd, timeout_s) <= 0)
		return -1;
	int k;
	char name[1024], val[1024];
	if (fscanf(h->f, "%d", &k) != 1)
		return 0;
	assert_int_equal(k, 1);
	assert_int_equal(fscanf(h->f, "%1023s %1023s", name, val), 2);
	assert_string_equal(name, "rank");
	*rank = atof(val);
	return 1;
}

int lh_pending(struct lh *h)
{
	int n = 0;
	ioctl(h->fd, FIONREAD, &n);
	return n;
}

void lh_kill(struct lh *h, int sig)
{
	kill(h->pid, sig);
}

int lh_wait(struct lh *h, double timeout_s)
{
	double end = lh_now() + timeout_s;
	int st;
	while (lh_now() < end) {
		pid_t r = waitpid(h->pid, &st, WNOHANG);
		if (r == h->pid)
			return st;
		usleep(5000);
	}
	kill(h->pid, SIGKILL);
	waitpid(h->pid, &st, 0);
	return -1;
}

void lh_close(struct lh *h)
{
	if (h->f)
		fclose(h->f);
	h->f = NULL;
	h->fd = -1;
}

long lh_rows(const char *db)
{
	sqlite3 *s;
	if (sqlite3_open_v2(db, &s, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(s);
		return -1;
	}
	sqlite3_busy_timeout(s, 2000);
	sqlite3_stmt *st;
	long n = -1;
	if (sqlite3_prepare_v2(s, "SELECT count(*) FROM samples", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			n = (long)sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(s);
	return n;
}
