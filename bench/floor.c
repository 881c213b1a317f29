/*
 * floor: the cost floor for elim.rank's sampling.  Every tick it re-reads
 * the same kernel files the samplers read (kept open, one read each, as
 * procfile does) and parses the numbers the samplers take from them, as they do (the
 * same lines, the same bounded parsers), and nothing else: no
 * model, no history, no record.  bench/cost.py compares elim.rank to it.
 *
 * Usage: floor INTERVAL_S COUNT [PROCFS]
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parse.h"
#include "procfile.h"

#define NSEC 1000000000ULL

enum {
	F_STAT,
	F_LOADAVG,
	F_PSI_CPU,
	F_PSI_MEM,
	F_PSI_IO,
	F_MEMINFO,
	F_VMSTAT,
	F_DISK,
	F_NET,
	NFILES
};
static const char *const files[NFILES] = {
    "stat",    "loadavg", "pressure/cpu", "pressure/memory", "pressure/io",
    "meminfo", "vmstat",  "diskstats",    "net/dev",
};

/*
 * Take the numbers after the keys a sampler needs; skip every other line.
 * With once, each key is taken once and the scan stops when all are seen
 * (as mem_parse_meminfo and mem_parse_vmstat do; /proc/stat is read to
 * the end, as cpu_parse_stat counts the cpuN lines).
 */
static uint64_t keyed(const char *p, const char *const *keys, size_t nkeys, bool once)
{
	uint64_t sum = 0, v;
	unsigned seen = 0, all = (1u << nkeys) - 1;
	do {
		for (size_t k = 0; k < nkeys; k++)
			if (p[0] == keys[k][0] && parse_starts(p, keys[k])) {
				const char *q = p + strlen(keys[k]);
				while (parse_u64(&q, &v))
					sum += v;
				seen |= 1u << k;
				break;
			}
	} while (!(once && seen == all) && parse_next_line(&p));
	return sum;
}

/* Every number of every line after the first skip bytes (diskstats, net/dev). */
static uint64_t table(const char *p, char sep)
{
	uint64_t sum = 0, v;
	char word[64];
	do {
		const char *q = p;
		if (sep) {
			const char *c = strchr(q, sep), *nl = strchr(q, '\n');
			if (c == NULL || (nl && c > nl))
				continue;
			q = c + 1;
		} else {
			parse_u64(&q, &v);
			parse_u64(&q, &v);
			parse_word(&q, word, sizeof word);
		}
		while (parse_u64(&q, &v))
			sum += v;
	} while (parse_next_line(&p));
	return sum;
}

static uint64_t parse_file(int i, const char *p)
{
	static const char *const stat_keys[] = {"cpu ", "ctxt ", "procs_running "};
	static const char *const psi_keys[] = {"some ", "full "};
	static const char *const mem_keys[] = {
	    "MemTotal:", "MemAvailable:", "SwapTotal:", "SwapFree:", "Dirty:", "Writeback:"};
	static const char *const vm_keys[] = {"pswpin ", "pswpout ", "pgmajfault "};
	double d;
	uint64_t v, sum = 0;
	switch (i) {
	case F_STAT:
		return keyed(p, stat_keys, 3, false);
	case F_LOADAVG:
		return parse_double(&p, &d) ? (uint64_t)d : 0;
	case F_PSI_CPU:
	case F_PSI_MEM:
	case F_PSI_IO:
		(void)psi_keys;
		for (const char *t = p; (t = strstr(t, "total=")) != NULL;)
			if (t += 6, parse_u64(&t, &v))
				sum += v;
		return sum;
	case F_MEMINFO:
		return keyed(p, mem_keys, 6, true);
	case F_VMSTAT:
		return keyed(p, vm_keys, 3, true);
	case F_DISK:
		return table(p, 0);
	default:
		return table(p, ':');
	}
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: floor INTERVAL_S COUNT [PROCFS]\n");
		return 2;
	}
	double interval = atof(argv[1]);
	long count = atol(argv[2]);
	const char *procfs = argc > 3 ? argv[3] : "/proc";
	struct procfile pf[NFILES];
	for (size_t i = 0; i < NFILES; i++)
		procfile_open(&pf[i], procfs, files[i]); /* a missing file stays closed */

	uint64_t step = (uint64_t)(interval * 1e9), sum = 0;
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (long t = 0; t <= count; t++) { /* count + 1 reads, as the elim primes once */
		for (size_t i = 0; i < NFILES; i++) {
			if (procfile_read(&pf[i]) <= 0)
				continue;
			sum += parse_file((int)i, pf[i].buf);
		}
		uint64_t ns = (uint64_t)next.tv_nsec + step;
		next.tv_sec += (time_t)(ns / NSEC);
		next.tv_nsec = (long)(ns % NSEC);
		if (t < count)
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	for (size_t i = 0; i < NFILES; i++)
		procfile_close(&pf[i]);
	printf("%llu\n", (unsigned long long)(sum & 1));
	return 0;
}
