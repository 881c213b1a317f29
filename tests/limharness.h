/*
 * limharness: run the real elim.rank the way LIM does, for the tests.
 *
 * The child gets: stdin /dev/null, stdout a pipe to us, stderr closed (or a
 * log file when asked, to check messages), every signal blocked, nice -20,
 * working directory /tmp, and LSF_RESOURCES when asked.  The reader side
 * either reads raw chunks (each must be whole records) or reads as LIM does:
 * select(), then fscanf through a stdio FILE.
 */
#ifndef ELIM_RANK_LIMHARNESS_H
#define ELIM_RANK_LIMHARNESS_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

struct lh_opts {
	const char *resources;   /* LSF_RESOURCES, or NULL for unset */
	const char *log;         /* stderr to this file (with --foreground), or NULL: closed */
	const char *env[4];      /* extra NAME=VALUE, NULL-terminated */
	bool nice20;             /* start at nice -20 (default on through lh_start) */
};

struct lh {
	pid_t pid;
	int fd;                  /* read end of the pipe */
	FILE *f;                 /* stdio on fd, for LIM-style reads */
	double t0;               /* monotonic start time */
};

double lh_now(void);

/* Start ELIM_BIN with args (NULL-terminated, without argv[0]). */
void lh_start(struct lh *h, const struct lh_opts *o, const char *const *args);

/*
 * Wait up to timeout_s for one raw chunk; each chunk must be whole records
 * "1 rank N\n" (asserted).  Returns the number of records (0 on EOF, -1 on
 * timeout); *rank gets the last value.
 */
int lh_read_raw(struct lh *h, double timeout_s, double *rank);

/* LIM's way: select() up to timeout_s, then fscanf a count and pairs.
 * Returns 1 with *rank, 0 on EOF, -1 on timeout. */
int lh_read_lim(struct lh *h, double timeout_s, double *rank);

/* Bytes waiting in the pipe (FIONREAD). */
int lh_pending(struct lh *h);

/* Send a signal. */
void lh_kill(struct lh *h, int sig);

/* Wait up to timeout_s for the child; returns its wait status, or -1 after
 * killing it with SIGKILL on timeout. */
int lh_wait(struct lh *h, double timeout_s);

/* Close our end of the pipe. */
void lh_close(struct lh *h);

/* Rows in the samples table of a history (-1 if it cannot be read). */
long lh_rows(const char *db);

#endif
