/*
 * probe_trigger: probe soon after the load moved, not only on the period.
 *
 * The probe result in use describes the load it was taken under; when the
 * load moves, the rank has only the moves since that result to go on until
 * the next one.  The caller says, record by record, how far the load moved
 * since that result in what matters to the rank: how far the model's
 * levels form (the model as if there were no probe: since_probe_levels)
 * moved since the record the result arrived in, in units of
 * PROBE_TRIGGER_SLOWDOWN.  The trigger asks for a probe when that is 1 or
 * more and stays so: a move must last `confirm` records in a row, so a
 * short burst (another job starting) is not what gets measured.  The
 * elim's own probe is never a move: the record its result arrives in
 * becomes the new reference.
 *
 * Rate limits: no trigger within `min_gap` seconds of the last probe start
 * (periodic or triggered), and at most `max_per_hour` probes besides the
 * periodic ones in any hour (triggered ones and those taken for checks); a move that meets a limit waits, and fires when the limit has
 * passed if it still holds.  Owns no memory; the clock is a parameter.
 */
#ifndef ELIM_RANK_PROBE_TRIGGER_H
#define ELIM_RANK_PROBE_TRIGGER_H

#include <stdbool.h>
#include <stdint.h>

#define PROBE_TRIGGER_MAX_PER_HOUR 720   /* one every 5 s: the fastest LIM reads */
#define PROBE_TRIGGER_SLOWDOWN 0.15      /* a move of the levels' prediction that counts */

struct probe_trigger_config {
	bool enabled;
	double min_gap;        /* seconds after any probe start before a trigger */
	int max_per_hour;      /* triggered probes in any hour, 1..PROBE_TRIGGER_MAX_PER_HOUR */
	int confirm;           /* records in a row a move must last, >= 1 */
};

struct probe_trigger {
	struct probe_trigger_config cfg;
	int streak;                                   /* records in a row moved */
	uint64_t fired_ns[PROBE_TRIGGER_MAX_PER_HOUR]; /* ring: when it fired */
	int head, n;
	unsigned long fired, held, taken;             /* counts: fired, held by a limit, taken */
};

/* Start with no move seen.  cfg is copied; max_per_hour and confirm are
 * clamped to their ranges. */
void probe_trigger_init(struct probe_trigger *t, const struct probe_trigger_config *cfg);

/*
 * Take one probe from the hourly budget for another reason (the check of a
 * doubted result), at monotonic time now_ns.  Returns false, taking
 * nothing, when the trigger is off or the budget is spent.
 */
bool probe_trigger_take(struct probe_trigger *t, uint64_t now_ns);

/*
 * Feed one record at monotonic time now_ns: moved is how far the load
 * moved since the result in use, in units of PROBE_TRIGGER_SLOWDOWN (NAN:
 * not known, no move).  last_start_ns is when the last probe started (0:
 * none yet).  Returns true when a probe should start now; it is then
 * counted against the limits.
 */
bool probe_trigger_record(struct probe_trigger *t, double moved, uint64_t now_ns,
			  uint64_t last_start_ns);

#endif
