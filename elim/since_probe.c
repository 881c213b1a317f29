#include "config.h"

#include <math.h>

#include "feature_set.h"
#include "since_probe.h"

/* Each base feature, its move, and the move that counts as the load having
 * moved (since_probe_move). */
static const struct {
	int base, moved;
	double threshold;
} pairs[SINCE_PROBE_N] = {
	{ FEAT_runq_per_core, FEAT_runq_since_probe, 0.5 },
	{ FEAT_cpu_busy, FEAT_cpu_busy_since_probe, 0.25 },
	{ FEAT_psi_cpu_some, FEAT_psi_cpu_since_probe, 0.10 },
	{ FEAT_psi_mem_some, FEAT_psi_mem_since_probe, 0.05 },
	{ FEAT_disk_busy_max, FEAT_disk_busy_since_probe, 0.33 },
	{ FEAT_cpu_groups_per_core, FEAT_cpu_groups_since_probe, 0.25 },
	{ FEAT_cpu_demand_per_core, FEAT_cpu_demand_since_probe, 0.25 },
};

double since_probe_move(const double *values)
{
	double m = NAN;
	for (int i = 0; i < SINCE_PROBE_N; i++) {
		double v = values[pairs[i].moved];
		if (!isfinite(v))
			continue;
		double r = fabs(v) / pairs[i].threshold;
		if (!(r <= m))   /* also replaces NAN */
			m = r;
	}
	return m;
}

void since_probe_init(struct since_probe *s)
{
	for (int i = 0; i < SINCE_PROBE_N; i++)
		s->at[i] = 0.0;   /* an idle host, until the first result */
}

void since_probe_fill(struct since_probe *s, double *values)
{
	for (int i = 0; i < SINCE_PROBE_N; i++)
		values[pairs[i].moved] = values[pairs[i].base] - s->at[i];   /* NAN in, NAN out */
	values[FEAT_move_since_probe] = since_probe_move(values);
	if (isfinite(values[FEAT_probe_result])) {
		for (int i = 0; i < SINCE_PROBE_N; i++)
			s->at[i] = values[pairs[i].base];
	}
}

void since_probe_levels(const double *values, double *out, size_t n)
{
	if (out != values)
		for (size_t i = 0; i < n; i++)
			out[i] = values[i];
	for (int i = 0; i < SINCE_PROBE_N; i++)
		out[pairs[i].moved] = values[pairs[i].base];
	out[FEAT_move_since_probe] = since_probe_move(out);
	out[FEAT_probe_slowdown] = NAN;
	out[FEAT_probe_age] = NAN;
	out[FEAT_probe_result] = NAN;
}
