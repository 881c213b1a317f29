/* thermal, built without libsensors: always off. */
#include "config.h"

#include <errno.h>
#include <math.h>

#include "sampler.h"
#include "sampler_thermal.h"

static const int thermal_features[] = {FEAT_temp_max_c, FEAT_temp_margin_c, -1};

void thermal_fold(double input, double high, double crit, double *max, double *margin)
{
	(void)input;
	(void)high;
	(void)crit;
	*max = *margin = NAN;
}

static int thermal_init(const struct sampler_env *env, void **state)
{
	(void)env;
	(void)state;
	return -ENOTSUP;
}

static int thermal_sample(void *state, uint64_t now_ns, double *out)
{
	(void)state;
	(void)now_ns;
	sampler_clear(&sampler_thermal, out);
	return -ENOTSUP;
}

static void thermal_fini(void *state)
{
	(void)state;
}

const struct sampler sampler_thermal = {
    .name = "thermal",
    .features = thermal_features,
    .init = thermal_init,
    .sample = thermal_sample,
    .fini = thermal_fini,
};
