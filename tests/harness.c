#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
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

#include "harness.h"
#include "testutil.h"

double th_now(void)
{
	return tu_now();
}

/* In the child: make fd `to` the stream s (to is 0, 1 or 2). */
static void child_stream(int to, enum th_stream s, int pipe_w, const char *file)
{
	int fd = -1;
	switch (s) {
	case TH_PIPE:
		fd = pipe_w;
		break;
	case TH_NULL:
		fd = open("/dev/null", to == 0 ? O_RDONLY : O_WRONLY);
		break;
	case TH_FILE:
		fd = open(file, to == 0 ? O_RDONLY
			  : O_WRONLY | O_CREAT | (to == 1 ? O_TRUNC : O_APPEND), 0644);
		break;
	case TH_CLOSED:
		close(to);
		return;
	case TH_STDOUT:
		fd = 1;
		break;
	case TH_INHERIT:
	case TH_DEFAULT:
		return;
	}
	if (fd < 0)
		_exit(126);
	if (fd != to)
		dup2(fd, to);
}

void th_start(struct th *h, const struct th_opts *opts, const char *const *args)
{
	static const struct th_opts none;
	const struct th_opts *o = opts ? opts : &none;
	const char *bin = o->bin ? o->bin : getenv("ELIM_BIN");
	assert_non_null(bin);
	enum th_stream out = o->out ? o->out : TH_PIPE;
	enum th_stream err = o->err ? o->err : o->lim_like ? TH_CLOSED : TH_PIPE;
	assert_true(out != TH_FILE || o->out_file);
	assert_true(err != TH_FILE || o->err_file);
	assert_true(out != TH_STDOUT);
	enum th_sigmask mask = o->sigmask ? o->sigmask
					  : o->lim_like ? TH_SIG_BLOCK_ALL : TH_SIG_KEEP;

	memset(h, 0, sizeof *h);
	h->fd = h->err_fd = -1;
	h->status = -1;
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 };
	if (out == TH_PIPE)
		assert_int_equal(pipe2(po, O_CLOEXEC), 0);
	if (err == TH_PIPE)
		assert_int_equal(pipe2(pe, O_CLOEXEC), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* never outlive the test: a failed assertion skips th_close */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (mask != TH_SIG_KEEP) {
			sigset_t set;
			sigfillset(&set);
			if (mask == TH_SIG_BLOCK_ALL_BUT_TERM)
				sigdelset(&set, SIGTERM);
			sigprocmask(SIG_SETMASK, &set, NULL);
		}
		if (o->ignore_sigusr1)
			signal(SIGUSR1, SIG_IGN);
		if (o->new_session)
			setsid();
		if (o->lim_like && !o->keep_nice)
			setpriority(PRIO_PROCESS, 0, -20);
		child_stream(0, TH_NULL, -1, NULL);
		child_stream(1, out, po[1], o->out_file);
		child_stream(2, err, pe[1], o->err_file);
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
		const char *cwd = o->cwd ? o->cwd : o->lim_like ? "/tmp" : NULL;
		if (cwd && chdir(cwd) < 0)
			_exit(126);
		if (o->lim_like) {
			unsetenv("ELIM_RANK_CONF");
			unsetenv("LSF_ENVDIR");
			unsetenv("ELIM_ABORT_VALUE");
			unsetenv("LSF_RESOURCES");
			if (o->resources)
				setenv("LSF_RESOURCES", o->resources, 1);
		}
		for (int i = 0; i < 8 && o->env[i]; i++) {
			if (strchr(o->env[i], '='))
				putenv((char *)o->env[i]);
			else
				unsetenv(o->env[i]);
		}
		const char *argv[128];
		int n = 0;
		argv[n++] = bin;
		if (o->foreground)
			argv[n++] = "--foreground";
		for (int i = 0; args && args[i] && n < 126; i++)
			argv[n++] = args[i];
		argv[n] = NULL;
		if (strchr(bin, '/'))
			execv(bin, (char *const *)argv);
		else
			execvp(bin, (char *const *)argv);
		_exit(127);
	}
	h->pid = pid;
	h->new_session = o->new_session;
	if (out == TH_PIPE) {
		close(po[1]);
		h->fd = po[0];
		h->f = fdopen(po[0], "r");
		assert_non_null(h->f);
	}
	if (err == TH_PIPE) {
		close(pe[1]);
		h->err_fd = pe[0];
		fcntl(h->err_fd, F_SETFL, O_NONBLOCK);
	}
	h->t0 = th_now();
}

static int wait_readable(int fd, double timeout_s)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int ms = timeout_s < 0 ? -1 : (int)ceil(timeout_s * 1000);
	int n;
	do
		n = poll(&p, 1, ms);
	while (n < 0 && errno == EINTR);
	return n;
}

