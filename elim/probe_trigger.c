#include "config.h"

#include <math.h>

#include "feature_set.h"
#include "probe_trigger.h"

#define NSEC 1000000000ULL
#define HOUR_NS (3600ULL * NSEC)

/* The moves watched, and the move of each that counts as the load having
 * moved: about what changes a new job's speed by a tenth or more on a
 * full host (half a busy scheduling group per two CPUs; a tenth of the
 * time stalled on CPU; any lasting memory stall; a disk a third busier). */
static const struct {
	int feature;
	double threshold;
} watched[] = {
	{ FEAT_cpu_groups_since_probe, 0.25 },
	{ FEAT_runq_since_probe, 0.5 },
	{ FEAT_cpu_busy_since_probe, 0.25 },
	{ FEAT_psi_cpu_since_probe, 0.10 },
	{ FEAT_psi_mem_since_probe, 0.05 },
	{ FEAT_disk_busy_since_probe, 0.33 },
};

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
	t->fired = t->held = 0;
}

double probe_trigger_move(const double *values)
{
	double m = NAN;
	for (size_t i = 0; i < sizeof watched / sizeof watched[0]; i++) {
		double v = values[watched[i].feature];
		if (!isfinite(v))
			continue;
		double r = fabs(v) / watched[i].threshold;
		if (!(r <= m))   /* also replaces NAN */
			m = r;
	}
	return m;
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

bool probe_trigger_record(struct probe_trigger *t, const double *values, uint64_t now_ns,
			  uint64_t last_start_ns)
{
	if (!t->cfg.enabled)
		return false;
	double m = probe_trigger_move(values);
	if (!(m >= 1.0)) {
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
	t->fired_ns[t->head] = now_ns;
	t->head = (t->head + 1) % PROBE_TRIGGER_MAX_PER_HOUR;
	t->n++;
	t->fired++;
	t->streak = 0;
	return true;
}
