/*
 * elim/scope.c: the cgroup file parsers (/proc/PID/cgroup, CPU lists,
 * cpu.max, cpu.cfs_quota_us with cpu.cfs_period_us, memory limits,
 * cpu.stat, memory.stat) and the scope setting.  The whole input goes to
 * each; the quota pair splits it at the first NUL.  Results must be
 * bounded: paths NUL-terminated within PATH_MAX, a CPU count that matches
 * the mask, quotas finite and not negative.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "scope.h"

FUZZ_TARGET(cgroup)
{
	char *text = fuzz_strdup(data, size);
	struct scope_cgpaths p;
	if (scope_parse_proc_cgroup(text, &p) == 0) {
		FUZZ_CHECK(strlen(p.v2) < PATH_MAX && strlen(p.cpuset) < PATH_MAX);
		FUZZ_CHECK(strlen(p.cpu) < PATH_MAX && strlen(p.memory) < PATH_MAX);
		FUZZ_CHECK(p.cpu[0] == '\0' || p.cpu[0] == '/');
	}

	struct scope_cpus c;
	if (scope_parse_cpulist(text, &c) == 0) {
		unsigned n = 0;
		for (unsigned i = 0; i < SCOPE_MAX_CPUS; i++)
			n += scope_has_cpu(&c, i);
		FUZZ_CHECK(n == c.n);
	}

	double cpus = -1;
	if (scope_parse_cpu_max(text, &cpus) == 0)
		FUZZ_CHECK(isfinite(cpus) && cpus >= 0);
	const char *period = memchr(data, '\0', size) ? text + strlen(text) + 1 : "100000";
	if (period > text + size)
		period = "100000";
	char *second = fuzz_strdup((const uint8_t *)period, strlen(period));
	cpus = -1;
	if (scope_parse_cfs_quota(text, second, &cpus) == 0)
		FUZZ_CHECK(isfinite(cpus) && cpus >= 0);
	free(second);

	uint64_t b = 0;
	if (scope_parse_mem_limit(text, &b) == 0)
		FUZZ_CHECK(b < SCOPE_V1_NO_LIMIT);

	struct scope_cpu_stat st;
	if (scope_parse_cpu_stat(text, &st) == 0 && st.have_usage)
		FUZZ_CHECK(st.usage_ns % 1000 == 0);   /* only v2's usage_usec sets it */
	scope_parse_inactive_file(text, &b);

	enum scope_mode mode;
	char path[PATH_MAX];
	if (scope_parse_setting(text, &mode, path) == 0 && mode == SCOPE_CGROUP)
		FUZZ_CHECK(path[0] == '/' && strstr(path, "/..") == NULL);
	free(text);
	return 0;
}
