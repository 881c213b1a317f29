/* thermal: libsensors in a thread of its own; see sampler_thermal.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sensors/error.h>
#include <sensors/sensors.h>

#include "caps.h"
#include "clock.h"
#include "procfile.h"
#include "sampler.h"
#include "sampler_thermal.h"


struct thermal_snapshot {
	double max, margin;
	uint64_t time_ns; /* when it was read; 0: never */
	int rc;           /* 0, or why the last refresh failed */
};

struct thermal_state {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* on CLOCK_MONOTONIC: wakes the thread to stop */
	bool stop;
	uint64_t period_ns, stale_ns;
	struct thermal_snapshot snap;
	uint64_t start_ns;   /* init: how long the first read may take */
};

static const int thermal_features[] = {FEAT_temp_max_c, FEAT_temp_margin_c, -1};

void thermal_fold(double input, double high, double crit, double *max, double *margin)
{
	if (isnan(input))
		return;
	if (isnan(*max) || input > *max)
		*max = input;
	double limit = high;
	if (isnan(limit) || (!isnan(crit) && crit < limit))
		limit = crit;
	if (!isnan(limit) && (isnan(*margin) || limit - input < *margin))
		*margin = limit - input;
}

static double subfeature_value(const sensors_chip_name *chip, const sensors_feature *f,
                               sensors_subfeature_type type)
{
	const sensors_subfeature *sf = sensors_get_subfeature(chip, f, type);
	double v;
	if (sf == NULL || !(sf->flags & SENSORS_MODE_R) ||
	    sensors_get_value(chip, sf->number, &v) < 0)
		return NAN;
	return v;
}

/* One pass over every temperature libsensors knows.  Runs in the thread. */
static int thermal_read(double *max, double *margin)
{
	const sensors_chip_name *chip;
	int c = 0, inputs = 0;
	*max = *margin = NAN;
	while ((chip = sensors_get_detected_chips(NULL, &c)) != NULL) {
		const sensors_feature *f;
		int fi = 0;
		while ((f = sensors_get_features(chip, &fi)) != NULL) {
			if (f->type != SENSORS_FEATURE_TEMP)
				continue;
			double in = subfeature_value(chip, f, SENSORS_SUBFEATURE_TEMP_INPUT);
			if (isnan(in) ||
			    subfeature_value(chip, f, SENSORS_SUBFEATURE_TEMP_FAULT) > 0)
				continue;
			thermal_fold(in, subfeature_value(chip, f, SENSORS_SUBFEATURE_TEMP_MAX),
			             subfeature_value(chip, f, SENSORS_SUBFEATURE_TEMP_CRIT), max,
			             margin);
			inputs++;
		}
	}
	return inputs ? 0 : -ENOENT;
}

/*
 * libsensors' default handlers print to stderr (stdout and stderr are not
 * ours to write: LIM's pipe, or a file LIM left on fd 2) and exit(1) on a
 * fatal error, which would take the elim down.  Ours are silent: a bad
 * configuration is sensors_init's error code, and a fatal error ends only
 * this thread (only it calls libsensors), leaving the snapshot to go stale.
 */
static void quiet_parse_error(const char *err, int lineno)
{
	(void)err;
	(void)lineno;
}

static void quiet_parse_error_wfn(const char *err, const char *filename, int lineno)
{
	(void)err;
	(void)filename;
	(void)lineno;
}

static void thread_fatal_error(const char *proc, const char *err)
{
	(void)proc;
	(void)err;
	pthread_exit(NULL);
}

static void *thermal_thread(void *arg)
{
	struct thermal_state *s = arg;
	caps_limit_thread(0);   /* hwmon is world-readable: no privilege (caps.h) */
	sensors_parse_error = quiet_parse_error;
	sensors_parse_error_wfn = quiet_parse_error_wfn;
	sensors_fatal_error = thread_fatal_error;
	int rc = sensors_init(NULL) == 0 ? 0 : -EIO;

	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		pthread_mutex_unlock(&s->mu);
		double max = NAN, margin = NAN;
		if (rc == 0 || rc == -ENOENT)
			rc = thermal_read(&max, &margin);
		uint64_t t = clock_now_ns();
		pthread_mutex_lock(&s->mu);
		s->snap.rc = rc;
		if (rc == 0) {
			s->snap.max = max;
			s->snap.margin = margin;
			s->snap.time_ns = t;
		}
		uint64_t wake = t + s->period_ns;
		struct timespec ts = clock_timespec(wake);
		while (!s->stop && pthread_cond_timedwait(&s->cv, &s->mu, &ts) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&s->mu);
	sensors_cleanup();
	return NULL;
}

/* Is there any hwmon device at all?  Cheap: no value is read. */
static bool have_hwmon(const char *sysfs)
{
	char path[PATH_MAX];
	if (path_join(path, sizeof path, sysfs, "class/hwmon") < 0)
		return false;
	DIR *d = opendir(path);
	if (d == NULL)
		return false;
	struct dirent *e;
	bool any = false;
	while (!any && (e = readdir(d)) != NULL)
		any = e->d_name[0] != '.';
	closedir(d);
	return any;
}

static int thermal_init(const struct sampler_env *env, void **state)
{
	if (!have_hwmon(env->sysfs)) {
		/* off (logged at info, as absent sources are): nothing to read, ever */
		if (env->msg && env->msg_len)
			snprintf(env->msg, env->msg_len,
			         "no hwmon device (%s/class/hwmon is empty or absent)", env->sysfs);
		return -ENOENT;
	}
	struct thermal_state *s = calloc(1, sizeof *s);
	if (s == NULL)
		return -ENOMEM;
	double period = env->interval > 0 ? env->interval : THERMAL_DEFAULT_PERIOD_S;
	s->period_ns = (uint64_t)(period * 1e9);
	s->stale_ns = THERMAL_STALE_PERIODS * s->period_ns;
	s->start_ns = clock_now_ns();
	s->snap.max = s->snap.margin = NAN;
	s->snap.rc = -EAGAIN;

	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&s->mu, NULL);

	/* signals are the main loop's business */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&s->thread, NULL, thermal_thread, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		pthread_cond_destroy(&s->cv);
		pthread_mutex_destroy(&s->mu);
		free(s);
		return -rc;
	}
	*state = s;
	return 0;
}

static int thermal_sample(void *state, uint64_t now_ns, double *out)
{
	struct thermal_state *s = state;
	sampler_clear(&sampler_thermal, out);
	pthread_mutex_lock(&s->mu);
	struct thermal_snapshot snap = s->snap;
	pthread_mutex_unlock(&s->mu);

	if (snap.time_ns == 0) {
		if (snap.rc == -ENOENT)
			return 0;   /* chips, but no temperature input: unknown */
		if (snap.rc != -EAGAIN)
			return snap.rc;
		/* not read yet: fine for a while, then the first read is stuck */
		return now_ns > s->start_ns && now_ns - s->start_ns > s->stale_ns ? -ETIMEDOUT : 0;
	}
	if (now_ns > snap.time_ns && now_ns - snap.time_ns > s->stale_ns)
		return -ETIMEDOUT; /* the thread is stuck in a read */
	out[FEAT_temp_max_c] = snap.max;
	out[FEAT_temp_margin_c] = snap.margin;
	return 0;
}

static void thermal_fini(void *state)
{
	struct thermal_state *s = state;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

const struct sampler sampler_thermal = {
    .name = "thermal",
    .features = thermal_features,
    .init = thermal_init,
    .sample = thermal_sample,
    .fini = thermal_fini,
};
