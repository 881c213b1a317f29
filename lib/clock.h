/*
 * clock: the one monotonic clock of the programs.
 *
 * Every time delta, deadline and tick grid is measured on CLOCK_MONOTONIC,
 * never on the wall clock (which jumps when it is set).  Code that takes the
 * time as a parameter (samplers, the probe, the tick worker) keeps taking it:
 * only the places that read the clock call these.  Nothing here allocates,
 * logs or fails: CLOCK_MONOTONIC cannot fail on Linux.
 */
#ifndef ELIM_RANK_CLOCK_H
#define ELIM_RANK_CLOCK_H

#include <stdint.h>
#include <time.h>

#define CLOCK_NSEC_PER_S 1000000000ULL

/* Nanoseconds on CLOCK_MONOTONIC (from an arbitrary start). */
uint64_t clock_now_ns(void);

/* The same in seconds, for code that keeps time in doubles. */
double clock_now_s(void);

/*
 * A monotonic time in nanoseconds as a timespec, for the absolute deadlines of
 * clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, ...) and of
 * pthread_cond_timedwait on a condition set to CLOCK_MONOTONIC.
 */
struct timespec clock_timespec(uint64_t ns);

#endif
