/*
 * tick_worker: runs the sampling of a tick in a thread of its own, so that a
 * source that blocks (a hwmon read that takes seconds, a file on a hung
 * mount) can never delay or stop the record for LIM.
 *
 * The main loop asks for a sample with a deadline.  When the sample is done
 * in time it gets the fresh values; when not, it gets -ETIMEDOUT and goes on
 * (reporting what it had), while the sample finishes in the background and
 * its late result is thrown away.  While a sample is still running, no new
 * one is started (-EBUSY): there is only ever one.  How long the running
 * sample has been stuck is there for the main loop to decide when to give up.
 *
 * The sample function and its state belong to the worker thread between
 * tick_worker_start and tick_worker_stop.  Nothing here logs or allocates
 * after start.
 */
#ifndef ELIM_RANK_TICK_WORKER_H
#define ELIM_RANK_TICK_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "feature_set.h"

typedef void (*tick_worker_fn)(void *arg, uint64_t now_ns, double *values);

struct tick_worker {
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;        /* CLOCK_MONOTONIC */
	tick_worker_fn fn;
	void *arg;
	/* under mu */
	bool stop, busy, done;
	uint64_t req_ns;          /* when the running or last sample was asked for */
	double out[FEAT_VECTOR_LEN];
};

/* Start the thread.  Returns 0 or a negative errno. */
int tick_worker_start(struct tick_worker *w, tick_worker_fn fn, void *arg);

/*
 * Ask for a sample at monotonic now_ns and wait until deadline_ns for it.
 * Returns 0 with values[FEAT_VECTOR_LEN] filled, -ETIMEDOUT (values untouched;
 * the sample goes on in the background), or -EBUSY when an earlier sample
 * is still running (nothing started).
 */
int tick_worker_sample(struct tick_worker *w, uint64_t now_ns, uint64_t deadline_ns,
		       double *values);

/* Nanoseconds the running sample has been going at now_ns; 0 when idle. */
uint64_t tick_worker_stuck_ns(struct tick_worker *w, uint64_t now_ns);

/*
 * Stop the thread.  Returns true when it finished (the sample state may be
 * released), false when a sample is stuck: the thread is left to the
 * process exit and the state must not be touched.
 */
bool tick_worker_stop(struct tick_worker *w, uint64_t wait_ns);

#endif
