/*
 * The per-process files of the groups sampler (elim/sampler_groups.c):
 * /proc/PID/stat and /proc/PID/schedstat.  The whole input goes to
 * groups_parse_stat and groups_parse_schedstat (a parse that succeeds gives
 * ids that fit a pid); then, cut at NUL bytes, it is the stat and schedstat
 * files of two processes, /proc/stat and the autogroup switch in a private
 * tree walked by the sampler, sampled in rounds (fuzz_sampler_run: its
 * features, cpu_groups_per_core and cpu_demand_per_core, unknown or finite,
 * and no other feature written).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "fuzz.h"
#include "sampler_groups.h"

static const char *const dirs[] = { "proc/100", "proc/101", "proc/sys/kernel", "sys", NULL };
static const char *const files[] = {
	"proc/100/stat", "proc/100/schedstat", "proc/101/stat", "proc/101/schedstat",
	"proc/stat", "proc/sys/kernel/sched_autogroup_enabled", NULL
};
static const struct fuzz_tree tree = { dirs, files };

FUZZ_TARGET(proc_pid)
{
	char *text = fuzz_strdup(data, size);
	struct groups_stat st;
	uint64_t on, delay;
	if (groups_parse_stat(text, &st) == 0)
		FUZZ_CHECK(st.ppid >= 0 && st.sid >= 0 && st.state != '\0');
	if (groups_parse_schedstat(text, &on, &delay) == 0)
		FUZZ_CHECK(text[0] != '\0');
	free(text);
	return fuzz_sampler_run(&sampler_groups, &tree, data, size);
}
