/*
 * harness: the one way tests start a real program (elim.rank by default)
 * and read what it writes.
 *
 * th_start forks and execs with the streams, environment, signal mask and
 * priority the options ask for; the child always gets PR_SET_PDEATHSIG
 * (SIGKILL), so a failed assertion never leaves it running.  With
 * .lim_like it is started as LIM starts an elim: stdin /dev/null, stdout a
 * pipe, stderr closed (unless .err says otherwise), every signal blocked,
 * nice -20, working directory /tmp, and the environment cleaned of
 * ELIM_RANK_CONF, LSF_ENVDIR, ELIM_ABORT_VALUE and LSF_RESOURCES
 * (.resources sets the last).
 *
 * Readers on stdout (use one kind per run: the LIM reader goes through a
 * stdio FILE, the others read the descriptor):
 *   th_read_raw    one read(2) chunk, which must hold whole records;
 *   th_read_lim    LIM's way: select(), then fscanf "%d" and "%s %s";
 *   th_read_timed  one record with its arrival time (for grid checks);
 *   th_read_all    everything until EOF (e.g. --explain output).
 * Every record read is checked: count 1, name "rank", a value of digits, a
 * dot and one digit (what atof reads whole in any locale).
 *
 * Captured stderr (TH_PIPE) is drained while waiting, so a chatty child
 * never blocks on a full pipe; th_err returns it.
 */
#ifndef ELIM_RANK_HARNESS_H
#define ELIM_RANK_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* What a child's stdin, stdout or stderr is.  TH_DEFAULT: stdin /dev/null,
 * stdout a pipe, stderr closed when lim_like, else a pipe.  TH_STDOUT
 * (stderr only): wherever stdout goes. */
enum th_stream { TH_DEFAULT = 0, TH_PIPE, TH_NULL, TH_CLOSED, TH_FILE, TH_INHERIT, TH_STDOUT };

/* The child's signal mask.  TH_SIG_DEFAULT: everything blocked when
 * lim_like, else unchanged. */
enum th_sigmask { TH_SIG_DEFAULT = 0, TH_SIG_KEEP, TH_SIG_BLOCK_ALL, TH_SIG_BLOCK_ALL_BUT_TERM };

struct th_opts {
	const char *bin;          /* program to run (without a '/': searched in
				   * PATH); NULL: $ELIM_BIN */
	bool lim_like;            /* as LIM starts an elim (see above) */
	bool foreground;          /* add --foreground (logs to stderr) first */
	enum th_stream out, err;  /* stdout and stderr */
	const char *out_file;     /* for out == TH_FILE (truncated) */
	const char *err_file;     /* for err == TH_FILE (appended) */
	const char *resources;    /* LSF_RESOURCES when lim_like, or NULL: unset */
	const char *env[8];       /* "NAME=VALUE" to set, "NAME" to unset; NULL-terminated */
	enum th_sigmask sigmask;
	bool ignore_sigusr1;      /* SIGUSR1 ignored, as some LIMs leave it */
	const char *cwd;          /* working directory (lim_like: /tmp) */
	bool keep_nice;           /* lim_like, but at the test's own nice value */
	bool new_session;         /* setsid(): its own session, as a batch job;
				   * a timeout in th_wait kills the session */
};

struct th {
	pid_t pid;
	int fd;                   /* read end of stdout's pipe, or -1 */
	FILE *f;                  /* stdio on fd, for th_read_lim */
	int err_fd;               /* read end of stderr's pipe, or -1 */
	char *err;                /* stderr captured so far (NUL-terminated) */
	size_t err_len, err_cap;
	double t0;                /* monotonic start time (s) */
	char line[512];           /* th_read_timed's unread bytes */
	size_t line_len;
	double line_t;            /* when they arrived (s since t0) */
	int status;               /* decoded exit (see th_wait) once reaped, else -1 */
	bool new_session;
};

/* One record with the monotonic time (s since th_start) it arrived. */
struct th_rec {
	double rank;
	double t;
};

/* Start o->bin (default $ELIM_BIN) with args (NULL-terminated, without
 * argv[0]).  o may be NULL (all defaults).  Fails the test on error. */
void th_start(struct th *h, const struct th_opts *o, const char *const *args);

/* One raw chunk within timeout_s; it must be whole records (asserted).
 * Returns the number of records (0 on EOF, -1 on timeout); *rank gets the
 * last value. */
int th_read_raw(struct th *h, double timeout_s, double *rank);

/* LIM's way: select() up to timeout_s (< 0: forever), then fscanf a count
 * and the pair.  Returns 1 with *rank, 0 on EOF, -1 on timeout. */
