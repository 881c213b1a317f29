#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "caps.h"
#include "clock.h"
#include "tick_worker.h"


static void *worker_main(void *arg)
{
	struct tick_worker *w = arg;
	double values[FEAT_VECTOR_LEN];
	caps_limit_thread(0);   /* reads world-readable files: no privilege (caps.h) */
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->stop && !(w->busy && !w->done))
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->stop)
			break;
		uint64_t t = w->req_ns;
		pthread_mutex_unlock(&w->mu);
		w->fn(w->arg, t, values);
		pthread_mutex_lock(&w->mu);
		memcpy(w->out, values, sizeof w->out);
		w->done = true;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int tick_worker_start(struct tick_worker *w, tick_worker_fn fn, void *arg)
{
	memset(w, 0, sizeof *w);
	w->fn = fn;
	w->arg = arg;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	/* signals are for the main loop (its sleeps wake up on them): the
	 * thread starts with every signal blocked */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return -rc;
	w->started = true;
	return 0;
}

int tick_worker_sample(struct tick_worker *w, uint64_t now_ns, uint64_t deadline_ns,
		       double *values)
{
	pthread_mutex_lock(&w->mu);
	if (w->busy && !w->done) {
		pthread_mutex_unlock(&w->mu);
		return -EBUSY;
	}
	w->busy = true;
	w->done = false;
	w->req_ns = now_ns;
	pthread_cond_broadcast(&w->cv);
	struct timespec dl = clock_timespec(deadline_ns);
	while (!w->done) {
		if (pthread_cond_timedwait(&w->cv, &w->mu, &dl) == ETIMEDOUT && !w->done) {
			pthread_mutex_unlock(&w->mu);
			return -ETIMEDOUT;
		}
	}
	memcpy(values, w->out, sizeof w->out);
	w->busy = false;
	pthread_mutex_unlock(&w->mu);
	return 0;
}

uint64_t tick_worker_stuck_ns(struct tick_worker *w, uint64_t now_ns)
{
	pthread_mutex_lock(&w->mu);
	uint64_t s = (w->busy && !w->done && now_ns > w->req_ns) ? now_ns - w->req_ns : 0;
	pthread_mutex_unlock(&w->mu);
	return s;
}

bool tick_worker_stop(struct tick_worker *w, uint64_t wait_ns)
{
	if (!w->started)
		return true;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_broadcast(&w->cv);
	uint64_t end = clock_now_ns() + wait_ns;
	struct timespec dl = clock_timespec(end);
	bool stuck = false;
	while (w->busy && !w->done) {
		if (pthread_cond_timedwait(&w->cv, &w->mu, &dl) == ETIMEDOUT && !w->done) {
			stuck = true;
			break;
		}
	}
	pthread_mutex_unlock(&w->mu);
	w->started = false;
	if (stuck) {
		pthread_detach(w->thread);
		return false;
	}
	pthread_join(w->thread, NULL);
	return true;
}
