#include "config.h"

#include <errno.h>
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "clock.h"
#include "fsutil.h"
#include "recorder.h"
#include "statedir.h"

static void close_history(struct recorder *r)
{
	history_close(r->h);
	r->h = NULL;
}

static void release_lock(struct recorder *r)
{
	if (r->lock_fd >= 0)
		close(r->lock_fd);
	r->lock_fd = -1;
}

static bool is_bad_database(int rc)
{
	return rc == HISTORY_ECORRUPT || rc == HISTORY_EFOREIGN || rc == HISTORY_ENEWER;
}

/* Move the file aside after a "not ours" verdict.  Returns 0 if moved. */
static int move_aside(struct recorder *r, const char *why)
{
	char moved[4200];
	int rc = statedir_move_aside(r->cfg.path, time(NULL), moved, sizeof moved);
	if (rc < 0) {
		complain(&r->open_fail, LOG_ERR, "history: %s; cannot move it aside: %s;"
			 " ranks go on without history", why, strerror(-rc));
		return rc;
	}
	log_msg(LOG_WARNING, "history: %s; kept as %s, starting a new history", why, moved);
	return 0;
}

/* The lock, the checks, the open.  Returns 0 or a negative code. */
static int try_open(struct recorder *r, double now)
{
	char dir[4096], lock[4200], err[512];
	int rc;

	if (r->cfg.dir[0] && (rc = statedir_make(r->cfg.dir)) < 0) {
		complain(&r->open_fail, LOG_WARNING,
			 "history: cannot create state directory %s: %s; ranks go on without history",
			 r->cfg.dir, strerror(-rc));
		return rc;
	}
	statedir_dirname(r->cfg.path, dir, sizeof dir);
	if (r->lock_fd < 0) {
		snprintf(lock, sizeof lock, "%s/%s", dir, STATEDIR_LOCK_NAME);
		rc = statedir_lock_try(lock, &r->lock_fd);
		if (rc == -EWOULDBLOCK) {
			if (now < r->lock_deadline)
				return rc;     /* keep waiting, quietly */
			complain(&r->lock_fail, LOG_WARNING,
				 "history: another elim.rank (pid %ld) holds %s: running without history"
				 " (trying again every %g s)", statedir_lock_holder(lock), lock,
				 r->cfg.retry_s);
			return rc;
		}
		if (rc < 0 && rc != -EROFS) {
			complain(&r->open_fail, LOG_WARNING,
				 "history: cannot take lock %s: %s; ranks go on without history",
				 lock, strerror(-rc));
			return rc;
		}
		/* on a read-only directory there is no lock to take, and no history
		 * either: the open below says so */
		complaint_clear(&r->lock_fail, "history: got lock %s: recording again", lock);
	}
	const char *fsname = NULL;
	unsigned flags = 0;
	if (fs_is_network(dir, &fsname) == 1) {
		complain(&r->net_fs, LOG_WARNING,
			 "history: %s is on a network file system (%s): SQLite's WAL does not work"
			 " there, using a rollback journal; put the state directory on a local disk",
			 dir, fsname);
		flags |= HISTORY_ROLLBACK_JOURNAL;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		rc = history_open(r->cfg.path, r->cfg.schema, flags, &r->h, err, sizeof err);
		if (rc == 0)
			break;
		if (!is_bad_database(rc) || attempt > 0 || move_aside(r, err) < 0)
			break;
	}
	if (rc < 0) {
		complain(&r->open_fail, LOG_WARNING, "history: %s; ranks go on without history", err);
		return rc;
	}
	struct stat st;
	if (stat(r->cfg.path, &st) == 0) {
		r->dev = st.st_dev;
		r->ino = st.st_ino;
	}
	complaint_clear(&r->open_fail, "history: %s is open again", r->cfg.path);
	log_msg(LOG_DEBUG, "history: %s open", r->cfg.path);
	r->prune_at = now;
	return 0;
}

/* Was the file deleted or replaced behind our back? */
static bool replaced(struct recorder *r)
{
	struct stat st;
	if (stat(r->cfg.path, &st) < 0)
		return errno == ENOENT;
	return st.st_dev != r->dev || st.st_ino != r->ino;
}

/* Are queued rows due for a commit (under mu)?  If not, *when (when given)
 * gets the time they will be. */
static bool batch_due(const struct recorder *r, double now, double *when)
{
	if (r->count == 0)
		return false;
	if (r->count >= RECORDER_BATCH || r->commit_s <= 0)
		return true;
	double at = r->q[r->head].queued + r->commit_s;
	if (now >= at)
		return true;
	if (when)
		*when = at;
	return false;
}

/* Commit queued rows, a batch at a time, while a batch is due (all: every
 * row), until the queue is empty or a write fails. */
