#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compat.h"

ssize_t compat_getdents64(int fd, void *buf, size_t size)
{
#ifdef HAVE_GETDENTS64
	return getdents64(fd, buf, size);
#else
	return (ssize_t)syscall(SYS_getdents64, fd, buf, size);
#endif
}

/* close_range(lowfd, ~0U, 0): the glibc wrapper, else the raw system call
 * where the headers know its number, else ENOSYS. */
static int sys_close_range(unsigned lowfd)
{
#if defined(HAVE_CLOSE_RANGE)
	return close_range(lowfd, ~0U, 0);
#elif defined(SYS_close_range)
	return (int)syscall(SYS_close_range, lowfd, ~0U, 0);
#else
	(void)lowfd;
	errno = ENOSYS;
	return -1;
#endif
}

/* A decimal file descriptor number, or -1 ("." and ".." included). */
static long fd_number(const char *s)
{
	long v = 0;
	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > INT32_MAX / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

int compat_close_from_proc(unsigned lowfd)
{
	int dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		struct rlimit rl;
		long max = 1024;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
		    rl.rlim_cur < (rlim_t)INT32_MAX)
			max = (long)rl.rlim_cur;
		for (long fd = lowfd; fd < max; fd++)
			close((int)fd);
		return 0;
	}
	union {
		struct dirent64 align;
		char buf[4096];
	} u;
	int closed;
	do {
		closed = 0;
		if (lseek(dfd, 0, SEEK_SET) < 0)
			goto fail;
		for (;;) {
			ssize_t n = compat_getdents64(dfd, u.buf, sizeof u.buf);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				goto fail;
			if (n == 0)
				break;
			for (ssize_t off = 0; off < n;) {
				const struct dirent64 *e = (const struct dirent64 *)(u.buf + off);
				off += e->d_reclen;
				long fd = fd_number(e->d_name);
				if (fd < 0 || fd == dfd || fd < (long)lowfd)
					continue;
				close((int)fd);
				closed++;
			}
		}
	} while (closed > 0);
	close(dfd);
	return 0;
fail:;
	int e = errno;
	close(dfd);
	return -e;
}

int compat_close_from(unsigned lowfd)
{
	if (sys_close_range(lowfd) == 0)
		return 0;
	if (errno != ENOSYS && errno != EINVAL)
		return -errno;
	return compat_close_from_proc(lowfd);
}
