#include "config.h"

#include <math.h>

#include "probe_trigger.h"

#define NSEC 1000000000ULL
#define HOUR_NS (3600ULL * NSEC)

void probe_trigger_init(struct probe_trigger *t, const struct probe_trigger_config *cfg)
{
	t->cfg = *cfg;
	if (t->cfg.max_per_hour < 1)
		t->cfg.max_per_hour = 1;
	if (t->cfg.max_per_hour > PROBE_TRIGGER_MAX_PER_HOUR)
		t->cfg.max_per_hour = PROBE_TRIGGER_MAX_PER_HOUR;
	if (t->cfg.confirm < 1)
		t->cfg.confirm = 1;
	if (!(t->cfg.min_gap >= 0))
		t->cfg.min_gap = 0;
	t->streak = 0;
	t->head = t->n = 0;
	t->fired = t->held = t->taken = 0;
}

/* Forget the firings more than an hour before now. */
static void expire(struct probe_trigger *t, uint64_t now_ns)
{
	while (t->n > 0) {
		int oldest = (t->head - t->n + PROBE_TRIGGER_MAX_PER_HOUR) % PROBE_TRIGGER_MAX_PER_HOUR;
		if (now_ns - t->fired_ns[oldest] < HOUR_NS)
			break;
		t->n--;
	}
}

/* One more probe in the hour's ring. */
static void count(struct probe_trigger *t, uint64_t now_ns)
{
	t->fired_ns[t->head] = now_ns;
	t->head = (t->head + 1) % PROBE_TRIGGER_MAX_PER_HOUR;
	t->n++;
}

bool probe_trigger_record(struct probe_trigger *t, double moved, uint64_t now_ns,
			  uint64_t last_start_ns)
{
	if (!t->cfg.enabled)
		return false;
	if (!(moved >= 1.0)) {
		t->streak = 0;
		return false;
	}
	if (t->streak < t->cfg.confirm)
		t->streak++;
	if (t->streak < t->cfg.confirm)
		return false;
	expire(t, now_ns);
	uint64_t gap_ns = (uint64_t)(t->cfg.min_gap * 1e9);
	bool too_soon = last_start_ns != 0 && now_ns - last_start_ns < gap_ns;
	if (too_soon || t->n >= t->cfg.max_per_hour) {
		t->held++;
		return false;
	}
	count(t, now_ns);
	t->fired++;
	t->streak = 0;
	return true;
}

bool probe_trigger_take(struct probe_trigger *t, uint64_t now_ns)
{
	if (!t->cfg.enabled)
		return false;
	expire(t, now_ns);
	if (t->n >= t->cfg.max_per_hour)
		return false;
	count(t, now_ns);
	t->taken++;
	return true;
}
