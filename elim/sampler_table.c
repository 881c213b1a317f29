#include "config.h"

#include <math.h>

#include "sampler.h"

const struct sampler *const sampler_table[] = {
	&sampler_cpu,
	&sampler_psi,
	&sampler_mem,
	&sampler_disk,
	&sampler_net,
	&sampler_groups,
	&sampler_thermal,
	&sampler_pcap,
	&sampler_scope,
	NULL,
};

double counter_rate(uint64_t prev, uint64_t cur, double dt)
{
	if (cur < prev || !(dt > 0))
		return NAN;
	return (double)(cur - prev) / dt;
}

void sampler_clear(const struct sampler *s, double *values)
{
	for (const int *f = s->features; *f >= 0; f++)
		values[*f] = NAN;
}
