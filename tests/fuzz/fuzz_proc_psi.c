/* /proc/pressure/{cpu,memory,io} through the psi sampler (psi_parse). */
#include "config.h"
#include "fuzz.h"

static const char *const files[] = {
	"proc/pressure/cpu", "proc/pressure/memory", "proc/pressure/io", NULL
};
static const struct fuzz_tree tree = { NULL, files };

FUZZ_TARGET(proc_psi)
{
	return fuzz_sampler_run(&sampler_psi, &tree, data, size);
}
