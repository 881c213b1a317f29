#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "record.h"

int record_format(char *buf, size_t size, const char *name, double value)
{
	if (!isfinite(value) || value < 0)
		value = 0;
	if (value > 1e12)
		value = 1e12;
	long long tenths = llround(value * 10.0);
	int n = snprintf(buf, size, "1 %s %lld.%lld\n", name, tenths / 10, tenths % 10);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return n;
}

int record_write(int fd, const char *buf, size_t len)
{
	int pending = 0;
	if (ioctl(fd, FIONREAD, &pending) == 0 && pending > 0)
		return -EAGAIN;
	for (;;) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		return (size_t)n == len ? 0 : -EIO;
	}
}