int th_read_lim(struct th *h, double timeout_s, double *rank);

/* The next record (a line) within timeout_s, with its arrival time.
 * Returns 1, 0 on EOF, -1 on timeout. */
int th_read_timed(struct th *h, double timeout_s, struct th_rec *r);

/* Read stdout until EOF or timeout_s; returns the text (malloc'd). */
char *th_read_all(struct th *h, double timeout_s);

/* Run to the end: start with o (stdout and stderr captured unless o says
 * otherwise), read stdout until EOF, wait (up to timeout_s).  Returns the
 * exit code as th_wait; *out and *err (either may be NULL) get malloc'd
 * copies of what it wrote. */
int th_run(const struct th_opts *o, const char *const *args, double timeout_s, char **out,
	   char **err);

/* Bytes waiting in the stdout pipe (FIONREAD). */
int th_pending(struct th *h);

/* Send a signal. */
void th_kill(struct th *h, int sig);

/* Wait up to timeout_s for the child (draining captured stderr).  Returns
 * its exit code, 128 + signal when killed by one, or -1 after killing it
 * with SIGKILL at the timeout. */
int th_wait(struct th *h, double timeout_s);

/* Captured stderr: everything up to now, or after th_wait everything. */
const char *th_err(struct th *h);

/* Close our ends and free what the run holds (the child must be reaped,
 * or it is killed and reaped). */
void th_close(struct th *h);

/* The nice value (field 19) in a /proc stat file: /proc/PID/stat or
 * /proc/PID/task/TID/stat.  Fails the test when it cannot be read. */
int th_stat_nice(const char *stat_path);

/* The same for a process. */
int th_nice(pid_t pid);

/* Seconds on the monotonic clock. */
double th_now(void);

/* Is the value a LIM-safe rank: digits, a dot and one digit? */
bool th_rank_text_ok(const char *val);

/* ------------------------------------------------------------ the history */

/* Rows in the samples table of a history (-1 if it cannot be read). */
long th_rows(const char *db);

/* Open the history read-only (waiting up to 2 s for a writer's lock) and
 * prepare sql on it; th_query_end finalizes and closes.  Fails the test
 * when either step fails. */
struct sqlite3_stmt *th_query(const char *db, const char *sql);
void th_query_end(struct sqlite3_stmt *q);

/* The first column of every row of sql, as doubles (NULL as NAN), into
 * out[max]; returns the row count (which may exceed max). */
int th_query_doubles(const char *db, const char *sql, double *out, int max);

/* ------------------------------------------------------------ the tick grid */

/*
 * Do arrival times t[0..n-1] (n >= 3) of consecutive records keep to a
 * grid of the interval?  The elim writes on first + k * interval, skips
 * slots when late and never bursts to catch up, so on any machine load:
 *   - they are in order;
 *   - n records span at least (n - 2 - tol) intervals (never ahead of the
 *     grid; a late-read first record shortens the span by under one);
 *   - the shortest gap is at most (1 + tol) intervals (the interval, not a
 *     multiple of it: load stretches some gaps and shrinks the next).
 * tol is a fraction of the interval (0.5 is generous).  *skipped (may be
 * NULL) gets the grid slots the span holds beyond the records' gaps.
 * Returns true, or false with the reason in why.
 */
bool th_on_grid(const double *t, int n, double interval, double tol, int *skipped, char *why,
		size_t whylen);

/* Drop the records already waiting, read n (3..64) fresh ones (each
 * within 60 s) with their arrival times, and fail the test unless they
 * keep to a grid of the interval (th_on_grid, tol 0.5). */
void th_expect_grid(struct th *h, int n, double interval);

/* Run rank-train ($TRAIN_BIN, else trainer/rank-train) with args, words
 * split as by the shell, within 300 s; its stdout and stderr replace
 * dir/out and dir/err.  Returns its exit status. */
int th_rank_train(const char *dir, const char *args);

/* th_rank_train that must exit with expect; dir/err is shown when not. */
#define TH_RANK_TRAIN(dir, args, expect) do { \
	int rc_ = th_rank_train((dir), (args)); \
	if (rc_ != (expect)) { \
		char e_[700]; \
		snprintf(e_, sizeof e_, "%s/err", (dir)); \
		char *t_ = tu_slurp(e_); \
		fprintf(stderr, "# rank-train %s: exit %d, stderr: %s\n", (args), rc_, t_); \
		free(t_); \
	} \
	assert_int_equal(rc_, (expect)); \
} while (0)

#endif
