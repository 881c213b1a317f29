/* /proc/diskstats through the disk sampler, with whole disks sda, sdb and
 * dm-0 (on sda) in /sys/block. */
#include "config.h"
#include "fuzz.h"

static const char *const dirs[] = {
	"sys/block/sda", "sys/block/sdb", "sys/block/dm-0/slaves/sda", NULL
};
static const char *const files[] = { "proc/diskstats", NULL };
static const struct fuzz_tree tree = { dirs, files };

FUZZ_TARGET(proc_disk)
{
	return fuzz_sampler_run(&sampler_disk, &tree, data, size);
}
