#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <unistd.h>

#include "compat.h"
#include "dirscan.h"

int dirscan_start(struct dirscan *d, int fd, void *buf, size_t size)
{
	d->fd = fd;
	d->buf = buf;
	d->size = size;
	d->len = d->off = 0;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	return 0;
}

int dirscan_next(struct dirscan *d, const char **name, unsigned char *type)
{
	if (d->off >= d->len) {
		ssize_t n;
		do
			n = compat_getdents64(d->fd, d->buf, d->size);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		d->len = (size_t)n;
		d->off = 0;
	}
	const struct dirent64 *e = (const struct dirent64 *)(d->buf + d->off);
	d->off += e->d_reclen;
	*name = e->d_name;
	*type = e->d_type;
	return 1;
}