static void drain(struct recorder *r, double now, bool all)
{
	for (;;) {
		pthread_mutex_lock(&r->mu);
		if (r->count == 0 || (!all && !batch_due(r, now, NULL))) {
			pthread_mutex_unlock(&r->mu);
			return;
		}
		size_t n = r->count < RECORDER_BATCH ? r->count : RECORDER_BATCH;
		for (size_t i = 0; i < n; i++)
			r->batch[i] = r->q[(r->head + i) % RECORDER_QUEUE];
		unsigned long dropped = r->dropped;
		r->dropped = 0;
		pthread_mutex_unlock(&r->mu);
		if (dropped)
			log_msg(LOG_WARNING, "history: up to %lu samples were dropped while it could not"
				" be written (at most %d wait)", dropped, RECORDER_QUEUE);

		char err[512];
		struct history_row hr[RECORDER_BATCH];
		for (size_t i = 0; i < n; i++) {
			const struct recorder_row *row = &r->batch[i];
			hr[i] = (struct history_row){
				.time = row->time, .host = r->host, .features = row->features,
				.rank = row->rank, .model_id = row->model_id[0] ? row->model_id : NULL,
			};
		}
		int rc = history_append_many(r->h, hr, n, err, sizeof err);
		if (rc == 0) {
			uint64_t last = r->batch[n - 1].seq;
			pthread_mutex_lock(&r->mu);
			/* the rows written, unless the main thread dropped some
			 * meanwhile (queue full) */
			while (r->count > 0 && r->q[r->head].seq <= last) {
				r->head = (r->head + 1) % RECORDER_QUEUE;
				r->count--;
			}
			r->written += n;
			pthread_mutex_unlock(&r->mu);
			complaint_clear(&r->append_fail, "history: appending to %s again", r->cfg.path);
			continue;
		}
		if (rc == HISTORY_ECORRUPT) {
			close_history(r);
			move_aside(r, err);
			r->retry_at = now;
			return;
		}
		complain(&r->append_fail, LOG_WARNING, "history: %s; ranks go on, rows wait (up to %d)",
			 err, RECORDER_QUEUE);
		/* busy (a reader's lock) or full: the connection is fine, try again
		 * later; anything else (a directory made read-only under us...):
		 * start over with a fresh connection */
		if (rc != -EBUSY && rc != -ENOSPC)
			close_history(r);
		r->retry_at = now + r->cfg.retry_s;
		return;
	}
}

static void prune(struct recorder *r, double now)
{
	char err[512];
	int more = 0;
	int64_t before = r->cfg.days > 0 ? (int64_t)time(NULL) - (int64_t)(r->cfg.days * 86400) : 0;
	int64_t max_bytes = r->cfg.max_mb > 0 ? (int64_t)(r->cfg.max_mb * 1048576.0) : 0;
	int rc = history_prune(r->h, before, max_bytes, RECORDER_PRUNE_ROWS, RECORDER_VACUUM_PAGES,
			       &more, err, sizeof err);
	if (rc < 0) {
		complain(&r->prune_fail, LOG_WARNING, "history: %s", err);
		r->prune_at = now + r->cfg.retry_s;
		return;
	}
	complaint_clear(&r->prune_fail, "history: pruning %s again", r->cfg.path);
	/* a little at a time: one step per second while there is work */
	r->prune_at = now + (more ? 1.0 : 600.0);
}

static void *recorder_main(void *arg)
{
	struct recorder *r = arg;
	caps_limit_thread(0);   /* writes the elim's own files: no privilege (caps.h) */
	pthread_mutex_lock(&r->mu);
	for (;;) {
		if (r->stop)
			break;
		if (r->reconfig) {
			bool moved = strcmp(r->cfg.path, r->next_cfg.path) != 0;
			r->cfg = r->next_cfg;
			r->commit_s = r->cfg.commit_s;
			r->reconfig = false;
			pthread_mutex_unlock(&r->mu);
			if (moved) {
				close_history(r);
				release_lock(r);
				r->retry_at = 0;
				r->lock_deadline = clock_now_s() + r->cfg.lock_wait_s;
			}
			r->prune_at = 0;
			pthread_mutex_lock(&r->mu);
			continue;
		}
		double now = clock_now_s();
		double due_at = now + 1.0;
		bool due = batch_due(r, now, &due_at);
		pthread_mutex_unlock(&r->mu);

		if (r->h && due && replaced(r)) {
			log_msg(LOG_WARNING, "history: %s was deleted or replaced: starting a new one",
				r->cfg.path);
			close_history(r);
			r->retry_at = now;
		}
		if (r->h == NULL && now >= r->retry_at && try_open(r, now) < 0) {
			bool waiting = r->lock_fd < 0 && now < r->lock_deadline;
			r->retry_at = now + (waiting ? 0.2 : r->cfg.retry_s);
		}
		if (r->h && due && now >= r->retry_at)
			drain(r, now, false);
		if (r->h && now >= r->prune_at)
			prune(r, now);

		/* sleep until a row comes, or the next retry or pruning step */
		double wake = now + 1.0;
		if (!due && due_at < wake)
			wake = due_at;
		if (r->retry_at > now && r->retry_at < wake)
			wake = r->retry_at;   /* a reopen, or a write to try again */
		if (r->h && r->prune_at > now && r->prune_at < wake)
			wake = r->prune_at;
		struct timespec ts = clock_timespec((uint64_t)(wake * 1e9));
		pthread_mutex_lock(&r->mu);
		bool retry_pending = r->h == NULL || r->retry_at > now;
		if (!r->stop && !r->reconfig && (!batch_due(r, clock_now_s(), NULL) || retry_pending))
			pthread_cond_timedwait(&r->cv, &r->mu, &ts);
	}
	pthread_mutex_unlock(&r->mu);
	/* the last rows: a few tries, within recorder_stop's wait, while the
	 * history is busy (a reader's lock) or has to be reopened */
	for (int attempt = 0; attempt < RECORDER_FINAL_TRIES; attempt++) {
		double now = clock_now_s();
		if (r->h == NULL)
			try_open(r, now);
		if (r->h)
			drain(r, now, true);
		pthread_mutex_lock(&r->mu);
		bool left = r->count > 0;
		pthread_mutex_unlock(&r->mu);
		if (!left)
			break;
		usleep(200 * 1000);
	}
	close_history(r);
	release_lock(r);
	return NULL;
}

