/*
 * sampler_thermal: temp_max_c and temp_margin_c through libsensors.
 *
 * Reading hwmon can take seconds on real hosts, so it never happens on the
 * tick's path: a thread of the sampler's own initialises libsensors and
 * refreshes a snapshot behind a mutex every sampling interval; the tick
 * only copies the snapshot, and a snapshot older than THERMAL_STALE_PERIODS
 * intervals (or none yet) reads as unknown.  On a host without any hwmon
 * device (sysfs/class/hwmon empty or absent) nothing is started: the
 * features are unknown without an error, and init's message (env->msg)
 * says why, logged once by the elim.  Built without libsensors, the same.
 */
#ifndef ELIM_RANK_SAMPLER_THERMAL_H
#define ELIM_RANK_SAMPLER_THERMAL_H

#include <stdbool.h>

#define THERMAL_STALE_PERIODS 3
#define THERMAL_DEFAULT_PERIOD_S 10.0

/* Summarise one temperature input (in degrees C) into the running figures:
 * *max (NAN to start) and *margin (NAN to start); limits may be NAN. */
void thermal_fold(double input, double high, double crit, double *max, double *margin);

#endif
