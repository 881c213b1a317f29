#include "config.h"

#include <time.h>

#include "clock.h"

uint64_t clock_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * CLOCK_NSEC_PER_S + (uint64_t)ts.tv_nsec;
}

double clock_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct timespec clock_timespec(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / CLOCK_NSEC_PER_S),
			       .tv_nsec = (long)(ns % CLOCK_NSEC_PER_S) };
	return ts;
}
