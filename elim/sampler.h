/*
 * sampler: the interface every subsystem's sampler implements.
 *
 * A sampler is a value of struct sampler listed in sampler_table (a
 * NULL-terminated table, after htop's MeterClass and sysstat's activity
 * table).  init opens its sources once; sample re-reads them and writes the
 * features it yields into the caller's vector (NAN = unknown: first sample of
 * a counter, a reset, a missing source); fini releases everything.  A
 * sampler whose init fails is off for the life of the process and its
 * features stay unknown.  Samplers only read /proc and /sys under the roots
 * in the environment: no fork, no exec, no allocation in the steady state.
 */
#ifndef ELIM_RANK_SAMPLER_H
#define ELIM_RANK_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

#include "feature_set.h"

struct traffic_config;
struct scope;

struct sampler_env {
	const char *procfs;               /* root of /proc, e.g. "/proc" */
	const char *sysfs;                /* root of /sys */
	const char *const *net_include;   /* NULL-terminated globs, or NULL */
	const char *const *net_exclude;   /* NULL-terminated globs, or NULL */
	double interval;                  /* seconds between samples; 0: unknown */
	const struct traffic_config *traffic;  /* traffic classes, or NULL: none */
	const struct scope *scope;        /* what the host is (scope.h), or NULL: the machine */
	/* Where init may explain a failure, or a partial one when it returns 0
	 * (a message naming what is off).  May be NULL. */
	char *msg;
	size_t msg_len;
};

struct sampler {
	const char *name;
	/* the features this sampler yields, ending with -1 */
	const int *features;
	/* Set *state; return 0 or a negative errno (then the sampler is off). */
	int (*init)(const struct sampler_env *env, void **state);
	/*
	 * Re-read sources at monotonic time now_ns and write this sampler's
	 * features into values[FEAT_VECTOR_LEN].  Returns 0, or a negative errno
	 * when a source could not be read (its features are then NAN).
	 */
	int (*sample)(void *state, uint64_t now_ns, double *values);
	void (*fini)(void *state);
};

extern const struct sampler sampler_cpu;
extern const struct sampler sampler_psi;
extern const struct sampler sampler_mem;
extern const struct sampler sampler_disk;
extern const struct sampler sampler_net;
extern const struct sampler sampler_groups;
extern const struct sampler sampler_thermal;
extern const struct sampler sampler_pcap;
extern const struct sampler sampler_scope;

/* Every sampler, NULL-terminated. */
extern const struct sampler *const sampler_table[];

/* Rate of a monotonic counter over dt seconds: NAN when it went down
 * (a reset) or dt <= 0. */
double counter_rate(uint64_t prev, uint64_t cur, double dt);

/* Write NAN to every feature a sampler yields. */
void sampler_clear(const struct sampler *s, double *values);

#endif
