/*
 * probe_hold: hold the probe while a file says so.
 *
 * A parallel job spread over many hosts waits for its slowest rank, so a
 * probe anywhere is jitter for all of it.  The batch system's per-host
 * prolog creates the hold file and its epilog removes it (elim.rank(8),
 * THE PROBE); while the file exists and its modification time is less than
 * max_age seconds old, no probe starts, periodic or triggered.  A hold file
 * older than that (a lost epilog), or dated more than max_age in the
 * future, is ignored, and said so once.
 *
 * One stat(2) per probe_hold_check, nothing else: no fork, no allocation,
 * no open file.  The clocks are parameters: the monotonic one counts the
 * held time, the wall clock (CLOCK_REALTIME, as file times are) dates the
 * file.  Owns no memory.
 */
#ifndef ELIM_RANK_PROBE_HOLD_H
#define ELIM_RANK_PROBE_HOLD_H

#include <stdbool.h>
#include <stdint.h>

#include "log.h"

struct probe_hold_config {
	const char *path;       /* the hold file; NULL: never held */
	double max_age;         /* seconds after its mtime a hold file is ignored */
};

struct probe_hold {
	bool held;              /* as of the last check */
	bool stale;             /* the file exists but is too old (or too new) */
	uint64_t last_ns;       /* monotonic time of the last check; 0: none */
	uint64_t held_ns;       /* monotonic time held, in total, up to the last check */
	unsigned long holds;    /* holds begun */
	unsigned long skipped;  /* probe starts that were due while held (see probe_hold_skip) */
	uint64_t skip_next_ns;  /* a due probe counts again as skipped from then */
	struct complaint old;   /* "hold file too old: ignored" */
};

/* Start unheld, with every count 0. */
void probe_hold_init(struct probe_hold *h);

/*
 * Is the probe held at monotonic time now_ns, wall time wall_ns
 * (nanoseconds since the epoch)?  One stat(2) of cfg->path (none when it
 * is NULL: false).  The time since the last check counts as held when
 * that check found it held.  A file that cannot be stat'ed for another
 * reason than ENOENT does not hold (the probe is the rank's label: only
 * a file that is there holds it).
 */
bool probe_hold_check(struct probe_hold *h, const struct probe_hold_config *cfg,
		      uint64_t now_ns, int64_t wall_ns);

/*
 * A probe was due at now_ns but did not start because the probe is held:
 * count it as skipped, once per interval_s seconds of a hold (the due
 * probe waits and would otherwise count at every record).
 */
void probe_hold_skip(struct probe_hold *h, uint64_t now_ns, double interval_s);

/* Seconds held in total, as of the last check. */
double probe_hold_seconds(const struct probe_hold *h);

/* Write the features probe_held_total and probe_skipped_total (source
 * "hold" in feature_set.def) into values: h's counts when on (a probe that
 * runs, with a hold file set), else unknown. */
void probe_hold_features(const struct probe_hold *h, bool on, double *values);

#endif
