#include "config.h"

#include <math.h>
#include <string.h>

#include "sampling.h"

size_t sampling_init(struct sampling *sp, const struct sampler_env *env)
{
	size_t started = 0;
	memset(sp, 0, sizeof *sp);
	for (size_t i = 0; sampler_table[i] && i < SAMPLING_MAX; i++) {
		struct sampler_env e = *env;
		e.msg = sp->msg[i];
		e.msg_len = sizeof sp->msg[i];
		sp->s[i] = sampler_table[i];
		sp->init_rc[i] = sp->s[i]->init(&e, &sp->state[i]);
		if (sp->init_rc[i] == 0)
			started++;
		else
			sp->state[i] = NULL;
		sp->n = i + 1;
	}
	return started;
}

void sampling_tick(struct sampling *sp, uint64_t now_ns, double *values)
{
	features_clear(values);
	for (size_t i = 0; i < sp->n; i++)
		if (sp->state[i])
			sp->last_rc[i] = sp->s[i]->sample(sp->state[i], now_ns, values);
}

void sampling_fini(struct sampling *sp)
{
	for (size_t i = 0; i < sp->n; i++) {
		if (sp->state[i])
			sp->s[i]->fini(sp->state[i]);
		sp->state[i] = NULL;
	}
	sp->n = 0;
}
