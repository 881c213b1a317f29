/* /proc/meminfo and /proc/vmstat through the mem sampler
 * (mem_parse_meminfo, mem_parse_vmstat). */
#include "config.h"
#include "fuzz.h"

static const char *const files[] = { "proc/meminfo", "proc/vmstat", NULL };
static const struct fuzz_tree tree = { NULL, files };

FUZZ_TARGET(proc_mem)
{
	return fuzz_sampler_run(&sampler_mem, &tree, data, size);
}
