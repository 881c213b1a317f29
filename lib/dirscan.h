/*
 * dirscan: list a directory through getdents64 into a caller's buffer.
 *
 * Unlike opendir/readdir, nothing is allocated, so a walk of /proc or of a
 * cgroup tree every tick allocates nothing.  The directory fd stays the
 * caller's; dirscan_start rewinds it.
 */
#ifndef ELIM_RANK_DIRSCAN_H
#define ELIM_RANK_DIRSCAN_H

#include <stddef.h>

struct dirscan {
	int fd;
	char *buf; /* caller's, aligned for struct dirent64 */
	size_t size;
	size_t len, off; /* bytes in buf, position of the next entry */
};

/* Rewind fd and start listing it.  Returns 0 or a negative errno. */
int dirscan_start(struct dirscan *d, int fd, void *buf, size_t size);

/*
 * The next entry ("." and ".." included): *name (valid until the next
 * call) and *type (a DT_* value, DT_UNKNOWN on some filesystems).
 * Returns 1, 0 at the end, or a negative errno.
 */
int dirscan_next(struct dirscan *d, const char **name, unsigned char *type);

#endif
