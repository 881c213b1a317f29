/*
 * recorder: the elim's side of the history, kept alive for months.
 *
 * A thread of its own owns the SQLite connection, so nothing the database or
 * the disk does can delay a record for LIM: the main loop hands each row to
 * recorder_append, which copies it into a small queue and returns at once.
 *
 * The thread:
 *  - creates the state directory, checks that it is local (statfs; on a
 *    network file system it uses a rollback journal instead of WAL and says
 *    so), and takes the one-instance lock (elim.rank.lock beside the
 *    history), waiting up to lock_wait seconds, then running without history
 *    until the lock comes free;
 *  - opens the history; a corrupt, foreign or newer-schema file is moved
 *    aside (kept) and a fresh one started; an older schema is migrated;
 *  - appends queued rows, RECORDER_BATCH to a transaction: rows wait until
 *    that many are queued or the oldest has waited commit_s seconds (0:
 *    each is committed at once); recorder_stop commits what waits
 *    (a few tries while the history is busy).  A
 *    row costs about 40 % fewer instructions this way than with a commit
 *    of its own (bench/cost.py); a crash or SIGKILL loses the rows waiting;
 *  - when the database is busy (a reader holding a
 *    lock), the disk is full or the directory read-only, rows stay queued
 *    (the oldest dropped beyond RECORDER_QUEUE) and it retries every
 *    retry_s seconds: what was written stays written;
 *  - notices a history file deleted or replaced under it and starts anew;
 *  - prunes by age and size a little at a time (incremental vacuum).
 * Problems are logged once when they start and once when they clear.
 */
#ifndef ELIM_RANK_RECORDER_H
#define ELIM_RANK_RECORDER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "feature_set.h"
#include "history.h"
#include "log.h"

#define RECORDER_QUEUE 64
#define RECORDER_BATCH 6
#define RECORDER_FINAL_TRIES 4      /* commits of the last rows at stop, 0.2 s apart */
#define RECORDER_PRUNE_ROWS 500
#define RECORDER_VACUUM_PAGES 64

struct recorder_config {
	char path[4096];        /* the history file */
	char dir[4096];         /* created on first use; "" if none */
	double days;            /* retention by age; <= 0: none */
	double max_mb;          /* retention by size; <= 0: none */
	double retry_s;         /* seconds between reopen attempts */
	double commit_s;        /* longest a row waits for its batch; 0: no batching */
	double lock_wait_s;     /* how long to wait for the lock at first */
	const struct feature_schema *schema;  /* the history's columns; not owned,
					       * must outlive the recorder; NULL: static */
};

struct recorder_row {
	uint64_t seq;           /* order of arrival */
	double queued;          /* monotonic seconds at arrival */
	int64_t time;
	double features[FEAT_VECTOR_LEN];
	double rank;
	char model_id[72];
};

struct recorder {
	pthread_t thread;
	bool started;
	bool abandoned;   /* a stop left its thread stuck: it still uses this struct */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* under mu */
	struct recorder_row q[RECORDER_QUEUE];
	unsigned head, count;
	uint64_t next_seq;
	double commit_s;        /* the configuration's, for recorder_append */
	unsigned long dropped;
	bool stop;
	bool reconfig;
	struct recorder_config next_cfg;
	/* the thread's own */
	struct recorder_config cfg;
	struct recorder_row batch[RECORDER_BATCH];
	char host[256];
	struct history *h;
	int lock_fd;
	dev_t dev;
	ino_t ino;
	double lock_deadline;   /* monotonic seconds */
	double retry_at;
	double prune_at;
	struct complaint open_fail, append_fail, lock_fail, net_fs, prune_fail;
	unsigned long written;
};

/* Start the thread.  Returns 0 or a negative errno (then no history). */
int recorder_start(struct recorder *r, const struct recorder_config *cfg, const char *host);

/* Queue a row (features: FEAT_VECTOR_LEN values); never blocks on the
 * database.  Returns 0, or -ENOBUFS when the queue was full and the oldest
 * row was dropped. */
int recorder_append(struct recorder *r, int64_t time, const double *features, double rank,
		    const char *model_id);

/* Use a new configuration from the next row on (reopens if the path changed). */
void recorder_reconfigure(struct recorder *r, const struct recorder_config *cfg);

/* Rows written so far (for tests and logs). */
unsigned long recorder_written(struct recorder *r);

/* Seconds the oldest row not yet written has waited at monotonic time
 * now_s (lib/clock.h's clock_now_s), 0 when none waits. */
double recorder_lag_s(struct recorder *r, double now_s);

/* Stop the thread, waiting at most wait_s seconds for it to finish its
 * current write; the lock is released.  A thread still stuck then is left
 * running (the process exit ends it) and the recorder is abandoned:
 * recorder_start refuses it (-EBUSY) for the life of the process. */
void recorder_stop(struct recorder *r, double wait_s);

#endif
