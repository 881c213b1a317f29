/* mem: /proc/meminfo and /proc/vmstat.  When a memory limit applies on the
 * elim's path (scope.h), mem_used is the limiting cgroup's usage less its
 * inactive file cache over that limit; the rest stays the machine's. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "procfile.h"
#include "sampler.h"
#include "scope.h"

struct meminfo {
	uint64_t total, available, swap_total, swap_free, dirty, writeback;
	bool have_available;
};

struct vmcounts {
	uint64_t pswpin, pswpout, pgmajfault;
	bool have_swap, have_majflt;
};

struct mem_state {
	struct procfile meminfo, vmstat;
	struct procfile cg_usage, cg_stat;   /* open when memory is judged against a limit */
	double cg_limit;
	struct vmcounts prev;
	uint64_t prev_ns;
	bool have_prev;
};

static const int mem_features[] = {
	FEAT_mem_used, FEAT_swap_used, FEAT_swap_io_per_sec, FEAT_majflt_per_sec,
	FEAT_dirty_frac, -1
};

int mem_parse_meminfo(const char *text, struct meminfo *m);
int mem_parse_vmstat(const char *text, struct vmcounts *v);

/*
 * Both files have one key per line, each key once.  A line is tried against
 * a key only when their first bytes agree, and the scan stops when every
 * key has been seen: /proc/vmstat has ~180 lines and the last key we need
 * is about a third of the way down.
 */
int mem_parse_meminfo(const char *text, struct meminfo *m)
{
#define KEY(k, field) { k, sizeof k - 1, offsetof(struct meminfo, field) }
	static const struct { const char *key; size_t len; size_t off; } keys[] = {
		KEY("MemTotal:", total),
		KEY("MemAvailable:", available),
		KEY("SwapTotal:", swap_total),
		KEY("SwapFree:", swap_free),
		KEY("Dirty:", dirty),
		KEY("Writeback:", writeback),
	};
#undef KEY
	const unsigned all = (1u << (sizeof keys / sizeof keys[0])) - 1;
	unsigned seen = 0;
	memset(m, 0, sizeof *m);
	const char *p = text;
	do {
		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
			if (p[0] != keys[i].key[0] || !parse_starts(p + 1, keys[i].key + 1))
				continue;
			const char *q = p + keys[i].len;
			uint64_t v;
			if (parse_u64(&q, &v)) {
				*(uint64_t *)((char *)m + keys[i].off) = v;
				if (i == 1)
					m->have_available = true;
			}
			seen |= 1u << i;
			break;
		}
	} while (seen != all && parse_next_line(&p));
	return m->total > 0 ? 0 : -EINVAL;
}

int mem_parse_vmstat(const char *text, struct vmcounts *v)
{
	memset(v, 0, sizeof *v);
	int swap_seen = 0;
	unsigned seen = 0;
	const char *p = text;
	do {
		const char *q;
		if (p[0] != 'p')
			continue;   /* to the loop's condition: the next line */
		if (parse_starts(p, "pswpin ")) {
			q = p + 7;
			swap_seen += parse_u64(&q, &v->pswpin);
			seen |= 1;
		} else if (parse_starts(p, "pswpout ")) {
			q = p + 8;
			swap_seen += parse_u64(&q, &v->pswpout);
			seen |= 2;
		} else if (parse_starts(p, "pgmajfault ")) {
			q = p + 11;
			v->have_majflt = parse_u64(&q, &v->pgmajfault);
			seen |= 4;
		}
	} while (seen != 7 && parse_next_line(&p));
	v->have_swap = swap_seen == 2;
	return 0;
}

/* The limiting cgroup's usage less inactive file over its limit, NAN
 * when unreadable. */
