/*
 * compat: the system calls older releases lack, with fallbacks.
 *
 * RHEL 8 has glibc 2.28 and kernel 4.18: no getdents64() wrapper (glibc
 * 2.30) and no close_range() (glibc 2.34; the system call is from Linux
 * 5.9, so even where the wrapper exists a 4.18 kernel answers ENOSYS).
 * configure checks for both wrappers (AC_CHECK_FUNCS: HAVE_GETDENTS64,
 * HAVE_CLOSE_RANGE); `ac_cv_func_getdents64=no ac_cv_func_close_range=no
 * ./configure` forces the fallbacks on any system, which is how they are
 * tested on Debian (docs/testing.md).
 *
 * Both functions are async-signal-safe (system calls only, no allocation,
 * a buffer on the stack), so a forked child of a threaded process may call
 * them before exec.
 */
#ifndef ELIM_RANK_COMPAT_H
#define ELIM_RANK_COMPAT_H

#include <stddef.h>
#include <sys/types.h>

/*
 * getdents64(2): fill buf (size bytes, aligned for struct dirent64) with
 * the next entries of the directory open on fd.  Returns the bytes filled,
 * 0 at the end, or -1 with errno set (as the system call does).  Without
 * the glibc wrapper it is the raw system call.
 */
ssize_t compat_getdents64(int fd, void *buf, size_t size);

/*
 * Close every file descriptor >= lowfd.  close_range(lowfd, ~0U, 0) where
 * it exists and works; when it is missing or answers ENOSYS (or EINVAL),
 * compat_close_from_proc.  Returns 0, or a negative errno when nothing
 * could be done (the caller may then close what it knows of itself).
 */
int compat_close_from(unsigned lowfd);

/*
 * The fallback on its own: list /proc/self/fd and close each descriptor
 * >= lowfd (again until a pass closes none, since closing while listing
 * may skip entries); without /proc, close lowfd .. RLIMIT_NOFILE - 1.
 * Returns 0 or a negative errno.
 */
int compat_close_from_proc(unsigned lowfd);

#endif
