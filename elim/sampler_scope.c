/*
 * scope: the host's CPUs and its CPU quota (scope.h).
 *
 * scope_ncpu is the machine's CPUs in host scope, and in cgroup scope the
 * CPU set's size reduced by the smallest quota on the path.  With a quota:
 * cpu_quota_used = CPU time the quota's cgroup used over the interval over
 * quota x interval (v1 cpuacct.usage, v2 cpu.stat usage_usec), and
 * cpu_throttled = the throttled time of its runqueues (v1 cpu.stat
 * throttled_time, v2 throttled_usec, summed over CPUs by the kernel) over
 * the interval, per CPU of the scope, at most 1.  Both are unknown without
 * a quota, on the first sample and after a counter went down.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "procfile.h"
#include "sampler.h"
#include "scope.h"

struct scope_state {
	double ncpu, quota, set_cpus;
	struct procfile stat, usage;   /* cpu.stat; v1 cpuacct.usage (else closed) */
	uint64_t prev_usage, prev_throttled, prev_ns;
	bool have_prev;
};

static const int scope_features[] = { FEAT_scope_ncpu, FEAT_cpu_quota_used, FEAT_cpu_throttled, -1 };

static int scope_init(const struct sampler_env *env, void **state)
{
	struct scope_state *s = calloc(1, sizeof *s);
	if (s == NULL)
		return -ENOMEM;
	s->stat = (struct procfile)PROCFILE_INIT;
	s->usage = (struct procfile)PROCFILE_INIT;
	const struct scope *sc = env->scope;
	s->ncpu = sc ? sc->ncpu : 0;
	if (sc && sc->cgroup && sc->quota_cpus > 0 && sc->cpustat_dir[0]) {
		s->quota = sc->quota_cpus;
		s->set_cpus = sc->cpus.n;
		procfile_open(&s->stat, sc->cpustat_dir, "cpu.stat");
		if (sc->version == 1 && sc->usage_dir[0])
			procfile_open(&s->usage, sc->usage_dir, "cpuacct.usage");
	}
	*state = s;
	return 0;
}

static int scope_sample(void *state, uint64_t now_ns, double *out)
{
	struct scope_state *s = state;
	sampler_clear(&sampler_scope, out);
	if (s->ncpu > 0)
		out[FEAT_scope_ncpu] = s->ncpu;
	if (s->stat.fd < 0)
		return 0;
	struct scope_cpu_stat st;
	long n = procfile_read(&s->stat);
	if (n < 0 || scope_parse_cpu_stat(s->stat.buf, &st) < 0) {
		s->have_prev = false;
		return n < 0 ? (int)n : -EINVAL;
	}
	if (s->usage.fd >= 0) {   /* v1: cpuacct.usage, ns */
		const char *p;
		st.have_usage = procfile_read(&s->usage) > 0 &&
				(p = s->usage.buf, parse_u64(&p, &st.usage_ns));
	}
	if (s->have_prev) {
		double dt = (double)(now_ns - s->prev_ns);
		if (st.have_usage && st.usage_ns >= s->prev_usage && dt > 0)
			out[FEAT_cpu_quota_used] = (double)(st.usage_ns - s->prev_usage) / (dt * s->quota);
		if (st.have_throttled && st.throttled_ns >= s->prev_throttled && dt > 0) {
			double t = (double)(st.throttled_ns - s->prev_throttled) / (dt * s->set_cpus);
			out[FEAT_cpu_throttled] = t > 1.0 ? 1.0 : t;
		}
	}
	s->prev_usage = st.usage_ns;
	s->prev_throttled = st.throttled_ns;
	s->prev_ns = now_ns;
	s->have_prev = true;
	return 0;
}

static void scope_fini(void *state)
{
	struct scope_state *s = state;
	procfile_close(&s->stat);
	procfile_close(&s->usage);
	free(s);
}

const struct sampler sampler_scope = {
	.name = "scope",
	.features = scope_features,
	.init = scope_init,
	.sample = scope_sample,
	.fini = scope_fini,
};
