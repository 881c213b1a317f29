/*
 * probe_cgroup: where the probe runs, among the cgroups jobs run in.
 *
 * Where jobs sit in cpu cgroups of their own, CFS shares CPU between
 * groups by weight, and a probe outside them meets a different competition
 * than a new job does.  --probe-cgroup takes:
 *
 *   auto  find where jobs run: under each mounted cpu, cpuacct and cpuset
 *         hierarchy (cgroup v1; the unified tree on v2) LSF's top directory
 *         "lsf" or OpenLava's "openlava"; the jobs' parent is the first
 *         directory down from it that holds a job directory ("job.*", or
 *         OpenLava's numbered ones), else the top's only subdirectory (the
 *         cluster's), else the top.  Each probe then runs in a leaf of its
 *         own beside the jobs, elim-rank-probe-PID (the elim's pid), made
 *         before the probe starts in each of those hierarchies (a v1 cpuset
 *         leaf gets cpuset.cpus and cpuset.mems copied from its parent) and
 *         removed once the probe is reaped.  Never under memory: the
 *         probe's buffer must not be charged to jobs.  Nothing found: the
 *         probe runs where the elim does (said once in why).
 *   DIR   join DIR itself; if it has vanished, it is made again (a v1
 *         cpuset copying its parent's cpus and mems), else that probe
 *         runs where the elim does.
 *
 * The caller logs: prepare returns why it could not place a probe (then
 * the probe runs unplaced), and `running` names the cgroup(s) the last
 * probe ran in.  prepare and release are called from the elim's main
 * thread around the probe's fork and reaping; join in the forked child.
 * No allocation.
 */
#ifndef ELIM_RANK_PROBE_CGROUP_H
#define ELIM_RANK_PROBE_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define PROBE_CG_MAX 4

struct probe_cgroup {
	bool on;                              /* a setting was given */
	bool leaf;                            /* auto: a leaf per probe */
	int n;                                /* hierarchies (parents) */
	char parent[PROBE_CG_MAX][PATH_MAX];  /* the jobs' parent, or DIR */
	bool v1_cpuset[PROBE_CG_MAX];         /* new dirs need cpus and mems */
	char made[PROBE_CG_MAX][PATH_MAX];    /* leaves made and not yet removed */
	int nplaced;                          /* dirs the next child joins */
	char placed[PROBE_CG_MAX][PATH_MAX];
	char found[1024];                     /* how auto found them, or "" */
	char running[1024];                   /* the last probe's cgroups, or "" */
};

/*
 * Set up for setting (NULL: off; "auto"; or a directory) with the cgroup
 * file systems under sysfs/fs/cgroup.  auto finding nothing is no error
 * (on stays true, n is 0, found says why).  Returns 0, or a negative errno
 * with a message in err for a directory that is not a cgroup
 * (no cgroup.procs).
 */
int probe_cgroup_init(struct probe_cgroup *pc, const char *setting, const char *sysfs, char *err,
		      size_t errlen);

/*
 * Before a probe's fork: make its leaves (auto) or check and remake DIR,
 * removing leaves a previous probe left.  id names the leaf (the elim's
 * pid).  Returns 0 (placed: nplaced dirs, running says which; 0 dirs when
 * there is nowhere to go), or a negative errno with why in err: then
 * nothing is placed and the probe runs where the elim does.
 */
int probe_cgroup_prepare(struct probe_cgroup *pc, int id, char *err, size_t errlen);

/* In the probe's child: join every placed dir.  Returns 0 or -errno. */
int probe_cgroup_join(const struct probe_cgroup *pc);

/* After the probe was reaped: remove its leaves.  One that cannot be
 * removed yet is tried again by the next prepare and by release. */
void probe_cgroup_release(struct probe_cgroup *pc);

#endif
