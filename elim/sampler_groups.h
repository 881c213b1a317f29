/*
 * sampler_groups: the process-table walk behind cpu_groups_per_core and
 * cpu_demand_per_core, usable on its own (tests, the benchmark).  See sampler_groups.c for what
 * a scheduling group is and how CPU time is attributed.
 */
#ifndef ELIM_RANK_SAMPLER_GROUPS_H
#define ELIM_RANK_SAMPLER_GROUPS_H

#include <stdint.h>

/* The elim walks the process table at most every this many seconds. */
#define GROUPS_WALK_S 4.5

/* The cgroup tree, and who is in each cgroup, are read every this many
 * walks (the first walk included). */
#define GROUPS_RESCAN_WALKS 12

struct groups_state;

/*
 * Open the walk over procfs and the cgroup trees under sysfs/fs/cgroup;
 * walk at most every walk_s seconds (0: every sample).  *out is owned by
 * the caller (groups_close).  Returns 0 or a negative errno.
 */
int groups_open(struct groups_state **out, const char *procfs, const char *sysfs, double walk_s);

/*
 * Walk if due, at monotonic time now_ns, and set *value to the groups that
 * used at least half a CPU over the last walk's interval per online CPU
 * (NAN before two walks or after an error).  Returns 0 or a negative errno.
 */
int groups_sample(struct groups_state *s, uint64_t now_ns, double *value);

/*
 * The last walk's groups that wanted at least half a CPU (used it, or were
 * runnable and waited for it: /proc/PID/schedstat) per online CPU, with the
 * same threshold and division as groups_sample's value; NAN when that is.
 */
double groups_demand(const struct groups_state *s);

enum groups_kind { GROUPS_CGROUP = 1, GROUPS_SESSION = 2, GROUPS_PROCESS = 3 };

/*
 * The group pid was in at the last walk: its kind and id (a cgroup's number
 * in the last scan, a session id, or the pid).  Returns 0, or -ENOENT when
 * the last walk did not see pid.
 */
int groups_group_of(const struct groups_state *s, int pid, enum groups_kind *kind, uint64_t *id);

/* Non-root cpu cgroups (task groups) the last walk saw. */
unsigned groups_cgroups_seen(const struct groups_state *s);

/*
 * Count only the processes in the cgroup directory members_dir and its
 * descendants (absolute path; read every walk), with ncpu CPUs: the busy
 * threshold is half a CPU, or half of ncpu when that is less, and the
 * value is per ncpu.  NULL or "": every process and the online CPUs.
 * Call before the first sample.  Returns 0 or -ENAMETOOLONG.
 */
int groups_set_scope(struct groups_state *s, const char *members_dir, double ncpu);

/* Free everything; NULL is fine. */
void groups_close(struct groups_state *s);

/* What the walk takes from /proc/PID/stat. */
struct groups_stat {
	int32_t ppid, sid;
	uint64_t cpu;   /* utime + stime + cutime + cstime, ticks */
	uint64_t start; /* start time, ticks after boot */
	char state;     /* R running or runnable, S sleeping, ... */
};

/* Parse /proc/PID/stat (for the walk, and for tests).  Returns 0 or
 * -EINVAL. */
int groups_parse_stat(const char *text, struct groups_stat *st);

/* For tests: parse /proc/PID/schedstat (on-CPU ns, run-queue wait ns,
 * timeslices).  Returns 0 or -EINVAL. */
int groups_parse_schedstat(const char *text, uint64_t *oncpu_ns, uint64_t *delay_ns);

#endif