int recorder_start(struct recorder *r, const struct recorder_config *cfg, const char *host)
{
	if (r->abandoned)
		return -EBUSY;   /* its stuck thread still uses r */
	memset(r, 0, sizeof *r);
	r->cfg = *cfg;
	r->lock_fd = -1;
	r->commit_s = cfg->commit_s;
	snprintf(r->host, sizeof r->host, "%s", host);
	r->lock_deadline = clock_now_s() + cfg->lock_wait_s;
	/* a few pages at a time for one row per tick (fails harmlessly in tests
	 * that used SQLite before) */
	(void)history_lean_caches();
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, &ca);
	pthread_condattr_destroy(&ca);
	/* signals are for the main loop (its sleeps wake up on them): the
	 * thread starts with every signal blocked */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = pthread_create(&r->thread, NULL, recorder_main, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return -rc;
	r->started = true;
	return 0;
}

int recorder_append(struct recorder *r, int64_t time_s, const double *features, double rank,
		    const char *model_id)
{
	int rc = 0;
	pthread_mutex_lock(&r->mu);
	if (r->count == RECORDER_QUEUE) {
		r->head = (r->head + 1) % RECORDER_QUEUE;
		r->count--;
		r->dropped++;
		rc = -ENOBUFS;
	}
	struct recorder_row *row = &r->q[(r->head + r->count) % RECORDER_QUEUE];
	row->seq = r->next_seq++;
	row->queued = clock_now_s();
	row->time = time_s;
	memcpy(row->features, features, sizeof row->features);
	row->rank = rank;
	/* copied as it is, not formatted: this is the tick's path */
	size_t idlen = model_id ? strnlen(model_id, sizeof row->model_id - 1) : 0;
	memcpy(row->model_id, model_id ? model_id : "", idlen);
	row->model_id[idlen] = '\0';
	r->count++;
	/* the first row of a batch (the thread then sleeps until its time is
	 * up), or a full batch, or no batching: wake the thread */
	if (r->count == 1 || r->count >= RECORDER_BATCH || r->commit_s <= 0)
		pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return rc;
}

void recorder_reconfigure(struct recorder *r, const struct recorder_config *cfg)
{
	pthread_mutex_lock(&r->mu);
	r->next_cfg = *cfg;
	r->commit_s = cfg->commit_s;
	r->reconfig = true;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

double recorder_lag_s(struct recorder *r, double now_s)
{
	pthread_mutex_lock(&r->mu);
	double lag = r->count ? now_s - r->q[r->head].queued : 0;
	pthread_mutex_unlock(&r->mu);
	return lag > 0 ? lag : 0;
}

unsigned long recorder_written(struct recorder *r)
{
	pthread_mutex_lock(&r->mu);
	unsigned long n = r->written;
	pthread_mutex_unlock(&r->mu);
	return n;
}

void recorder_stop(struct recorder *r, double wait_s)
{
	if (!r->started)
		return;
	pthread_mutex_lock(&r->mu);
	r->stop = true;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	double t = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + wait_s;
	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - floor(t)) * 1e9);
	if (pthread_timedjoin_np(r->thread, NULL, &ts) != 0) {
		/* stuck in the file system: the process exit ends it; SQLite's
		 * journal keeps what was committed */
		log_msg(LOG_WARNING, "history: still busy after %g s: leaving it", wait_s);
		pthread_detach(r->thread);
		r->abandoned = true;   /* it still owns this struct: never start it again */
	}
	r->started = false;
}