bool th_rank_text_ok(const char *val)
{
	size_t n = strlen(val);
	if (n < 3 || n >= 32 || val[n - 2] != '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(val[i] >= '0' && val[i] <= '9') && i != n - 2)
			return false;
	return true;
}

/* Check one record's text "1 rank V"; returns V. */
static double check_record(const char *rec, size_t len)
{
	int k, used = 0;
	char name[64], val[64];
	if (sscanf(rec, "%d %63s %63s%n", &k, name, val, &used) != 3 || k != 1 ||
	    strcmp(name, "rank") != 0 || (size_t)used != len)
		fail_msg("malformed record '%.*s'", (int)len, rec);
	if (!th_rank_text_ok(val))
		fail_msg("rank '%s' is not digits, a dot and one digit", val);
	return atof(val);
}

int th_read_raw(struct th *h, double timeout_s, double *rank)
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
	for (char *p = buf; *p;) {
		char *nl = strchr(p, '\n');
		if (nl == NULL)
			fail_msg("torn record in chunk '%s'", buf);
		*rank = check_record(p, (size_t)(nl - p));
		count++;
		p = nl + 1;
	}
	return count;
}

int th_read_lim(struct th *h, double timeout_s, double *rank)
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
	if (!th_rank_text_ok(val))
		fail_msg("rank '%s' is not digits, a dot and one digit", val);
	*rank = atof(val);
	return 1;
}

int th_read_timed(struct th *h, double timeout_s, struct th_rec *r)
{
	double end = th_now() + timeout_s;
	for (;;) {
		char *nl = memchr(h->line, '\n', h->line_len);
		if (nl) {
			size_t len = (size_t)(nl - h->line);
			r->rank = check_record(h->line, len);
			r->t = h->line_t;
			memmove(h->line, nl + 1, h->line_len - len - 1);
			h->line_len -= len + 1;
			return 1;
		}
		double left = end - th_now();
		if (timeout_s >= 0 && left <= 0)
			return -1;
		if (wait_readable(h->fd, timeout_s < 0 ? -1 : left) <= 0)
			return -1;
		assert_true(h->line_len < sizeof h->line - 1);
		ssize_t n = read(h->fd, h->line + h->line_len, sizeof h->line - 1 - h->line_len);
		if (n <= 0) {
			assert_int_equal(h->line_len, 0);   /* no torn record at EOF */
			return 0;
		}
		h->line_len += (size_t)n;
		h->line[h->line_len] = '\0';
		h->line_t = th_now() - h->t0;
	}
}

