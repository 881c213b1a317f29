#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sample.h"

int sample_init(struct sample *s, size_t p, size_t cap, uint64_t seed)
{
	memset(s, 0, sizeof *s);
	s->p = p;
	s->cap = cap ? cap : 1;
	s->rng = seed ? seed : 0x9e3779b97f4a7c15ULL;
	s->x = malloc(s->cap * (p ? p : 1) * sizeof *s->x);
	s->y = malloc(s->cap * sizeof *s->y);
	s->time = malloc(s->cap * sizeof *s->time);
	if (!s->x || !s->y || !s->time) {
		sample_free(s);
		return -ENOMEM;
	}
	return 0;
}

void sample_free(struct sample *s)
{
	free(s->x);
	free(s->y);
	free(s->time);
	s->x = s->y = NULL;
	s->time = NULL;
	s->n = 0;
}

/* xorshift64* */
static uint64_t next(struct sample *s)
{
	uint64_t x = s->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	s->rng = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static void put(struct sample *s, size_t i, const double *x, double y, int64_t time)
{
	memcpy(s->x + i * s->p, x, s->p * sizeof *x);
	s->y[i] = y;
	s->time[i] = time;
}

void sample_offer(struct sample *s, const double *x, double y, int64_t time)
{
	s->seen++;
	if (s->n < s->cap) {
		put(s, s->n++, x, y, time);
		return;
	}
	uint64_t j = next(s) % s->seen;
	if (j < s->cap)
		put(s, (size_t)j, x, y, time);
}

void sample_sort_by_time(struct sample *s)
{
	/* insertion sort on an index: n is small (plots) */
	double *row = malloc((s->p ? s->p : 1) * sizeof *row);
	if (row == NULL)
		return;
	for (size_t i = 1; i < s->n; i++) {
		int64_t t = s->time[i];
		double y = s->y[i];
		memcpy(row, s->x + i * s->p, s->p * sizeof *row);
		size_t j = i;
		while (j > 0 && s->time[j - 1] > t) {
			s->time[j] = s->time[j - 1];
			s->y[j] = s->y[j - 1];
			memcpy(s->x + j * s->p, s->x + (j - 1) * s->p, s->p * sizeof *row);
			j--;
		}
		s->time[j] = t;
		s->y[j] = y;
		memcpy(s->x + j * s->p, row, s->p * sizeof *row);
	}
	free(row);
}
