/*
 * scope: what "this host" is for the elim, the machine or a cgroup.
 *
 * Batch hosts are often containers or cgroup slices of a bigger machine:
 * /proc/stat, /proc/loadavg and the global PSI files describe the machine,
 * not the CPUs, quota and memory the host has.  scope_resolve reads the
 * elim's own cgroup (procfs/self/cgroup, cgroup v1 and v2), the hierarchies
 * under sysfs/fs/cgroup (v2 when fs/cgroup/cgroup.controllers exists, else
 * v1 controllers at fs/cgroup/<name>, co-mounted names such as
 * "cpu,cpuacct" too), its CPU set, the smallest CPU quota and the smallest
 * memory limit on its path, and decides:
 *
 *   host          the machine, always;
 *   cgroup:PATH   the cgroup PATH (relative to each hierarchy's root, e.g.
 *                 "/lsf/host1"), always;
 *   auto          the elim's own cgroup when it limits CPU (a CPU set
 *                 smaller than the machine's, or a quota anywhere on its
 *                 path), else the machine; memory is judged against a
 *                 memory limit on the path whenever one applies (unless
 *                 host).
 *
 * In cgroup scope the samplers read (docs/samplers.md, "Scope"): busy time
 * from the per-CPU lines of /proc/stat for the allowed CPUs; ncpu = the
 * set's size, reduced by a quota; usage against the quota and throttling
 * (cpu.stat); memory used = usage less inactive file over the limit; PSI
 * from the cgroup's own pressure files on v2 (unknown on v1); scheduling
 * groups among the processes of the scope's cgroup.  Disk, network, the
 * run queue and the load average stay the machine's.
 *
 * Nothing here logs: the decision and why are in scope->why.  Setup only
 * (opens, reads and closes files); the samplers open what they re-read.
 */
#ifndef ELIM_RANK_SCOPE_H
#define ELIM_RANK_SCOPE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCOPE_MAX_CPUS 1024
#define SCOPE_MASK_WORDS (SCOPE_MAX_CPUS / 64)

/* cgroup v1's "no memory limit" (PAGE_COUNTER_MAX x 4 KiB, rounded) */
#define SCOPE_V1_NO_LIMIT 9223372036854771712ULL

enum scope_mode { SCOPE_AUTO, SCOPE_HOST, SCOPE_CGROUP };

/* Where the elim is in each hierarchy: /proc/self/cgroup parsed. */
struct scope_cgpaths {
	char v2[PATH_MAX];      /* the "0::" line's path, "" if none */
	char cpuset[PATH_MAX];  /* v1 paths, "" if the controller has no line */
	char cpu[PATH_MAX];
	char cpuacct[PATH_MAX];
	char memory[PATH_MAX];
};

/* A CPU set, as a bit mask. */
struct scope_cpus {
	uint64_t bits[SCOPE_MASK_WORDS];
	unsigned n;
};

/* The counters of a cpu.stat file (v1 cpu controller or v2). */
struct scope_cpu_stat {
	uint64_t nr_periods, nr_throttled;
	uint64_t throttled_ns;  /* v1 throttled_time, v2 throttled_usec x 1000 */
	uint64_t usage_ns;      /* v2 usage_usec x 1000 */
	bool have_throttled, have_usage;
};

struct scope {
	enum scope_mode mode;   /* as asked */
	bool cgroup;            /* the decision: CPU is judged in the cgroup */
	bool mem_limited;       /* memory is judged against mem_limit */
	int version;            /* 1, 2, or 0: no cgroup file system found */
	char path[PATH_MAX];    /* the scope's cgroup path (cgroup scope) */
	struct scope_cpus cpus; /* the allowed CPUs (all online in host scope) */
	unsigned machine_cpus;  /* CPUs of the machine (/proc/stat's per-CPU lines and sysfs's online) */
	double quota_cpus;      /* smallest quota / period on the path; 0: none */
	double ncpu;            /* cpus.n, reduced by the quota (cgroup scope) */
	uint64_t mem_limit;     /* smallest memory limit on the path, bytes; 0 none */
	/* absolute directories the samplers read; "" when none */
	char members_dir[PATH_MAX];  /* whose processes (and descendants') are the scope's */
	char cpustat_dir[PATH_MAX];  /* cpu.stat of the quota's cgroup (throttling) */
	char usage_dir[PATH_MAX];    /* its usage: v1 cpuacct.usage, v2 cpu.stat */
	char mem_dir[PATH_MAX];      /* the cgroup of the smallest memory limit */
	char psi_dir[PATH_MAX];      /* v2: the scope's cgroup, for *.pressure */
	char why[1024];              /* the decision, for the log, --check-config, --explain */
};

/*
 * Parse a scope setting ("auto", "host", "cgroup:/PATH") into mode and,
 * for cgroup, path (PATH_MAX bytes).  Returns 0 or -EINVAL.
 */
int scope_parse_setting(const char *value, enum scope_mode *mode, char *path);

/*
 * Decide the scope for setting (NULL: auto) with the roots procfs and
 * sysfs.  s is the caller's; filled whole.  Returns 0 (a scope is always
 * decided: host when nothing else can be) or -EINVAL for a bad setting or
 * a cgroup:PATH that exists in no hierarchy, with a message in err.
 */
int scope_resolve(struct scope *s, const char *setting, const char *procfs, const char *sysfs,
		  char *err, size_t errlen);

/* Is cpu in the set? */
static inline bool scope_has_cpu(const struct scope_cpus *c, unsigned cpu)
{
	return cpu < SCOPE_MAX_CPUS && (c->bits[cpu / 64] >> (cpu % 64) & 1);
}

/* ---- parsers (each fuzzed: tests/fuzz/fuzz_cgroup.c) ---- */

/* /proc/PID/cgroup ("ID:CONTROLLERS:PATH" lines).  Returns 0, or -EINVAL
 * when no line is well formed. */
int scope_parse_proc_cgroup(const char *text, struct scope_cgpaths *p);

/* A CPU list such as "0-3,8,10-11\n" (cpuset.cpus, .effective_cpus).
 * Returns 0 (an empty list is an empty set) or -EINVAL. */
int scope_parse_cpulist(const char *text, struct scope_cpus *c);

/* v2 cpu.max ("max 100000" or "50000 100000"): *cpus = quota / period,
 * 0 for max.  Returns 0 or -EINVAL. */
int scope_parse_cpu_max(const char *text, double *cpus);

/* A v1 cpu.cfs_quota_us ("-1" or a number) and cpu.cfs_period_us:
 * *cpus = quota / period, 0 for no quota.  Returns 0 or -EINVAL. */
int scope_parse_cfs_quota(const char *quota, const char *period, double *cpus);

/* A memory limit: v1 memory.limit_in_bytes, v2 memory.max ("max").
 * *bytes = 0 for no limit (max, or v1's SCOPE_V1_NO_LIMIT and above).
 * Returns 0 or -EINVAL. */
int scope_parse_mem_limit(const char *text, uint64_t *bytes);

/* cpu.stat, v1 or v2.  Returns 0 or -EINVAL when no known key is there. */
int scope_parse_cpu_stat(const char *text, struct scope_cpu_stat *st);

/* memory.stat: the inactive file cache (v1 total_inactive_file, else
 * inactive_file).  Returns 0 or -EINVAL when neither is there. */
int scope_parse_inactive_file(const char *text, uint64_t *bytes);

#endif
