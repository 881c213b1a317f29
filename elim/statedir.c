#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "statedir.h"

int statedir_make(const char *dir)
{
	char buf[4096];
	if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
		return -ENAMETOOLONG;
	for (char *p = buf + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(buf, 0750) < 0 && errno != EEXIST)
				return -errno;
			*p = c;
			if (c == '\0')
				break;
		}
	}
	return 0;
}

int statedir_lock_try(const char *lockpath, int *fd)
{
	*fd = -1;
	int f = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (f < 0)
		return -errno;
	if (flock(f, LOCK_EX | LOCK_NB) < 0) {
		int e = errno == EWOULDBLOCK ? -EWOULDBLOCK : -errno;
		close(f);
		return e;
	}
	char pid[32];
	int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(f, 0) == 0 && pwrite(f, pid, (size_t)n, 0) < 0) {
		/* the pid is only for messages: a full disk does not stop the lock */
	}
	*fd = f;
	return 0;
}

long statedir_lock_holder(const char *lockpath)
{
	char buf[32];
	int f = open(lockpath, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (f < 0)
		return 0;
	ssize_t n = read(f, buf, sizeof buf - 1);
	close(f);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

int statedir_move_aside(const char *path, time_t now, char *moved, size_t movedlen)
{
	struct tm tm;
	char stamp[32], target[4096];
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
	for (int i = 0; i < 100; i++) {
		int n = i == 0 ? snprintf(target, sizeof target, "%s.bad-%s", path, stamp)
			: snprintf(target, sizeof target, "%s.bad-%s.%d", path, stamp, i);
		if (n < 0 || (size_t)n >= sizeof target - 16)
			return -ENAMETOOLONG;
		if (access(target, F_OK) == 0)
			continue;
		if (rename(path, target) < 0)
			return -errno;
		static const char *const companions[] = { "-wal", "-shm", "-journal" };
		for (size_t c = 0; c < 3; c++) {
			char from[4096 + 16], to[4096 + 16];
			snprintf(from, sizeof from, "%s%s", path, companions[c]);
			snprintf(to, sizeof to, "%s%s", target, companions[c]);
			if (rename(from, to) < 0 && errno != ENOENT) {
				/* the main file moved: a stray companion is removed by SQLite
				 * when it finds no database beside it */
			}
		}
		if (moved)
			snprintf(moved, movedlen, "%s", target);
		return 0;
	}
	return -EEXIST;
}

void statedir_dirname(const char *path, char *out, size_t outlen)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(out, outlen, ".");
	else if (slash == path)
		snprintf(out, outlen, "/");
	else
		snprintf(out, outlen, "%.*s", (int)(slash - path), path);
}
