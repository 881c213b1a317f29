/*
 * llc: the last-level cache a CPU shares, read from sysfs.
 *
 * Each CPU lists its caches under SYSFS/devices/system/cpu/cpuN/cache/
 * index*: `level` (1, 2, 3...), `type` (Data, Instruction, Unified), `size`
 * ("32768K") and `shared_cpu_list` ("0-7,64-71").  The last-level cache of
 * a CPU is its data or unified cache of the highest level; its size is the
 * size of that one instance, the part the CPU actually shares (on AMD the
 * L3 of one CCX, not the package total that lscpu sums).  The probe sizes
 * its contention walk from it (probe.h).
 *
 * Readers only read: nothing allocates, errors are returned (0 / -errno)
 * with a message naming the file in the caller's buffer.
 */
#ifndef ELIM_RANK_LLC_H
#define ELIM_RANK_LLC_H

#include <sched.h>
#include <stddef.h>
#include <stdint.h>

#define LLC_MAX_INDEX 16   /* cache/index0 .. index15 are looked at */

struct llc_info {
	int cpu;            /* the CPU it was read for */
	int level;          /* 1, 2, 3, ... */
	uint64_t bytes;     /* size of the instance this CPU shares */
	int nshared;        /* CPUs sharing it (from shared_cpu_list) */
	char shared[128];   /* shared_cpu_list as read, newline dropped */
};

/*
 * Parse a sysfs cache size: a decimal number, optionally followed by K, M
 * or G (powers of 1024), optional blanks and one newline, nothing else.
 * Returns 0 with *bytes set, or -EINVAL (also for 0 and overflow).
 */
int llc_parse_size(const char *text, uint64_t *bytes);

/*
 * Parse a CPU list ("0-3,8,10-11", a newline at the end allowed) into
 * set (cleared first; CPUs at or beyond CPU_SETSIZE are an error).
 * Returns the number of CPUs listed, or -EINVAL.
 */
int llc_parse_cpulist(const char *text, cpu_set_t *set);

/*
 * Read the last-level cache of CPU cpu under sysfs (the root, "/sys" on a
 * live host) into *out.  Returns 0, or -ENOENT (no cache directory: a
 * virtual machine may list none) or -EINVAL (a file that does not parse)
 * with a message naming the file in err.
 */
int llc_read(const char *sysfs, int cpu, struct llc_info *out, char *err, size_t errlen);

/*
 * The largest last-level cache over the CPUs in cpus (the ones a probe may
 * run on): the first error only when no CPU of the set could be read.
 */
int llc_largest(const char *sysfs, const cpu_set_t *cpus, struct llc_info *out,
		char *err, size_t errlen);

#endif