char *th_read_all(struct th *h, double timeout_s)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	double end = th_now() + timeout_s;
	for (;;) {
		double left = end - th_now();
		if (left <= 0 || wait_readable(h->fd, left) <= 0)
			break;
		if (cap - len < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		ssize_t n = read(h->fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return buf;
}

int th_run(const struct th_opts *o, const char *const *args, double timeout_s, char **out,
	   char **err)
{
	struct th h;
	th_start(&h, o, args);
	char *text = h.fd >= 0 ? th_read_all(&h, timeout_s) : strdup("");
	assert_non_null(text);
	int st = th_wait(&h, timeout_s);
	if (err) {
		*err = strdup(th_err(&h));
		assert_non_null(*err);
	}
	if (out)
		*out = text;
	else
		free(text);
	th_close(&h);
	return st;
}

int th_pending(struct th *h)
{
	int n = 0;
	ioctl(h->fd, FIONREAD, &n);
	return n;
}

void th_kill(struct th *h, int sig)
{
	if (h->status < 0)
		kill(h->pid, sig);
}

/* Read what stderr's pipe holds now. */
static void drain_err(struct th *h)
{
	if (h->err_fd < 0)
		return;
	for (;;) {
		if (h->err_cap - h->err_len < 4096) {
			h->err_cap = h->err_cap ? 2 * h->err_cap : 65536;
			h->err = realloc(h->err, h->err_cap);
			assert_non_null(h->err);
		}
		ssize_t n = read(h->err_fd, h->err + h->err_len, h->err_cap - h->err_len - 1);
		if (n <= 0)
			break;
		h->err_len += (size_t)n;
	}
	h->err[h->err_len] = '\0';
}

static int decode(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
}

int th_wait(struct th *h, double timeout_s)
{
	if (h->status >= 0)
		return h->status;
	double end = th_now() + timeout_s;
	int st;
	for (;;) {
		drain_err(h);
		pid_t r = waitpid(h->pid, &st, WNOHANG);
		if (r == h->pid) {
			drain_err(h);
			return h->status = decode(st);
		}
		if (th_now() >= end)
			break;
		if (h->err_fd >= 0)
			wait_readable(h->err_fd, 0.005);
		else
			usleep(5000);
	}
	kill(h->new_session ? -h->pid : h->pid, SIGKILL);
	waitpid(h->pid, &st, 0);
	h->status = 128 + SIGKILL;
	return -1;
}

const char *th_err(struct th *h)
{
	drain_err(h);
	return h->err ? h->err : "";
}

void th_close(struct th *h)
{
	if (h->f)
		fclose(h->f);
	else if (h->fd >= 0)
		close(h->fd);
	h->f = NULL;
	h->fd = -1;
	if (h->err_fd >= 0)
		close(h->err_fd);
	h->err_fd = -1;
	free(h->err);
	h->err = NULL;
	h->err_len = h->err_cap = 0;
}

int th_stat_nice(const char *stat_path)
{
	char *buf = tu_slurp(stat_path);
	char *p = strrchr(buf, ')');
	if (p == NULL)
		fail_msg("%s: no process status", stat_path);
	int field = 2, nice = 99;
	char *save;
	for (char *tok = strtok_r(p + 1, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (++field == 19) {
			nice = atoi(tok);
			break;
		}
	free(buf);
	return nice;
}

int th_nice(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	return th_stat_nice(path);
}

/* ------------------------------------------------------------ the history */

long th_rows(const char *db)
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

sqlite3_stmt *th_query(const char *db, const char *sql)
{
	sqlite3 *s;
	if (sqlite3_open_v2(db, &s, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		fail_msg("%s: %s", db, sqlite3_errmsg(s));
	sqlite3_busy_timeout(s, 2000);
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(s, sql, -1, &q, NULL) != SQLITE_OK)
		fail_msg("%s: %s: %s", db, sql, sqlite3_errmsg(s));
	return q;
}

void th_query_end(sqlite3_stmt *q)
{
	sqlite3 *s = sqlite3_db_handle(q);
	sqlite3_finalize(q);
	sqlite3_close(s);
}

int th_query_doubles(const char *db, const char *sql, double *out, int max)
{
	sqlite3_stmt *q = th_query(db, sql);
	int n = 0;
	while (sqlite3_step(q) == SQLITE_ROW) {
		if (n < max)
			out[n] = sqlite3_column_type(q, 0) == SQLITE_NULL ? NAN
									  : sqlite3_column_double(q, 0);
		n++;
	}
	th_query_end(q);
	return n;
}

/* ------------------------------------------------------------ the tick grid */

void th_expect_grid(struct th *h, int n, double interval)
{
	struct th_rec rec;
	double t[64], rank;
	assert_true(n >= 3 && n <= 64);
	h->line_len = 0;                          /* written before: dropped */
	while (th_read_raw(h, 0.0, &rank) > 0)
		;
	for (int i = 0; i < n; i++) {
		if (th_read_timed(h, 60.0, &rec) != 1)
			fail_msg("record %d of %d did not come", i + 1, n);
		t[i] = rec.t;
	}
	char why[256];
	if (!th_on_grid(t, n, interval, 0.5, NULL, why, sizeof why))
		fail_msg("records off the %g s grid: %s", interval, why);
}

bool th_on_grid(const double *t, int n, double interval, double tol, int *skipped, char *why,
		size_t whylen)
{
	double min_gap = INFINITY;
	why[0] = '\0';
	if (skipped)
		*skipped = 0;
	if (n < 3) {
		snprintf(why, whylen, "%d records: too few to judge the grid", n);
		return false;
	}
	for (int i = 1; i < n; i++) {
		double g = t[i] - t[i - 1];
		if (g < 0) {
			snprintf(why, whylen, "record %d arrived before record %d", i, i - 1);
			return false;
		}
		min_gap = g < min_gap ? g : min_gap;
	}
	double span = t[n - 1] - t[0];
	/* never ahead of the grid: a late first record can shorten the span
	 * by less than one interval, and the elim never bursts to catch up */
	if (span < (n - 2) * interval - tol * interval) {
		snprintf(why, whylen, "%d records in %.3f s: faster than one per %.3g s", n, span,
			 interval);
		return false;
	}
	/* keeps the interval, not a multiple of it: under load some gaps
	 * stretch and others shrink, but not every one stretches */
	if (min_gap > (1 + tol) * interval) {
		snprintf(why, whylen, "every gap of %d records over %.3f s (interval %.3g s)", n,
			 min_gap, interval);
		return false;
	}
	if (skipped) {
		long slots = lround(span / interval);
		*skipped = slots > n - 1 ? (int)(slots - (n - 1)) : 0;
	}
	return true;
}

int th_rank_train(const char *dir, const char *args)
{
	char out[700], err[700], script[8192];
	snprintf(out, sizeof out, "%s/out", dir);
	snprintf(err, sizeof err, "%s/err", dir);
	unlink(err);   /* TH_FILE appends: this run's stderr alone */
	const char *bin = getenv("TRAIN_BIN") ? getenv("TRAIN_BIN") : "trainer/rank-train";
	snprintf(script, sizeof script, "exec %s %s", bin, args);
	struct th_opts o = { .bin = "/bin/sh", .out = TH_FILE, .out_file = out, .err = TH_FILE,
			     .err_file = err };
	return th_run(&o, (const char *const[]){ "-c", script, NULL }, 300.0, NULL, NULL);
}
