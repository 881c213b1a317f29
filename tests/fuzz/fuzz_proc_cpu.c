/* /proc/stat and /proc/loadavg through the cpu sampler (cpu_parse_stat). */
#include "config.h"
#include "fuzz.h"

static const char *const files[] = { "proc/stat", "proc/loadavg", NULL };
static const struct fuzz_tree tree = { NULL, files };

FUZZ_TARGET(proc_cpu)
{
	return fuzz_sampler_run(&sampler_cpu, &tree, data, size);
}
