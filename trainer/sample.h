/*
 * sample: a bounded uniform sample of rows (reservoir sampling, Vitter's
 * algorithm R) with a seeded generator, so a run is repeatable.  Memory is
 * fixed at creation: cap x (p + 1) doubles and cap times.
 */
#ifndef ELIM_RANK_SAMPLE_H
#define ELIM_RANK_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

struct sample {
	size_t p, cap, n;        /* n <= cap rows held */
	uint64_t seen;           /* rows offered */
	uint64_t rng;
	double *x;               /* n rows of p term values */
	double *y;
	int64_t *time;
};

/* Returns 0 or -ENOMEM; cap >= 1. */
int sample_init(struct sample *s, size_t p, size_t cap, uint64_t seed);
void sample_free(struct sample *s);

/* Offer one row; it is kept with probability cap / seen. */
void sample_offer(struct sample *s, const double *x, double y, int64_t time);

/* Sort the held rows by time (for plots). */
void sample_sort_by_time(struct sample *s);

#endif
