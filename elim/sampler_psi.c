/* psi: /proc/pressure/{cpu,memory,io}, as the share of the interval stalled.
 * In cgroup scope (scope.h) the cgroup's own {cpu,memory,io}.pressure on
 * cgroup v2; on v1 there are none and the machine's would add a
 * neighbour's load, so PSI is unknown. */
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

enum { PSI_CPU, PSI_MEM, PSI_IO, PSI_FILES };

static const char *const psi_paths[PSI_FILES] = { "pressure/cpu", "pressure/memory", "pressure/io" };
static const char *const psi_cg_paths[PSI_FILES] = { "cpu.pressure", "memory.pressure", "io.pressure" };
/* feature for the "some" and "full" lines of each file (-1: not used) */
static const int psi_some[PSI_FILES] = { FEAT_psi_cpu_some, FEAT_psi_mem_some, FEAT_psi_io_some };
static const int psi_full[PSI_FILES] = { -1, FEAT_psi_mem_full, FEAT_psi_io_full };

struct psi_state {
	struct procfile f[PSI_FILES];
	uint64_t prev_some[PSI_FILES], prev_full[PSI_FILES];
	bool have_prev[PSI_FILES];
	uint64_t prev_ns;
};

static const int psi_features[] = {
	FEAT_psi_cpu_some, FEAT_psi_mem_some, FEAT_psi_mem_full,
	FEAT_psi_io_some, FEAT_psi_io_full, -1
};

/* Parse the total= of the "some" and "full" lines; full may be absent. */
int psi_parse(const char *text, uint64_t *some, uint64_t *full, bool *have_full);

int psi_parse(const char *text, uint64_t *some, uint64_t *full, bool *have_full)
{
	const char *p = text;
	bool have_some = false;
	*have_full = false;
	do {
		bool is_some = parse_starts(p, "some ");
		bool is_full = parse_starts(p, "full ");
		if (!is_some && !is_full)
			continue;
		const char *t = strstr(p, "total=");
		const char *nl = strchr(p, '\n');
		if (t == NULL || (nl && t > nl))
			return -EINVAL;
		t += 6;
		uint64_t v;
		if (!parse_u64(&t, &v))
			return -EINVAL;
		if (is_some) {
			*some = v;
			have_some = true;
		} else {
			*full = v;
			*have_full = true;
		}
	} while (parse_next_line(&p));
	return have_some ? 0 : -EINVAL;
}

static int psi_init(const struct sampler_env *env, void **state)
{
	struct psi_state *s = calloc(1, sizeof *s);
	if (s == NULL)
		return -ENOMEM;
	int opened = 0, rc = -ENOENT;
	const struct scope *sc = env->scope;
	bool cg = sc && sc->cgroup;
	if (cg && !sc->psi_dir[0]) {
		free(s);
		if (env->msg)
			snprintf(env->msg, env->msg_len, "the scope's cgroup has no pressure files"
				 " (cgroup v1), and the machine's would count a neighbour's load");
		return -ENOENT;
	}
	for (int i = 0; i < PSI_FILES; i++) {
		int r = cg ? procfile_open(&s->f[i], sc->psi_dir, psi_cg_paths[i])
			   : procfile_open(&s->f[i], env->procfs, psi_paths[i]);
		if (r == 0)
			opened++;
		else
			rc = r;
	}
	if (opened == 0) {
		free(s);
		if (rc == -ENOENT && env->msg)
			snprintf(env->msg, env->msg_len,
				 "no %s/pressure: the kernel runs without PSI (RHEL 8 boots with"
				 " it off; psi=1 on the kernel command line turns it on)",
				 env->procfs);
		return rc;   /* e.g. -ENOENT: a kernel without PSI */
	}
	*state = s;
	return 0;
}

static double stall_fraction(uint64_t prev, uint64_t cur, double dt_us)
{
	double r = counter_rate(prev, cur, dt_us);
	return isnan(r) ? r : (r > 1.0 ? 1.0 : r);
}

static int psi_sample(void *state, uint64_t now_ns, double *out)
{
	struct psi_state *s = state;
	double dt_us = (double)(now_ns - s->prev_ns) / 1e3;
	int rc = 0;

	sampler_clear(&sampler_psi, out);
	for (int i = 0; i < PSI_FILES; i++) {
		if (s->f[i].fd < 0)
			continue;
		uint64_t some = 0, full = 0;
		bool have_full;
		long n = procfile_read(&s->f[i]);
		if (n < 0 || psi_parse(s->f[i].buf, &some, &full, &have_full) < 0) {
			s->have_prev[i] = false;
			rc = n < 0 ? (int)n : -EINVAL;
			continue;
		}
		if (s->have_prev[i]) {
			out[psi_some[i]] = stall_fraction(s->prev_some[i], some, dt_us);
			if (psi_full[i] >= 0 && have_full)
				out[psi_full[i]] = stall_fraction(s->prev_full[i], full, dt_us);
		}
		s->prev_some[i] = some;
		s->prev_full[i] = full;
		s->have_prev[i] = true;
	}
	s->prev_ns = now_ns;
	return rc;
}

static void psi_fini(void *state)
{
	struct psi_state *s = state;
	for (int i = 0; i < PSI_FILES; i++)
		procfile_close(&s->f[i]);
	free(s);
}

const struct sampler sampler_psi = {
	.name = "psi",
	.features = psi_features,
	.init = psi_init,
	.sample = psi_sample,
	.fini = psi_fini,
};
