/* thermal, built without libsensors: features always unknown, said once. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>

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
	static int nothing;
	if (env->msg && env->msg_len)
		snprintf(env->msg, env->msg_len, "built without libsensors: temperatures unknown");
	*state = &nothing; /* on, with nothing to read: like a host without hwmon */
	return 0;
}

static int thermal_sample(void *state, uint64_t now_ns, double *out)
{
	(void)state;
	(void)now_ns;
	sampler_clear(&sampler_thermal, out);
	return 0;
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