static double mem_cgroup_used(struct mem_state *s)
{
	uint64_t usage, inactive;
	const char *p;
	if (s->cg_usage.fd < 0 || procfile_read(&s->cg_usage) <= 0 || procfile_read(&s->cg_stat) <= 0)
		return NAN;
	p = s->cg_usage.buf;
	if (!parse_u64(&p, &usage) || scope_parse_inactive_file(s->cg_stat.buf, &inactive) < 0)
		return NAN;
	usage = usage > inactive ? usage - inactive : 0;
	return (double)usage / s->cg_limit;
}

static int mem_init(const struct sampler_env *env, void **state)
{
	struct mem_state *s = calloc(1, sizeof *s);
	if (s == NULL)
		return -ENOMEM;
	int rc = procfile_open(&s->meminfo, env->procfs, "meminfo");
	if (rc < 0) {
		free(s);
		return rc;
	}
	/* vmstat is optional: without it the rates stay unknown */
	procfile_open(&s->vmstat, env->procfs, "vmstat");
	s->cg_usage = (struct procfile)PROCFILE_INIT;
	s->cg_stat = (struct procfile)PROCFILE_INIT;
	const struct scope *sc = env->scope;
	if (sc && sc->mem_limited && sc->mem_dir[0]) {
		rc = procfile_open(&s->cg_usage, sc->mem_dir,
				   sc->version == 2 ? "memory.current" : "memory.usage_in_bytes");
		if (rc == 0)
			rc = procfile_open(&s->cg_stat, sc->mem_dir, "memory.stat");
		if (rc < 0) {
			procfile_close(&s->cg_usage);
			if (env->msg)
				snprintf(env->msg, env->msg_len, "%s: %s: mem_used is unknown",
					 sc->mem_dir, strerror(-rc));
		}
		s->cg_limit = (double)sc->mem_limit;
	}
	*state = s;
	return 0;
}

static int mem_sample(void *state, uint64_t now_ns, double *out)
{
	struct mem_state *s = state;
	struct meminfo m;
	struct vmcounts v;
	int rc = 0;

	sampler_clear(&sampler_mem, out);
	long n = procfile_read(&s->meminfo);
	if (n < 0)
		rc = (int)n;
	else if (mem_parse_meminfo(s->meminfo.buf, &m) < 0)
		rc = -EINVAL;
	else {
		double total = (double)m.total;
		if (s->cg_limit > 0)
			out[FEAT_mem_used] = mem_cgroup_used(s);
		else if (m.have_available)
			out[FEAT_mem_used] = 1.0 - (double)(m.available > m.total ? m.total : m.available) / total;
		out[FEAT_swap_used] = m.swap_total > 0 && m.swap_free <= m.swap_total
			? (double)(m.swap_total - m.swap_free) / (double)m.swap_total : 0.0;
		out[FEAT_dirty_frac] = (double)(m.dirty + m.writeback) / total;
	}
	if (s->vmstat.fd < 0)
		return rc;
	n = procfile_read(&s->vmstat);
	if (n < 0) {
		s->have_prev = false;
		return (int)n;
	}
	mem_parse_vmstat(s->vmstat.buf, &v);
	if (s->have_prev) {
		double dt = (double)(now_ns - s->prev_ns) / 1e9;
		if (v.have_swap && s->prev.have_swap)
			out[FEAT_swap_io_per_sec] = counter_rate(s->prev.pswpin + s->prev.pswpout,
								 v.pswpin + v.pswpout, dt);
		if (v.have_majflt && s->prev.have_majflt)
			out[FEAT_majflt_per_sec] = counter_rate(s->prev.pgmajfault, v.pgmajfault, dt);
	}
	s->prev = v;
	s->prev_ns = now_ns;
	s->have_prev = true;
	return rc;
}

static void mem_fini(void *state)
{
	struct mem_state *s = state;
	procfile_close(&s->meminfo);
	procfile_close(&s->vmstat);
	procfile_close(&s->cg_usage);
	procfile_close(&s->cg_stat);
	free(s);
}

const struct sampler sampler_mem = {
	.name = "mem",
	.features = mem_features,
	.init = mem_init,
	.sample = mem_sample,
	.fini = mem_fini,
};
