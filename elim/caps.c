#include "config.h"

#include <errno.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"

static int cap_get(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	return syscall(SYS_capget, &h, d) == 0 ? 0 : -errno;
}

int caps_limit_thread(uint64_t keep)
{
	struct __user_cap_data_struct d[2];
	int rc = cap_get(d);
	if (rc < 0)
		return rc;
	uint32_t lo = (uint32_t)keep, hi = (uint32_t)(keep >> 32);
	d[0].effective &= lo;
	d[0].permitted &= lo;
	d[0].inheritable &= lo;
	d[1].effective &= hi;
	d[1].permitted &= hi;
	d[1].inheritable &= hi;
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	return syscall(SYS_capset, &h, d) == 0 ? 0 : -errno;
}

uint64_t caps_effective(void)
{
	struct __user_cap_data_struct d[2];
	if (cap_get(d) < 0)
		return 0;
	return (uint64_t)d[0].effective | ((uint64_t)d[1].effective << 32);
}
