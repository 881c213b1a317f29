/* /proc/net/dev and eth0's link speed in /sys through the net sampler. */
#include "config.h"
#include "fuzz.h"

static const char *const dirs[] = {
	"sys/class/net/eth0/device", "sys/class/net/eth1/device", NULL
};
static const char *const files[] = { "proc/net/dev", "sys/class/net/eth0/speed", NULL };
static const struct fuzz_tree tree = { dirs, files };

FUZZ_TARGET(proc_net)
{
	return fuzz_sampler_run(&sampler_net, &tree, data, size);
}
