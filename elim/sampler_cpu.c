/* cpu: /proc/stat and /proc/loadavg.  In cgroup scope (scope.h) the busy,
 * iowait and steal shares come from the per-CPU lines of the allowed CPUs;
 * the run queue and the load average stay the machine's. */
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

struct cpu_times {
	uint64_t busy_other;   /* user - guest + nice - guest_nice + system + irq + softirq */
	uint64_t idle, iowait, steal;
	uint64_t ctxt;
	uint64_t procs_running;
	unsigned ncpu;
};

struct cpu_state {
	struct procfile stat, loadavg;
	const struct scope_cpus *only;   /* sum these CPUs' lines, or NULL: the "cpu" line */
	struct cpu_times prev;
	uint64_t prev_ns;
	bool have_prev;
};

static const int cpu_features[] = {
	FEAT_cpu_busy, FEAT_cpu_iowait, FEAT_cpu_steal, FEAT_runq_per_core,
	FEAT_load1_per_core, FEAT_ctxt_per_sec, -1
};

/* Parse /proc/stat text into t.  Returns 0 or -EINVAL. */
int cpu_parse_stat(const char *text, struct cpu_times *t);

int cpu_parse_stat(const char *text, struct cpu_times *t)
{
	memset(t, 0, sizeof *t);
	const char *p = text;
	bool have_cpu = false, have_ctxt = false;
	do {
		if (parse_starts(p, "cpu ")) {
			const char *q = p + 3;
			uint64_t v[10] = { 0 };
			int n = 0;
			while (n < 10 && parse_u64(&q, &v[n]))
				n++;
			if (n < 4)
				return -EINVAL;
			uint64_t user = v[0], nice = v[1], guest = v[8], guest_nice = v[9];
			/* guest time is already in user/nice: take it out */
			user = user > guest ? user - guest : 0;
			nice = nice > guest_nice ? nice - guest_nice : 0;
			t->busy_other = user + nice + v[2] + v[5] + v[6];
			t->idle = v[3];
			t->iowait = v[4];
			t->steal = v[7];
			have_cpu = true;
		} else if (parse_starts(p, "cpu") && p[3] >= '0' && p[3] <= '9') {
			t->ncpu++;
		} else if (parse_starts(p, "ctxt ")) {
			const char *q = p + 5;
			have_ctxt = parse_u64(&q, &t->ctxt);
		} else if (parse_starts(p, "procs_running ")) {
			const char *q = p + 14;
			parse_u64(&q, &t->procs_running);
		}
	} while (parse_next_line(&p));
	if (!have_cpu || !have_ctxt)
		return -EINVAL;
	if (t->ncpu == 0)
		t->ncpu = 1;
	return 0;
}

/* Replace t's shares with the sums of the per-CPU lines of the CPUs in
 * only.  Returns 0, or -EINVAL when none of them has a line. */
int cpu_sum_cpus(const char *text, const struct scope_cpus *only, struct cpu_times *t);

int cpu_sum_cpus(const char *text, const struct scope_cpus *only, struct cpu_times *t)
{
	uint64_t busy = 0, idle = 0, iowait = 0, steal = 0;
	bool any = false;
	const char *p = text;
	do {
		if (!parse_starts(p, "cpu") || p[3] < '0' || p[3] > '9')
			continue;
		const char *q = p + 3;
		uint64_t id, v[10] = { 0 };
		if (!parse_u64(&q, &id) || id >= SCOPE_MAX_CPUS || !scope_has_cpu(only, (unsigned)id))
			continue;
		int n = 0;
		while (n < 10 && parse_u64(&q, &v[n]))
			n++;
		if (n < 4)
			return -EINVAL;
		uint64_t user = v[0] > v[8] ? v[0] - v[8] : 0;
		uint64_t nice = v[1] > v[9] ? v[1] - v[9] : 0;
		busy += user + nice + v[2] + v[5] + v[6];
		idle += v[3];
		iowait += v[4];
		steal += v[7];
		any = true;
	} while (parse_next_line(&p));
	if (!any)
		return -EINVAL;
	t->busy_other = busy;
	t->idle = idle;
	t->iowait = iowait;
	t->steal = steal;
	return 0;
}

static int cpu_init(const struct sampler_env *env, void **state)
{
	struct cpu_state *s = calloc(1, sizeof *s);
	if (s == NULL)
		return -ENOMEM;
	int rc = procfile_open(&s->stat, env->procfs, "stat");
	if (rc == 0)
		rc = procfile_open(&s->loadavg, env->procfs, "loadavg");
	if (rc < 0) {
		procfile_close(&s->stat);
		free(s);
		return rc;
	}
	if (env->scope && env->scope->cgroup)
		s->only = &env->scope->cpus;
	*state = s;
	return 0;
}

static int cpu_sample(void *state, uint64_t now_ns, double *out)
{
	struct cpu_state *s = state;
	struct cpu_times t;

	sampler_clear(&sampler_cpu, out);
	long n = procfile_read(&s->stat);
	if (n < 0)
		return (int)n;
	if (cpu_parse_stat(s->stat.buf, &t) < 0)
		return -EINVAL;
	if (s->only && cpu_sum_cpus(s->stat.buf, s->only, &t) < 0)
		return -EINVAL;

	out[FEAT_runq_per_core] = (t.procs_running > 0 ? (double)(t.procs_running - 1) : 0.0) / t.ncpu;
	if (procfile_read(&s->loadavg) > 0) {
		const char *p = s->loadavg.buf;
		double l1;
		if (parse_double(&p, &l1))
			out[FEAT_load1_per_core] = l1 / t.ncpu;
	}
	if (s->have_prev) {
		double dt = (double)(now_ns - s->prev_ns) / 1e9;
		const struct cpu_times *o = &s->prev;
		/* iowait alone may go down (proc(5)): time first counted as
		 * iowait is moved to idle.  Only idle + iowait together going
		 * down is a reset (sysstat's get_per_cpu_interval does the same). */
		uint64_t idle_io = t.idle + t.iowait, o_idle_io = o->idle + o->iowait;
		if (t.busy_other >= o->busy_other && idle_io >= o_idle_io && t.steal >= o->steal) {
			double d_other = (double)(t.busy_other - o->busy_other);
			double d_idle_io = (double)(idle_io - o_idle_io);
			double d_iowait = t.iowait > o->iowait ? (double)(t.iowait - o->iowait) : 0.0;
			if (d_iowait > d_idle_io)
				d_iowait = d_idle_io;
			double d_steal = (double)(t.steal - o->steal);
			double total = d_other + d_idle_io + d_steal;
			if (total > 0) {
				out[FEAT_cpu_busy] = 1.0 - d_idle_io / total;
				out[FEAT_cpu_iowait] = d_iowait / total;
				out[FEAT_cpu_steal] = d_steal / total;
			}
		}
		out[FEAT_ctxt_per_sec] = counter_rate(o->ctxt, t.ctxt, dt);
	}
	s->prev = t;
	s->prev_ns = now_ns;
	s->have_prev = true;
	return 0;
}

static void cpu_fini(void *state)
{
	struct cpu_state *s = state;
	procfile_close(&s->stat);
	procfile_close(&s->loadavg);
	free(s);
}

const struct sampler sampler_cpu = {
	.name = "cpu",
	.features = cpu_features,
	.init = cpu_init,
	.sample = cpu_sample,
	.fini = cpu_fini,
};
