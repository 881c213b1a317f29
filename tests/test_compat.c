/*
 * test_compat: lib/compat.c, the fallbacks for older glibc and kernels.
 *
 * close_range is wrapped (-Wl,--wrap=close_range,--wrap=syscall) so that it
 * can answer ENOSYS as on a RHEL 8 kernel, whichever way this build reaches
 * the system call (the glibc wrapper, or syscall(SYS_close_range) when
 * configure found none or was told so): the /proc/self/fd walk must then
 * close exactly the descriptors from lowfd up, including more than one
 * getdents buffer's worth.  compat_getdents64 is checked against
 * readdir(3) on a real directory.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compat.h"
#include "testutil.h"

static int enosys;      /* the wrapped close_range answers ENOSYS */
static int range_calls; /* how often it was asked */

#ifdef HAVE_CLOSE_RANGE
int __real_close_range(unsigned lo, unsigned hi, int flags);
int __wrap_close_range(unsigned lo, unsigned hi, int flags);
int __wrap_close_range(unsigned lo, unsigned hi, int flags)
{
	range_calls++;
	if (enosys) {
		errno = ENOSYS;
		return -1;
	}
	return __real_close_range(lo, hi, flags);
}
#endif

long __real_syscall(long n, ...);
long __wrap_syscall(long n, ...);
long __wrap_syscall(long n, ...)
{
	va_list ap;
	long a[6];
	va_start(ap, n);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
#ifdef SYS_close_range
	if (n == SYS_close_range) {
		range_calls++;
		if (enosys) {
			errno = ENOSYS;
			return -1;
		}
	}
#endif
	return __real_syscall(n, a[0], a[1], a[2], a[3], a[4], a[5]);
}

static bool is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/*
 * In a child (so the test's own descriptors are safe): open n descriptors,
 * close from the median one up with compat_close_from, and report through
 * the exit status: 0 when exactly the ones >= lowfd were closed.
 */
static int close_in_child(int n, int with_enosys)
{
	pid_t pid = fork();
	if (pid == 0) {
		enosys = with_enosys;
		range_calls = 0;
		int fds[600];
		for (int i = 0; i < n; i++)
			if ((fds[i] = open("/dev/null", O_RDONLY)) < 0)
				_exit(10);
		int lowfd = fds[n / 2];
		if (compat_close_from((unsigned)lowfd) != 0)
			_exit(11);
		for (int i = 0; i < n; i++)
			if (is_open(fds[i]) != (fds[i] < lowfd))
				_exit(12);
		if (!is_open(0) || !is_open(1) || !is_open(2))
			_exit(13);
		/* the wrapped call was asked when this build has a way to make it */
#if defined(HAVE_CLOSE_RANGE) || defined(SYS_close_range)
		if (range_calls != 1)
			_exit(14);
#endif
		_exit(0);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* The /proc/self/fd walk when close_range says ENOSYS (a 4.18 kernel). */
static void test_close_from_enosys(void **state)
{
	(void)state;
	assert_int_equal(close_in_child(20, 1), 0);
}

/* More descriptors than one 4 KiB getdents buffer lists at once. */
static void test_close_from_enosys_many(void **state)
{
	(void)state;
	assert_int_equal(close_in_child(500, 1), 0);
}

/* Where the system call works, the same result through it. */
static void test_close_from_native(void **state)
{
	(void)state;
	assert_int_equal(close_in_child(20, 0), 0);
}

/* The fallback on its own, with nothing to close above the range. */
static void test_close_from_proc_nothing(void **state)
{
	(void)state;
	int fd = open("/dev/null", O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(compat_close_from_proc((unsigned)fd + 100), 0);
	assert_true(is_open(fd));
	close(fd);
}

/* compat_getdents64 lists the same names readdir does. */
static void test_getdents64_lists_dir(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char rel[32];
	for (int i = 0; i < 300; i++) {
		snprintf(rel, sizeof rel, "file-%03d", i);
		tu_write(dir, rel, "x");
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	union {
		struct dirent64 align;
		char buf[1024]; /* small: several calls */
	} u;
	int files = 0, dots = 0, calls = 0;
	ssize_t n;
	while ((n = compat_getdents64(dfd, u.buf, sizeof u.buf)) > 0) {
		calls++;
		for (ssize_t off = 0; off < n;) {
			const struct dirent64 *e = (const struct dirent64 *)(u.buf + off);
			off += e->d_reclen;
			if (strncmp(e->d_name, "file-", 5) == 0 && e->d_type == DT_REG)
				files++;
			else if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				dots++;
		}
	}
	assert_int_equal(n, 0);
	assert_int_equal(files, 300);
	assert_int_equal(dots, 2);
	assert_true(calls > 1);
	/* a bad descriptor: -1 and EBADF, as the system call says */
	errno = 0;
	assert_int_equal(compat_getdents64(-1, u.buf, sizeof u.buf), -1);
	assert_int_equal(errno, EBADF);
	close(dfd);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_close_from_enosys),
		cmocka_unit_test(test_close_from_enosys_many),
		cmocka_unit_test(test_close_from_native),
		cmocka_unit_test(test_close_from_proc_nothing),
		cmocka_unit_test(test_getdents64_lists_dir),
	};
	return TU_RUN(tests);
}
