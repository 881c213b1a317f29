/*
 * pidtab: open-addressing hash tables for the process-table walk.
 *
 * struct pidtab maps a pid to the figures of one walk (CPU time, run-queue
 * wait, start time, parent, scheduling group); struct grouptab sums CPU
 * ticks used and waited per scheduling-group key.  Both are cleared, not
 * freed, between walks and only allocate when they grow (load factor 1/2) or, once a burst of
 * processes has passed, shrink: a clear that finds the last walk's count
 * under 1/8 of the capacity for TAB_SHRINK_WALKS clears in a row
 * reallocates at load factor 1/4 or less (a table sized by one burst of
 * thousands of processes would otherwise stay resident, and be cleared
 * every tick, for the life of the elim).  A steady state allocates
 * nothing.  Keys: pid > 0 and group key != 0 (0 marks an empty
 * slot).
 */
#ifndef ELIM_RANK_PIDTAB_H
#define ELIM_RANK_PIDTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pid_ent {
	int32_t pid; /* 0: empty slot */
	int32_t ppid;
	int32_t sid;    /* session */
	uint64_t start; /* start time in ticks since boot: tells pid reuse */
	uint64_t cpu;   /* utime + stime + cutime + cstime, ticks */
	uint64_t group; /* scheduling-group key; 0 until known */
	uint64_t delay_ns; /* run-queue wait of the main thread (/proc/PID/schedstat) */
	bool has_stat;  /* read from /proc/PID/stat in this walk */
	bool has_delay; /* delay_ns read in this walk */
	bool in_scope;  /* listed in the scope's cgroup tree in this walk (sampler_groups) */
};

struct pidtab {
	struct pid_ent *e;
	size_t cap; /* a power of two, or 0 */
	size_t n;
	unsigned low; /* clears in a row with n under cap / 8 */
};

#define TAB_MIN_CAP 256
#define TAB_SHRINK_WALKS 8   /* clears; sampler_groups clears each of its two pid
                                * tables every other walk (GROUPS_WALK_S): ~72 s */

/* Empty every slot; keeps the memory unless the table is to shrink (see
 * above; if that allocation fails the old memory is kept). */
void pidtab_clear(struct pidtab *t);
void pidtab_free(struct pidtab *t);

/* The entry of pid, or NULL. */
struct pid_ent *pidtab_find(const struct pidtab *t, int32_t pid);

/* The entry of pid, added zeroed (apart from pid) if absent; NULL when out
 * of memory. */
struct pid_ent *pidtab_get(struct pidtab *t, int32_t pid);

struct group_ent {
	uint64_t key; /* 0: empty slot */
	double ticks; /* CPU time used */
	double wait;  /* time runnable but waiting for a CPU, in ticks too */
};

struct grouptab {
	struct group_ent *e;
	size_t cap;
	size_t n;
	unsigned low; /* clears in a row with n under cap / 8 */
};

void grouptab_clear(struct grouptab *t);
void grouptab_free(struct grouptab *t);

/* Add ticks used (may be negative) and ticks waited to key's sums.
 * Returns 0, -EINVAL for key 0, or -ENOMEM. */
int grouptab_add(struct grouptab *t, uint64_t key, double ticks, double wait);

#endif
