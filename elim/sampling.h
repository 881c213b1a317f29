/*
 * sampling: runs every sampler in sampler_table as one unit.
 *
 * sampling_init starts them all (a sampler whose init fails stays off and
 * its features unknown); sampling_tick fills a whole feature vector.
 * Failures are reported through init_rc[] and last_rc[] so the caller can
 * log them (the elim does, once when a sampler starts failing and once when
 * it recovers);
 * nothing here logs.
 */
#ifndef ELIM_RANK_SAMPLING_H
#define ELIM_RANK_SAMPLING_H

#include <stdbool.h>
#include <stdint.h>

#include "sampler.h"

#define SAMPLING_MAX 16

struct sampling {
	size_t n;
	const struct sampler *s[SAMPLING_MAX];
	void *state[SAMPLING_MAX];
	int init_rc[SAMPLING_MAX];    /* 0, or why the sampler is off */
	int last_rc[SAMPLING_MAX];    /* result of the last sample */
	char msg[SAMPLING_MAX][512];  /* init's explanation, "" if none */
};

/* Start every sampler.  Returns the number that started.  A sampler's
 * explanation of a (partial) failure is left in msg[i]. */
size_t sampling_init(struct sampling *sp, const struct sampler_env *env);

/* Sample everything at monotonic time now_ns into values[FEAT_VECTOR_LEN],
 * runtime-named features (traffic classes) included; what no sampler
 * fills is unknown (NAN). */
void sampling_tick(struct sampling *sp, uint64_t now_ns, double *values);

/* Stop every sampler. */
void sampling_fini(struct sampling *sp);

#endif
